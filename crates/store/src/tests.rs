//! Storage tests, each run on SQLite and on PostgreSQL.

use crate::testing::{self, TestDb};
use crate::{SaveOutcome, StoreError};
use finmart_domain::{ImportRow, InstitutionKind, LifecycleState, NewInstitution, ProductRecord, ProductSpec};

fn row(pairs: &[(&str, &str)]) -> ImportRow {
    let mut all: Vec<(&str, &str)> = vec![
        ("institution_code", "test-bank"),
        ("code", "P-1"),
        ("name", "科创信用贷"),
        ("family", "credit"),
        ("description", "面向科技型企业的纯信用贷款，线上申请"),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "3000000"),
        ("term_min_months", "6"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.45"),
        ("rate_max_pct", "5.2"),
        ("rate_basis", "lpr_1y"),
        ("lpr_spread_bps", "-5"),
        ("repayment_methods", "equal_instalment|revolving"),
        ("eligibility", "min_years_in_operation=2; qualifications_any=high_tech|tech_sme; revenue_yuan=1000000.."),
        ("policy_support", "risk_compensation|interest_subsidy"),
        ("decision_days", "3"),
        ("online", "true"),
        ("districts", "binhai|heping|nankai"),
        ("valid_from", "2026-01-01"),
        ("valid_until", "2027-12-31"),
    ];
    for (k, v) in pairs {
        all.retain(|(key, _)| key != k);
        if !v.is_empty() {
            all.push((k, v));
        }
    }
    ProductRecord::from_pairs(all).validate().expect("valid test row")
}

fn spec(pairs: &[(&str, &str)]) -> ProductSpec {
    row(pairs).spec
}

fn bank() -> NewInstitution {
    NewInstitution {
        code: "test-bank".into(),
        name: "测试银行".into(),
        kind: InstitutionKind::Bank,
        intro: "测试".into(),
    }
}

fn agency() -> NewInstitution {
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
        assert_eq!(stored.spec.districts, vec![finmart_domain::District::Jizhou]);

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
async fn a_guarantee_agency_must_be_one() {
    each(async |db| {
        let store = &db.store;
        let owner = store.create_institution(&bank()).await.unwrap();
        let bad = spec(&[("guarantee_agency_code", "test-bank"), ("guarantee_fee_pct", "1")]);
        assert!(matches!(
            store.save_product(owner.id, LifecycleState::Published, &bad).await,
            Err(StoreError::Conflict(_))
        ));
        let missing = spec(&[("guarantee_agency_code", "nobody"), ("guarantee_fee_pct", "1")]);
        assert!(matches!(
            store.save_product(owner.id, LifecycleState::Published, &missing).await,
            Err(StoreError::NotFound { .. })
        ));
        assert_eq!(store.count_products(None).await.unwrap(), 0);
        assert!(matches!(store.create_institution(&bank()).await, Err(StoreError::Conflict(_))));
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
