//! `finmart check-record`: every stored application read against the rules the lending record enforces
//! ([`Store::record_breaches`]), reported grouped by rule for a person or as JSON for a machine. It changes
//! nothing; the exit code says what it found (see [`CLEAN`], [`BREACHES`], [`FAILED`]).

use crate::{Config, Exit, connect};
use finmart_domain::Labelled;
use finmart_store::{RecordCheck, Store};
use finmart_web::telemetry;
use serde_json::json;

/// Exit code: every application keeps the rules.
pub const CLEAN: u8 = 0;
/// Exit code: at least one application breaks a rule (the report says which).
pub const BREACHES: u8 = 1;
/// Exit code: the check could not run (the database cannot be read).
pub const FAILED: u8 = 2;

/// How many breaches of one rule the summary lists (all of them are in `--json`).
const LISTED_PER_RULE: usize = 50;

/// Runs the check and prints the report: a summary to standard output, or with `json` the whole report.
///
/// # Errors
/// [`Exit`] with [`BREACHES`] when something breaks a rule (after the report is printed), with [`FAILED`]
/// when the database cannot be read.
pub async fn run(config: &Config, json: bool) -> anyhow::Result<()> {
    telemetry::init(config.log_json);
    let report = check(config).await.map_err(|e| Exit { code: FAILED, message: format!("error: {e:#}") })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&as_json(&report))?);
    } else {
        print!("{}", summary(&report));
    }
    if report.is_clean() {
        Ok(())
    } else {
        let n = report.breaches.len();
        Err(Exit {
            code: BREACHES,
            message: format!("记录检查发现 {n} 处不符合规则 / the record check found {n} breaches"),
        }
        .into())
    }
}

async fn check(config: &Config) -> anyhow::Result<RecordCheck> {
    let store: Store = connect(config).await?;
    let report = store.record_breaches().await?;
    store.close().await?;
    Ok(report)
}

/// The report for machines: each breach with its rule's code and sentences, the counts by rule.
#[must_use]
pub fn as_json(report: &RecordCheck) -> serde_json::Value {
    let counts: serde_json::Map<String, serde_json::Value> =
        report.counts().into_iter().map(|(rule, n)| (rule.as_str().to_owned(), json!(n))).collect();
    let breaches: Vec<serde_json::Value> = report
        .breaches
        .iter()
        .map(|b| {
            json!({
                "application_id": b.application_id,
                "rule": b.rule.as_str(),
                "rule_zh": b.rule.label_zh(),
                "rule_en": b.rule.label_en(),
                "detail_zh": b.detail_zh,
                "detail_en": b.detail_en,
                "values": b.values,
            })
        })
        .collect();
    json!({
        "clean": report.is_clean(),
        "applications": report.applications,
        "counts": counts,
        "breaches": breaches,
        "without_product": report.without_product,
    })
}

/// The report for a person: one line overall, then each rule broken with its breaches, Chinese first.
#[must_use]
pub fn summary(report: &RecordCheck) -> String {
    let n = report.applications;
    let mut out = if report.is_clean() {
        format!("记录检查 / record check: {n} 份申请，全部符合规则 / {n} applications, all within the rules\n")
    } else {
        let found = report.breaches.len();
        format!(
            "记录检查 / record check: {n} 份申请中发现 {found} 处不符合规则 / {found} breaches in {n} applications\n"
        )
    };
    for (rule, count) in report.counts() {
        out.push_str(&format!("\n[{}] {} / {} — {count} 处\n", rule.as_str(), rule.label_zh(), rule.label_en()));
        let of_rule = report.breaches.iter().filter(|b| b.rule == rule);
        for b in of_rule.clone().take(LISTED_PER_RULE) {
            out.push_str(&format!("  申请 #{}：{}\n      {}\n", b.application_id, b.detail_zh, b.detail_en));
        }
        let rest = of_rule.count().saturating_sub(LISTED_PER_RULE);
        if rest > 0 {
            out.push_str(&format!("  ……另有 {rest} 处（--json 列出全部） / {rest} more (all in --json)\n"));
        }
    }
    if !report.without_product.is_empty() {
        let ids: Vec<String> = report.without_product.iter().map(|id| format!("#{id}")).collect();
        out.push_str(&format!(
            "\n注意：以下申请的产品无法读取，批准条件未按产品额度检查 / not checked against their product, which cannot be read: {}\n",
            ids.join(" ")
        ));
    }
    out
}
