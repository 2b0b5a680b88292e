//! The record check on a fixture holding one record that breaks each rule, and records that break none
//! (a payment at another rate with its reason, a firm applying again after a rejection), written row by row
//! through the entities as older code or a tool could have written them, on SQLite and PostgreSQL: the
//! check reports exactly the breaking records, and every table reads the same before and after it.

use crate::entity::{
    application, application_event, audit_log, disbursement, enterprise, notification, product as product_row,
};
use crate::event_facts::{Figures, Step, event_row};
use crate::tests::{bank, spec};
use crate::{RecordRule, Store, testing};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use finmart_domain::{
    ApplicationState, ApprovalTerms, Bps, EnterpriseProfile, Fen, Labelled, LifecycleState, LoanRate, Months,
    RepaymentMethod, Side,
};
use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};

/// Shanghai wall-clock time (`2026-03-10 10:00`) as UTC.
fn sh(text: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    Utc.from_utc_datetime(&local) - chrono::Duration::hours(8)
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

/// Approved terms at a fixed rate, repaid in equal instalments.
fn terms(amount_wan: u32, rate_bps: u32, months: u16) -> ApprovalTerms {
    ApprovalTerms {
        amount: Fen::wan(amount_wan),
        rate: LoanRate::Fixed { rate: Bps::new(rate_bps).unwrap() },
        term: Months::new(months).unwrap(),
        method: RepaymentMethod::EqualInstalment,
    }
}

/// One payment row: amount, rate, term, the day it is dated, when it was recorded, why its rate or term
/// differs, and whether a correction replaced it.
struct Pay<'a> {
    wan: u32,
    rate_bps: i32,
    months: i32,
    date: &'a str,
    recorded: &'a str,
    reason: Option<&'a str>,
    replaced: bool,
}

impl<'a> Pay<'a> {
    /// At the terms of `terms(…, 385, 12)`, dated the day it was recorded.
    fn plain(wan: u32, recorded: &'a str) -> Self {
        Self { wan, rate_bps: 385, months: 12, date: &recorded[..10], recorded, reason: None, replaced: false }
    }
}

/// One application row as written: 50 万 asked for 12 months, its states with their Shanghai times
/// (starting with `submitted`), its approval and its payments.
struct App<'a> {
    key: &'a str,
    institution: i64,
    product: i64,
    enterprise: i64,
    /// The snapshot, when not the firm's stored profile.
    profile: Option<&'a str>,
    events: &'a [(&'a str, &'a str)],
    approval: Option<ApprovalTerms>,
    payments: &'a [Pay<'a>],
}

async fn insert(store: &Store, a: &App<'_>) -> i64 {
    let db = store.connection();
    let stored = enterprise::Entity::find_by_id(a.enterprise).one(db).await.unwrap().unwrap().profile;
    let submitted = sh(a.events[0].1);
    let (last, last_at) = *a.events.last().unwrap();
    let at = |state: &str| a.events.iter().find(|(s, _)| *s == state).map(|(_, t)| sh(t));
    let counting: Vec<&Pay> = a.payments.iter().filter(|p| !p.replaced).collect();
    let row = application::ActiveModel {
        enterprise_id: Set(a.enterprise),
        product_id: Set(a.product),
        institution_id: Set(a.institution),
        guarantee_agency_id: Set(None),
        applicant_account_id: Set(0),
        idempotency_key: Set(a.key.to_owned()),
        amount_fen: Set(Fen::wan(50).fen()),
        term_months: Set(12),
        purpose: Set("working_capital".into()),
        purpose_text: Set(String::new()),
        profile: Set(a.profile.map_or(stored, str::to_owned)),
        district: Set("120116".into()),
        industry: Set("wholesale".into()),
        scale: Set(Some("small".into())),
        family: Set("credit".into()),
        qualifications: Set(String::new()),
        first_loan: Set(false),
        credit_loan: Set(true),
        guarantee_fee_bps: Set(None),
        state: Set(last.into()),
        submitted_at: Set(submitted),
        respond_by: Set(submitted + chrono::Duration::days(3)),
        first_response_at: Set(at("accepted")),
        decided_at: Set(at("approved").or(at("rejected"))),
        disbursed_at: Set(at("disbursed")),
        disbursed_amount_fen: Set((!counting.is_empty()).then(|| counting.iter().map(|p| Fen::wan(p.wan).fen()).sum())),
        disbursed_rate_bps: Set(counting.last().map(|p| p.rate_bps)),
        disbursed_term_months: Set(counting.last().map(|p| p.months)),
        disbursed_on: Set(counting.last().map(|p| day(p.date))),
        approval: Set(a.approval.map(|t| serde_json::to_string(&t).unwrap())),
        reason: Set(at("rejected").map(|_| "不符合产品准入条件".to_owned())),
        offer_id: Set(None),
        updated_at: Set(sh(last_at)),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut from = None;
    for (state, time) in a.events {
        let to = ApplicationState::parse(state).unwrap();
        let step = Step {
            at: sh(time),
            from,
            to,
            account_id: None,
            side: Side::Institution,
            note: "{}".into(),
            figures: Figures::as_recorded(&row, to),
        };
        event_row(&row, step).insert(db).await.unwrap();
        from = Some(to);
    }
    for p in a.payments {
        disbursement::ActiveModel {
            application_id: Set(row.id),
            amount_fen: Set(Fen::wan(p.wan).fen()),
            rate_bps: Set(p.rate_bps),
            term_months: Set(p.months),
            disbursed_on: Set(day(p.date)),
            reason: Set(p.reason.map(str::to_owned)),
            event_id: Set(None),
            replaced_by_event_id: Set(p.replaced.then_some(1)),
            created_at: Set(sh(p.recorded)),
            ..Default::default()
        }
        .insert(db)
        .await
        .unwrap();
    }
    row.id
}

/// Every row of the tables the check reads or could touch, for comparing before and after.
async fn everything(store: &Store) -> String {
    let db = store.connection();
    format!(
        "{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        application::Entity::find().order_by_asc(application::Column::Id).all(db).await.unwrap(),
        application_event::Entity::find().order_by_asc(application_event::Column::Id).all(db).await.unwrap(),
        disbursement::Entity::find().order_by_asc(disbursement::Column::Id).all(db).await.unwrap(),
        enterprise::Entity::find().order_by_asc(enterprise::Column::Id).all(db).await.unwrap(),
        product_row::Entity::find().order_by_asc(product_row::Column::Id).all(db).await.unwrap(),
        notification::Entity::find().order_by_asc(notification::Column::Id).all(db).await.unwrap(),
        audit_log::Entity::find().order_by_asc(audit_log::Column::Id).all(db).await.unwrap(),
    )
}

/// A firm whose stored profile could be true since 2024 (so every 2026 application of it is plausible).
fn old_firm() -> EnterpriseProfile {
    let today = day("2026-11-22");
    finmart_synth::profiles(7, 400, today)
        .map(|p| p.profile)
        .find(|p| p.plausible_from().is_some_and(|d| d < day("2024-01-01")) && p.revenue > Fen::ZERO)
        .unwrap()
}

#[tokio::test]
async fn the_check_reports_each_broken_rule_once_and_changes_nothing() {
    for db in testing::all().await {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap().id;
        // 10 万 to 300 万 for 6 to 36 months at a fixed 3.45 %–5.2 %, repaid in equal instalments.
        let product = |code: &'static str| {
            spec(&[
                ("code", code),
                ("rate_basis", "fixed"),
                ("lpr_spread_bps", ""),
                ("repayment_methods", "equal_instalment"),
                ("valid_from", "2020-01-01"),
            ])
        };
        // A product of its own for each application (one firm applies to them all), but two pairs of
        // applications to one product.
        let mut p = Vec::new();
        for code in ["P-1", "P-2", "P-3", "P-4", "P-5", "P-6", "P-7", "P-8", "P-9", "P-10", "P-11", "P-12", "P-13"] {
            p.push(store.save_product(owner, LifecycleState::Published, &product(code)).await.unwrap().product_id());
        }
        let firm = store.save_enterprise(&old_firm(), true).await.unwrap().id;
        let base = App {
            key: "",
            institution: owner,
            product: 0,
            enterprise: firm,
            profile: None,
            events: &[],
            approval: None,
            payments: &[],
        };
        let approved =
            [("submitted", "2026-03-02 09:00"), ("accepted", "2026-03-03 10:00"), ("approved", "2026-03-10 10:00")];
        let paid = [
            ("submitted", "2026-03-02 09:00"),
            ("accepted", "2026-03-03 10:00"),
            ("approved", "2026-03-10 10:00"),
            ("disbursed", "2026-03-12 10:00"),
        ];
        let ok = Some(terms(40, 385, 12));

        // Records that break nothing: a loan paid in two parts (the second at another rate, with its reason),
        // an open application, and a firm applying again after its first application was rejected.
        let two_parts = [
            Pay::plain(20, "2026-03-12 10:00"),
            Pay { rate_bps: 420, reason: Some("利率按放款日定价"), ..Pay::plain(20, "2026-03-20 10:00") },
        ];
        let clean = [
            insert(
                store,
                &App { key: "clean-paid", product: p[0], events: &paid, approval: ok, payments: &two_parts, ..base },
            )
            .await,
            insert(store, &App { key: "clean-open", product: p[1], events: &paid[..1], ..base }).await,
            insert(
                store,
                &App {
                    key: "rejected-first",
                    product: p[2],
                    events: &[
                        ("submitted", "2026-01-05 09:00"),
                        ("accepted", "2026-01-06 10:00"),
                        ("rejected", "2026-01-09 10:00"),
                    ],
                    ..base
                },
            )
            .await,
            insert(store, &App { key: "again-later", product: p[2], events: &approved, approval: ok, ..base }).await,
        ];

        // One record for each rule.
        let mut expected = vec![
            (
                insert(store, &App { key: "no-terms", product: p[3], events: &approved, ..base }).await,
                RecordRule::ApprovedWithoutTerms,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "above-ask",
                        product: p[4],
                        events: &approved,
                        approval: Some(terms(60, 385, 12)),
                        ..base
                    },
                )
                .await,
                RecordRule::ApprovalOutsideLimits,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "overpaid",
                        product: p[5],
                        events: &paid,
                        approval: ok,
                        payments: &[Pay::plain(30, "2026-03-12 10:00"), Pay::plain(20, "2026-03-15 10:00")],
                        ..base
                    },
                )
                .await,
                RecordRule::PaidAboveApproval,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "paid-early",
                        product: p[6],
                        events: &paid,
                        approval: ok,
                        payments: &[Pay { date: "2026-03-05", ..Pay::plain(40, "2026-03-12 10:00") }],
                        ..base
                    },
                )
                .await,
                RecordRule::PaymentDate,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "paid-ahead",
                        product: p[7],
                        events: &paid,
                        approval: ok,
                        payments: &[Pay { date: "2026-03-20", ..Pay::plain(40, "2026-03-12 10:00") }],
                        ..base
                    },
                )
                .await,
                RecordRule::PaymentDate,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "other-rate",
                        product: p[8],
                        events: &paid,
                        approval: ok,
                        payments: &[Pay { rate_bps: 450, ..Pay::plain(40, "2026-03-12 10:00") }],
                        ..base
                    },
                )
                .await,
                RecordRule::PaymentTermsDiffer,
            ),
            (
                insert(
                    store,
                    &App {
                        key: "reversed-only",
                        product: p[9],
                        events: &paid,
                        approval: ok,
                        payments: &[Pay { replaced: true, ..Pay::plain(40, "2026-03-12 10:00") }],
                        ..base
                    },
                )
                .await,
                RecordRule::DisbursedWithoutPayment,
            ),
        ];
        // A second application to P-2 while the first (clean-open) is still open.
        expected.push((
            insert(
                store,
                &App { key: "second-open", product: p[1], events: &[("submitted", "2026-04-01 09:00")], ..base },
            )
            .await,
            RecordRule::OpenTwice,
        ));
        // The snapshot of a firm founded in February stating last year's revenue, submitted in June.
        let mut young = old_firm();
        young.established = day("2026-02-01");
        young.revenue = Fen::wan(500);
        young.tax_credit_grade = None;
        young.qualifications = Some(Vec::new());
        young.overdue = None;
        let young_json = serde_json::to_string(&young).unwrap();
        let implausible = insert(
            store,
            &App {
                key: "young-firm",
                product: p[10],
                profile: Some(&young_json),
                events: &[("submitted", "2026-06-01 09:00"), ("withdrawn", "2026-06-02 09:00")],
                ..base
            },
        )
        .await;
        expected.push((implausible, RecordRule::ImplausibleProfile));
        expected.push((
            insert(
                store,
                &App {
                    key: "garbled",
                    product: p[11],
                    profile: Some("{\"not\": \"a profile\"}"),
                    events: &paid[..1],
                    ..base
                },
            )
            .await,
            RecordRule::Unreadable,
        ));
        expected.sort_by_key(|(id, rule)| (*id, *rule));

        let before = everything(store).await;
        let report = store.record_breaches().await.unwrap();
        assert_eq!(everything(store).await, before, "{}: the check changed nothing", db.backend);

        let found: Vec<(i64, RecordRule)> = report.breaches.iter().map(|b| (b.application_id, b.rule)).collect();
        assert_eq!(found, expected, "{}: {:#?}", db.backend, report.breaches);
        assert_eq!(report.applications, (clean.len() + expected.len()) as u64);
        assert!(report.without_product.is_empty());
        assert_eq!(report.counts().values().sum::<usize>(), expected.len());
        assert_eq!(report.counts()[&RecordRule::PaymentDate], 2);
        assert!(!report.is_clean());

        // Each names its values and says what is wrong in both languages.
        let of = |rule| report.breaches.iter().find(|b| b.rule == rule).unwrap();
        let above = of(RecordRule::ApprovalOutsideLimits);
        assert!(above.detail_zh.contains("批准金额不能超过申请金额 50 万元"), "{}", above.detail_zh);
        assert_eq!(above.values["approval"]["amount_fen"], Fen::wan(60).fen());
        assert_eq!(above.values["fields"], serde_json::json!(["amount"]));
        let overpaid = of(RecordRule::PaidAboveApproval);
        assert!(overpaid.detail_zh.contains("已放款 30 万元，本笔最多 10 万元"), "{}", overpaid.detail_zh);
        assert_eq!(overpaid.values["paid_before_fen"], Fen::wan(30).fen());
        let dates: Vec<&str> = report
            .breaches
            .iter()
            .filter(|b| b.rule == RecordRule::PaymentDate)
            .map(|b| b.detail_en.as_str())
            .collect();
        assert!(dates[0].contains("dated 2026-03-05, approved on 2026-03-10"), "{dates:?}");
        assert!(dates[1].contains("dated 2026-03-20") && dates[1].contains("recorded on 2026-03-12"), "{dates:?}");
        assert!(of(RecordRule::PaymentTermsDiffer).detail_zh.contains("执行利率与批准利率 3.85% 不同"));
        let twice = of(RecordRule::OpenTwice);
        assert_eq!(twice.values["open_application_id"], clean[1]);
        let young = of(RecordRule::ImplausibleProfile);
        assert_eq!(young.values["implausibilities"], serde_json::json!(["figures_before_founding"]));
        assert!(young.detail_zh.contains("成立于 2026-02-01"), "{}", young.detail_zh);
        for b in &report.breaches {
            assert!(!b.detail_zh.is_empty() && !b.detail_en.is_empty(), "{b:?}");
            assert!(!b.rule.label_zh().is_empty() && !b.rule.label_en().is_empty());
        }
    }
}

#[tokio::test]
async fn an_empty_database_is_clean() {
    for db in testing::all().await {
        let report = db.store.record_breaches().await.unwrap();
        assert!(report.is_clean() && report.applications == 0, "{}", db.backend);
    }
}
