//! Authorisations of verified facts (consent rows covering facts, with an end), and migration 25 keeping
//! every consent written before it meaning what it meant; each on SQLite and PostgreSQL.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::testing::{self, Firms, TwoBanks};
use crate::tests::agency;
use crate::{AuditEvent, AuditQuery, FactsConsentState, StoreError};
use chrono::{Duration, SubsecRound, Utc};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

fn event() -> AuditEvent<'static> {
    AuditEvent::anonymous(None, "test")
}

fn refused_field(result: Result<usize, StoreError>) -> String {
    match result {
        Err(StoreError::Invalid(errors)) => errors.0[0].field.clone(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn facts_are_seen_only_under_an_authorisation_in_force() {
    for db in testing::all().await {
        let (s, be) = (&db.store, db.backend);
        let f = TwoBanks::create(s, Firms::Private).await;
        let (e, bank, other) = (f.enterprise, f.bank, f.other_bank);
        // Ends are kept to the second.
        let now = Utc::now().trunc_subsecs(0);
        assert!(!s.may_view_facts(e, bank, now).await.unwrap(), "{be}: nothing authorised");

        // Consent to see the profile is not an authorisation of the facts.
        s.grant_consent(e, Some(bank), &event()).await.unwrap();
        assert!(s.may_view_profile(e, bank).await.unwrap());
        assert!(!s.may_view_facts(e, bank, now).await.unwrap(), "{be}: the profile consent does not cover facts");

        // Bank A only, for a day: seen until the end, not by bank B, and not from the end on.
        let end = now + Duration::days(1);
        assert_eq!(s.grant_facts_consent(e, &[Some(bank)], Some(end), now, &event()).await.unwrap(), 1);
        assert!(s.may_view_facts(e, bank, now).await.unwrap(), "{be}");
        assert!(!s.may_view_facts(e, other, now).await.unwrap(), "{be}: another bank");
        assert!(s.may_view_facts(e, bank, end - Duration::seconds(1)).await.unwrap());
        assert!(!s.may_view_facts(e, bank, end).await.unwrap(), "{be}: at its end it stops");
        let later = s.facts_consents(e, end + Duration::hours(1)).await.unwrap();
        assert!(later.active.is_empty());
        assert_eq!(later.history[0].state(end + Duration::hours(1)), FactsConsentState::Expired);

        // The same grant again changes nothing; another end replaces it, and the history keeps both.
        assert_eq!(s.grant_facts_consent(e, &[Some(bank)], Some(end), now, &event()).await.unwrap(), 0);
        let longer = now + Duration::days(30);
        assert_eq!(s.grant_facts_consent(e, &[Some(bank)], Some(longer), now, &event()).await.unwrap(), 1);
        let listed = s.facts_consents(e, now).await.unwrap();
        assert_eq!(listed.history.len(), 2, "{be}");
        assert_eq!(listed.history[0].expires_at, Some(longer));
        assert_eq!(listed.history[1].state(now), FactsConsentState::Revoked);
        assert_eq!(listed.active.len(), 1);
        assert_eq!(listed.active[0].institution_name.as_deref(), Some("测试银行"));

        // An end in the past, or now, is refused and writes nothing.
        let past = s.grant_facts_consent(e, &[Some(other)], Some(now - Duration::minutes(1)), now, &event()).await;
        assert_eq!(refused_field(past), "expires_on");
        assert_eq!(refused_field(s.grant_facts_consent(e, &[None], Some(now), now, &event()).await), "expires_on");
        // A guarantee agency among several: none of them is written.
        let agency = s.create_institution(&agency()).await.unwrap().id;
        let mixed = s.grant_facts_consent(e, &[Some(other), Some(agency)], None, now, &event()).await;
        assert_eq!(refused_field(mixed), "institution_id");
        assert!(!s.may_view_facts(e, other, now).await.unwrap(), "{be}: all or nothing");
        assert_eq!(s.facts_consents(e, now).await.unwrap().history.len(), 2);

        // Every institution, until withdrawn: bank B sees them; withdrawing "all" leaves bank A's own.
        assert_eq!(s.grant_facts_consent(e, &[None], None, now, &event()).await.unwrap(), 1);
        assert!(s.may_view_facts(e, other, now).await.unwrap());
        assert!(s.may_view_facts(e, other, now + Duration::days(3650)).await.unwrap(), "{be}: no end");
        let firm = s.enterprise(e).await.unwrap().unwrap();
        assert!(!firm.discoverable, "{be}: authorising facts to all does not open the profile");
        assert!(!s.consents(e).await.unwrap().all);
        assert!(s.revoke_facts_consent(e, None, now, &event()).await.unwrap());
        assert!(!s.may_view_facts(e, other, now).await.unwrap(), "{be}: withdrawn at once");
        assert!(s.may_view_facts(e, bank, now).await.unwrap());
        assert!(s.revoke_facts_consent(e, Some(bank), now, &event()).await.unwrap());
        assert!(!s.may_view_facts(e, bank, now).await.unwrap());
        assert!(!s.revoke_facts_consent(e, Some(bank), now, &event()).await.unwrap(), "nothing left to withdraw");
        // The profile consent is untouched by all of it, and its history holds only profile consents.
        assert!(s.may_view_profile(e, bank).await.unwrap());
        assert_eq!(s.consents(e).await.unwrap().history.len(), 1, "{be}");

        // An authorisation written two days ago with an end a second ago: no longer in force, with no job run.
        let then = now - Duration::days(2);
        s.grant_facts_consent(e, &[Some(other)], Some(now - Duration::seconds(1)), then, &event()).await.unwrap();
        assert!(s.may_view_facts(e, other, then + Duration::days(1)).await.unwrap());
        assert!(!s.may_view_facts(e, other, now).await.unwrap(), "{be}: past its end");
        assert!(s.facts_consent_for(e, other, now).await.unwrap().is_none());

        // Every change is audited for the firm.
        let log = s
            .audit_log(AuditQuery { enterprise_id: Some(e), institution_id: None, before: None, limit: 100 })
            .await
            .unwrap();
        let count = |action: &str| log.iter().filter(|a| a.action == action).count();
        assert_eq!((count("facts_consent.grant"), count("facts_consent.revoke")), (4, 2), "{be}");
    }
}

#[tokio::test]
async fn a_page_of_firms_is_checked_together_and_each_firm_by_the_authorisation_a_single_read_picks() {
    for db in testing::all().await {
        let (s, be) = (&db.store, db.backend);
        let f = TwoBanks::create(s, Firms::Private).await;
        let (e, e2, bank, other) = (f.enterprise, f.other_enterprise, f.bank, f.other_bank);
        let now = Utc::now().trunc_subsecs(0);
        let page = [e, e2, e, 999_999];
        assert!(s.facts_consents_among(bank, &page, now).await.unwrap().is_empty(), "{be}: nothing authorised");

        // The first firm: bank A by name for a week, and every institution until withdrawn; the second: bank
        // B only. A profile consent counts for nothing.
        let week = now + Duration::days(7);
        s.grant_consent(e2, Some(bank), &event()).await.unwrap();
        s.grant_facts_consent(e, &[Some(bank)], Some(week), now, &event()).await.unwrap();
        s.grant_facts_consent(e, &[None], None, now, &event()).await.unwrap();
        s.grant_facts_consent(e2, &[Some(other)], None, now, &event()).await.unwrap();
        let seen = s.facts_consents_among(bank, &page, now).await.unwrap();
        assert_eq!(seen.keys().copied().collect::<Vec<_>>(), [e], "{be}");
        // Its own authorisation before the one for all, as the single read picks it.
        assert_eq!(seen[&e].institution_id, Some(bank));
        assert_eq!(seen[&e].expires_at, Some(week));
        assert_eq!(seen[&e].institution_name.as_deref(), Some("测试银行"));
        assert_eq!(Some(&seen[&e]), s.facts_consent_for(e, bank, now).await.unwrap().as_ref(), "{be}");
        let seen2 = s.facts_consents_among(other, &page, now).await.unwrap();
        let mut keys: Vec<i64> = seen2.keys().copied().collect();
        keys.sort_unstable();
        assert_eq!(keys, [e, e2], "{be}");
        assert_eq!(seen2[&e].institution_id, None, "bank B sees the first firm by the one for all");

        // After its week, bank A still sees the first firm, by the authorisation for all; withdrawn, not at all.
        let later = week + Duration::seconds(1);
        assert_eq!(s.facts_consents_among(bank, &page, later).await.unwrap()[&e].institution_id, None, "{be}");
        s.revoke_facts_consent(e, None, now, &event()).await.unwrap();
        assert!(s.facts_consents_among(bank, &page, later).await.unwrap().is_empty(), "{be}: ended and withdrawn");
        assert!(s.facts_consents_among(bank, &[], now).await.unwrap().is_empty());
    }
}

/// Migration 25's position in the list: the migrations before it are those of a database written before it
/// (whatever other migrations are merged around it).
fn before_25() -> u32 {
    let all = Migrator::migrations();
    let at = all.iter().position(|m| m.name() == "m20261205_000025_consent_scope").unwrap();
    u32::try_from(at).unwrap()
}

#[tokio::test]
async fn migration_25_keeps_every_consent_meaning_what_it_meant() {
    for db in testing::all_at_migration(before_25()).await {
        let (s, be) = (&db.store, db.backend);
        let conn = s.connection();
        let f = TwoBanks::create(s, Firms::Private).await;
        let at = crate::legacy_fixtures::written_at();
        let row = async |enterprise: i64, institution: Option<i64>, revoked: bool| {
            let revoked_at = sea_orm::Value::ChronoDateTimeUtc(revoked.then_some(at));
            crate::legacy_fixtures::insert(
                &db,
                "consent",
                vec![
                    ("enterprise_id", enterprise.into()),
                    ("institution_id", institution.into()),
                    ("granted_at", sea_orm::Value::ChronoDateTimeUtc(Some(at))),
                    ("granted_by", sea_orm::Value::BigInt(None)),
                    ("revoked_at", revoked_at),
                    ("revoked_by", sea_orm::Value::BigInt(None)),
                ],
            )
            .await
        };
        // The firm: one bank by name, the other withdrawn; the other firm: every institution (then
        // discoverable, as the store kept it).
        row(f.enterprise, Some(f.bank), false).await;
        row(f.enterprise, Some(f.other_bank), true).await;
        row(f.other_enterprise, None, false).await;
        conn.execute_unprepared(&format!(
            "UPDATE enterprise SET discoverable = TRUE WHERE id = {}",
            f.other_enterprise
        ))
        .await
        .unwrap();

        Migrator::up(conn, None).await.unwrap();

        let sql = "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM consent \
                   WHERE covers_profile = TRUE AND covers_facts = FALSE AND expires_at IS NULL";
        let n = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.unwrap().unwrap();
        assert_eq!(n.try_get::<i64>("", "n").unwrap(), 3, "{be}: every old row covers the profile only, for ever");
        let now = Utc::now();
        assert!(s.may_view_profile(f.enterprise, f.bank).await.unwrap(), "{be}");
        assert!(!s.may_view_profile(f.enterprise, f.other_bank).await.unwrap(), "{be}: withdrawn stays withdrawn");
        assert!(s.may_view_profile(f.other_enterprise, f.other_bank).await.unwrap(), "{be}: all stays all");
        let consents = s.consents(f.enterprise).await.unwrap();
        assert_eq!((consents.history.len(), consents.institutions.len()), (2, 1));
        assert_eq!(s.consenting_enterprises(f.bank).await.unwrap(), vec![f.enterprise]);
        for (e, i) in [(f.enterprise, f.bank), (f.other_enterprise, f.other_bank), (f.other_enterprise, f.bank)] {
            assert!(!s.may_view_facts(e, i, now).await.unwrap(), "{be}: no old consent covers the facts");
        }
        assert!(s.facts_consents(f.other_enterprise, now).await.unwrap().history.is_empty());
    }
}
