//! Data providers' accounts, tokens and batches (migration 23), on SQLite and PostgreSQL: a token belongs to an
//! institution or a provider, never both; the tokens made before the migration keep working for their
//! institution; a provider's batch is recorded and audited with the facts it wrote.

// Test code: a failed step is a failed test.
#![allow(clippy::unwrap_used)]

use crate::testing;
use crate::tests::bank;
use crate::{AuditEvent, AuditQuery, FactBatchOutcome, StoreError, TokenOwner, TokenUse, WrongParty};
use chrono::NaiveDate;
use finmart_domain::{FactArrival, FactRecord, FactSource, Role, StaffAccountInput, validate_fact_batch};
use finmart_migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

fn act() -> AuditEvent<'static> {
    AuditEvent::anonymous(None, "test")
}

fn staff<'a>(
    login: &'a str,
    role: &'a str,
    institution_id: Option<i64>,
    provider_id: Option<i64>,
) -> StaffAccountInput<'a> {
    StaffAccountInput {
        login,
        display_name: "报送员",
        role,
        institution_id,
        provider_id,
        password: Some("金融超市2026"),
    }
}

#[tokio::test]
async fn a_providers_account_and_token_act_for_the_provider_only() {
    for db in testing::all().await {
        let (s, backend) = (&db.store, db.backend);
        let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
        let lender = s.create_institution(&bank()).await.unwrap().id;
        // A provider's account needs its provider, and no other party.
        let missing = s.create_staff_account(&staff("a@tax.cn", "provider", None, None), act()).await;
        assert!(matches!(missing, Err(StoreError::Invalid(_))), "{backend}");
        let at_bank = s.create_staff_account(&staff("b@tax.cn", "provider", Some(lender), None), act()).await;
        assert!(matches!(at_bank, Err(StoreError::Invalid(_))), "{backend}: an institution is no provider");
        let nobody = s.create_staff_account(&staff("c@tax.cn", "provider", None, Some(tax.id + 100)), act()).await;
        assert!(matches!(nobody, Err(StoreError::NotFound { .. })), "{backend}");
        let clerk =
            s.create_staff_account(&staff("clerk@tax.cn", "provider", None, Some(tax.id)), act()).await.unwrap();
        let principal = clerk.account.principal();
        assert_eq!((principal.role, principal.provider(), principal.lender()), (Role::Provider, Some(tax.id), None));
        // Another role keeps no provider, whatever the form sent along.
        let banker = s
            .create_staff_account(&staff("bank@x.cn", "institution", Some(lender), Some(tax.id)), act())
            .await
            .unwrap();
        assert_eq!(banker.account.provider_id, None);
        // The provider's token, listed for the provider only, acts as its creator.
        let owner = TokenOwner::Provider(tax.id);
        let made_by = AuditEvent::by(&principal, None, "api_token.create");
        let token = s.create_api_token(owner, "平台推送", "fmt_abc", "hash-1", &made_by).await.unwrap();
        assert_eq!(token.owner, owner);
        assert_eq!(s.api_tokens(owner).await.unwrap().len(), 1);
        assert!(s.api_tokens(TokenOwner::Institution(lender)).await.unwrap().is_empty());
        match s.use_api_token("hash-1").await.unwrap() {
            TokenUse::Live(info, creator) => {
                assert_eq!((info.id, creator.id), (token.id, clerk.account.id), "{backend}");
                assert_eq!(creator.principal().provider(), Some(tax.id));
            }
            other => panic!("{backend}: {other:?}"),
        }
        // Revoked by another owner: not found; by its own: refused from then on.
        assert!(matches!(
            s.revoke_api_token(TokenOwner::Institution(lender), token.id, &act()).await,
            Err(StoreError::NotFound { .. })
        ));
        s.revoke_api_token(owner, token.id, &act()).await.unwrap();
        assert_eq!(s.use_api_token("hash-1").await.unwrap(), TokenUse::Unknown);
        // The account disabled: its token is refused, as an institution's is.
        let live = s.create_api_token(owner, "第二个", "fmt_def", "hash-2", &made_by).await.unwrap();
        s.set_account_disabled(clerk.account.id, true, &act()).await.unwrap();
        assert_eq!(s.use_api_token("hash-2").await.unwrap(), TokenUse::AccountDisabled(live));
        // The store refuses a provider's party on an account of another role, whatever the caller built.
        let wrong = crate::NewAccount {
            login: "x@y.cn".into(),
            display_name: "x".into(),
            role: Role::Operator,
            enterprise_id: None,
            institution_id: None,
            provider_id: Some(tax.id),
            password_hash: Some("h".into()),
            invite_hash: None,
            invite_expires_at: None,
        };
        assert!(matches!(s.create_account(&wrong, None).await, Err(StoreError::WrongParty(WrongParty::ProviderParty))));
    }
}

fn grade(id: &str, grade: &str) -> FactRecord {
    FactRecord {
        source_record_id: id.into(),
        uscc: "91350100M000100Y43".into(),
        kind: "tax_credit_grade".into(),
        value: grade.into(),
        as_of: "2025-12-31".into(),
        ..FactRecord::default()
    }
}

#[tokio::test]
async fn a_providers_batch_is_recorded_and_audited_with_its_facts() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    for db in testing::all().await {
        let (s, backend) = (&db.store, db.backend);
        let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
        let facts = validate_fact_batch(&[grade("G-1", "A"), grade("G-2", "B")], FactSource::Tax, today).unwrap();
        let first =
            s.record_fact_batch(&tax, &facts, FactArrival::Api, &|| {}, &act().by_token(7, "feed")).await.unwrap();
        assert_eq!((first.records, first.outcome), (2, FactBatchOutcome { added: 2, replaced: 0, unchanged: 0 }));
        assert_eq!((first.arrival, first.token_id), (FactArrival::Api, Some(7)), "{backend}");
        let again = s.record_fact_batch(&tax, &facts, FactArrival::Api, &|| {}, &act()).await.unwrap();
        assert_eq!(again.outcome, FactBatchOutcome { added: 0, replaced: 0, unchanged: 2 });
        let listed = s.fact_batches(tax.id, 10).await.unwrap();
        assert_eq!(listed.iter().map(|b| b.id).collect::<Vec<_>>(), [again.id, first.id], "newest first");
        let entries = s.audit_log(AuditQuery { limit: 10, ..AuditQuery::default() }).await.unwrap();
        let loads: Vec<_> = entries.iter().filter(|e| e.action == "test" && e.subject_kind == "fact_batch").collect();
        assert_eq!(loads.len(), 2, "{backend}");
        assert_eq!(loads[1].detail["added"], 2);
        assert_eq!(loads[1].detail["token_id"], 7);
        assert_eq!(loads[0].detail["provider"], "tj-tax");
        assert!(entries.iter().any(|e| e.subject_kind == "data_provider" && e.detail["code"] == "tj-tax"));
    }
}

/// How many migrations come before migration 23.
fn before_23() -> u32 {
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    u32::try_from(names.iter().position(|n| n.ends_with("_000023_provider_accounts")).unwrap()).unwrap()
}

#[tokio::test]
async fn migration_23_keeps_every_institutions_token_and_allows_one_owner_only() {
    for db in testing::all_at_migration(before_23()).await {
        let (s, backend) = (&db.store, db.backend);
        let conn = s.connection();
        let lender = s.create_institution(&bank()).await.unwrap().id;
        // Written as the tables were: an institution's account and its token.
        conn.execute_unprepared(&format!(
            "INSERT INTO account (id, login, display_name, password_hash, role, institution_id, disabled, created_at) \
             VALUES (41, 'ops@bank.cn', '信贷员', 'x', 'institution', {lender}, false, '2026-12-01T00:00:00Z')"
        ))
        .await
        .unwrap();
        conn.execute_unprepared(&format!(
            "INSERT INTO api_token (institution_id, name, prefix, token_hash, created_by, created_at) \
             VALUES ({lender}, '核心系统', 'fmt_old', 'old-hash', 41, '2026-12-01T00:00:00Z')"
        ))
        .await
        .unwrap();
        Migrator::up(conn, None).await.unwrap();
        let kept = s.api_tokens(TokenOwner::Institution(lender)).await.unwrap();
        assert_eq!(kept.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["核心系统"], "{backend}");
        assert!(matches!(s.use_api_token("old-hash").await.unwrap(), TokenUse::Live(..)), "{backend}");
        // A new token gets a new id (SQLite's copy kept the table's counter); a row with both owners, or none,
        // is refused by the database.
        let next =
            s.create_api_token(TokenOwner::Institution(lender), "新", "fmt_new", "new-hash", &act()).await.unwrap();
        assert!(next.id > kept[0].id, "{backend}");
        let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
        for (institution, provider) in
            [("NULL".to_owned(), "NULL".to_owned()), (lender.to_string(), tax.id.to_string())]
        {
            let both = conn
                .execute_unprepared(&format!(
                    "INSERT INTO api_token (institution_id, provider_id, name, prefix, token_hash, created_by, created_at)                      VALUES ({institution}, {provider}, 'x', 'fmt_x', 'x-hash', 41, '2026-12-01T00:00:00Z')"
                ))
                .await;
            assert!(both.is_err(), "{backend}: {institution} / {provider}");
        }
    }
}

fn firm(body: &str, district: &str, industry: &str, grade: &str) -> finmart_domain::EnterpriseProfile {
    let uscc = finmart_domain::Uscc::with_check(body).unwrap();
    serde_json::from_value(serde_json::json!({
        "uscc": uscc.as_str(), "name": format!("测试企业{body}"), "district": district, "industry": industry,
        "established": "2019-05-01", "employees": 40, "revenue": 800_000_000, "tax_credit_grade": grade
    }))
    .unwrap()
}

fn record(id: &str, uscc: &str, kind: &str, value: &str, as_of: &str) -> FactRecord {
    FactRecord {
        source_record_id: id.into(),
        uscc: uscc.into(),
        kind: kind.into(),
        value: value.into(),
        as_of: as_of.into(),
        ..FactRecord::default()
    }
}

#[tokio::test]
async fn the_coverage_of_facts_counts_every_firm_once_per_kind_by_district_and_industry() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    for db in testing::all().await {
        let (s, backend) = (&db.store, db.backend);
        // Four firms: two in 滨海 (software), two in 和平 (retail).
        let firms = [
            firm("91120116MA0000001", "binhai", "software", "A"),
            firm("91120116MA0000002", "binhai", "software", "A"),
            firm("91120101MA0000003", "heping", "retail", "B"),
            firm("91120101MA0000004", "heping", "retail", "B"),
        ];
        let batch: Vec<_> = firms.iter().map(|f| (f.clone(), false)).collect();
        s.insert_enterprises(&batch).await.unwrap();
        let code = |i: usize| firms[i].uscc.as_ref().unwrap().as_str().to_owned();
        let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
        let platform =
            s.create_data_provider("tj-credit", "信用平台", FactSource::CreditPlatform, &act()).await.unwrap();
        let silent =
            s.create_data_provider("tj-court", "天津市高级人民法院", FactSource::Courts, &act()).await.unwrap();
        // Firm 0: grade A as declared, and tax paid. Firm 1: grade B against its A (a conflict). Firm 2: only
        // an expired grade (需更新). Firm 3: nothing. And a firm not on the platform, which counts nowhere.
        let taxed = [
            record("T0", &code(0), "tax_credit_grade", "A", "2025-12-31"),
            record("P0", &code(0), "tax_paid", "120000", "2025-12-31"),
            record("T1", &code(1), "tax_credit_grade", "B", "2025-12-31"),
            record("T2", &code(2), "tax_credit_grade", "B", "2024-12-31"),
            record("TX", "91350100M000100Y43", "tax_credit_grade", "A", "2025-12-31"),
        ];
        let facts = validate_fact_batch(&taxed, FactSource::Tax, today).unwrap();
        s.record_fact_batch(&tax, &facts, FactArrival::Api, &|| {}, &act()).await.unwrap();
        // The platform relays firm 1's grade too (still one firm) and an expired one for firm 0 beside its
        // current one (still verified).
        let relayed = [
            record("R1", &code(1), "tax_credit_grade", "B", "2025-12-31"),
            record("R0", &code(0), "tax_credit_grade", "A", "2024-12-31"),
        ];
        let facts = validate_fact_batch(&relayed, FactSource::CreditPlatform, today).unwrap();
        s.save_facts(&platform, &facts, FactArrival::Connector, &|| {}).await.unwrap();

        // One pass over the firms and their facts.
        let c = s.fact_coverage(today).await.unwrap();
        let grade = c.all.of(finmart_domain::FactKind::TaxCreditGrade);
        assert_eq!(c.all.firms, 4, "{backend}");
        assert_eq!((grade.verified, grade.expired, grade.conflicts), (2, 1, 1), "{backend}");
        assert_eq!(c.all.of(finmart_domain::FactKind::TaxPaid).verified, 1);
        let binhai = &c.by_district["120116"];
        assert_eq!((binhai.firms, binhai.of(finmart_domain::FactKind::TaxCreditGrade).verified), (2, 2));
        let retail = &c.by_industry["retail"];
        let retail_grade = retail.of(finmart_domain::FactKind::TaxCreditGrade);
        assert_eq!((retail.firms, retail_grade.verified, retail_grade.expired), (2, 0, 1), "{backend}");
        let fresh = s.provider_freshness(today).await.unwrap();
        let of = |id: i64| fresh.iter().find(|f| f.provider_id == id).unwrap();
        assert_eq!((of(tax.id).facts, of(tax.id).expired, of(tax.id).batches), (5, 1, 1), "{backend}");
        assert!(of(tax.id).last_batch_at.is_some());
        assert_eq!((of(platform.id).facts, of(platform.id).batches, of(platform.id).last_batch_at), (2, 0, None));
        assert_eq!(of(platform.id).newest_as_of, NaiveDate::from_ymd_opt(2025, 12, 31));
        // A provider that has sent nothing is listed with nothing.
        let none = of(silent.id);
        assert_eq!((none.facts, none.expired, none.newest_as_of, none.batches), (0, 0, None, 0), "{backend}");
        assert_eq!(fresh.iter().map(|f| f.provider_id).collect::<Vec<_>>(), vec![silent.id, platform.id, tax.id]);
    }
}

/// The revision the operator's kept figures are computed for moves with every change they read, and only
/// then: a fact added or changed (registered firm or not), a batch recorded even when it changed nothing.
#[tokio::test]
async fn the_fact_figures_revision_moves_with_every_change_the_figures_read() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
    for db in testing::all().await {
        let (s, backend) = (&db.store, db.backend);
        let tax = s.create_data_provider("tj-tax", "天津市税务局", FactSource::Tax, &act()).await.unwrap();
        let start = s.fact_figures_revision().await.unwrap();
        // Facts about a code no firm has registered move the facts' counter, not the firms' revision.
        let unregistered = [record("U1", "91350100M000100Y43", "tax_credit_grade", "A", "2025-12-31")];
        let facts = validate_fact_batch(&unregistered, FactSource::Tax, today).unwrap();
        s.save_facts(&tax, &facts, FactArrival::Connector, &|| {}).await.unwrap();
        let after_facts = s.fact_figures_revision().await.unwrap();
        assert_eq!(after_facts.0, start.0, "{backend}");
        assert!(after_facts.1 > start.1, "{backend}");
        // The same facts again change nothing.
        s.save_facts(&tax, &facts, FactArrival::Connector, &|| {}).await.unwrap();
        assert_eq!(s.fact_figures_revision().await.unwrap(), after_facts, "{backend}");
        // A recorded batch that changes nothing still counts among the provider's batches.
        s.record_fact_batch(&tax, &facts, FactArrival::Api, &|| {}, &act()).await.unwrap();
        let after_batch = s.fact_figures_revision().await.unwrap();
        assert!(after_batch.1 > after_facts.1, "{backend}");
        assert_eq!(s.fact_figures(today).await.unwrap().freshness[0].batches, 1, "{backend}");
    }
}
