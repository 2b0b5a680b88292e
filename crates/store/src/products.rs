//! Products: reading them whole (with institution, guarantee agency and districts) and writing them, each
//! write logged in `product_change` within the same transaction.

use crate::entity::{institution, product, product_district};
use crate::institutions::{find_by_code, refs_by_id};
use crate::mapping::{SpecColumns, join_names, product_from_row, spec_columns};
use crate::reference_rates::current_reference_rates;
use crate::{Record, Store, StoreError, changes};
use chrono::Utc;
use finmart_domain::{Division, InstitutionKind, Labelled, LifecycleState, Product, ProductSpec, ServiceArea};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::collections::HashMap;

/// What a save did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveOutcome {
    Created(i64),
    Updated(i64),
    /// The stored product already had this spec and state: nothing was written.
    Unchanged(i64),
}

impl SaveOutcome {
    #[must_use]
    pub fn product_id(self) -> i64 {
        match self {
            Self::Created(id) | Self::Updated(id) | Self::Unchanged(id) => id,
        }
    }
}

/// SQLite allows 32,766 bound parameters; stay far below for `IN (...)` lists.
const ID_CHUNK: usize = 500;

impl Store {
    /// One product, whatever its state.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn product(&self, id: i64) -> Result<Option<Product>, StoreError> {
        Ok(self.products(&[id]).await?.pop())
    }

    /// The products with these ids that exist, in id order.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn products(&self, ids: &[i64]) -> Result<Vec<Product>, StoreError> {
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_CHUNK) {
            rows.extend(
                product::Entity::find()
                    .filter(product::Column::Id.is_in(chunk.iter().copied()))
                    .order_by_asc(product::Column::Id)
                    .all(&self.db)
                    .await?,
            );
        }
        rows.sort_by_key(|r| r.id);
        assemble(&self.db, rows).await
    }

    /// A page of products in id order, starting after `after_id`: how a full reindex walks the table.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn products_after(&self, after_id: i64, limit: u64) -> Result<Vec<Product>, StoreError> {
        let rows = product::Entity::find()
            .filter(product::Column::Id.gt(after_id))
            .order_by_asc(product::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        assemble(&self.db, rows).await
    }

    /// How many products there are, in `state` or in all states.
    ///
    /// # Errors
    /// Database failure.
    pub async fn count_products(&self, state: Option<LifecycleState>) -> Result<u64, StoreError> {
        let mut query = product::Entity::find();
        if let Some(state) = state {
            query = query.filter(product::Column::State.eq(state.as_str()));
        }
        Ok(query.count(&self.db).await?)
    }

    /// The id of an institution's product by the institution's own code.
    ///
    /// # Errors
    /// Database failure.
    pub async fn product_id_by_code(&self, institution_id: i64, code: &str) -> Result<Option<i64>, StoreError> {
        Ok(product::Entity::find()
            .filter(product::Column::InstitutionId.eq(institution_id))
            .filter(product::Column::Code.eq(code))
            .one(&self.db)
            .await?
            .map(|p| p.id))
    }

    /// Creates or updates (by institution and product code) one product.
    ///
    /// # Errors
    /// Unknown institution or guarantee agency; database failure.
    pub async fn save_product(
        &self,
        institution_id: i64,
        state: LifecycleState,
        spec: &ProductSpec,
    ) -> Result<SaveOutcome, StoreError> {
        let txn = self.write_txn().await?;
        let outcome = save(&txn, institution_id, state, spec).await?;
        txn.commit().await?;
        if !matches!(outcome, SaveOutcome::Unchanged(_)) {
            self.announce_change();
        }
        Ok(outcome)
    }

    /// Moves a product to another lifecycle state.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn set_product_state(&self, id: i64, state: LifecycleState) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let row = product::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Product, key: id.to_string() })?;
        if row.state != state.as_str() {
            let mut active: product::ActiveModel = row.into();
            active.state = Set(state.as_str().to_owned());
            active.updated_at = Set(Utc::now());
            active.update(&txn).await?;
            changes::record(&txn, id).await?;
        }
        txn.commit().await?;
        self.announce_change();
        Ok(())
    }

    /// Deletes a product and its districts.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn delete_product(&self, id: i64) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        product_district::Entity::delete_many().filter(product_district::Column::ProductId.eq(id)).exec(&txn).await?;
        let deleted = product::Entity::delete_by_id(id).exec(&txn).await?;
        if deleted.rows_affected == 0 {
            return Err(StoreError::NotFound { what: Record::Product, key: id.to_string() });
        }
        changes::record(&txn, id).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(())
    }
}

/// The `product_district` value of 全国 (a product's other rows are division codes; it has none when its
/// area is 未说明).
pub(crate) const NATIONWIDE: &str = "nationwide";

/// The `product_district` rows of an area: the division codes, [`NATIONWIDE`], or none for 未说明.
pub(crate) fn area_rows(area: &ServiceArea) -> Vec<String> {
    match area {
        ServiceArea::NotStated => Vec::new(),
        ServiceArea::Nationwide => vec![NATIONWIDE.to_owned()],
        ServiceArea::Within(list) => list.iter().map(ToString::to_string).collect(),
    }
}

/// The area of a product's `product_district` rows.
fn area_from_rows(id: i64, rows: &[String]) -> Result<ServiceArea, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { table: "product_district", id, field: "district", reason };
    match rows {
        [] => Ok(ServiceArea::NotStated),
        [one] if one == NATIONWIDE => Ok(ServiceArea::Nationwide),
        codes => {
            let divisions = codes
                .iter()
                .map(|c| Division::parse_code(c).map_err(|e| corrupt(e.to_string())))
                .collect::<Result<Vec<_>, _>>()?;
            ServiceArea::within(divisions).map_err(|e| corrupt(e.to_string()))
        }
    }
}

/// Loads areas and institutions for `rows` and builds the products.
pub(crate) async fn assemble(db: &impl ConnectionTrait, rows: Vec<product::Model>) -> Result<Vec<Product>, StoreError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut areas: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(ID_CHUNK) {
        for d in product_district::Entity::find()
            .filter(product_district::Column::ProductId.is_in(chunk.iter().copied()))
            .all(db)
            .await?
        {
            areas.entry(d.product_id).or_default().push(d.district);
        }
    }
    // Only the institutions these rows name: a handful, however large the institution table grows.
    let referenced = rows.iter().flat_map(|r| std::iter::once(r.institution_id).chain(r.guarantee_agency_id));
    let institutions = refs_by_id(db, referenced).await?;
    // The reference rates current now: every product read prices by the same publications.
    let references = current_reference_rates(db).await?;
    rows.into_iter()
        .map(|row| {
            let area = area_from_rows(row.id, &areas.remove(&row.id).unwrap_or_default())?;
            product_from_row(row, area, &institutions, &references)
        })
        .collect()
}

/// The write shared by [`Store::save_product`] and imports; the caller owns the transaction.
pub(crate) async fn save(
    txn: &impl ConnectionTrait,
    institution_id: i64,
    state: LifecycleState,
    spec: &ProductSpec,
) -> Result<SaveOutcome, StoreError> {
    // Stored as it reads back: sets (districts, further families) in their canonical form.
    let mut normalized = spec.clone();
    normalized.normalize();
    let spec = &normalized;
    if institution::Entity::find_by_id(institution_id).one(txn).await?.is_none() {
        return Err(StoreError::NotFound { what: Record::Institution, key: institution_id.to_string() });
    }
    let guarantee_agency_id = match &spec.guarantee {
        None => None,
        Some(g) => {
            let agency = find_by_code(txn, &g.agency_code)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: Record::GuaranteeAgency, key: g.agency_code.clone() })?;
            if agency.kind != InstitutionKind::GuaranteeAgency {
                return Err(StoreError::NotAGuaranteeAgency(g.agency_code.clone()));
            }
            Some(agency.id)
        }
    };
    let existing = product::Entity::find()
        .filter(product::Column::InstitutionId.eq(institution_id))
        .filter(product::Column::Code.eq(spec.code.as_str()))
        .one(txn)
        .await?;
    let now = Utc::now();
    let columns = spec_columns(spec)?;
    let outcome = match existing {
        Some(row) => {
            let id = row.id;
            let stored = assemble(txn, vec![row.clone()]).await?.pop();
            if stored.is_some_and(|p| &p.spec == spec && p.state == state) {
                return Ok(SaveOutcome::Unchanged(id));
            }
            let mut active: product::ActiveModel = row.into();
            fill(&mut active, spec, state, guarantee_agency_id, columns);
            active.updated_at = Set(now);
            active.update(txn).await?;
            SaveOutcome::Updated(id)
        }
        None => {
            let mut active = product::ActiveModel {
                institution_id: Set(institution_id),
                code: Set(spec.code.clone()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            fill(&mut active, spec, state, guarantee_agency_id, columns);
            SaveOutcome::Created(active.insert(txn).await?.id)
        }
    };
    let id = outcome.product_id();
    product_district::Entity::delete_many().filter(product_district::Column::ProductId.eq(id)).exec(txn).await?;
    let rows = area_rows(&spec.area);
    if !rows.is_empty() {
        product_district::Entity::insert_many(
            rows.into_iter().map(|area| product_district::ActiveModel { product_id: Set(id), district: Set(area) }),
        )
        .exec(txn)
        .await?;
    }
    changes::record(txn, id).await?;
    Ok(outcome)
}

fn fill(
    active: &mut product::ActiveModel,
    spec: &ProductSpec,
    state: LifecycleState,
    guarantee_agency_id: Option<i64>,
    columns: SpecColumns,
) {
    active.name = Set(spec.name.clone());
    active.family = Set(spec.family.as_str().to_owned());
    active.more_families = Set(join_names(&spec.more_families));
    active.description = Set(spec.description.clone());
    active.amount_min_fen = Set(columns.amount_min_fen);
    active.amount_max_fen = Set(columns.amount_max_fen);
    active.term_min_months = Set(columns.term_min_months);
    active.term_max_months = Set(columns.term_max_months);
    active.rate_basis = Set(columns.rate_basis);
    active.rate_period = Set(columns.rate_period);
    active.rate_notation = Set(columns.rate_notation);
    active.rate_min_ppm = Set(columns.rate_min_ppm);
    active.rate_max_ppm = Set(columns.rate_max_ppm);
    active.lpr_spread_min_bps = Set(columns.lpr_spread_min_bps);
    active.lpr_spread_max_bps = Set(columns.lpr_spread_max_bps);
    active.benchmark_markup_min = Set(columns.benchmark_markup_min);
    active.benchmark_markup_max = Set(columns.benchmark_markup_max);
    active.repayment_methods = Set(columns.repayment_methods);
    active.collateral = Set(columns.collateral);
    active.guarantee_agency_id = Set(guarantee_agency_id);
    active.guarantee_fee_min_bps = Set(columns.guarantee_fee_min_bps);
    active.guarantee_fee_max_bps = Set(columns.guarantee_fee_max_bps);
    active.eligibility = Set(columns.eligibility);
    active.policy_support = Set(columns.policy_support);
    active.decision_days = Set(columns.decision_days);
    active.online = Set(columns.online);
    active.valid_from = Set(columns.valid_from);
    active.valid_until = Set(columns.valid_until);
    active.source_url = Set(columns.source_url);
    active.source_read_on = Set(columns.source_read_on);
    active.materials = Set(columns.materials);
    active.verified_rules = Set(columns.verified_rules);
    active.state = Set(state.as_str().to_owned());
}
