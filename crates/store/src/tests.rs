//! Storage tests, each run on SQLite and on PostgreSQL.

use crate::entity::product;
use crate::testing::{self, TestDb};
use crate::{AuditEvent, AuditQuery, EditOutcome, SaveOutcome, StoreError, password};
use finmart_domain::{
    Collateral, CollateralTerms, Fen, ImportRow, InstitutionKind, LifecycleState, LprTenor, NewInstitution, Pricing,
    Principal, ProductRecord, ProductSpec, Role, StaffAccountInput, StatedRange,
};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The cells of the test product, with `pairs` in place of its own (an empty value removes a cell).
pub(crate) fn cells<'a>(pairs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut cells = vec![
        ("description", "面向科技型企业的纯信用贷款，线上申请"),
        ("rate_basis", "lpr_1y"),
        ("lpr_spread_bps", "-5"),
        ("repayment_methods", "equal_instalment|revolving"),
        ("eligibility", "min_years_in_operation=2; qualifications_any=high_tech|tech_sme; revenue_yuan=1000000.."),
        ("policy_support", "risk_compensation|interest_subsidy"),
        ("online", "true"),
        ("valid_until", "2027-12-31"),
    ];
    cells.extend_from_slice(pairs);
    testing::product_cells(&cells)
}

fn row(pairs: &[(&str, &str)]) -> ImportRow {
    ProductRecord::from_pairs(cells(pairs)).validate().expect("valid test row")
}

pub(crate) fn spec(pairs: &[(&str, &str)]) -> ProductSpec {
    row(pairs).spec
}

pub(crate) fn bank() -> NewInstitution {
    NewInstitution {
        code: "test-bank".into(),
        name: "测试银行".into(),
        kind: InstitutionKind::Bank,
        intro: "测试".into(),
    }
}

pub(crate) fn agency() -> NewInstitution {
    NewInstitution {
        code: "test-guarantee".into(),
        name: "测试融资担保有限公司".into(),
        kind: InstitutionKind::GuaranteeAgency,
        intro: String::new(),
    }
}

async fn each(test: impl AsyncFn(TestDb)) {
    for db in testing::all().await {
        test(db).await;
    }
}

#[tokio::test]
async fn a_saved_product_reads_back_whole() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        store.create_institution(&agency()).await.unwrap();
        let spec = spec(&[("guarantee_agency_code", "test-guarantee"), ("guarantee_fee_pct", "0.8")]);
        let id = store.save_product(owner.id, LifecycleState::Published, &spec).await.unwrap();
        assert!(matches!(id, SaveOutcome::Created(_)), "{}", db.backend);
        let product = store.product(id.product_id()).await.unwrap().unwrap();
        assert_eq!(product.spec, spec, "{}", db.backend);
        assert_eq!(product.institution.code, "test-bank");
        assert_eq!(product.guarantee_agency.unwrap().code, "test-guarantee");
        assert_eq!(product.state, LifecycleState::Published);
        assert_eq!(store.institutions().await.unwrap().len(), 2);
    })
    .await;
}

#[tokio::test]
async fn the_rules_required_verified_read_back_and_none_is_null() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let none = spec(&[]);
        let id = store.save_product(owner.id, LifecycleState::Published, &none).await.unwrap().product_id();
        assert!(store.product(id).await.unwrap().unwrap().spec.verified_rules.is_empty(), "{}", db.backend);
        let sql = format!("SELECT COUNT(*) AS n FROM product WHERE id = {id} AND verified_rules IS NULL");
        let conn = store.connection();
        let row = conn.query_one_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
        assert_eq!(row.unwrap().try_get::<i64>("", "n").unwrap(), 1, "{}: none required is NULL", db.backend);

        let required = spec(&[("verified_rules", "qualifications_any|min_years_in_operation")]);
        let saved = store.save_product(owner.id, LifecycleState::Published, &required).await.unwrap();
        assert_eq!(saved, SaveOutcome::Updated(id), "{}", db.backend);
        let stored = store.product(id).await.unwrap().unwrap();
        assert_eq!(stored.spec, required, "{}", db.backend);
        assert_eq!(stored.spec.verified_rules.to_cell(), "min_years_in_operation|qualifications_any");
        let again = store.save_product(owner.id, LifecycleState::Published, &required).await.unwrap();
        assert_eq!(again, SaveOutcome::Unchanged(id), "{}", db.backend);
    })
    .await;
}

#[tokio::test]
async fn saves_are_upserts_and_each_real_change_is_logged() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let first = store.save_product(owner.id, LifecycleState::Published, &spec(&[])).await.unwrap();
        let again = store.save_product(owner.id, LifecycleState::Published, &spec(&[])).await.unwrap();
        assert_eq!(again, SaveOutcome::Unchanged(first.product_id()), "{}", db.backend);
        assert_eq!(store.last_change_seq().await.unwrap(), 1);

        let changed =
            store.save_product(owner.id, LifecycleState::Published, &spec(&[("districts", "jizhou")])).await.unwrap();
        assert_eq!(changed, SaveOutcome::Updated(first.product_id()));
        let stored = store.product(first.product_id()).await.unwrap().unwrap();
        assert_eq!(stored.spec.area.to_cell(), "120119");

        store.set_product_state(first.product_id(), LifecycleState::Paused).await.unwrap();
        store.delete_product(first.product_id()).await.unwrap();
        assert!(store.product(first.product_id()).await.unwrap().is_none());
        let log = store.changes_after(0, 100).await.unwrap();
        assert_eq!(log.len(), 4, "{}", db.backend);
        assert!(log.iter().all(|c| c.product_id == first.product_id()));
        assert!(log.windows(2).all(|w| w[0].seq < w[1].seq));
        assert!(matches!(store.delete_product(first.product_id()).await, Err(StoreError::NotFound { .. })));
    })
    .await;
}

#[tokio::test]
async fn every_kind_of_area_reads_back_as_saved() {
    for db in testing::all().await {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let home = finmart_domain::HomeArea::default();
        for (i, cell) in ["全国", "未说明", "江苏省苏州市|120116", "全市", "和平区|河西区"].into_iter().enumerate()
        {
            let mut wanted = spec(&[]);
            wanted.code = format!("AREA-{i}");
            wanted.area = finmart_domain::ServiceArea::from_cell(cell, &home).unwrap();
            let id = store.save_product(owner.id, LifecycleState::Published, &wanted).await.unwrap().product_id();
            let stored = store.product(id).await.unwrap().unwrap();
            assert_eq!(stored.spec, wanted, "{cell} on {}", db.backend);
        }
        let sql = "SELECT district AS s FROM product_district ORDER BY district";
        let conn = store.connection();
        let rows = conn.query_all_raw(sea_orm::Statement::from_string(conn.get_database_backend(), sql)).await.unwrap();
        let rows: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "s").unwrap()).collect();
        let expected = ["120000", "120101", "120103", "120116", "320500", "nationwide"];
        assert_eq!(rows, expected, "{}: codes, a marker for 全国, nothing for 未说明", db.backend);
    }
}

#[tokio::test]
async fn a_guarantee_agency_must_be_one() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let bad = spec(&[("guarantee_agency_code", "test-bank"), ("guarantee_fee_pct", "1")]);
        assert!(matches!(
            store.save_product(owner.id, LifecycleState::Published, &bad).await,
            Err(StoreError::NotAGuaranteeAgency(ref code)) if code == "test-bank"
        ));
        let missing = spec(&[("guarantee_agency_code", "nobody"), ("guarantee_fee_pct", "1")]);
        assert!(matches!(
            store.save_product(owner.id, LifecycleState::Published, &missing).await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(store.count_products(None).await.unwrap(), 0);
        assert!(matches!(store.create_institution(&bank()).await, Err(StoreError::InstitutionCodeTaken(_))));
    })
    .await;
}

#[tokio::test]
async fn staff_accounts_are_checked_and_made_with_a_password_or_an_invitation() {
    each(async |db| {
        let store = &db.store;
        let lender = store.create_institution(&bank()).await.unwrap();
        let event = || AuditEvent::anonymous(None, "account.create");
        let input = StaffAccountInput {
            login: " Loans@Bank.CN ",
            display_name: "信贷部",
            role: "institution",
            institution_id: Some(lender.id),
            provider_id: None,
            password: None,
        };
        let invited = store.create_staff_account(&input, event()).await.unwrap();
        assert!(invited.account.invited, "{}", db.backend);
        assert_eq!(invited.account.login, "loans@bank.cn");
        let secret = invited.invite.unwrap();
        let found = store.account_for_invite(&password::digest(&secret)).await.unwrap().unwrap();
        assert_eq!(found.id, invited.account.id);

        let with_password =
            StaffAccountInput {
                login: "ops@example.cn", role: "operator", password: Some("金融超市2026"), ..input
            };
        let ops = store.create_staff_account(&with_password, event()).await.unwrap();
        assert!(ops.invite.is_none() && !ops.account.invited);
        assert_eq!(ops.account.institution_id, None, "an operator belongs to no institution");
        let (_, hash) = store.account_for_login("ops@example.cn").await.unwrap().unwrap();
        assert!(password::verify("金融超市2026", hash.as_deref()));

        // Refusals write nothing.
        let taken = store.create_staff_account(&with_password, event()).await;
        assert!(matches!(taken, Err(StoreError::LoginTaken(_))), "{taken:?}");
        let agency_at_a_bank = StaffAccountInput { login: "g@example.cn", role: "agency", ..input };
        let wrong_kind = store.create_staff_account(&agency_at_a_bank, event()).await;
        assert!(matches!(wrong_kind, Err(StoreError::WrongParty(crate::WrongParty::AgencyAtLender))), "{wrong_kind:?}");
        let sme = StaffAccountInput { login: "s@example.cn", role: "sme", ..input };
        let Err(StoreError::Invalid(errors)) = store.create_staff_account(&sme, event()).await else {
            panic!("an SME account is refused")
        };
        assert_eq!(errors.0[0].field, "role");
        assert_eq!(store.accounts(None).await.unwrap().len(), 2);
        let query = AuditQuery { institution_id: Some(lender.id), limit: 10, ..AuditQuery::default() };
        let audit = store.audit_log(query).await.unwrap();
        assert_eq!(audit.iter().filter(|e| e.action == "account.create").count(), 1, "{}", db.backend);
    })
    .await;
}

#[tokio::test]
async fn an_import_is_all_or_nothing_and_idempotent() {
    each(async |db| {
        let store = &db.store;
        let with_new_bank = |code: &str| {
            let mut r = row(&[("code", code)]);
            r.new_institution = Some(("测试银行".into(), InstitutionKind::Bank));
            r
        };
        // One good row, one naming an unknown institution, one repeating the first: nothing is written.
        let bad = vec![
            (2, with_new_bank("A")),
            (3, row(&[("institution_code", "ghost-bank"), ("code", "B")])),
            (4, with_new_bank("A")),
        ];
        let Err(StoreError::ImportRejected(errors)) = store.import(&bad, &|| {}).await else {
            panic!("import should be rejected on {}", db.backend)
        };
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
        assert_eq!(found, vec![(3, "institution_code"), (4, "code")], "{}", db.backend);
        assert_eq!(store.check_import(&bad).await.unwrap().len(), 2);
        assert_eq!(store.count_products(None).await.unwrap(), 0);
        assert!(store.institutions().await.unwrap().is_empty());

        let good = vec![(2, with_new_bank("A")), (3, with_new_bank("B"))];
        let first = store.import(&good, &|| {}).await.unwrap();
        assert_eq!((first.institutions_created, first.created, first.updated, first.unchanged), (1, 2, 0, 0));
        let seq = store.last_change_seq().await.unwrap();
        let second = store.import(&good, &|| {}).await.unwrap();
        assert_eq!((second.institutions_created, second.created, second.updated, second.unchanged), (0, 0, 0, 2));
        assert_eq!(store.last_change_seq().await.unwrap(), seq, "a repeated import changes nothing");
        assert_eq!(store.products_after(0, 10).await.unwrap().len(), 2);
    })
    .await;
}

/// A product as most banks' pages describe it: a maximum amount and a shortest term, "LPR 加点" with no
/// spread, and nothing about the rest (no minimum amount, no rate, no repayment methods, no collateral
/// terms, no decision time, no online channel, no start of validity).
fn unstated(pairs: &[(&str, &str)]) -> ProductSpec {
    let mut all: Vec<(&str, &str)> = vec![
        ("institution_code", "test-bank"),
        ("code", "REAL-1"),
        ("name", "科技贷"),
        ("family", "credit"),
        ("description", "单户最高 1000 万元，利率 LPR 加点"),
        ("amount_max_yuan", "10000000"),
        ("term_min_months", "3"),
        ("rate_basis", "lpr_1y"),
        ("districts", "all"),
    ];
    for (k, v) in pairs {
        all.retain(|(key, _)| key != k);
        all.push((k, v));
    }
    ProductRecord::from_pairs(all).validate().expect("valid test row").spec
}

/// Every fact a product leaves 未说明 is stored as NULL and read back as 未说明, through creation, edits,
/// review, approval, the change log and the versions.
#[tokio::test]
async fn a_product_with_unstated_facts_round_trips() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let principal = |account_id, role, institution_id| Principal {
            account_id,
            role,
            display_name: "测试".into(),
            enterprise_id: None,
            institution_id,
            provider_id: None,
        };
        let banker = principal(7, Role::Institution, Some(owner.id));
        let operator = principal(1, Role::Operator, None);
        let by = |action| AuditEvent::by(&banker, None, action);
        let open = unstated(&[]);
        assert_eq!((open.amount.min(), open.amount.max()), (None, Some(Fen::wan(1000))));
        assert!(open.term.max().is_none());
        assert_eq!(open.pricing, Pricing::Lpr { tenor: LprTenor::OneYear, spread_bps: StatedRange::UNSTATED });
        assert_eq!((&open.repayment_methods, &open.collateral), (&None, &CollateralTerms::NotStated));
        assert_eq!((open.decision_days, open.online, open.valid_from), (None, None, None));
        let seq = store.last_change_seq().await.unwrap();

        let id = store.create_managed_product(owner.id, &open, &by("product.create")).await.unwrap();
        assert_eq!(store.product(id).await.unwrap().unwrap().spec, open, "{}", db.backend);
        // NULL in every unstated column, never a stand-in value.
        let row = product::Entity::find_by_id(id).one(store.connection()).await.unwrap().unwrap();
        assert_eq!((row.amount_min_fen, row.amount_max_fen), (None, Some(1_000_000_000)), "{}", db.backend);
        assert_eq!(
            (row.term_min_months, row.term_max_months, row.rate_min_ppm, row.rate_max_ppm),
            (Some(3), None, None, None)
        );
        assert_eq!(
            (row.rate_basis.as_deref(), row.lpr_spread_min_bps, row.lpr_spread_max_bps),
            (Some("lpr_1y"), None, None)
        );
        assert_eq!((row.repayment_methods, row.collateral), (None, None));
        assert_eq!((row.decision_days, row.online, row.valid_from), (None, None, None));
        // The stored product is what was given: saving it again changes nothing.
        assert_eq!(
            store.save_product(owner.id, LifecycleState::Draft, &open).await.unwrap(),
            SaveOutcome::Unchanged(id)
        );

        // Edited to state some facts (all of two kinds of collateral, a minimum, no online channel)…
        let stated = unstated(&[
            ("amount_min_yuan", "500000"),
            ("collateral", "real_estate+guarantee"),
            ("online", "false"),
            ("repayment_methods", "interest_only"),
        ]);
        assert_eq!(
            stated.collateral,
            CollateralTerms::AllOf { kinds: vec![Collateral::RealEstate, Collateral::Guarantee] }
        );
        let saved = store.edit_managed_product(owner.id, id, &stated, &by("product.update")).await.unwrap();
        assert_eq!(saved, EditOutcome::Saved, "{}", db.backend);
        assert_eq!(store.product(id).await.unwrap().unwrap().spec, stated, "{}", db.backend);
        // …and back: what was stated becomes 未说明 again.
        store.edit_managed_product(owner.id, id, &open, &by("product.update")).await.unwrap();
        assert_eq!(store.product(id).await.unwrap().unwrap().spec, open, "{}", db.backend);

        // Reviewed and approved as it is.
        let review = store.submit_managed_product(owner.id, id, &by("product.submit")).await.unwrap();
        let queue = store.pending_reviews(10).await.unwrap();
        assert_eq!(queue[0].review.record.validate().unwrap().spec, open, "{}", db.backend);
        store.approve_review(review, &AuditEvent::by(&operator, None, "product.approve")).await.unwrap();
        let live = store.product(id).await.unwrap().unwrap();
        assert_eq!((live.state, &live.spec), (LifecycleState::Published, &open), "{}", db.backend);

        // Each write is in the change log, and each version holds the whole spec, 未说明 included.
        let log = store.changes_after(seq, 100).await.unwrap();
        assert_eq!(log.len(), 5, "{}: {log:?}", db.backend);
        assert!(log.iter().all(|c| c.product_id == id));
        let versions = store.product_versions(Some(owner.id), id).await.unwrap();
        let specs: Vec<ProductSpec> = versions.iter().rev().map(|v| v.record.validate().unwrap().spec).collect();
        assert_eq!(specs, [&open, &stated, &open, &open, &open].map(Clone::clone), "{}", db.backend);
        // The first edit names the columns it stated, each from nothing.
        let first_edit = &versions[versions.len() - 2].changes;
        let collateral = first_edit.iter().find(|c| c.column == "collateral").unwrap();
        assert_eq!((collateral.before.as_deref(), collateral.after.as_deref()), (None, Some("real_estate+guarantee")));
        let online = first_edit.iter().find(|c| c.column == "online").unwrap();
        assert_eq!((online.before.as_deref(), online.after.as_deref()), (None, Some("false")));
    })
    .await;
}

/// Eligibility in the product's column and in its versions' and reviews' records: upper bounds and the
/// lender's own words round-trip, and a rule stored before tax paid had an upper bound (`min_tax_paid_yuan`)
/// reads for ever as the lower bound it was, wherever it was stored.
#[tokio::test]
async fn eligibility_round_trips_and_a_rule_stored_under_the_old_tax_key_keeps_its_meaning() {
    each(async |db| {
        let store = &db.store;
        let conn = store.connection();
        let owner = store.create_institution(&bank()).await.unwrap();
        let banker = Principal {
            account_id: 7,
            role: Role::Institution,
            display_name: "测试".into(),
            enterprise_id: None,
            institution_id: Some(owner.id),
            provider_id: None,
        };
        let by = |action| AuditEvent::by(&banker, None, action);

        let words = spec(&[
            ("code", "E-1"),
            (
                "eligibility",
                "tax_paid_yuan=..50万; employees=..300; revenue_yuan=..3000万; \
                 qualifications_any=innovative_sme|seed|unicorn|talent_programme; \
                 other_conditions=经营者无不良嗜好|入选区级种子企业库",
            ),
        ]);
        let id = store.create_managed_product(owner.id, &words, &by("product.create")).await.unwrap();
        assert_eq!(store.product(id).await.unwrap().unwrap().spec, words, "{}", db.backend);
        let row = product::Entity::find_by_id(id).one(conn).await.unwrap().unwrap();
        let column: serde_json::Value = serde_json::from_str(&row.eligibility).unwrap();
        assert_eq!(column["tax_paid_yuan"], "..500000", "{}", db.backend);
        assert_eq!(column["other_conditions"], "经营者无不良嗜好|入选区级种子企业库", "{}", db.backend);

        // A product written before, with a review waiting: its rows put back in the form they had then.
        let floor = spec(&[("code", "E-2"), ("eligibility", "tax_paid_yuan=100000..; min_years_in_operation=2")]);
        let old = store.create_managed_product(owner.id, &floor, &by("product.create")).await.unwrap();
        store.submit_managed_product(owner.id, old, &by("product.submit")).await.unwrap();
        conn.execute_unprepared(&format!(
            "UPDATE product SET eligibility = '{{\"min_tax_paid_yuan\":\"100000\",\"min_years_in_operation\":\"2\"}}' \
             WHERE id = {old}"
        ))
        .await
        .unwrap();
        for table in ["product_version", "product_review"] {
            let sql = format!(
                "UPDATE {table} SET record = REPLACE(record, 'tax_paid_yuan=100000..', 'min_tax_paid_yuan=100000') \
                 WHERE product_id = {old}"
            );
            let changed = conn.execute_unprepared(&sql).await.unwrap().rows_affected();
            assert!(changed > 0, "{table} on {}", db.backend);
        }
        let stored = product::Entity::find_by_id(old).one(conn).await.unwrap().unwrap();
        assert!(stored.eligibility.contains("min_tax_paid_yuan"), "{}", db.backend);

        // Read now, each is the lower bound it always was.
        assert_eq!(store.product(old).await.unwrap().unwrap().spec, floor, "{}", db.backend);
        let versions = store.product_versions(Some(owner.id), old).await.unwrap();
        assert!(!versions.is_empty());
        for v in &versions {
            assert!(v.record.to_json()["eligibility"].as_str().unwrap().contains("min_tax_paid_yuan"));
            assert_eq!(v.record.validate().unwrap().spec, floor, "{}", db.backend);
        }
        let queue = store.pending_reviews(10).await.unwrap();
        let review = queue.iter().find(|r| r.review.product_id == old).unwrap();
        assert_eq!(review.review.record.validate().unwrap().spec, floor, "{}", db.backend);
    })
    .await;
}

/// The collateral column holds the terms' cell form; a cell that does not parse (or an empty one, which is
/// neither 未说明 nor 纯信用) is a corrupt row, not a guess.
#[tokio::test]
async fn collateral_is_stored_as_its_cell_and_a_bad_cell_is_corrupt() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let (estate, receivables) = (Collateral::RealEstate, Collateral::Receivables);
        let cases = [
            ("none", CollateralTerms::NoneRequired),
            ("real_estate|receivables", CollateralTerms::AnyOf { unsecured: false, kinds: vec![estate, receivables] }),
            ("none|real_estate", CollateralTerms::AnyOf { unsecured: true, kinds: vec![estate] }),
            ("real_estate+receivables", CollateralTerms::AllOf { kinds: vec![estate, receivables] }),
        ];
        let mut ids = Vec::new();
        for (i, (cell, terms)) in cases.iter().enumerate() {
            let code = format!("C-{i}");
            let spec = spec(&[("code", code.as_str()), ("collateral", cell)]);
            assert_eq!(&spec.collateral, terms);
            let id = store.save_product(owner.id, LifecycleState::Published, &spec).await.unwrap().product_id();
            let row = product::Entity::find_by_id(id).one(store.connection()).await.unwrap().unwrap();
            assert_eq!(row.collateral.as_deref(), Some(*cell), "{}", db.backend);
            assert_eq!(&store.product(id).await.unwrap().unwrap().spec.collateral, terms, "{}", db.backend);
            ids.push(id);
        }
        for bad in ["gold", ""] {
            store
                .connection()
                .execute_unprepared(&format!("UPDATE product SET collateral = '{bad}' WHERE id = {}", ids[0]))
                .await
                .unwrap();
            let read = store.product(ids[0]).await;
            assert!(
                matches!(read, Err(StoreError::Corrupt { table: "product", field: "collateral", .. })),
                "{bad:?} on {}: {read:?}",
                db.backend
            );
        }
    })
    .await;
}

mod enterprises {
    use super::each;
    use crate::StoreError;
    use chrono::NaiveDate;
    use finmart_domain::{EnterpriseProfile, Uscc};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).expect("date")
    }

    fn generated(seed: u64, n: usize) -> Vec<(EnterpriseProfile, bool)> {
        finmart_synth::profiles(seed, n, today()).map(|p| (p.profile, p.discoverable)).collect()
    }

    fn one() -> EnterpriseProfile {
        generated(1, 1).remove(0).0
    }

    #[tokio::test]
    async fn a_saved_enterprise_reads_back_whole_and_saves_upsert_by_credit_code() {
        each(async |db| {
            let store = &db.store;
            assert_eq!(store.enterprise_revision().await.unwrap(), 0, "{}", db.backend);
            let mut profile = one();
            let saved = store.save_enterprise(&profile, true).await.unwrap();
            assert_eq!(saved.profile, profile, "{}", db.backend);
            assert!(saved.discoverable);
            let revision = store.enterprise_revision().await.unwrap();
            assert!(revision > 0 && saved.revision == revision);
            assert_eq!(store.enterprise(saved.id).await.unwrap(), Some(saved.clone()));
            let uscc = profile.uscc.clone().unwrap();
            assert_eq!(store.enterprise_by_uscc(&uscc).await.unwrap().map(|e| e.id), Some(saved.id));

            // The same profile again changes nothing, not even the revision.
            let again = store.save_enterprise(&profile, true).await.unwrap();
            assert_eq!(again, saved, "{}", db.backend);
            assert_eq!(store.enterprise_revision().await.unwrap(), revision);

            profile.name = "天津市改名科技有限公司".to_owned();
            let renamed = store.save_enterprise(&profile, false).await.unwrap();
            assert_eq!(renamed.id, saved.id, "{}", db.backend);
            assert_eq!(renamed.profile.name, profile.name);
            assert!(!renamed.discoverable && renamed.revision > revision);
            assert_eq!(store.count_enterprises(false).await.unwrap(), 1);
            assert_eq!(store.count_enterprises(true).await.unwrap(), 0);
            assert!(store.enterprise(saved.id + 1000).await.unwrap().is_none());
        })
        .await;
    }

    /// The firm's own edit of its profile is audited with the write; an edit that changes nothing writes no
    /// entry, and one that would change the credit code is refused whole.
    #[tokio::test]
    async fn a_firms_own_profile_edit_is_audited_with_the_write() {
        use crate::{AuditEvent, AuditQuery};
        use finmart_domain::{Principal, Qualification, Role};
        each(async |db| {
            let store = &db.store;
            let saved = store.save_enterprise(&one(), false).await.unwrap();
            let sme = Principal {
                account_id: 7,
                role: Role::Sme,
                display_name: "演示企业".into(),
                enterprise_id: Some(saved.id),
                institution_id: None,
                provider_id: None,
            };
            let event = AuditEvent::by(&sme, Some("127.0.0.1"), "x").detail(serde_json::json!({"via": "match"}));
            let mut profile = saved.profile.clone();
            profile.qualifications = Some(vec![Qualification::HighTech]);
            let updated = store.update_enterprise(saved.id, &profile, &event).await.unwrap();
            assert_eq!(updated.profile.qualifications, Some(vec![Qualification::HighTech]), "{}", db.backend);
            let query = AuditQuery { enterprise_id: Some(saved.id), limit: 10, ..AuditQuery::default() };
            let log = store.audit_log(query).await.unwrap();
            assert_eq!(log.len(), 1, "{}", db.backend);
            assert_eq!((log[0].action.as_str(), log[0].subject_kind.as_str()), ("profile.update", "enterprise"));
            assert_eq!((log[0].subject_id, log[0].enterprise_id), (Some(saved.id), Some(saved.id)));
            assert_eq!(log[0].detail["via"], "match");
            // Saving what is stored changes nothing and is not an act.
            store.update_enterprise(saved.id, &profile, &event).await.unwrap();
            assert_eq!(store.audit_log(query).await.unwrap().len(), 1);
            // Another credit code is refused, and nothing is written.
            let mut other = profile.clone();
            other.uscc = generated(2, 1).remove(0).0.uscc;
            other.name = "别的企业".into();
            assert!(matches!(store.update_enterprise(saved.id, &other, &event).await, Err(StoreError::Invalid(_))));
            assert_eq!(store.enterprise(saved.id).await.unwrap().unwrap().profile, profile);
            assert_eq!(store.audit_log(query).await.unwrap().len(), 1);
        })
        .await;
    }

    #[tokio::test]
    async fn a_profile_without_a_credit_code_or_not_valid_is_refused() {
        each(async |db| {
            let store = &db.store;
            let mut profile = one();
            profile.uscc = None;
            let Err(StoreError::Invalid(errors)) = store.save_enterprise(&profile, true).await else {
                panic!("saved without a credit code on {}", db.backend)
            };
            assert_eq!(errors.0.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["uscc"]);

            let mut future = one();
            future.established = NaiveDate::from_ymd_opt(2999, 1, 1).unwrap();
            let batch = vec![(one(), true), (profile, true), (future, false)];
            let Err(StoreError::Invalid(errors)) = store.insert_enterprises(&batch).await else {
                panic!("bad batch accepted on {}", db.backend)
            };
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["[1].uscc", "[2].established"], "{}", db.backend);
            assert_eq!(store.count_enterprises(false).await.unwrap(), 0);
            assert_eq!(store.enterprise_revision().await.unwrap(), 0);
        })
        .await;
    }

    /// The pool's read of changed firms (one streamed query): across several revisions, with firms written
    /// again in a later one, every firm comes once, as last written, and `since` leaves out exactly the
    /// firms not written after it.
    #[tokio::test]
    async fn the_read_of_changed_firms_returns_every_firm_exactly_once() {
        each(async |db| {
            let store = &db.store;
            let all = generated(11, 2_500);
            for part in all.chunks(700) {
                store.insert_enterprises(part).await.unwrap();
            }
            let middle = store.enterprise_revision().await.unwrap();
            // Some of the first firms written again, later: they move to the newest revision.
            let mut again: Vec<_> = all[..40].to_vec();
            for (profile, _) in &mut again {
                profile.employees += 3;
            }
            assert_eq!(store.insert_enterprises(&again).await.unwrap(), 40, "{}", db.backend);

            let mut seen = std::collections::HashMap::new();
            let read = store
                .each_enterprise_revised_after(0, |e| {
                    *seen.entry(e.profile.uscc.clone()).or_insert(0) += 1;
                })
                .await
                .unwrap();
            assert_eq!(read, 2_500, "{}", db.backend);
            assert_eq!(seen.len(), 2_500, "{}", db.backend);
            assert!(seen.values().all(|n| *n == 1), "a firm read twice on {}", db.backend);

            let mut later = Vec::new();
            store.each_enterprise_revised_after(middle, |e| later.push(e)).await.unwrap();
            later.sort_by_key(|e| e.id);
            let expected: Vec<_> = again.iter().map(|(p, _)| p.clone()).collect();
            let got: Vec<_> = later.into_iter().map(|e| e.profile).collect();
            assert_eq!(got, expected, "{}", db.backend);
        })
        .await;
    }

    #[tokio::test]
    async fn bulk_inserts_page_filter_and_report_what_changed() {
        each(async |db| {
            let store = &db.store;
            let batch = generated(7, 1200);
            let discoverable = batch.iter().filter(|(_, d)| *d).count() as u64;
            assert_eq!(store.insert_enterprises(&batch).await.unwrap(), 1200, "{}", db.backend);
            assert_eq!(store.count_enterprises(false).await.unwrap(), 1200);
            assert_eq!(store.count_enterprises(true).await.unwrap(), discoverable);
            let revision = store.enterprise_revision().await.unwrap();

            // Paging through all of them, and through the discoverable ones only.
            for only in [false, true] {
                let (mut after, mut seen) = (0, Vec::new());
                loop {
                    let page = store.enterprises_after(after, 500, only).await.unwrap();
                    let Some(last) = page.last() else { break };
                    after = last.id;
                    seen.extend(page);
                }
                assert!(seen.windows(2).all(|w| w[0].id < w[1].id));
                let expected: Vec<&(EnterpriseProfile, bool)> = batch.iter().filter(|(_, d)| !only || *d).collect();
                assert_eq!(seen.len(), expected.len(), "{} only={only}", db.backend);
                for (stored, (profile, d)) in seen.iter().zip(expected) {
                    assert_eq!((&stored.profile, stored.discoverable), (profile, *d));
                }
            }

            // The same batch again writes nothing; three changes write three, and only they are news.
            assert_eq!(store.insert_enterprises(&batch).await.unwrap(), 0, "{}", db.backend);
            assert_eq!(store.enterprise_revision().await.unwrap(), revision);
            let mut changed = batch.clone();
            for i in [3, 500, 1100] {
                changed[i].1 = !changed[i].1;
            }
            changed[500].0.employees += 1;
            // A credit code twice in one batch: the later entry wins.
            let mut twice = changed[3].clone();
            twice.0.name = "天津市后来者商贸有限公司".to_owned();
            changed.push(twice);
            assert_eq!(store.insert_enterprises(&changed).await.unwrap(), 3, "{}", db.backend);
            assert_eq!(store.count_enterprises(false).await.unwrap(), 1200);
            let mut news = Vec::new();
            let read = store.each_enterprise_revised_after(revision, |e| news.push(e)).await.unwrap();
            assert_eq!(read, 3, "{}", db.backend);
            news.sort_by_key(|e| e.id);
            let codes: Vec<Uscc> = news.iter().filter_map(|e| e.profile.uscc.clone()).collect();
            let expected: Vec<Uscc> = [3, 500, 1100].iter().filter_map(|i| batch[*i].0.uscc.clone()).collect();
            assert_eq!(codes, expected, "{}", db.backend);
            assert_eq!(news[0].profile.name, "天津市后来者商贸有限公司");
            assert_eq!(news[1].profile.employees, batch[500].0.employees + 1);
            let head = store.enterprise_revision().await.unwrap();
            assert_eq!(store.each_enterprise_revised_after(head, |_| {}).await.unwrap(), 0, "{}", db.backend);
        })
        .await;
    }
}

#[tokio::test]
async fn a_token_is_refused_while_its_account_is_disabled_and_its_acts_name_it() {
    each(async |db| {
        let store = &db.store;
        let lender = store.create_institution(&bank()).await.unwrap();
        let input = StaffAccountInput {
            login: "loans@bank.cn",
            display_name: "信贷部",
            role: "institution",
            institution_id: Some(lender.id),
            provider_id: None,
            password: Some("金融超市2026"),
        };
        let account = store.create_staff_account(&input, AuditEvent::anonymous(None, "account.create")).await.unwrap();
        let principal = store.account(account.account.id).await.unwrap().unwrap().principal();
        let by = AuditEvent::by(&principal, None, "api_token.create");
        let token = store
            .create_api_token(crate::TokenOwner::Institution(lender.id), "核心系统", "fmt_abcd", "hash-1", &by)
            .await
            .unwrap();
        let creator = store.account(account.account.id).await.unwrap().unwrap();
        assert_eq!(store.use_api_token("hash-1").await.unwrap(), crate::TokenUse::Live(token.clone(), creator));
        assert_eq!(store.use_api_token("hash-2").await.unwrap(), crate::TokenUse::Unknown);

        let operator = AuditEvent::anonymous(None, "account.disable");
        store.set_account_disabled(principal.account_id, true, &operator).await.unwrap();
        let crate::TokenUse::AccountDisabled(refused) = store.use_api_token("hash-1").await.unwrap() else {
            panic!("a disabled account's token is refused on {}", db.backend)
        };
        assert_eq!(refused.id, token.id);
        store.set_account_disabled(principal.account_id, false, &operator).await.unwrap();
        assert!(matches!(store.use_api_token("hash-1").await.unwrap(), crate::TokenUse::Live(..)), "re-enabled");

        // An act by the token is audited under the account and names the token, keeping the act's detail.
        let act = AuditEvent::by(&principal, Some("10.0.0.1"), "product.pause")
            .detail(serde_json::json!({"via": "api"}))
            .by_token(token.id, &token.name);
        store.audit(&act).await.unwrap();
        let query = AuditQuery { institution_id: Some(lender.id), limit: 50, ..AuditQuery::default() };
        let entries = store.audit_log(query).await.unwrap();
        let entry = entries.iter().find(|e| e.action == "product.pause").unwrap();
        assert_eq!(entry.account_id, Some(principal.account_id));
        assert_eq!(entry.detail, serde_json::json!({"via": "api", "token_id": token.id, "token_name": "核心系统"}));
    })
    .await;
}

fn limits() -> crate::LoginLimits {
    crate::LoginLimits {
        since: chrono::Utc::now() - chrono::Duration::minutes(15),
        per_login_and_address: 5,
        per_address: 20,
        per_login_from_new_addresses: 20,
    }
}

#[tokio::test]
async fn a_hundred_concurrent_attempts_from_one_address_get_at_most_the_limit_checked() {
    each(async |db| {
        let mut attempts = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let store = db.store.clone();
            attempts
                .spawn(async move { store.reserve_login_attempt("ops@example.cn", "203.0.113.9", &limits()).await });
        }
        let mut granted = 0;
        while let Some(done) = attempts.join_next().await {
            granted += u32::from(done.unwrap().unwrap());
        }
        assert_eq!(granted, 5, "{}: only the limit may be checked", db.backend);
        let recorded = crate::entity::login_failure::Entity::find().all(db.store.connection()).await.unwrap().len();
        assert_eq!(recorded, 5, "{}: and only they are counted", db.backend);
    })
    .await;
}

#[tokio::test]
async fn the_owner_at_a_known_address_signs_in_while_other_addresses_are_throttled() {
    each(async |db| {
        let store = &db.store;
        let input = StaffAccountInput {
            login: "ops@example.cn",
            display_name: "运营",
            role: "operator",
            institution_id: None,
            provider_id: None,
            password: Some("金融超市2026"),
        };
        let ops = store.create_staff_account(&input, AuditEvent::anonymous(None, "account.create")).await.unwrap();
        store.record_login(&ops.account, Some("198.51.100.7")).await.unwrap();
        // An attacker from many addresses: five tries at each, and past the account's cap none at all.
        let mut granted = 0;
        for a in 0..10 {
            for _ in 0..6 {
                granted += u32::from(
                    store.reserve_login_attempt(input.login, &format!("203.0.113.{a}"), &limits()).await.unwrap(),
                );
            }
        }
        assert_eq!(granted, 20, "{}: the account's cap across new addresses", db.backend);
        assert!(!store.reserve_login_attempt(input.login, "192.0.2.1", &limits()).await.unwrap());
        // The owner at the address it signed in from before is still checked, and signs in.
        assert!(store.reserve_login_attempt(input.login, "198.51.100.7", &limits()).await.unwrap(), "{}", db.backend);
        store.record_login(&ops.account, Some("198.51.100.7")).await.unwrap();
        // Its success clears only its own attempts: the attacker stays throttled.
        assert!(!store.reserve_login_attempt(input.login, "203.0.113.0", &limits()).await.unwrap());
        assert!(!store.reserve_login_attempt(input.login, "192.0.2.1", &limits()).await.unwrap());
        // Other accounts are untouched by it.
        assert!(store.reserve_login_attempt("other@example.cn", "192.0.2.1", &limits()).await.unwrap());
    })
    .await;
}
