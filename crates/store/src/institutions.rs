//! Institutions: the lenders (banks, micro-credit, leasing, insurance and factoring companies, other
//! financial institutions) and the guarantee agencies.
//!
//! Every institution written here meets the domain's rules ([`NewInstitution::check`],
//! [`InstitutionEdit::check`]), whoever asks: the operator (page, API, `finmart institution`), or a loader
//! (the demo, bench data, an import). The code is the stable key and never changes. An edit may move an
//! institution between lenders' kinds freely, but between a lender and a guarantee agency only while nothing
//! depends on its side ([`KindFixed`]). Products carry their institution's and their guarantor's name and
//! kind into the search index and the matcher, so an edit of either re-announces those products on the
//! change log.

use crate::audit::{self, AuditEvent};
use crate::entity::{account, institution, product};
use crate::mapping::institution_from_row;
use crate::{KindFixed, Record, Store, StoreError, Suspension, changes};
use chrono::Utc;
use finmart_domain::{Institution, InstitutionEdit, InstitutionInput, InstitutionRef, Labelled, NewInstitution};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::{Map, json};
use std::collections::HashMap;

/// An institution with how many products it lists and how many it backs as guarantee agency (every state
/// counted, drafts and archived ones too: they all name it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionSummary {
    pub institution: Institution,
    /// Products it lists (a lender's own).
    pub products: u64,
    /// Products that name it as their guarantee agency.
    pub guaranteed: u64,
    /// Set while the operator has it suspended.
    pub suspension: Option<Suspension>,
}

impl Store {
    /// Every institution, by name.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institutions(&self) -> Result<Vec<Institution>, StoreError> {
        institution::Entity::find()
            .order_by_asc(institution::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(institution_from_row)
            .collect()
    }

    /// Every institution, by name, with how many products it lists and backs.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institution_summaries(&self) -> Result<Vec<InstitutionSummary>, StoreError> {
        let products = counts_by(&self.db, product::Column::InstitutionId).await?;
        let guaranteed = counts_by(&self.db, product::Column::GuaranteeAgencyId).await?;
        let mut suspensions = self.institution_suspensions().await?;
        Ok(self
            .institutions()
            .await?
            .into_iter()
            .map(|i| InstitutionSummary {
                products: products.get(&i.id).copied().unwrap_or(0),
                guaranteed: guaranteed.get(&i.id).copied().unwrap_or(0),
                suspension: suspensions.remove(&i.id),
                institution: i,
            })
            .collect())
    }

    /// One institution by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institution(&self, id: i64) -> Result<Option<Institution>, StoreError> {
        institution::Entity::find_by_id(id).one(&self.db).await?.map(institution_from_row).transpose()
    }

    /// One institution by its code.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institution_by_code(&self, code: &str) -> Result<Option<Institution>, StoreError> {
        find_by_code(&self.db, code).await
    }

    /// Creates an institution built in code (the demo, bench data, tests), unaudited.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming every field that breaks the rules; [`StoreError::InstitutionCodeTaken`];
    /// database failure.
    pub async fn create_institution(&self, new: &NewInstitution) -> Result<Institution, StoreError> {
        insert(&self.db, new).await
    }

    /// Checks and creates an institution as given (the operator's page and API, `finmart institution add`),
    /// audited as `event` (`institution.create`).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming every bad field (the rules of [`InstitutionInput::check`]);
    /// [`StoreError::InstitutionCodeTaken`]; database failure.
    pub async fn add_institution(
        &self,
        input: &InstitutionInput<'_>,
        event: AuditEvent<'_>,
    ) -> Result<Institution, StoreError> {
        let new = input.check().map_err(StoreError::Invalid)?;
        let txn = self.write_txn().await?;
        let created = insert(&txn, &new).await?;
        let facts = json!({"code": created.code, "name": created.name, "kind": created.kind.as_str()});
        let event = event.subject("institution", created.id).institution(created.id).with_facts(facts);
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok(created)
    }

    /// Checks and applies an edit of an institution's name, kind and introduction (its code stays),
    /// audited as `event` (`institution.edit`, with each changed field before and after). An edit that
    /// changes nothing writes nothing. A changed name or kind re-announces every product that names the
    /// institution, so search and matching show the new one within a second.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming every bad field (the rules of [`InstitutionEdit::check`]);
    /// [`StoreError::NotFound`] for no such institution; [`StoreError::KindFixed`] for a change between a
    /// lender and a guarantee agency that what it has forbids; database failure.
    pub async fn edit_institution(
        &self,
        id: i64,
        edit: &InstitutionEdit<'_>,
        event: AuditEvent<'_>,
    ) -> Result<Institution, StoreError> {
        let details = edit.check().map_err(StoreError::Invalid)?;
        let txn = self.write_txn().await?;
        let row = institution::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: id.to_string() })?;
        let before = institution_from_row(row.clone())?;
        if before.kind.is_guarantee_agency() != details.kind.is_guarantee_agency()
            && let Some(fixed) = kind_fixed(&txn, &before).await?
        {
            return Err(fixed.into());
        }
        let mut changed = Map::new();
        let mut note = |field: &str, from: &str, to: &str| {
            if from != to {
                changed.insert(field.to_owned(), json!({"from": from, "to": to}));
            }
        };
        note("name", &before.name, &details.name);
        note("kind", before.kind.as_str(), details.kind.as_str());
        note("intro", &before.intro, &details.intro);
        if changed.is_empty() {
            return Ok(before);
        }
        let shown = changed.contains_key("name") || changed.contains_key("kind");
        let mut active: institution::ActiveModel = row.into();
        active.name = Set(details.name);
        active.kind = Set(details.kind.as_str().to_owned());
        active.intro = Set(details.intro);
        active.updated_at = Set(Utc::now());
        let after = institution_from_row(active.update(&txn).await?)?;
        let named = if shown { products_naming(&txn, id).await? } else { Vec::new() };
        changes::record_all(&txn, &named).await?;
        let facts = json!({"code": after.code, "changes": changed});
        audit::append(&txn, &event.subject("institution", id).institution(id).with_facts(facts)).await?;
        txn.commit().await?;
        if !named.is_empty() {
            self.announce_change();
        }
        Ok(after)
    }
}

/// How many products name each institution in `column` (their lender's, or their guarantor's).
async fn counts_by(db: &impl ConnectionTrait, column: product::Column) -> Result<HashMap<i64, u64>, StoreError> {
    let rows: Vec<(i64, i64)> = product::Entity::find()
        .select_only()
        .column(column)
        .column_as(product::Column::Id.count(), "n")
        .filter(column.is_not_null())
        .group_by(column)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|(id, n)| (id, u64::try_from(n).unwrap_or(0))).collect())
}

/// What keeps an institution on its side of the market, if anything: the products it backs (an agency) or
/// lists (a lender), then its accounts, whose roles follow its side.
async fn kind_fixed(db: &impl ConnectionTrait, institution: &Institution) -> Result<Option<KindFixed>, StoreError> {
    let id = institution.id;
    let products = |column: product::Column| product::Entity::find().filter(column.eq(id)).count(db);
    let fixed = if institution.kind.is_guarantee_agency() {
        let backs = products(product::Column::GuaranteeAgencyId).await?;
        (backs > 0).then_some(KindFixed::BacksProducts(backs))
    } else {
        let lists = products(product::Column::InstitutionId).await?;
        (lists > 0).then_some(KindFixed::ListsProducts(lists))
    };
    if fixed.is_some() {
        return Ok(fixed);
    }
    let accounts = account::Entity::find().filter(account::Column::InstitutionId.eq(id)).count(db).await?;
    Ok((accounts > 0).then_some(KindFixed::HasAccounts(accounts)))
}

/// The products that name the institution, as lender or as guarantee agency.
async fn products_naming(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>, StoreError> {
    Ok(product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(
            Condition::any().add(product::Column::InstitutionId.eq(id)).add(product::Column::GuaranteeAgencyId.eq(id)),
        )
        .order_by_asc(product::Column::Id)
        .into_tuple()
        .all(db)
        .await?)
}

pub(crate) async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<Institution>, StoreError> {
    institution::Entity::find()
        .filter(institution::Column::Code.eq(code))
        .one(db)
        .await?
        .map(institution_from_row)
        .transpose()
}

/// Creates an institution held to the domain's rules, inside the caller's connection or transaction.
pub(crate) async fn insert(db: &impl ConnectionTrait, new: &NewInstitution) -> Result<Institution, StoreError> {
    let new = new.check().map_err(StoreError::Invalid)?;
    if find_by_code(db, &new.code).await?.is_some() {
        return Err(StoreError::InstitutionCodeTaken(new.code));
    }
    let now = Utc::now();
    let row = institution::ActiveModel {
        code: Set(new.code.clone()),
        name: Set(new.name),
        kind: Set(new.kind.as_str().to_owned()),
        intro: Set(new.intro),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    // Another writer took the code between the look-up and the insert (PostgreSQL does not serialise the two).
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::InstitutionCodeTaken(new.code),
        _ => e.into(),
    })?;
    institution_from_row(row)
}

/// The institutions with these ids, as references by id (ids repeat freely; each is read once).
pub(crate) async fn refs_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, InstitutionRef>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(institution_from_row)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|i| (i.id, i.to_ref()))
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::AuditQuery;
    use crate::testing::{self, TestDb};
    use crate::tests::{agency, bank, spec};
    use finmart_domain::{InstitutionKind, LifecycleState, StaffAccountInput};

    async fn each(test: impl AsyncFn(TestDb)) {
        for db in testing::all().await {
            test(db).await;
        }
    }

    fn event(action: &str) -> AuditEvent<'_> {
        AuditEvent::anonymous(None, action).detail(json!({"via": "test"}))
    }

    fn fields(e: &StoreError) -> Vec<&str> {
        match e {
            StoreError::Invalid(errors) => errors.0.iter().map(|f| f.field.as_str()).collect(),
            other => panic!("not a field refusal: {other:?}"),
        }
    }

    async fn entries(store: &Store, institution: i64, action: &str) -> Vec<crate::AuditEntry> {
        let query = AuditQuery { institution_id: Some(institution), limit: 50, ..AuditQuery::default() };
        store.audit_log(query).await.unwrap().into_iter().filter(|e| e.action == action).collect()
    }

    #[tokio::test]
    async fn the_operator_creates_institutions_of_every_kind_checked_and_audited() {
        each(async |db| {
            let store = &db.store;
            for (i, kind) in InstitutionKind::ALL.iter().enumerate() {
                let code = format!("kind-{i}");
                let input = InstitutionInput { code: &code, name: kind.label_zh(), kind: kind.as_str(), intro: "" };
                let created = store.add_institution(&input, event("institution.create")).await.unwrap();
                assert_eq!((created.kind, created.name.as_str()), (*kind, kind.label_zh()), "{}", db.backend);
            }
            let input = InstitutionInput {
                code: " tj-factor ",
                name: " 津港商业保理有限公司 ",
                kind: "商业保理公司",
                intro: " 应收账款保理。 ",
            };
            let factor = store.add_institution(&input, event("institution.create")).await.unwrap();
            assert_eq!(
                (factor.code.as_str(), factor.name.as_str(), factor.kind, factor.intro.as_str()),
                ("tj-factor", "津港商业保理有限公司", InstitutionKind::Factoring, "应收账款保理。")
            );
            assert_eq!(store.institution_by_code("tj-factor").await.unwrap(), Some(factor.clone()));
            let audited = entries(store, factor.id, "institution.create").await;
            assert_eq!(audited.len(), 1, "{}", db.backend);
            assert_eq!(audited[0].subject_id, Some(factor.id));
            assert_eq!(audited[0].detail["kind"], "factoring");
            assert_eq!(audited[0].detail["via"], "test", "the caller's detail is kept");

            // Refusals write nothing: every bad field at once, then a taken code.
            let bad = InstitutionInput { code: "a b", name: "", kind: "pawnshop", intro: &"介".repeat(2_001) };
            let refused = store.add_institution(&bad, event("institution.create")).await.unwrap_err();
            assert_eq!(fields(&refused), ["code", "name", "kind", "intro"]);
            let taken = store.add_institution(&input, event("institution.create")).await.unwrap_err();
            assert!(matches!(taken, StoreError::InstitutionCodeTaken(ref c) if c == "tj-factor"), "{taken:?}");
            assert_eq!(store.institutions().await.unwrap().len(), InstitutionKind::ALL.len() + 1);
            assert_eq!(entries(store, factor.id, "institution.create").await.len(), 1);
            // Loaders' institutions meet the same rules.
            let long = NewInstitution { code: "long".into(), name: "名".repeat(101), ..bank() };
            assert_eq!(fields(&store.create_institution(&long).await.unwrap_err()), ["name"]);
        })
        .await;
    }

    #[tokio::test]
    async fn an_edit_changes_name_kind_and_intro_and_reannounces_the_products_that_name_it() {
        each(async |db| {
            let store = &db.store;
            let lender = store.create_institution(&bank()).await.unwrap();
            let guarantor = store.create_institution(&agency()).await.unwrap();
            let backed = spec(&[("guarantee_agency_code", "test-guarantee"), ("guarantee_fee_pct", "1")]);
            let product = store.save_product(lender.id, LifecycleState::Published, &backed).await.unwrap();
            store.save_product(lender.id, LifecycleState::Draft, &spec(&[("code", "P-2")])).await.unwrap();
            let seq = store.last_change_seq().await.unwrap();

            // Between lenders' kinds any change is allowed, products or not.
            let edit = InstitutionEdit { name: " 津港商业保理 ", kind: "factoring", intro: "改为保理" };
            let edited = store.edit_institution(lender.id, &edit, event("institution.edit")).await.unwrap();
            assert_eq!(
                (edited.code.as_str(), edited.name.as_str(), edited.kind, edited.intro.as_str()),
                ("test-bank", "津港商业保理", InstitutionKind::Factoring, "改为保理"),
                "{}",
                db.backend
            );
            let log = store.changes_after(seq, 10).await.unwrap();
            assert_eq!(log.len(), 2, "both of its products are announced again: {}", db.backend);
            let stored = store.product(product.product_id()).await.unwrap().unwrap();
            assert_eq!((stored.institution.name.as_str(), stored.institution.kind), ("津港商业保理", edited.kind));
            let audited = entries(store, lender.id, "institution.edit").await;
            assert_eq!(audited.len(), 1);
            assert_eq!(audited[0].detail["changes"]["name"], json!({"from": "测试银行", "to": "津港商业保理"}));
            assert_eq!(audited[0].detail["changes"]["kind"]["to"], "factoring");
            assert_eq!(audited[0].detail["code"], "test-bank");

            // The guarantor's rename reaches the product it backs; a new introduction alone announces nothing.
            let seq = store.last_change_seq().await.unwrap();
            let renamed = InstitutionEdit { name: "津门担保", kind: "guarantee_agency", intro: "" };
            store.edit_institution(guarantor.id, &renamed, event("institution.edit")).await.unwrap();
            assert_eq!(store.changes_after(seq, 10).await.unwrap().len(), 1);
            let stored = store.product(product.product_id()).await.unwrap().unwrap();
            assert_eq!(stored.guarantee_agency.unwrap().name, "津门担保");
            let seq = store.last_change_seq().await.unwrap();
            let intro = InstitutionEdit { intro: "政府性融资担保机构", ..renamed };
            store.edit_institution(guarantor.id, &intro, event("institution.edit")).await.unwrap();
            assert_eq!(store.last_change_seq().await.unwrap(), seq);

            // Nothing changed: nothing written, nothing audited.
            store.edit_institution(guarantor.id, &intro, event("institution.edit")).await.unwrap();
            assert_eq!(entries(store, guarantor.id, "institution.edit").await.len(), 2, "{}", db.backend);

            let bad = InstitutionEdit { name: " ", kind: "", intro: "" };
            let refused = store.edit_institution(lender.id, &bad, event("institution.edit")).await.unwrap_err();
            assert_eq!(fields(&refused), ["name", "kind"]);
            let missing = store.edit_institution(9_999, &edit, event("institution.edit")).await.unwrap_err();
            assert!(matches!(missing, StoreError::NotFound { what: Record::Institution, .. }), "{missing:?}");

            let summaries = store.institution_summaries().await.unwrap();
            let mut counts: Vec<(&str, u64, u64)> =
                summaries.iter().map(|s| (s.institution.code.as_str(), s.products, s.guaranteed)).collect();
            counts.sort_unstable();
            assert_eq!(counts, [("test-bank", 2, 0), ("test-guarantee", 0, 1)], "{}", db.backend);
        })
        .await;
    }

    #[tokio::test]
    async fn an_institution_keeps_its_side_while_anything_depends_on_it() {
        each(async |db| {
            let store = &db.store;
            let lender = store.create_institution(&bank()).await.unwrap();
            let guarantor = store.create_institution(&agency()).await.unwrap();
            let backed = spec(&[("guarantee_agency_code", "test-guarantee"), ("guarantee_fee_pct", "1")]);
            let product = store.save_product(lender.id, LifecycleState::Published, &backed).await.unwrap();
            let to = |kind| InstitutionEdit { name: "改名", kind, intro: "" };

            // An agency that backs a product may not become a lender; a lender that lists one may not become
            // an agency. Nothing is written.
            let refused = store.edit_institution(guarantor.id, &to("bank"), event("institution.edit")).await;
            assert!(matches!(refused, Err(StoreError::KindFixed(KindFixed::BacksProducts(1)))), "{refused:?}");
            let refused = store.edit_institution(lender.id, &to("guarantee_agency"), event("institution.edit")).await;
            assert!(matches!(refused, Err(StoreError::KindFixed(KindFixed::ListsProducts(1)))), "{refused:?}");
            assert_eq!(store.institution(guarantor.id).await.unwrap().unwrap().kind, InstitutionKind::GuaranteeAgency);
            assert_eq!(store.institution(lender.id).await.unwrap().unwrap().name, "测试银行");
            assert!(entries(store, guarantor.id, "institution.edit").await.is_empty(), "{}", db.backend);

            // Without the product the agency's account still holds it on its side.
            store.delete_product(product.product_id()).await.unwrap();
            let staff = StaffAccountInput {
                login: "staff@guarantee.cn",
                display_name: "担保部",
                role: "agency",
                institution_id: Some(guarantor.id),
                provider_id: None,
                password: None,
            };
            store.create_staff_account(&staff, event("account.create")).await.unwrap();
            let refused = store.edit_institution(guarantor.id, &to("other"), event("institution.edit")).await;
            assert!(matches!(refused, Err(StoreError::KindFixed(KindFixed::HasAccounts(1)))), "{refused:?}");
            // Renaming it is fine; and a lender with nothing may become an agency.
            store.edit_institution(guarantor.id, &to("guarantee_agency"), event("institution.edit")).await.unwrap();
            let became =
                store.edit_institution(lender.id, &to("融资担保机构"), event("institution.edit")).await.unwrap();
            assert_eq!(became.kind, InstitutionKind::GuaranteeAgency, "{}", db.backend);
        })
        .await;
    }
}
