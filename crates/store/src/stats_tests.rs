//! The uptake figures on a fixed fixture, asserting every number, on SQLite and PostgreSQL: Shanghai-day
//! boundaries (23:30 and 00:30 Shanghai time), events counted when they happen, a withdrawn application, an
//! empty period, weekly and monthly buckets, the guarantee fee, durations, shares and every breakdown.

use crate::entity::application;
use crate::event_facts::{Step, event_row};
use crate::stats::{Breakdown, Counts, Granularity, Scope, UptakeFilter, UptakeQuery};
use crate::tests::{agency, bank, spec};
use crate::{Store, testing};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use finmart_domain::{ApplicationState, Labelled, LifecycleState, Side};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

/// Shanghai wall-clock time as UTC.
fn sh(text: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    Utc.from_utc_datetime(&local) - chrono::Duration::hours(8)
}

fn parse_state(name: &str) -> ApplicationState {
    ApplicationState::parse(name).unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

struct Fixture {
    /// The firm of the `binhai` applications.
    firm: i64,
    bank: i64,
    agency: i64,
    guaranteed: i64,
    credit: i64,
}

struct App<'a> {
    product: i64,
    enterprise: i64,
    district: &'a str,
    industry: &'a str,
    scale: Option<&'a str>,
    qualifications: &'a str,
    first_loan: bool,
    amount_yuan: i64,
    /// (state, Shanghai time) in order, starting with `submitted`.
    events: &'a [(&'a str, &'a str)],
    disbursed: Option<(i64, i32)>,
    reason: Option<&'a str>,
}

async fn insert(store: &Store, f: &Fixture, n: usize, a: &App<'_>) {
    let guaranteed = a.product == f.guaranteed;
    let submitted = sh(a.events[0].1);
    let last = a.events.last().unwrap().0;
    let at = |state: &str| a.events.iter().find(|(s, _)| *s == state).map(|(_, t)| sh(t));
    let row = application::ActiveModel {
        enterprise_id: Set(a.enterprise),
        product_id: Set(a.product),
        institution_id: Set(f.bank),
        guarantee_agency_id: Set(guaranteed.then_some(f.agency)),
        applicant_account_id: Set(0),
        idempotency_key: Set(format!("fixture-{n}")),
        amount_fen: Set(a.amount_yuan * 100),
        term_months: Set(12),
        purpose: Set("working_capital".into()),
        purpose_text: Set(String::new()),
        // The firm's stored profile, as a real application carries it.
        profile: Set(crate::entity::enterprise::Entity::find_by_id(a.enterprise)
            .one(store.connection())
            .await
            .unwrap()
            .unwrap()
            .profile),
        district: Set(a.district.into()),
        industry: Set(a.industry.into()),
        scale: Set(a.scale.map(str::to_owned)),
        family: Set(if guaranteed { "guaranteed" } else { "credit" }.into()),
        qualifications: Set(a.qualifications.into()),
        first_loan: Set(a.first_loan),
        credit_loan: Set(!guaranteed),
        guarantee_fee_bps: Set(guaranteed.then_some(100)),
        state: Set(last.into()),
        submitted_at: Set(submitted),
        respond_by: Set(submitted + chrono::Duration::days(3)),
        first_response_at: Set(at("accepted")),
        decided_at: Set(at("approved").or(at("rejected"))),
        disbursed_at: Set(at("disbursed")),
        disbursed_amount_fen: Set(a.disbursed.map(|(yuan, _)| yuan * 100)),
        disbursed_rate_bps: Set(a.disbursed.map(|_| 400)),
        disbursed_term_months: Set(a.disbursed.map(|(_, term)| term)),
        disbursed_on: Set(at("disbursed").map(|t| t.date_naive())),
        reason: Set(a.reason.map(str::to_owned)),
        offer_id: Set(None),
        updated_at: Set(submitted),
        ..Default::default()
    }
    .insert(store.connection())
    .await
    .unwrap();
    let mut from = None;
    for (state, time) in a.events {
        let step = Step {
            at: sh(time),
            from: from.map(parse_state),
            to: parse_state(state),
            account_id: None,
            side: Side::Institution,
            note: "{}".into(),
            figures: crate::event_facts::Figures::as_recorded(&row, parse_state(state)),
        };
        event_row(&row, step).insert(store.connection()).await.unwrap();
        from = Some(*state);
    }
}

async fn fixture(store: &Store) -> Fixture {
    let owner = store.create_institution(&bank()).await.unwrap();
    let guarantor = store.create_institution(&agency()).await.unwrap();
    let p1 = spec(&[("code", "G-1"), ("guarantee_agency_code", "test-guarantee"), ("guarantee_fee_pct", "1")]);
    let p2 = spec(&[("code", "C-1")]);
    let guaranteed = store.save_product(owner.id, LifecycleState::Published, &p1).await.unwrap().product_id();
    let credit = store.save_product(owner.id, LifecycleState::Published, &p2).await.unwrap().product_id();
    let today = day("2026-11-22");
    let firms: Vec<_> = finmart_synth::profiles(7, 2, today).map(|p| (p.profile, false)).collect();
    store.insert_enterprises(&firms).await.unwrap();
    let e = |i: usize| firms[i].0.uscc.clone().unwrap();
    let (e1, e2) = (
        store.enterprise_by_uscc(&e(0)).await.unwrap().unwrap().id,
        store.enterprise_by_uscc(&e(1)).await.unwrap().unwrap().id,
    );
    let f = Fixture { firm: e1, bank: owner.id, agency: guarantor.id, guaranteed, credit };
    let binhai = |product, events, disbursed, reason| App {
        product,
        enterprise: e1,
        district: "binhai",
        industry: "software",
        scale: Some("small"),
        qualifications: "high_tech|specialised",
        first_loan: false,
        amount_yuan: 1_000_000,
        events,
        disbursed,
        reason,
    };
    let heping = |product, amount_yuan, events, disbursed, reason| App {
        product,
        enterprise: e2,
        district: "heping",
        industry: "retail",
        scale: None,
        qualifications: "",
        first_loan: true,
        amount_yuan,
        events,
        disbursed,
        reason,
    };
    let apps = [
        // Submitted at 23:30 on 1 March (Shanghai): counts for 1 March although it is 15:30 UTC.
        binhai(
            guaranteed,
            &[
                ("submitted", "2026-03-01 23:30"),
                ("accepted", "2026-03-02 10:00"),
                ("approved", "2026-03-05 10:00"),
                ("disbursed", "2026-03-10 10:00"),
            ][..],
            Some((800_000, 12)),
            None,
        ),
        // Submitted at 00:30 on 2 March (Shanghai): 1 March in UTC, 2 March here.
        heping(
            guaranteed,
            500_000,
            &[("submitted", "2026-03-02 00:30"), ("accepted", "2026-03-03 09:00"), ("rejected", "2026-03-04 00:30")][..],
            None,
            Some("资料不全"),
        ),
        // Withdrawn: an application and a withdrawal, never a loan.
        App {
            amount_yuan: 300_000,
            ..binhai(
                guaranteed,
                &[("submitted", "2026-03-03 09:00"), ("withdrawn", "2026-03-04 09:00")][..],
                None,
                None,
            )
        },
        // Not guaranteed: the market's and the bank's, not the agency's.
        heping(
            credit,
            200_000,
            &[
                ("submitted", "2026-03-05 09:00"),
                ("accepted", "2026-03-05 15:00"),
                ("approved", "2026-03-06 09:00"),
                ("disbursed", "2026-03-08 09:00"),
            ][..],
            Some((200_000, 6)),
            None,
        ),
        // Submitted in February; accepted and approved in March: those count in March.
        heping(
            guaranteed,
            400_000,
            &[("submitted", "2026-02-28 23:59"), ("accepted", "2026-03-01 10:00"), ("approved", "2026-03-02 10:00")][..],
            None,
            None,
        ),
    ];
    for (n, a) in apps.iter().enumerate() {
        insert(store, &f, n, a).await;
    }
    f
}

fn query(scope: Scope, from: &str, to: &str, granularity: Granularity) -> UptakeQuery {
    UptakeQuery { scope, from: day(from), to: day(to), granularity, filter: UptakeFilter::default() }
}

fn row<'a>(rows: &'a [Breakdown], key: &str) -> &'a Counts {
    &rows.iter().find(|b| b.key == key).unwrap_or_else(|| panic!("no row {key} in {rows:?}")).counts
}

#[tokio::test]
async fn agency_figures_are_exact() {
    for db in testing::all().await {
        let store = &db.store;
        let f = fixture(store).await;
        let u =
            store.uptake(&query(Scope::Agency(f.agency), "2026-03-01", "2026-03-31", Granularity::Day)).await.unwrap();
        let t = u.totals;
        let b = db.backend;
        assert_eq!((t.applications, t.applied_fen), (3, 180_000_000), "{b}");
        assert_eq!((t.accepted, t.approved, t.approved_fen, t.rejected, t.withdrawn), (3, 2, 140_000_000, 1, 1), "{b}");
        assert_eq!((t.disbursed, t.disbursed_fen, t.guaranteed_fen), (1, 80_000_000, 80_000_000), "{b}");
        assert_eq!(t.guarantee_fees_fen, 800_000, "1 % of 80 万 for 12 months: {b}");
        assert_eq!(u.approval_rate_bps, Some(6_667), "{b}");
        // 1.4, 2.0 and 3.4 days to a decision (nearest-rank median 2.0, 90th percentile 3.4); 8.4 days to the loan.
        assert_eq!(
            (u.to_decision.count, u.to_decision.median_tenths, u.to_decision.p90_tenths),
            (3, Some(20), Some(34)),
            "{b}"
        );
        assert_eq!(
            (u.to_disbursement.count, u.to_disbursement.median_tenths, u.to_disbursement.p90_tenths),
            (1, Some(84), Some(84))
        );
        assert_eq!(u.series.len(), 31, "every day of March, empty ones too: {b}");
        let on = |d: &str| u.series.iter().find(|p| p.start == day(d)).unwrap().counts;
        assert_eq!(
            (on("2026-03-01").applications, on("2026-03-01").accepted),
            (1, 1),
            "23:30 counts for that day: {b}"
        );
        assert_eq!(
            (on("2026-03-02").applications, on("2026-03-02").accepted, on("2026-03-02").approved),
            (1, 1, 1),
            "{b}"
        );
        assert_eq!(on("2026-03-10").disbursed_fen, 80_000_000);
        assert_eq!(on("2026-03-20"), Counts::default());
        assert_eq!(u.rejections_by_reason, vec![("资料不全".to_owned(), 1)]);
        assert_eq!(row(&u.by_district, "binhai").applications, 2);
        let heping = row(&u.by_district, "heping");
        assert_eq!((heping.applications, heping.accepted, heping.approved, heping.rejected), (1, 2, 1, 1), "{b}");
        assert_eq!(row(&u.by_scale, "unknown").applications, 1);
        assert_eq!(row(&u.by_scale, "small").disbursed, 1);
        assert_eq!(row(&u.by_qualification, "high_tech").applications, 2);
        assert_eq!(row(&u.by_qualification, "specialised").disbursed_fen, 80_000_000);
        assert_eq!(u.by_product.len(), 1, "only the guaranteed product: {b}");
        assert_eq!(u.by_product[0].key, f.guaranteed.to_string());
        assert_eq!(row(&u.by_institution, &f.bank.to_string()).applications, 3);
        assert_eq!(row(&u.by_family, "guaranteed").applications, 3);
        assert_eq!(row(&u.by_industry, "retail").rejected, 1);
        assert_eq!((u.first_loans.count, u.first_loans.of, u.first_loans.bps), (0, 1, Some(0)), "{b}");
        assert_eq!((u.credit_loans.count, u.credit_loans.bps), (0, Some(0)));
    }
}

#[tokio::test]
async fn market_institution_buckets_filters_and_empty_periods() {
    for db in testing::all().await {
        let store = &db.store;
        let f = fixture(store).await;
        let b = db.backend;
        let market = store.uptake(&query(Scope::Market, "2026-03-01", "2026-03-31", Granularity::Week)).await.unwrap();
        let t = market.totals;
        assert_eq!(
            (t.applications, t.disbursed, t.disbursed_fen, t.guaranteed_fen),
            (4, 2, 100_000_000, 80_000_000),
            "{b}"
        );
        assert_eq!(t.guarantee_fees_fen, 800_000);
        // 1 March 2026 is a Sunday: the first week starts on Monday 23 February.
        let starts: Vec<String> = market.series.iter().map(|p| p.start.to_string()).collect();
        assert_eq!(starts, ["2026-02-23", "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"], "{b}");
        assert_eq!(market.series[0].counts.applications, 1);
        assert_eq!(market.series[1].counts.applications, 3);
        assert_eq!(
            (market.first_loans.count, market.first_loans.of, market.first_loans.bps),
            (1, 2, Some(5_000)),
            "{b}"
        );
        assert_eq!((market.credit_loans.count, market.credit_loans.bps), (1, Some(5_000)));
        assert_eq!(market.approval_rate_bps, Some(7_500), "3 of 4 decisions: {b}");
        let bank = store
            .uptake(&query(Scope::Institution(f.bank), "2026-03-01", "2026-03-31", Granularity::Month))
            .await
            .unwrap();
        assert_eq!(bank.totals, market.totals, "{b}");
        assert_eq!(bank.series.len(), 1);
        // Filters narrow the applications counted.
        let mut only_credit = query(Scope::Market, "2026-03-01", "2026-03-31", Granularity::Month);
        only_credit.filter.product_id = Some(f.credit);
        let c = store.uptake(&only_credit).await.unwrap().totals;
        assert_eq!((c.applications, c.disbursed_fen, c.guarantee_fees_fen), (1, 20_000_000, 0), "{b}");
        let mut retail = query(Scope::Market, "2026-03-01", "2026-03-31", Granularity::Month);
        retail.filter.district = Some("heping".into());
        retail.filter.family = Some("guaranteed".into());
        let r = store.uptake(&retail).await.unwrap().totals;
        assert_eq!((r.applications, r.accepted, r.approved, r.rejected), (1, 2, 1, 1), "{b}");
        // February holds only the application submitted at 23:59 on the 28th.
        let feb = store
            .uptake(&query(Scope::Agency(f.agency), "2026-02-01", "2026-02-28", Granularity::Month))
            .await
            .unwrap();
        assert_eq!((feb.totals.applications, feb.totals.accepted), (1, 0), "{b}");
        // An empty period: zeros, every bucket, nothing to take a median of.
        let april =
            store.uptake(&query(Scope::Agency(f.agency), "2026-04-01", "2026-04-30", Granularity::Day)).await.unwrap();
        assert_eq!(april.totals, Counts::default());
        assert_eq!(april.series.len(), 30);
        assert_eq!(
            (april.approval_rate_bps, april.to_decision.median_tenths, april.first_loans.bps),
            (None, None, None)
        );
        assert!(april.by_product.is_empty() && april.rejections_by_reason.is_empty());
    }
}

/// The market's figures read from roll-ups equal those read from the events, for whole months, parts of
/// months and single days; a past event written afterwards (as generators and fixtures write them) makes
/// its day and month forgotten at once, so it is counted, and the next refresh rolls them up again.
#[tokio::test]
async fn market_figures_from_roll_ups_equal_the_events() {
    use crate::uptake_rollup::RollupRefresh;
    use sea_orm::ConnectionTrait;
    for db in testing::all().await {
        let (store, b) = (&db.store, db.backend);
        let f = fixture(store).await;
        let queries = [
            query(Scope::Market, "2026-02-01", "2026-03-31", Granularity::Month),
            query(Scope::Market, "2026-02-15", "2026-04-10", Granularity::Week),
            query(Scope::Market, "2026-03-02", "2026-03-05", Granularity::Day),
            query(Scope::Market, "2026-01-01", "2026-12-31", Granularity::Month),
        ];
        let mut from_events = Vec::new();
        for q in &queries {
            from_events.push(store.uptake(q).await.unwrap());
        }
        // The first event is on 28 February, so February on. At 00:30 on 1 April, 31 March closed half an
        // hour ago, too recently: February and 1-30 March are rolled up, and February as a month. An hour
        // later, 31 March and March.
        let refresh = store.refresh_uptake_rollups(sh("2026-04-01 00:30")).await.unwrap();
        assert_eq!(refresh, RollupRefresh { days: 28 + 30, months: 1 }, "{b}");
        let now = sh("2026-04-01 01:30");
        assert_eq!(store.refresh_uptake_rollups(now).await.unwrap(), RollupRefresh { days: 1, months: 1 }, "{b}");
        assert_eq!(store.refresh_uptake_rollups(now).await.unwrap(), RollupRefresh::default(), "{b}");
        let events = |span: &str, start: &str| {
            let sql = format!("SELECT events FROM uptake_rollup_period WHERE span = '{span}' AND start = '{start}'");
            async move {
                let row = store
                    .connection()
                    .query_one_raw(sea_orm::Statement::from_string(store.connection().get_database_backend(), sql))
                    .await
                    .unwrap();
                row.map(|r| r.try_get::<i64>("", "events").unwrap())
            }
        };
        assert_eq!((events("m", "2026-02-01").await, events("m", "2026-03-01").await), (Some(1), Some(15)), "{b}");
        assert_eq!(events("d", "2026-03-02").await, Some(3), "{b}");
        for (q, want) in queries.iter().zip(&from_events) {
            assert_eq!(&store.uptake(q).await.unwrap(), want, "{b}: {q:?}");
        }
        let plan = store.uptake_plan(&queries[0]).await.unwrap().join("\n");
        assert!(plan.contains("rolled-up") && !plan.contains("live events"), "{b}: {plan}");
        let plan = store.uptake_plan(&queries[1]).await.unwrap().join("\n");
        assert!(plan.contains("rolled-up") && plan.contains("live events on 1 day runs"), "{b}: {plan}");

        let past = App {
            product: f.credit,
            enterprise: f.firm,
            district: "binhai",
            industry: "software",
            scale: Some("small"),
            qualifications: "",
            first_loan: false,
            amount_yuan: 70_000,
            events: &[("submitted", "2026-03-15 12:00")],
            disbursed: None,
            reason: None,
        };
        insert(store, &f, 99, &past).await;
        assert_eq!((events("d", "2026-03-15").await, events("m", "2026-03-01").await), (None, None), "{b}");
        assert_eq!((events("d", "2026-03-16").await, events("m", "2026-02-01").await), (Some(0), Some(1)), "{b}");
        let with_past = store.uptake(&queries[0]).await.unwrap();
        assert_eq!(with_past.totals.applications, from_events[0].totals.applications + 1, "{b}");
        assert_eq!(with_past.totals.applied_fen, from_events[0].totals.applied_fen + 7_000_000, "{b}");
        assert_eq!(store.refresh_uptake_rollups(now).await.unwrap(), RollupRefresh { days: 1, months: 1 }, "{b}");
        assert_eq!(store.uptake(&queries[0]).await.unwrap(), with_past, "{b}");
        // And the same with no roll-up at all.
        store.connection().execute_unprepared("DELETE FROM uptake_rollup_period").await.unwrap();
        store.connection().execute_unprepared("DELETE FROM uptake_rollup").await.unwrap();
        assert_eq!(store.uptake(&queries[0]).await.unwrap(), with_past, "{b}");
    }
}

/// On PostgreSQL a day's roll-up waits for a transaction writing an event of that day, then counts it.
/// Without the period locks the roll-up would read the day without the event, the event's trigger would
/// have found nothing to forget, and the stored figures would stay short of it.
#[tokio::test]
async fn a_roll_up_waits_for_an_event_being_written_into_its_day() {
    use crate::entity::application_event;
    use sea_orm::{ActiveValue::NotSet, ConnectionTrait, QueryOrder, TransactionTrait};
    let Some(db) = testing::postgres().await else { return };
    let store = &db.store;
    fixture(store).await;
    let q = query(Scope::Market, "2026-03-01", "2026-03-31", Granularity::Day);
    let before = store.uptake(&q).await.unwrap();

    // A second submission on 15 March, written in a transaction that stays open.
    let first =
        application_event::Entity::find().order_by_asc(application_event::Column::Id).one(store.connection()).await;
    let mut event: application_event::ActiveModel = first.unwrap().unwrap().into();
    event.id = NotSet;
    event.at = Set(sh("2026-03-15 12:00"));
    let writing = store.connection().begin().await.unwrap();
    event.insert(&writing).await.unwrap();

    let refresh = tokio::spawn({
        let store = store.clone();
        async move { store.refresh_uptake_rollups(sh("2026-04-01 01:30")).await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(!refresh.is_finished(), "the roll-up of 15 March waits for the open transaction");
    writing.commit().await.unwrap();
    refresh.await.unwrap().unwrap();

    let rolled = store.uptake(&q).await.unwrap();
    assert_eq!(rolled.totals.applications, before.totals.applications + 1);
    store.connection().execute_unprepared("DELETE FROM uptake_rollup_period").await.unwrap();
    store.connection().execute_unprepared("DELETE FROM uptake_rollup").await.unwrap();
    assert_eq!(store.uptake(&q).await.unwrap(), rolled);
}

/// Migration 5 fills the facts of events written before it exactly as `event_facts` writes new ones: the
/// fixture's events are stripped back to the old schema, migrated again, and must come back the same.
#[tokio::test]
async fn migration_fills_old_events_as_new_ones_are_written() {
    use crate::entity::application_event;
    use finmart_migrations::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
    for db in testing::all().await {
        let store = &db.store;
        fixture(store).await;
        let q = query(Scope::Market, "2026-02-01", "2026-03-31", Granularity::Week);
        let written = application_event::Entity::find()
            .order_by_asc(application_event::Column::Id)
            .all(store.connection())
            .await
            .unwrap();
        let figures = store.uptake(&q).await.unwrap();
        assert!(written.iter().any(|e| e.guarantee_fee_fen == Some(800_000)), "{}", db.backend);
        assert!(written.iter().any(|e| e.reason.as_deref() == Some("资料不全")), "{}", db.backend);

        let conn = store.connection();
        for column in [
            "product_id",
            "family",
            "district",
            "industry",
            "scale",
            "qualifications",
            "first_loan",
            "credit_loan",
            "applied_fen",
            "elapsed_seconds",
            "disbursed_fen",
            "guarantee_fee_fen",
            "reason",
        ] {
            conn.execute_unprepared(&format!("ALTER TABLE application_event DROP COLUMN {column}")).await.unwrap();
        }
        conn.execute_unprepared("DELETE FROM seaql_migrations WHERE version = 'm20261122_000005_event_facts'")
            .await
            .unwrap();
        Migrator::up(conn, None).await.unwrap();

        let filled = application_event::Entity::find()
            .order_by_asc(application_event::Column::Id)
            .all(store.connection())
            .await
            .unwrap();
        assert_eq!(filled, written, "{}", db.backend);
        assert_eq!(store.uptake(&q).await.unwrap(), figures, "{}", db.backend);
        // 1 % of 80 万 for 12 months; the unguaranteed loan earns no fee.
        assert_eq!(figures.totals.guarantee_fees_fen, 800_000, "{}", db.backend);
    }
}

#[tokio::test]
async fn the_plan_of_the_dashboard_statement_can_be_read() {
    for db in testing::all().await {
        let store = &db.store;
        let f = fixture(store).await;
        let plan = store
            .uptake_plan(&query(Scope::Agency(f.agency), "2026-03-01", "2026-03-31", Granularity::Day))
            .await
            .unwrap();
        let text = plan.join("\n");
        match db.backend {
            // Executed: the plan has actual row counts and reads the events alone.
            "postgres" => assert!(
                text.contains("actual") && text.contains("application_event") && !text.contains(" application "),
                "{text}"
            ),
            _ => assert!(text.contains("application_event"), "{text}"),
        }
    }
}

/// Without a second connection to spare, PostgreSQL runs both halves on one: the same figures.
#[tokio::test]
async fn figures_are_the_same_on_one_connection() {
    for db in testing::all().await {
        let store = &db.store;
        let f = fixture(store).await;
        let q = query(Scope::Agency(f.agency), "2026-02-01", "2026-03-31", Granularity::Day);
        let split = store.uptake(&q).await.unwrap();
        let permits = store.second_connections.available_permits();
        let held = std::sync::Arc::clone(&store.second_connections)
            .try_acquire_many_owned(u32::try_from(permits).unwrap())
            .unwrap();
        assert_eq!(store.second_connections.available_permits(), 0);
        assert_eq!(store.uptake(&q).await.unwrap(), split, "{}", db.backend);
        drop(held);
        assert_eq!(split.totals.applications, 4, "{}", db.backend);
    }
}

/// Paging with the cursor returns every application once, newest first, ties on the submission time
/// broken by id.
#[tokio::test]
async fn lists_page_through_every_application_once() {
    use crate::{ApplicationFilter, ListCursor};
    for db in testing::all().await {
        let store = &db.store;
        let f = fixture(store).await;
        let firm = store.all_applications(&ApplicationFilter::default()).await.unwrap()[0].enterprise_id;
        // Two more submitted at the same minute as the fixture's 23:30 application.
        for n in [10, 11] {
            let tied = App {
                product: f.credit,
                enterprise: firm,
                district: "binhai",
                industry: "software",
                scale: None,
                qualifications: "",
                first_loan: false,
                amount_yuan: 1_000,
                events: &[("submitted", "2026-03-01 23:30")],
                disbursed: None,
                reason: None,
            };
            insert(store, &f, n, &tied).await;
        }
        let everything = store.all_applications(&ApplicationFilter::default()).await.unwrap();
        assert_eq!(everything.len(), 7, "{}", db.backend);
        let mut paged = Vec::new();
        let mut filter = ApplicationFilter { limit: 2, ..Default::default() };
        loop {
            let page = store.all_applications(&filter).await.unwrap();
            let Some(last) = page.last() else { break };
            filter.after = Some(ListCursor::after(last));
            let text = filter.after.unwrap().to_string();
            assert_eq!(ListCursor::parse(&text), filter.after, "{text}");
            assert!(page.iter().all(|a| paged.iter().all(|p: &crate::Application| p.id != a.id)));
            paged.extend(page);
        }
        let ids = |apps: &[crate::Application]| apps.iter().map(|a| a.id).collect::<Vec<_>>();
        assert_eq!(ids(&paged), ids(&everything), "{}", db.backend);
        assert!(everything.windows(2).all(|w| (w[0].submitted_at, w[0].id) > (w[1].submitted_at, w[1].id)));
        assert!(ListCursor::parse("12.0").is_none() && ListCursor::parse("x.1").is_none());
    }
}
