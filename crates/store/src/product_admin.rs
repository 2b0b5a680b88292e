//! Banks' product management: versions (who, when, what changed), operator reviews and lifecycle actions.
//!
//! A bank's new product starts as a draft; submitting it opens a review (the proposed record) and moves it to
//! `in_review`; the operator approves (the product is saved with the proposed spec and published) or sends
//! it back with a reason (back to `draft`). An edit of a published or paused product never touches the live
//! product: it opens a review of its own, and only the approval applies it. A product has at most one pending
//! review: a new proposal replaces the old one. Pause, resume and archive act directly. Which act is allowed
//! from which state is the domain's lifecycle ([`ProductAct::apply`]), asked once per act.
//!
//! Every change applied to a product writes a version (the whole record in the import format, and which
//! columns changed), and every act an audit entry, in the same transaction as the change; product writes go
//! through [`crate::products::save`] or [`crate::changes::record`], so search and matching follow.

use crate::audit::{self, AuditEvent};
use crate::entity::{product, product_review, product_version};
use crate::products::{assemble, save};
use crate::{Record, SaveOutcome, Store, StoreError, changes};
use chrono::{DateTime, Utc};
use finmart_domain::spec_record::ColumnChange;
use finmart_domain::{
    FieldErrors, ImportRow, Labelled, LifecycleAct, LifecycleState, MAX_NOTE_CHARS, Product, ProductAct, ProductRecord,
    ProductSpec, RowError, ValueError,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::collections::HashMap;

finmart_domain::labelled_enum! {
    /// What a product version records as having happened.
    pub enum VersionAction: "version action" {
        Create => "create", "新建", "Created",
        Update => "update", "修改", "Edited",
        Submit => "submit", "提交审核", "Submitted for review",
        Approve => "approve", "审核通过", "Approved",
        SendBack => "send_back", "退回修改", "Sent back",
        Pause => "pause", "暂停", "Paused",
        Resume => "resume", "恢复", "Resumed",
        Archive => "archive", "下架", "Archived",
        Upload => "upload", "批量上传", "Uploaded",
    }
}

finmart_domain::labelled_enum! {
    /// How a review ended.
    pub enum ReviewDecision: "review decision" {
        Approved => "approved", "已通过", "Approved",
        SentBack => "sent_back", "已退回", "Sent back",
        /// A newer proposal for the same product replaced it.
        Replaced => "replaced", "已被新提交替代", "Replaced",
        /// The bank withdrew the change (edited back to the live version) or archived the product.
        Withdrawn => "withdrawn", "已撤回", "Withdrawn",
    }
}

impl From<LifecycleAct> for VersionAction {
    fn from(act: LifecycleAct) -> Self {
        match act {
            LifecycleAct::Pause => Self::Pause,
            LifecycleAct::Resume => Self::Resume,
            LifecycleAct::Archive => Self::Archive,
        }
    }
}

/// One applied change of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductVersion {
    pub id: i64,
    pub product_id: i64,
    /// 1 for the first version this store wrote, counting up.
    pub version: i32,
    /// Who (none for changes made by tools).
    pub account_id: Option<i64>,
    pub at: DateTime<Utc>,
    pub action: VersionAction,
    /// The state after the change.
    pub state: LifecycleState,
    /// The whole product after the change, in the import format (with `state`).
    pub record: ProductRecord,
    /// The columns that changed, with the values before and after.
    pub changes: Vec<ColumnChange>,
}

/// A proposal to publish a product, or a change of a live one, for the operator to decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductReview {
    pub id: i64,
    pub product_id: i64,
    /// The proposed product in the import format (without `state`).
    pub record: ProductRecord,
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    /// `None` while pending.
    pub decision: Option<ReviewDecision>,
    /// Why it was sent back.
    pub reason: Option<String>,
}

impl ProductReview {
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }
}

/// A bank's product with its pending review and the operator's last decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedProduct {
    pub product: Product,
    pub pending: Option<ProductReview>,
    /// The newest review the operator decided (approved or sent back).
    pub last_decided: Option<ProductReview>,
}

impl ManagedProduct {
    /// The reason of the operator's last decision when it sent the product back and nothing was submitted
    /// since.
    #[must_use]
    pub fn sent_back_reason(&self) -> Option<&str> {
        if self.pending.is_some() {
            return None;
        }
        self.last_decided
            .as_ref()
            .filter(|r| r.decision == Some(ReviewDecision::SentBack))
            .and_then(|r| r.reason.as_deref())
    }
}

/// A pending review with the product as it is now and what the proposal would change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewItem {
    pub review: ProductReview,
    pub product: Product,
    /// Whether the product has a live (published or paused) version the proposal would replace.
    pub live: bool,
    /// The columns the proposal changes against the live version (every filled column for a new product).
    pub changes: Vec<ColumnChange>,
}

/// What an edit did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    /// The product (a draft, or a product in review) was changed.
    Saved,
    /// The proposal is waiting for review (review id); the live product is untouched.
    PendingReview(i64),
    /// Nothing differed from what is stored.
    Unchanged,
}

/// What an upload did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadSummary {
    /// New products, created in review.
    pub created: usize,
    /// Existing products with a new pending review.
    pub submitted: usize,
    /// Rows equal to what is stored (or already proposed).
    pub unchanged: usize,
    /// The reviews opened, in row order.
    pub reviews: Vec<i64>,
}

fn not_found(id: i64) -> StoreError {
    StoreError::NotFound { what: Record::Product, key: id.to_string() }
}

fn invalid(field: &str, message: String) -> StoreError {
    let mut errors = FieldErrors::default();
    errors.push(field, ValueError::Invalid(message));
    StoreError::Invalid(errors)
}

fn actor(event: &AuditEvent<'_>) -> Result<i64, StoreError> {
    event.account_id.ok_or(StoreError::NoActor)
}

/// The event with `extra` merged into its detail.
fn with_detail<'a>(event: &AuditEvent<'a>, extra: serde_json::Value) -> AuditEvent<'a> {
    let mut event = event.clone();
    match (&mut event.detail, extra) {
        (serde_json::Value::Object(detail), serde_json::Value::Object(extra)) => detail.extend(extra),
        (detail, extra) if detail.is_null() => *detail = extra,
        _ => {}
    }
    event
}

/// The whole product as a version records it.
fn record_of(product: &Product) -> ProductRecord {
    ProductRecord::from_spec(&product.spec, product.state, &product.institution.code)
}

/// A proposed spec as a review records it (no state: approval decides that).
fn proposal(institution_code: &str, spec: &ProductSpec) -> ProductRecord {
    ProductRecord::from((institution_code, spec))
}

fn normalized(spec: &ProductSpec) -> ProductSpec {
    let mut spec = spec.clone();
    spec.normalize();
    spec
}

fn record_json(record: &ProductRecord) -> String {
    serde_json::Value::Object(record.to_json()).to_string()
}

fn parse_record(table: &'static str, id: i64, text: &str) -> Result<ProductRecord, StoreError> {
    let corrupt = |reason: String| StoreError::Corrupt { table, id, field: "record", reason };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let object = value.as_object().ok_or_else(|| corrupt("not an object".to_owned()))?;
    ProductRecord::from_json(object).map_err(|e| corrupt(e.to_string()))
}

fn stored_state(row: &product::Model) -> Result<LifecycleState, StoreError> {
    LifecycleState::parse(&row.state).map_err(|e| StoreError::Corrupt {
        table: "product",
        id: row.id,
        field: "state",
        reason: e.to_string(),
    })
}

fn review_from_row(row: product_review::Model) -> Result<ProductReview, StoreError> {
    let decision = row.decision.as_deref().map(ReviewDecision::parse).transpose().map_err(|e| StoreError::Corrupt {
        table: "product_review",
        id: row.id,
        field: "decision",
        reason: e.to_string(),
    })?;
    Ok(ProductReview {
        record: parse_record("product_review", row.id, &row.record)?,
        id: row.id,
        product_id: row.product_id,
        submitted_by: row.submitted_by,
        submitted_at: row.submitted_at,
        decided_by: row.decided_by,
        decided_at: row.decided_at,
        decision,
        reason: row.reason,
    })
}

fn version_from_row(row: product_version::Model) -> Result<ProductVersion, StoreError> {
    let corrupt = |field: &'static str, reason: String| StoreError::Corrupt {
        table: "product_version",
        id: row.id,
        field,
        reason,
    };
    Ok(ProductVersion {
        action: VersionAction::parse(&row.action).map_err(|e| corrupt("action", e.to_string()))?,
        state: LifecycleState::parse(&row.state).map_err(|e| corrupt("state", e.to_string()))?,
        changes: serde_json::from_str(&row.changes).map_err(|e| corrupt("changes", e.to_string()))?,
        record: parse_record("product_version", row.id, &row.record)?,
        id: row.id,
        product_id: row.product_id,
        version: row.version,
        account_id: row.account_id,
        at: row.at,
    })
}

/// The product `id`, when it belongs to `owner` (any owner when `None`): its row and the product.
async fn load(db: &impl ConnectionTrait, owner: Option<i64>, id: i64) -> Result<(product::Model, Product), StoreError> {
    let row = product::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|r| owner.is_none_or(|o| r.institution_id == o))
        .ok_or_else(|| not_found(id))?;
    let product = assemble(db, vec![row.clone()]).await?.pop().ok_or_else(|| not_found(id))?;
    Ok((row, product))
}

/// Appends a version of `after`, naming what changed since `before`.
async fn write_version(
    db: &impl ConnectionTrait,
    after: &Product,
    before: Option<&ProductRecord>,
    action: VersionAction,
    account_id: Option<i64>,
) -> Result<i32, StoreError> {
    let record = record_of(after);
    let changes = record.changes_from(before);
    let last = product_version::Entity::find()
        .filter(product_version::Column::ProductId.eq(after.id))
        .order_by_desc(product_version::Column::Version)
        .one(db)
        .await?
        .map_or(0, |v| v.version);
    let version = last + 1;
    product_version::ActiveModel {
        product_id: Set(after.id),
        version: Set(version),
        account_id: Set(account_id),
        at: Set(Utc::now()),
        action: Set(action.as_str().to_owned()),
        state: Set(after.state.as_str().to_owned()),
        record: Set(record_json(&record)),
        changes: Set(serde_json::to_string(&changes).map_err(|source| StoreError::Encode { what: "changes", source })?),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(version)
}

/// Moves the product of `row` to `to`, provided nobody moved it meanwhile; logs the change.
async fn set_state(db: &impl ConnectionTrait, row: &product::Model, to: LifecycleState) -> Result<(), StoreError> {
    let done = product::Entity::update_many()
        .col_expr(product::Column::State, Expr::value(to.as_str()))
        .col_expr(product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(product::Column::Id.eq(row.id))
        .filter(product::Column::State.eq(row.state.as_str()))
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::ProductChanged);
    }
    changes::record(db, row.id).await
}

/// Decides the product's pending review, if any, as `decision` (`by`: who, `None` for the bank itself).
async fn close_pending(
    db: &impl ConnectionTrait,
    product_id: i64,
    decision: ReviewDecision,
    by: Option<i64>,
) -> Result<u64, StoreError> {
    Ok(product_review::Entity::update_many()
        .col_expr(product_review::Column::Decision, Expr::value(decision.as_str()))
        .col_expr(product_review::Column::DecidedAt, Expr::value(Utc::now()))
        .col_expr(product_review::Column::DecidedBy, Expr::value(by))
        .filter(product_review::Column::ProductId.eq(product_id))
        .filter(product_review::Column::Decision.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Opens a review of `record`, replacing the product's pending one.
async fn open_review(
    db: &impl ConnectionTrait,
    product_id: i64,
    record: &ProductRecord,
    by: i64,
) -> Result<i64, StoreError> {
    close_pending(db, product_id, ReviewDecision::Replaced, Some(by)).await?;
    Ok(product_review::ActiveModel {
        product_id: Set(product_id),
        record: Set(record_json(record)),
        submitted_by: Set(by),
        submitted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

async fn pending(db: &impl ConnectionTrait, product_id: i64) -> Result<Option<ProductReview>, StoreError> {
    product_review::Entity::find()
        .filter(product_review::Column::ProductId.eq(product_id))
        .filter(product_review::Column::Decision.is_null())
        .one(db)
        .await?
        .map(review_from_row)
        .transpose()
}

/// Proposes `wanted` for `product`: a draft is changed in place (and, with `submit`, put in review); a
/// product in review is changed and its review replaced; a live product gets a pending review and stays as
/// it is (a proposal equal to the live version withdraws the pending one).
async fn propose(
    db: &impl ConnectionTrait,
    product: &Product,
    wanted: &ProductSpec,
    submit: bool,
    action: VersionAction,
    by: i64,
) -> Result<EditOutcome, StoreError> {
    let institution_id = product.institution.id;
    let code = product.institution.code.as_str();
    let edited = ProductAct::Edit.apply(product.state)?;
    if edited.is_live() {
        let record = proposal(code, wanted);
        return if *wanted == product.spec {
            close_pending(db, product.id, ReviewDecision::Withdrawn, Some(by)).await?;
            Ok(EditOutcome::Unchanged)
        } else if pending(db, product.id).await?.is_some_and(|r| r.record == record) {
            Ok(EditOutcome::Unchanged)
        } else {
            Ok(EditOutcome::PendingReview(open_review(db, product.id, &record, by).await?))
        };
    }
    // An upload is an edit and a submission at once: a draft goes into review with it.
    let to = if submit && edited == LifecycleState::Draft { ProductAct::Submit.apply(edited)? } else { edited };
    let changed = !matches!(save(db, institution_id, to, wanted).await?, SaveOutcome::Unchanged(_));
    if changed {
        let (_, after) = load(db, None, product.id).await?;
        write_version(db, &after, Some(&record_of(product)), action, Some(by)).await?;
    }
    if to == LifecycleState::Draft {
        Ok(if changed { EditOutcome::Saved } else { EditOutcome::Unchanged })
    } else if changed || pending(db, product.id).await?.is_none() {
        // In review: the pending review must hold the content as it now is.
        Ok(EditOutcome::PendingReview(open_review(db, product.id, &proposal(code, wanted), by).await?))
    } else {
        Ok(EditOutcome::Unchanged)
    }
}

/// Products are listed in pages of at most this many ids per `IN (...)`.
const ID_CHUNK: usize = 500;

impl Store {
    /// Refuses a spec whose guarantee agency is unknown or not an agency, with the import's own checks.
    async fn check_spec(&self, institution_code: &str, spec: &ProductSpec) -> Result<(), StoreError> {
        let row = ImportRow {
            institution_code: institution_code.to_owned(),
            new_institution: None,
            state: LifecycleState::Draft,
            spec: spec.clone(),
        };
        let mut errors = FieldErrors::default();
        for e in self.check_import(&[(1, row)]).await? {
            errors.push(e.field.as_str(), ValueError::Invalid(e.message));
        }
        if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
    }

    async fn institution_code(&self, institution_id: i64) -> Result<String, StoreError> {
        Ok(self
            .institution(institution_id)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: institution_id.to_string() })?
            .code)
    }

    /// An institution's products, newest change first, each with its pending review and last decision.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn managed_products(&self, institution_id: i64) -> Result<Vec<ManagedProduct>, StoreError> {
        let rows = product::Entity::find()
            .filter(product::Column::InstitutionId.eq(institution_id))
            .order_by_desc(product::Column::UpdatedAt)
            .order_by_desc(product::Column::Id)
            .all(&self.db)
            .await?;
        let products = assemble(&self.db, rows).await?;
        self.with_reviews(products).await
    }

    /// One of an institution's products, with its pending review and last decision.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] when there is no such product of this institution; database failure.
    pub async fn managed_product(&self, institution_id: i64, id: i64) -> Result<ManagedProduct, StoreError> {
        let (_, product) = load(&self.db, Some(institution_id), id).await?;
        self.with_reviews(vec![product]).await?.pop().ok_or_else(|| not_found(id))
    }

    async fn with_reviews(&self, products: Vec<Product>) -> Result<Vec<ManagedProduct>, StoreError> {
        let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
        let mut pending: HashMap<i64, ProductReview> = HashMap::new();
        let mut decided: HashMap<i64, ProductReview> = HashMap::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let rows = product_review::Entity::find()
                .filter(product_review::Column::ProductId.is_in(chunk.iter().copied()))
                .filter(
                    sea_orm::Condition::any().add(product_review::Column::Decision.is_null()).add(
                        product_review::Column::Decision
                            .is_in([ReviewDecision::Approved.as_str(), ReviewDecision::SentBack.as_str()]),
                    ),
                )
                .order_by_desc(product_review::Column::Id)
                .all(&self.db)
                .await?;
            for row in rows {
                let review = review_from_row(row)?;
                let slot = if review.is_pending() { &mut pending } else { &mut decided };
                slot.entry(review.product_id).or_insert(review);
            }
        }
        Ok(products
            .into_iter()
            .map(|product| ManagedProduct {
                pending: pending.remove(&product.id),
                last_decided: decided.remove(&product.id),
                product,
            })
            .collect())
    }

    /// Creates a product of `institution_id` as a draft (its first version).
    ///
    /// # Errors
    /// [`StoreError::Invalid`] when the institution already has a product with this code or the guarantee
    /// agency is unknown; database failure.
    pub async fn create_managed_product(
        &self,
        institution_id: i64,
        spec: &ProductSpec,
        event: &AuditEvent<'_>,
    ) -> Result<i64, StoreError> {
        let code = self.institution_code(institution_id).await?;
        self.check_spec(&code, spec).await?;
        let spec = normalized(spec);
        let txn = self.write_txn().await?;
        if product::Entity::find()
            .filter(product::Column::InstitutionId.eq(institution_id))
            .filter(product::Column::Code.eq(spec.code.as_str()))
            .one(&txn)
            .await?
            .is_some()
        {
            return Err(invalid("code", format!("本机构已有产品编码为“{}”的产品", spec.code)));
        }
        let id = save(&txn, institution_id, LifecycleState::Draft, &spec).await?.product_id();
        let (_, product) = load(&txn, None, id).await?;
        let version = write_version(&txn, &product, None, VersionAction::Create, event.account_id).await?;
        let event = with_detail(event, serde_json::json!({"code": spec.code, "version": version}));
        audit::append(&txn, &event.subject("product", id).institution(institution_id)).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(id)
    }

    /// Edits a product: a draft changes in place, a product in review changes and its review is replaced,
    /// and a published or paused product keeps its live version while the change waits for review.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] (not this institution's); [`StoreError::Invalid`] for a changed product code
    /// or an unknown guarantee agency; [`StoreError::Lifecycle`] for an archived product; database failure.
    pub async fn edit_managed_product(
        &self,
        institution_id: i64,
        id: i64,
        spec: &ProductSpec,
        event: &AuditEvent<'_>,
    ) -> Result<EditOutcome, StoreError> {
        let code = self.institution_code(institution_id).await?;
        self.check_spec(&code, spec).await?;
        let by = actor(event)?;
        let spec = normalized(spec);
        let txn = self.write_txn().await?;
        let (_, product) = load(&txn, Some(institution_id), id).await?;
        if spec.code != product.spec.code {
            return Err(invalid("code", format!("产品编码不能修改（原为“{}”）", product.spec.code)));
        }
        let outcome = propose(&txn, &product, &spec, false, VersionAction::Update, by).await?;
        let (kind, review) = match outcome {
            EditOutcome::Saved => ("saved", None),
            EditOutcome::PendingReview(r) => ("pending_review", Some(r)),
            EditOutcome::Unchanged => ("unchanged", None),
        };
        let event = with_detail(event, serde_json::json!({"outcome": kind, "review_id": review}));
        audit::append(&txn, &event.subject("product", id).institution(institution_id)).await?;
        txn.commit().await?;
        if outcome == EditOutcome::Saved || product.state == LifecycleState::InReview {
            self.announce_change();
        }
        Ok(outcome)
    }

    /// Submits a draft for review: the review holds the product as it is, and the product is `in_review`.
    /// Returns the review's id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Lifecycle`] naming the state when the product is not a draft;
    /// database failure.
    pub async fn submit_managed_product(
        &self,
        institution_id: i64,
        id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<i64, StoreError> {
        let by = actor(event)?;
        let txn = self.write_txn().await?;
        let (row, product) = load(&txn, Some(institution_id), id).await?;
        let to = ProductAct::Submit.apply(product.state)?;
        set_state(&txn, &row, to).await?;
        let review = open_review(&txn, id, &proposal(&product.institution.code, &product.spec), by).await?;
        let after = Product { state: to, ..product.clone() };
        write_version(&txn, &after, Some(&record_of(&product)), VersionAction::Submit, Some(by)).await?;
        let event = with_detail(event, serde_json::json!({"review_id": review}));
        audit::append(&txn, &event.subject("product", id).institution(institution_id)).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(review)
    }

    /// Pauses, resumes or archives a product (archiving also withdraws its pending review). Returns the new
    /// state.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; [`StoreError::Lifecycle`] naming the state when the act does not apply to
    /// it; database failure.
    pub async fn change_product_lifecycle(
        &self,
        institution_id: i64,
        id: i64,
        act: LifecycleAct,
        event: &AuditEvent<'_>,
    ) -> Result<LifecycleState, StoreError> {
        let txn = self.write_txn().await?;
        let (row, product) = load(&txn, Some(institution_id), id).await?;
        let to = act.apply(product.state)?;
        set_state(&txn, &row, to).await?;
        if act == LifecycleAct::Archive {
            close_pending(&txn, id, ReviewDecision::Withdrawn, event.account_id).await?;
        }
        let after = Product { state: to, ..product.clone() };
        write_version(&txn, &after, Some(&record_of(&product)), act.into(), event.account_id).await?;
        let event = with_detail(event, serde_json::json!({"from": product.state, "to": to}));
        audit::append(&txn, &event.subject("product", id).institution(institution_id)).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(to)
    }

    /// A product's versions, newest first; `owner` limits it to one institution's product.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure or a corrupt row.
    pub async fn product_versions(&self, owner: Option<i64>, id: i64) -> Result<Vec<ProductVersion>, StoreError> {
        let exists = product::Entity::find_by_id(id)
            .one(&self.db)
            .await?
            .is_some_and(|r| owner.is_none_or(|o| r.institution_id == o));
        if !exists {
            return Err(not_found(id));
        }
        product_version::Entity::find()
            .filter(product_version::Column::ProductId.eq(id))
            .order_by_desc(product_version::Column::Version)
            .all(&self.db)
            .await?
            .into_iter()
            .map(version_from_row)
            .collect()
    }

    /// The pending reviews, oldest first (at most `limit`), each with the product and what the proposal
    /// changes against its live version.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn pending_reviews(&self, limit: u64) -> Result<Vec<ReviewItem>, StoreError> {
        let rows = product_review::Entity::find()
            .filter(product_review::Column::Decision.is_null())
            .order_by_asc(product_review::Column::SubmittedAt)
            .order_by_asc(product_review::Column::Id)
            .limit(limit)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
        let products: HashMap<i64, Product> = self.products(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            let review = review_from_row(row)?;
            let Some(product) = products.get(&review.product_id).cloned() else { continue };
            let live = product.state.is_live();
            let before = live.then(|| proposal(&product.institution.code, &product.spec));
            let changes = review.record.changes_from(before.as_ref());
            items.push(ReviewItem { review, product, live, changes });
        }
        Ok(items)
    }

    /// Approves a pending review: the product is saved with the proposed spec and published. Returns the
    /// product's id.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for no such review; [`StoreError::ReviewDecided`] when it was already
    /// decided; [`StoreError::Lifecycle`] when the product was archived; [`StoreError::ProposalCodeMismatch`];
    /// database failure.
    pub async fn approve_review(&self, review_id: i64, event: &AuditEvent<'_>) -> Result<i64, StoreError> {
        let txn = self.write_txn().await?;
        let (review, row, product) = pending_in(&txn, review_id).await?;
        let to = ProductAct::Approve.apply(product.state)?;
        let spec = review.record.validate().map_err(StoreError::Invalid)?.spec;
        if spec.code != product.spec.code {
            return Err(StoreError::ProposalCodeMismatch);
        }
        decide(&txn, review_id, ReviewDecision::Approved, event.account_id, None).await?;
        save(&txn, row.institution_id, to, &spec).await?;
        let (_, after) = load(&txn, None, product.id).await?;
        write_version(&txn, &after, Some(&record_of(&product)), VersionAction::Approve, event.account_id).await?;
        let event = with_detail(event, serde_json::json!({"review_id": review_id}));
        audit::append(&txn, &event.subject("product", product.id).institution(row.institution_id)).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(product.id)
    }

    /// Sends a pending review back with a reason; a product in review goes back to `draft`, a live product
    /// stays as it is. Returns the product's id.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] for an empty or too long reason; [`StoreError::NotFound`];
    /// [`StoreError::ReviewDecided`] when already decided; database failure.
    pub async fn send_back_review(
        &self,
        review_id: i64,
        reason: &str,
        event: &AuditEvent<'_>,
    ) -> Result<i64, StoreError> {
        let reason = reason.trim();
        let mut errors = FieldErrors::default();
        if reason.is_empty() {
            errors.push("reason", ValueError::Empty);
        } else if reason.chars().count() > MAX_NOTE_CHARS {
            errors.push("reason", ValueError::TooLarge { max: format!("{MAX_NOTE_CHARS} 个字符") });
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        let txn = self.write_txn().await?;
        let (_, row, product) = pending_in(&txn, review_id).await?;
        let to = ProductAct::SendBack.apply(product.state)?;
        decide(&txn, review_id, ReviewDecision::SentBack, event.account_id, Some(reason)).await?;
        let moved = to != product.state;
        if moved {
            set_state(&txn, &row, to).await?;
            let after = Product { state: to, ..product.clone() };
            write_version(&txn, &after, Some(&record_of(&product)), VersionAction::SendBack, event.account_id).await?;
        }
        let event = with_detail(event, serde_json::json!({"review_id": review_id, "reason": reason}));
        audit::append(&txn, &event.subject("product", product.id).institution(row.institution_id)).await?;
        txn.commit().await?;
        if moved {
            self.announce_change();
        }
        Ok(product.id)
    }

    /// The products a guarantee agency backs, in any state but draft, by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn agency_products(&self, agency_id: i64) -> Result<Vec<Product>, StoreError> {
        let rows = product::Entity::find()
            .filter(product::Column::GuaranteeAgencyId.eq(agency_id))
            .filter(product::Column::State.ne(LifecycleState::Draft.as_str()))
            .order_by_asc(product::Column::Id)
            .all(&self.db)
            .await?;
        assemble(&self.db, rows).await
    }

    /// Uploads an institution's products for review, all or nothing: every row must be the institution's
    /// own, pass the import's checks (guarantee agencies, repeated codes) and not name an archived product.
    /// New products are created in review; existing ones get a pending review (drafts go into review).
    ///
    /// # Errors
    /// [`StoreError::ImportRejected`] with every problem, row by row, when any row is refused (nothing is
    /// written); database failure.
    pub async fn upload_managed_products(
        &self,
        institution_id: i64,
        rows: &[(usize, ImportRow)],
        event: &AuditEvent<'_>,
    ) -> Result<UploadSummary, StoreError> {
        let by = actor(event)?;
        let code = self.institution_code(institution_id).await?;
        let mut errors = Vec::new();
        if rows.is_empty() {
            errors.push(RowError::new(0, "file", "文件中没有产品", "the file has no products"));
        }
        let (own, others): (Vec<_>, Vec<_>) = rows.iter().cloned().partition(|(_, r)| r.institution_code == code);
        for (row, _) in &others {
            errors.push(RowError::new(
                *row,
                "institution_code",
                "只能上传本机构的产品",
                "only your own institution's products may be uploaded",
            ));
        }
        errors.extend(self.check_import(&own).await?);
        let codes: Vec<&str> = own.iter().map(|(_, r)| r.spec.code.as_str()).collect();
        let mut existing: HashMap<String, product::Model> = HashMap::new();
        for chunk in codes.chunks(ID_CHUNK) {
            for p in product::Entity::find()
                .filter(product::Column::InstitutionId.eq(institution_id))
                .filter(product::Column::Code.is_in(chunk.iter().copied()))
                .all(&self.db)
                .await?
            {
                existing.insert(p.code.clone(), p);
            }
        }
        for (row, r) in &own {
            let state = existing.get(&r.spec.code).map(stored_state).transpose()?;
            // The upload names the one state an edit is refused in (archived, which is final) row by row.
            if state.is_some_and(|s| ProductAct::Edit.apply(s).is_err()) {
                errors.push(RowError::new(
                    *row,
                    "code",
                    format!("产品“{}”已下架，不能再提交", r.spec.code),
                    format!("product `{}` is archived and cannot be submitted again", r.spec.code),
                ));
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            return Err(StoreError::ImportRejected(errors));
        }
        let mut summary = UploadSummary::default();
        let txn = self.write_txn().await?;
        for (_, r) in &own {
            let spec = normalized(&r.spec);
            let product_id = product::Entity::find()
                .filter(product::Column::InstitutionId.eq(institution_id))
                .filter(product::Column::Code.eq(spec.code.as_str()))
                .one(&txn)
                .await?
                .map(|p| p.id);
            match product_id {
                None => {
                    let id = save(&txn, institution_id, LifecycleState::InReview, &spec).await?.product_id();
                    let (_, after) = load(&txn, None, id).await?;
                    write_version(&txn, &after, None, VersionAction::Upload, Some(by)).await?;
                    summary.reviews.push(open_review(&txn, id, &proposal(&code, &spec), by).await?);
                    summary.created += 1;
                }
                Some(id) => {
                    let (_, product) = load(&txn, None, id).await?;
                    match propose(&txn, &product, &spec, true, VersionAction::Upload, by).await? {
                        EditOutcome::PendingReview(review) => {
                            summary.reviews.push(review);
                            summary.submitted += 1;
                        }
                        EditOutcome::Saved | EditOutcome::Unchanged => summary.unchanged += 1,
                    }
                }
            }
        }
        let event = with_detail(
            event,
            serde_json::json!({
                "rows": rows.len(), "created": summary.created, "submitted": summary.submitted,
                "unchanged": summary.unchanged,
            }),
        );
        audit::append(&txn, &event.subject("institution", institution_id).institution(institution_id)).await?;
        txn.commit().await?;
        self.announce_change();
        Ok(summary)
    }
}

/// A pending review, its product's row and the product, read in the transaction.
async fn pending_in(
    db: &impl ConnectionTrait,
    review_id: i64,
) -> Result<(ProductReview, product::Model, Product), StoreError> {
    let review = product_review::Entity::find_by_id(review_id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: Record::Review, key: review_id.to_string() })?;
    let review = review_from_row(review)?;
    if let Some(decision) = review.decision {
        return Err(StoreError::ReviewDecided(Some(decision)));
    }
    let (row, product) = load(db, None, review.product_id).await?;
    Ok((review, row, product))
}

/// Records the operator's decision, provided the review is still pending.
async fn decide(
    db: &impl ConnectionTrait,
    review_id: i64,
    decision: ReviewDecision,
    by: Option<i64>,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    let done = product_review::Entity::update_many()
        .col_expr(product_review::Column::Decision, Expr::value(decision.as_str()))
        .col_expr(product_review::Column::DecidedAt, Expr::value(Utc::now()))
        .col_expr(product_review::Column::DecidedBy, Expr::value(by))
        .col_expr(product_review::Column::Reason, Expr::value(reason.map(str::to_owned)))
        .filter(product_review::Column::Id.eq(review_id))
        .filter(product_review::Column::Decision.is_null())
        .exec(db)
        .await?;
    if done.rows_affected == 0 {
        return Err(StoreError::ReviewDecided(None));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDb};
    use crate::{AuditEvent, AuditQuery};
    use finmart_domain::{InstitutionKind, NewInstitution, Principal, Role};

    fn record(pairs: &[(&str, &str)]) -> ProductRecord {
        let mut cells = vec![("institution_code", "admin-bank"), ("districts", "binhai|heping")];
        cells.extend_from_slice(pairs);
        ProductRecord::from_pairs(testing::product_cells(&cells))
    }

    fn spec(pairs: &[(&str, &str)]) -> ProductSpec {
        record(pairs).validate().expect("valid test record").spec
    }

    struct Parties {
        bank: i64,
        other: i64,
        banker: Principal,
        operator: Principal,
    }

    async fn parties(db: &TestDb) -> Parties {
        let new =
            |code: &str, kind| NewInstitution { code: code.into(), name: code.into(), kind, intro: String::new() };
        let bank = db.store.create_institution(&new("admin-bank", InstitutionKind::Bank)).await.unwrap().id;
        let other = db.store.create_institution(&new("other-bank", InstitutionKind::Bank)).await.unwrap().id;
        db.store.create_institution(&new("admin-guarantee", InstitutionKind::GuaranteeAgency)).await.unwrap();
        let principal = |account_id, role, institution_id| Principal {
            account_id,
            role,
            display_name: "测试".into(),
            enterprise_id: None,
            institution_id,
            provider_id: None,
        };
        Parties {
            bank,
            other,
            banker: principal(7, Role::Institution, Some(bank)),
            operator: principal(1, Role::Operator, None),
        }
    }

    async fn each(test: impl AsyncFn(TestDb)) {
        for db in testing::all().await {
            test(db).await;
        }
    }

    /// The Chinese reason of a refusal: the lifecycle's, or a decided review's.
    fn conflict(e: StoreError) -> String {
        match e {
            StoreError::Lifecycle(_) | StoreError::ReviewDecided(_) => e.message_zh(),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[tokio::test]
    // One long scenario in one future, run once per backend; boxing it would only hide the test's steps.
    #[allow(clippy::large_futures)]
    async fn the_review_workflow_versions_and_audits_every_step() {
        each(async |db: TestDb| {
            let p = parties(&db).await;
            let s = &db.store;
            let by = |action| AuditEvent::by(&p.banker, Some("127.0.0.1"), action);
            let op = |action| AuditEvent::by(&p.operator, None, action);

            let id = s.create_managed_product(p.bank, &spec(&[]), &by("product.create")).await.unwrap();
            let m = s.managed_product(p.bank, id).await.unwrap();
            assert_eq!(m.product.state, LifecycleState::Draft);
            // A second product with the same code is a field error; another bank does not see it.
            let again = s.create_managed_product(p.bank, &spec(&[]), &by("product.create")).await.unwrap_err();
            assert!(matches!(again, StoreError::Invalid(ref e) if e.0[0].field == "code"), "{again:?}");
            assert!(matches!(s.managed_product(p.other, id).await, Err(StoreError::NotFound { .. })));
            // Nothing but a draft can be paused, resumed or approved.
            let e =
                s.change_product_lifecycle(p.bank, id, LifecycleAct::Pause, &by("product.pause")).await.unwrap_err();
            assert!(conflict(e).contains("草稿"));

            // A draft edit applies at once.
            let edited = spec(&[("name", "科创信用贷（新）")]);
            assert_eq!(
                s.edit_managed_product(p.bank, id, &edited, &by("product.update")).await.unwrap(),
                EditOutcome::Saved
            );
            let wrong_code = spec(&[("code", "P-2")]);
            assert!(matches!(
                s.edit_managed_product(p.bank, id, &wrong_code, &by("product.update")).await,
                Err(StoreError::Invalid(_))
            ));
            let bad_agency = spec(&[("guarantee_agency_code", "other-bank"), ("guarantee_fee_pct", "1")]);
            let e = s.edit_managed_product(p.bank, id, &bad_agency, &by("product.update")).await.unwrap_err();
            assert!(matches!(e, StoreError::Invalid(ref f) if f.0[0].field == "guarantee_agency_code"), "{e:?}");

            // Submit, send back (a reason is required), resubmit, approve.
            let review = s.submit_managed_product(p.bank, id, &by("product.submit")).await.unwrap();
            assert!(s.submit_managed_product(p.bank, id, &by("product.submit")).await.is_err());
            let queue = s.pending_reviews(100).await.unwrap();
            assert_eq!(queue.len(), 1);
            assert!(!queue[0].live);
            assert!(queue[0].changes.iter().any(|c| c.column == "name"));
            assert!(matches!(
                s.send_back_review(review, "  ", &op("product.send_back")).await,
                Err(StoreError::Invalid(_))
            ));
            s.send_back_review(review, "请补充准入条件", &op("product.send_back")).await.unwrap();
            let m = s.managed_product(p.bank, id).await.unwrap();
            assert_eq!(m.product.state, LifecycleState::Draft);
            assert_eq!(m.sent_back_reason(), Some("请补充准入条件"));
            assert!(s.approve_review(review, &op("product.approve")).await.is_err());

            let fixed = spec(&[("name", "科创信用贷（新）"), ("eligibility", "min_years_in_operation=2")]);
            s.edit_managed_product(p.bank, id, &fixed, &by("product.update")).await.unwrap();
            let review = s.submit_managed_product(p.bank, id, &by("product.submit")).await.unwrap();
            s.approve_review(review, &op("product.approve")).await.unwrap();
            let m = s.managed_product(p.bank, id).await.unwrap();
            assert_eq!(m.product.state, LifecycleState::Published);
            assert_eq!(m.product.spec, fixed);
            assert_eq!(m.sent_back_reason(), None);
            assert!(s.pending_reviews(100).await.unwrap().is_empty());

            // Editing a live product keeps it as it is until approval; a newer edit replaces the proposal.
            let live = m.product.spec.clone();
            let proposal1 = spec(&[("name", "改名一"), ("eligibility", "min_years_in_operation=2")]);
            let proposal2 = spec(&[("name", "改名二"), ("eligibility", "min_years_in_operation=2")]);
            let EditOutcome::PendingReview(first) =
                s.edit_managed_product(p.bank, id, &proposal1, &by("product.update")).await.unwrap()
            else {
                panic!("a live edit waits for review")
            };
            let EditOutcome::PendingReview(second) =
                s.edit_managed_product(p.bank, id, &proposal2, &by("product.update")).await.unwrap()
            else {
                panic!("a live edit waits for review")
            };
            assert_ne!(first, second);
            let m = s.managed_product(p.bank, id).await.unwrap();
            assert_eq!(m.product.spec, live);
            assert_eq!(m.product.state, LifecycleState::Published);
            assert_eq!(m.pending.as_ref().map(|r| r.id), Some(second));
            let queue = s.pending_reviews(100).await.unwrap();
            assert_eq!(queue.len(), 1);
            assert!(queue[0].live);
            assert_eq!(queue[0].changes.len(), 1);
            assert_eq!(queue[0].changes[0].label_zh, "产品名称");
            assert_eq!(queue[0].changes[0].after.as_deref(), Some("改名二"));
            assert!(conflict(s.approve_review(first, &op("product.approve")).await.unwrap_err()).contains("已处理"));

            // Pause and resume act directly; a paused product's pending edit survives.
            s.change_product_lifecycle(p.bank, id, LifecycleAct::Pause, &by("product.pause")).await.unwrap();
            let e =
                s.change_product_lifecycle(p.bank, id, LifecycleAct::Pause, &by("product.pause")).await.unwrap_err();
            assert!(conflict(e).contains("已暂停"));
            s.change_product_lifecycle(p.bank, id, LifecycleAct::Resume, &by("product.resume")).await.unwrap();
            s.approve_review(second, &op("product.approve")).await.unwrap();
            let m = s.managed_product(p.bank, id).await.unwrap();
            assert_eq!(m.product.spec.name, "改名二");

            // Archive is final and withdraws a pending review.
            let EditOutcome::PendingReview(third) =
                s.edit_managed_product(p.bank, id, &proposal1, &by("product.update")).await.unwrap()
            else {
                panic!("a live edit waits for review")
            };
            s.change_product_lifecycle(p.bank, id, LifecycleAct::Archive, &by("product.archive")).await.unwrap();
            assert!(s.approve_review(third, &op("product.approve")).await.is_err());
            let e = s
                .change_product_lifecycle(p.bank, id, LifecycleAct::Archive, &by("product.archive"))
                .await
                .unwrap_err();
            assert!(conflict(e).contains("已下架"));
            assert!(s.edit_managed_product(p.bank, id, &proposal2, &by("product.update")).await.is_err());

            // Every applied change is a version, newest first, with who and what changed.
            let versions = s.product_versions(Some(p.bank), id).await.unwrap();
            let actions: Vec<&str> = versions.iter().map(|v| v.action.as_str()).collect();
            assert_eq!(
                actions,
                [
                    "archive",
                    "approve",
                    "resume",
                    "pause",
                    "approve",
                    "submit",
                    "update",
                    "send_back",
                    "submit",
                    "update",
                    "create"
                ]
            );
            assert_eq!(versions.last().map(|v| v.version), Some(1));
            assert_eq!(versions[0].state, LifecycleState::Archived);
            let state_change = &versions[0].changes;
            assert_eq!(state_change.len(), 1);
            assert_eq!(
                (state_change[0].before.as_deref(), state_change[0].after.as_deref()),
                (Some("published"), Some("archived"))
            );
            let rename = versions.iter().find(|v| v.action == VersionAction::Update).unwrap();
            assert!(rename.changes.iter().any(|c| c.column == "eligibility"));
            assert_eq!(versions[1].account_id, Some(1));
            assert_eq!(versions[1].record.value("name"), Some("改名二"));
            assert!(matches!(s.product_versions(Some(p.other), id).await, Err(StoreError::NotFound { .. })));

            // And every act an audit entry concerning the bank.
            let audit = s
                .audit_log(AuditQuery { institution_id: Some(p.bank), limit: 100, ..Default::default() })
                .await
                .unwrap();
            let acts: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
            for act in [
                "product.create",
                "product.update",
                "product.submit",
                "product.send_back",
                "product.approve",
                "product.pause",
                "product.resume",
                "product.archive",
            ] {
                assert!(acts.contains(&act), "{act} missing from {acts:?}");
            }
            assert!(audit.iter().all(|a| a.subject_kind == "product" && a.subject_id == Some(id)));
        })
        .await;
    }

    #[tokio::test]
    async fn uploads_are_all_or_nothing_and_become_reviews() {
        each(async |db: TestDb| {
            let p = parties(&db).await;
            let s = &db.store;
            let by = AuditEvent::by(&p.banker, None, "product.upload");
            let row = |pairs: &[(&str, &str)]| record(pairs).validate().unwrap();
            let live = s.create_managed_product(p.bank, &spec(&[("code", "L-1")]), &by).await.unwrap();
            let review = s.submit_managed_product(p.bank, live, &by).await.unwrap();
            s.approve_review(review, &AuditEvent::by(&p.operator, None, "product.approve")).await.unwrap();

            let bad = vec![
                (2, row(&[("code", "N-1")])),
                (3, row(&[("code", "N-2"), ("institution_code", "other-bank")])),
                (4, row(&[("code", "N-1")])),
                (5, row(&[("code", "N-3"), ("guarantee_agency_code", "nowhere"), ("guarantee_fee_pct", "1")])),
            ];
            let Err(StoreError::ImportRejected(errors)) = s.upload_managed_products(p.bank, &bad, &by).await else {
                panic!("a bad upload is refused")
            };
            let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.row, e.field.as_str())).collect();
            assert_eq!(found, [(3, "institution_code"), (4, "code"), (5, "guarantee_agency_code")]);
            assert_eq!(errors[0].message, "只能上传本机构的产品");
            assert_eq!(s.managed_products(p.bank).await.unwrap().len(), 1);

            let good = vec![
                (2, row(&[("code", "N-1")])),
                (3, row(&[("code", "L-1"), ("name", "新名字")])),
                (4, row(&[("code", "N-2"), ("guarantee_agency_code", "admin-guarantee"), ("guarantee_fee_pct", "1")])),
            ];
            let summary = s.upload_managed_products(p.bank, &good, &by).await.unwrap();
            assert_eq!((summary.created, summary.submitted, summary.unchanged), (2, 1, 0));
            assert_eq!(s.pending_reviews(100).await.unwrap().len(), 3);
            let products = s.managed_products(p.bank).await.unwrap();
            let l1 = products.iter().find(|m| m.product.spec.code == "L-1").unwrap();
            assert_eq!(l1.product.state, LifecycleState::Published);
            assert_eq!(l1.product.spec.name, "科创信用贷");
            assert!(l1.pending.is_some());
            let n1 = products.iter().find(|m| m.product.spec.code == "N-1").unwrap();
            assert_eq!(n1.product.state, LifecycleState::InReview);
            // The agency sees the product it guarantees once it is no longer a draft.
            let agency = s.institution_by_code("admin-guarantee").await.unwrap().unwrap().id;
            let backed = s.agency_products(agency).await.unwrap();
            assert_eq!(backed.iter().map(|p| p.spec.code.as_str()).collect::<Vec<_>>(), ["N-2"]);
            // The same upload again changes nothing.
            let again = s.upload_managed_products(p.bank, &good, &by).await.unwrap();
            assert_eq!((again.created, again.submitted, again.unchanged), (0, 0, 3));
        })
        .await;
    }
}
