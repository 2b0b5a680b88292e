//! Migration 10 (reference rates, pricing as written) on a database written before it, on SQLite and
//! PostgreSQL; and the reference-rate acts: a publication, a correction, their refusals, the history, and
//! the products they move.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used, clippy::too_many_lines)]

use crate::entity::{product_review, product_version};
use crate::legacy_fixtures;
use crate::testing::{self, TestDb};
use crate::tests::{agency, bank, cells};
use crate::{AuditEvent, AuditQuery, StoreError};
use finmart_domain::{
    AnnualRate, Bps, LifecycleState, Pricing, Principal, ProductRecord, ProductSpec, PublicationInput, RateNotation,
    RatePeriod, ReferenceKind, Role, StatedRange,
};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder, Statement};

/// (cells in the form of before, the pricing they mean now, the annual range they showed before).
type Case<'a> = (Vec<(&'a str, &'a str)>, Pricing, (Option<u32>, Option<u32>));

/// The migrations before the one under test (1–8 on this branch).
const BEFORE: u32 = 8;

async fn texts(db: &TestDb, sql: &str) -> Vec<String> {
    let conn = db.store.connection();
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
    rows.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect()
}

fn read(cells: &[(&str, &str)]) -> ProductSpec {
    ProductRecord::from_pairs(cells.iter().copied()).validate().unwrap().spec
}

fn bps_of(r: &StatedRange<AnnualRate>) -> (Option<u32>, Option<u32>) {
    (r.min().map(|a| a.bps().bps()), r.max().map(|a| a.bps().bps()))
}

fn lpr(min: Option<i32>, max: Option<i32>) -> Pricing {
    Pricing::Lpr { tenor: finmart_domain::LprTenor::OneYear, spread_bps: StatedRange::new(min, max).unwrap() }
}

#[tokio::test]
async fn migration_10_keeps_every_products_rate_and_fee() {
    for db in testing::all_at_migration(BEFORE).await {
        let (store, backend) = (&db.store, db.backend);
        let conn = store.connection();
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let guarantor = store.create_institution(&agency()).await.unwrap().id;
        // (cells in the form of before, the pricing they mean now, the annual range they showed before).
        let none = ("lpr_spread_bps", "");
        let cases: Vec<Case> = vec![
            (
                cells(&[("code", "FIX"), ("rate_basis", "fixed"), none]),
                Pricing::Stated {
                    period: RatePeriod::Annual,
                    notation: RateNotation::Percent,
                    range: StatedRange::new(
                        Some(finmart_domain::FineRate::new(34_500).unwrap()),
                        Some(finmart_domain::FineRate::new(52_000).unwrap()),
                    )
                    .unwrap(),
                    fixed: true,
                },
                (Some(345), Some(520)),
            ),
            (
                cells(&[("code", "FLOOR"), ("rate_basis", ""), none, ("rate_max_pct", ""), ("rate_min_pct", "3.2")]),
                Pricing::Stated {
                    period: RatePeriod::Annual,
                    notation: RateNotation::Percent,
                    range: StatedRange::new(Some(finmart_domain::FineRate::new(32_000).unwrap()), None).unwrap(),
                    fixed: false,
                },
                (Some(320), None),
            ),
            // The annual range at the LPR of 3.00 % becomes the spread range, whatever spread was stored.
            (cells(&[("code", "LPR"), ("lpr_spread_bps", "45")]), lpr(Some(45), Some(220)), (Some(345), Some(520))),
            (
                cells(&[
                    ("code", "LPR5"),
                    ("rate_basis", "lpr_5y"),
                    ("lpr_spread_bps", "-20"),
                    ("rate_min_pct", "3.3"),
                    ("rate_max_pct", ""),
                ]),
                Pricing::Lpr {
                    tenor: finmart_domain::LprTenor::FiveYear,
                    spread_bps: StatedRange::new(Some(-20), None).unwrap(),
                },
                (Some(330), None),
            ),
            (
                cells(&[("code", "UNSAID"), none, ("rate_min_pct", ""), ("rate_max_pct", "")]),
                lpr(None, None),
                (None, None),
            ),
            (
                cells(&[("code", "CAP"), ("lpr_spread_bps", "40"), ("rate_min_pct", "")]),
                lpr(Some(40), Some(220)),
                (Some(340), Some(520)),
            ),
            (
                cells(&[("code", "BARE"), ("lpr_spread_bps", "40"), ("rate_min_pct", ""), ("rate_max_pct", "")]),
                lpr(Some(40), Some(40)),
                (Some(340), Some(340)),
            ),
            (
                cells(&[("code", "NONE"), ("rate_basis", ""), none, ("rate_min_pct", ""), ("rate_max_pct", "")]),
                Pricing::NotStated,
                (None, None),
            ),
        ];
        let mut ids = Vec::new();
        for (c, _, _) in &cases {
            let id = legacy_fixtures::insert_product(&db, owner, None, "published", c).await;
            legacy_fixtures::insert_version(&db, id, 1, "published", legacy_fixtures::record(c)).await;
            ids.push(id);
        }
        // A guaranteed product, waiting for review: its fee becomes the range from itself to itself.
        let fee_cells = cells(&[
            ("code", "FEE"),
            ("rate_basis", "fixed"),
            none,
            ("guarantee_agency_code", "test-guarantee"),
            ("guarantee_fee_pct", "1.2"),
            ("collateral", "guarantee"),
        ]);
        let fee_id = legacy_fixtures::insert_product(&db, owner, Some(guarantor), "in_review", &fee_cells).await;
        legacy_fixtures::insert_review(&db, fee_id, legacy_fixtures::record(&fee_cells)).await;

        Migrator::up(conn, None).await.unwrap();

        // The seeded publications, current today.
        let refs = store.reference_rates().await.unwrap();
        let rate = |k| refs.get(k).map(|p| (p.rate.bps(), p.published_on.to_string()));
        assert_eq!(rate(ReferenceKind::Lpr1y), Some((300, "2025-05-20".to_owned())), "{backend}");
        assert_eq!(rate(ReferenceKind::Lpr5y), Some((350, "2025-05-20".to_owned())));
        assert_eq!(rate(ReferenceKind::Benchmark1y), Some((435, "2015-10-24".to_owned())));
        assert_eq!(rate(ReferenceKind::Benchmark1to5y), Some((475, "2015-10-24".to_owned())));
        assert_eq!(rate(ReferenceKind::Benchmark5yPlus), Some((490, "2015-10-24".to_owned())));
        let history = store.reference_rate_history().await.unwrap();
        assert_eq!(history.len(), 5);
        assert!(
            history.iter().all(|e| e.current && e.entered_by == "初始数据（迁移 10）" && e.source.contains("www."))
        );

        // Every product means what it meant, and shows the same annual figures at the seeded rates.
        let products = store.products(&ids).await.unwrap();
        for ((_, pricing, annual), p) in cases.iter().zip(&products) {
            assert_eq!(&p.spec.pricing, pricing, "{backend} {}", p.spec.code);
            assert_eq!(bps_of(&p.annual_rate()), *annual, "{backend} {}", p.spec.code);
        }
        assert_eq!(products[2].references.all().len(), 1, "an LPR product carries the LPR it follows");
        assert!(products[0].references.is_empty());
        let fee = store.product(fee_id).await.unwrap().unwrap().spec.guarantee.unwrap().fee;
        let f = Bps::new(120).unwrap();
        assert_eq!(fee, StatedRange::new(Some(f), Some(f)).unwrap(), "{backend}");

        // The records of versions and reviews read back as their products.
        let versions =
            product_version::Entity::find().order_by_asc(product_version::Column::Id).all(conn).await.unwrap();
        for (v, p) in versions.iter().zip(&products) {
            let record: serde_json::Value = serde_json::from_str(&v.record).unwrap();
            let spec = ProductRecord::from_json(record.as_object().unwrap()).unwrap().validate().unwrap().spec;
            assert_eq!(spec, p.spec, "{backend} {}", p.spec.code);
        }
        let review = product_review::Entity::find().one(conn).await.unwrap().unwrap();
        let record: serde_json::Value = serde_json::from_str(&review.record).unwrap();
        let spec = ProductRecord::from_json(record.as_object().unwrap()).unwrap().validate().unwrap().spec;
        assert_eq!(spec.guarantee.unwrap().fee, fee);

        // The columns of before are gone; the table keeps its history whatever runs against it.
        assert!(conn.execute_unprepared("SELECT rate_min_bps FROM product").await.is_err(), "{backend}");
        assert!(conn.execute_unprepared("UPDATE reference_rate SET rate_bps = 1").await.is_err(), "{backend}");
        assert!(conn.execute_unprepared("DELETE FROM reference_rate").await.is_err(), "{backend}");
        let kept = texts(&db, "SELECT CAST(COUNT(*) AS TEXT) AS s FROM reference_rate").await;
        assert_eq!(kept, ["5"]);
        // A product written now round-trips in the new columns.
        let new = read(&cells(&[
            ("code", "NEW"),
            ("rate_basis", "benchmark"),
            none,
            ("rate_min_pct", ""),
            ("rate_max_pct", ""),
            ("benchmark_markup_max_pct", "1.3倍"),
        ]));
        let id = store.save_product(owner, LifecycleState::Published, &new).await.unwrap().product_id();
        assert_eq!(store.product(id).await.unwrap().unwrap().spec, new, "{backend}");
    }
}

/// The operator, as the audit log names them.
fn operator() -> Principal {
    Principal {
        account_id: 1,
        role: Role::Operator,
        display_name: "运营".into(),
        enterprise_id: None,
        institution_id: None,
        provider_id: None,
    }
}

fn input<'a>(kind: &'a str, percent: &'a str, on: &'a str, correction: bool) -> PublicationInput<'a> {
    PublicationInput { kind, percent, published_on: on, source: "全国银行间同业拆借中心", correction }
}

#[tokio::test]
async fn a_publication_moves_the_products_that_follow_it() {
    for db in testing::all().await {
        let (store, backend) = (&db.store, db.backend);
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let floating = read(&cells(&[
            ("code", "F-1"),
            ("lpr_spread_bps", ""),
            ("rate_min_pct", ""),
            ("rate_max_pct", ""),
            ("lpr_spread_min_bps", "50"),
            ("lpr_spread_max_bps", "150"),
        ]));
        let fixed = read(&cells(&[("code", "F-2"), ("rate_basis", "fixed"), ("lpr_spread_bps", "")]));
        let benchmark = read(&cells(&[
            ("code", "F-3"),
            ("rate_basis", "benchmark"),
            ("lpr_spread_bps", ""),
            ("rate_min_pct", ""),
            ("rate_max_pct", ""),
            ("benchmark_markup_min_pct", "30"),
            ("benchmark_markup_max_pct", "30"),
        ]));
        let mut ids = Vec::new();
        for s in [&floating, &fixed, &benchmark] {
            ids.push(store.save_product(owner, LifecycleState::Published, s).await.unwrap().product_id());
        }
        assert_eq!(bps_of(&store.product(ids[0]).await.unwrap().unwrap().annual_rate()), (Some(350), Some(450)));
        let seq = store.last_change_seq().await.unwrap();
        let event = AuditEvent::by(&operator(), None, "reference_rate.publish");

        let entry = store
            .publish_reference_rate(&input("lpr_1y", "2.9", "2025-06-20", false), "运营", event.clone())
            .await
            .unwrap();
        assert_eq!((entry.revision, entry.entered_by.as_str(), entry.entered_by_account_id), (0, "运营", Some(1)));
        // The LPR product is re-announced on the change log, and read at the new value.
        let changed: Vec<i64> = store.changes_after(seq, 100).await.unwrap().iter().map(|c| c.product_id).collect();
        assert_eq!(changed, [ids[0]], "{backend}");
        assert_eq!(bps_of(&store.product(ids[0]).await.unwrap().unwrap().annual_rate()), (Some(340), Some(440)));
        assert_eq!(bps_of(&store.product(ids[1]).await.unwrap().unwrap().annual_rate()), (Some(345), Some(520)));

        // A day already entered takes only a correction; a correction needs a day entered.
        let again =
            store.publish_reference_rate(&input("lpr_1y", "2.95", "2025-06-20", false), "运营", event.clone()).await;
        assert!(matches!(again, Err(StoreError::PublicationExists { kind: ReferenceKind::Lpr1y, .. })), "{again:?}");
        let nothing =
            store.publish_reference_rate(&input("lpr_1y", "2.95", "2025-06-21", true), "运营", event.clone()).await;
        assert!(matches!(nothing, Err(StoreError::NothingToCorrect { .. })), "{nothing:?}");
        let corrected = store
            .publish_reference_rate(&input("1 年期 LPR", "2.95", "2025-06-20", true), "运营", event.clone())
            .await
            .unwrap();
        assert_eq!(corrected.revision, 1);
        assert_eq!(bps_of(&store.product(ids[0]).await.unwrap().unwrap().annual_rate()), (Some(345), Some(445)));
        // An earlier day enters history without moving anything.
        store
            .publish_reference_rate(&input("lpr_1y", "3.1", "2025-04-21", false), "运营", event.clone())
            .await
            .unwrap();
        assert_eq!(bps_of(&store.product(ids[0]).await.unwrap().unwrap().annual_rate()), (Some(345), Some(445)));

        // Every bad field at once; the future is refused.
        let bad =
            store.publish_reference_rate(&input("lpr_2y", "101", "2999-01-01", false), "运营", event.clone()).await;
        let Err(StoreError::Invalid(errors)) = bad else { panic!("{bad:?}") };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "percent", "published_on"]);

        // The benchmark moves the benchmark product only.
        let seq = store.last_change_seq().await.unwrap();
        store
            .publish_reference_rate(&input("benchmark_1_5y", "4.5", "2025-06-20", false), "运营", event.clone())
            .await
            .unwrap();
        let changed: Vec<i64> = store.changes_after(seq, 100).await.unwrap().iter().map(|c| c.product_id).collect();
        assert_eq!(changed, [ids[2]], "{backend}");
        let b = store.product(ids[2]).await.unwrap().unwrap();
        assert_eq!(b.references.all().len(), 3, "a benchmark product carries every band");
        // 6–36 months span the first two bands: 4.35 × 1.3 = 5.655 and 4.5 × 1.3 = 5.85.
        assert_eq!(bps_of(&b.annual_rate()), (Some(566), Some(585)));

        // The history: newest first within each kind, the correction current, what it corrected marked.
        let history = store.reference_rate_history().await.unwrap();
        let lpr: Vec<(String, i32, u32, bool, bool)> = history
            .iter()
            .filter(|e| e.publication.kind == ReferenceKind::Lpr1y)
            .map(|e| {
                (e.publication.published_on.to_string(), e.revision, e.publication.rate.bps(), e.current, e.corrected)
            })
            .collect();
        assert_eq!(
            lpr,
            [
                ("2025-06-20".to_owned(), 1, 295, true, false),
                ("2025-06-20".to_owned(), 0, 290, false, true),
                ("2025-05-20".to_owned(), 0, 300, false, false),
                ("2025-04-21".to_owned(), 0, 310, false, false),
            ],
            "{backend}"
        );
        // Each act is audited, the correction as one.
        let entries = store
            .audit_log(AuditQuery { enterprise_id: None, institution_id: None, before: None, limit: 500 })
            .await
            .unwrap();
        let actions: Vec<&str> =
            entries.iter().map(|e| e.action.as_str()).filter(|a| a.starts_with("reference_rate")).collect();
        assert_eq!(actions.iter().filter(|a| **a == "reference_rate.correct").count(), 1, "{actions:?}");
        assert_eq!(actions.len(), 4, "{actions:?}");
    }
}
