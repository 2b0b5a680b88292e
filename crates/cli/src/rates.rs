//! `finmart rates list|set`: the reference rates from the command line, with the same rules, refusals and
//! audit entries as the operator's `/admin/rates` (the store checks and records them). A publication
//! re-announces the products priced on the rate, so running servers follow it within a second.

use crate::{Config, aligned, connect, refusal};
use clap::Subcommand;
use finmart_domain::{Labelled, PublicationInput};
use finmart_store::{AuditEvent, ReferenceRateEntry, Store};
use finmart_web::telemetry;
use serde_json::json;

/// Who entered a publication made here, in the history.
const ENTERED_BY: &str = "finmart rates set";

#[derive(Debug, Subcommand)]
pub enum RatesCommand {
    /// List every publication entered (newest first within each kind), marking the ones in force.
    List {
        #[command(flatten)]
        config: Config,
    },
    /// Enter a publication: `--kind lpr_1y --percent 3.0 --published 2025-05-20`.
    Set {
        /// `lpr_1y`, `lpr_5y`, `benchmark_1y`, `benchmark_1_5y`, `benchmark_5y_plus` (or the Chinese label).
        #[arg(long)]
        kind: String,
        /// The rate in percent, two decimals at most: `3.0`, `3.45`.
        #[arg(long)]
        percent: String,
        /// The day it was published (for a benchmark rate, the day it took effect): `YYYY-MM-DD`, not after
        /// today.
        #[arg(long)]
        published: String,
        /// Where it was read.
        #[arg(long, default_value = "")]
        source: String,
        /// Correct the value already entered for this kind and day.
        #[arg(long)]
        correction: bool,
        #[command(flatten)]
        config: Config,
    },
}

/// Runs one rates command.
///
/// # Errors
/// A refusal (every bad field, a day already entered, nothing to correct) or a database failure.
pub async fn run(command: RatesCommand) -> anyhow::Result<()> {
    match command {
        RatesCommand::List { config } => {
            let store = open(&config).await?;
            print!("{}", table(&store.reference_rate_history().await?));
            Ok(())
        }
        RatesCommand::Set { kind, percent, published, source, correction, config } => {
            let store = open(&config).await?;
            let input = PublicationInput {
                kind: &kind,
                percent: &percent,
                published_on: &published,
                source: &source,
                correction,
            };
            let event = AuditEvent::anonymous(None, "reference_rate.publish").detail(json!({ "via": ENTERED_BY }));
            let entry = store
                .publish_reference_rate(&input, ENTERED_BY, event)
                .await
                .map_err(|e| anyhow::anyhow!("利率未录入 / rate not entered: {}", refusal(e)))?;
            let p = entry.publication;
            let now = if entry.current { "现行 / in force" } else { "仅记入历史 / history only" };
            eprintln!(
                "已录入 / entered: {} {} {}（{now}）",
                p.kind.label_zh(),
                p.rate.percent_text_fixed(),
                p.published_on
            );
            Ok(())
        }
    }
}

async fn open(config: &Config) -> anyhow::Result<Store> {
    telemetry::init(config.log_json);
    connect(config).await
}

/// The history as a table of aligned columns.
fn table(entries: &[ReferenceRateEntry]) -> String {
    let header =
        ["品种 kind", "数值 rate", "公布 published", "状态 state", "录入 entered by", "来源 source"].map(str::to_owned);
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let state = if e.current {
                "现行 in force"
            } else if e.corrected {
                "已更正 corrected"
            } else {
                "历史 earlier"
            };
            vec![
                e.publication.kind.as_str().to_owned(),
                e.publication.rate.percent_text_fixed(),
                e.publication.published_on.to_string(),
                state.to_owned(),
                e.entered_by.clone(),
                e.source.clone(),
            ]
        })
        .collect();
    aligned(&header, &rows)
}
