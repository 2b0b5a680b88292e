//! Data providers: the departments (tax, social insurance, market regulation…) or the city's 信用信息共享平台
//! that send verified facts about firms (issue 17's sources, `docs/facts-format.md`).
//!
//! - A provider's people sign in with the `provider` role (accounts made by the operator) and make API tokens
//!   on `/provider/tokens` (the accounts feature's token pages, shared with lenders).
//! - `POST /api/v1/facts/batches`: a batch of records, all or nothing. Every record is read and checked
//!   against the provider's registered source first (credit code, kind, value, dates, duplicate ids); any
//!   problem refuses the whole batch with every row's reason (400 `rejected`) and nothing changes.
//!   Otherwise it is stored in one transaction and recorded with what it did; a record sent again under its
//!   id replaces the earlier one or changes nothing, so a batch repeated after a lost answer is harmless.
//! - `GET /api/v1/facts/batches` and the page `/provider`: what the provider may send and its recent batches.
//! - The operator registers providers (`GET`/`POST /api/v1/providers`, or `finmart facts add-provider`) and
//!   reads how far the facts reach and how fresh they are (`/admin/facts`, `GET /api/v1/stats/facts` and its
//!   exports; [`figures`]).

mod api;
mod figures;
mod pages;

use crate::http::Feature;
use crate::http::auth::Caller;
use crate::http::error::ApiError;
use crate::http::format::{Label, shanghai};
use crate::http::rejected::{UploadRejected, not_of_format};
use crate::http::state::{AppState, today};
use crate::template;
use finmart_domain::{FactArrival, Principal, RowError, fact_columns, validate_fact_batch};
use finmart_sheets::SheetError;
use finmart_store::{DataProvider, FactBatch};
use serde::Serialize;
use utoipa::ToSchema;

/// How many recent batches the page and the list show.
const RECENT_BATCHES: u64 = 50;

/// The providers feature: its API, pages and templates.
#[must_use]
pub fn feature() -> Feature {
    Feature {
        tag: "providers",
        api: api::router(),
        pages: pages::router(),
        templates: &[template!("provider_home.html"), template!("admin_facts.html")],
        ..Feature::default()
    }
}

/// A data provider and what it may send.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderView {
    pub id: i64,
    /// Its fixed key.
    pub code: String,
    pub name: String,
    /// The source it is registered for (`tax`, `social_security`…, `credit_platform` for every kind).
    pub source: Label,
    /// The fact kinds that source may send.
    pub kinds: Vec<Label>,
}

impl From<&DataProvider> for ProviderView {
    fn from(p: &DataProvider) -> Self {
        Self {
            id: p.id,
            code: p.code.clone(),
            name: p.name.clone(),
            source: Label::of(p.source),
            kinds: Label::all(&p.source.kinds()),
        }
    }
}

/// One batch a provider sent, and what it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactBatchView {
    pub id: i64,
    /// `api`, `upload` (a list loaded by the operator) or `connector`.
    pub arrival: Label,
    /// Records in the batch.
    pub records: usize,
    /// Records new under their ids.
    pub added: usize,
    /// Records that replaced the one stored under the same id (a correction).
    pub replaced: usize,
    /// Records stored already as sent (a batch sent again changes nothing).
    pub unchanged: usize,
    /// The API token it came by, when it did.
    pub token_id: Option<i64>,
    /// When it was stored, RFC 3339 (UTC) and as shown (Asia/Shanghai).
    pub received_at: String,
    pub received_at_text: String,
}

impl From<&FactBatch> for FactBatchView {
    fn from(b: &FactBatch) -> Self {
        Self {
            id: b.id,
            arrival: Label::of(b.arrival),
            records: b.records,
            added: b.outcome.added,
            replaced: b.outcome.replaced,
            unchanged: b.outcome.unchanged,
            token_id: b.token_id,
            received_at: b.received_at.to_rfc3339(),
            received_at_text: shanghai(b.received_at),
        }
    }
}

/// The Chinese name of a batch's field, as `docs/facts-format.md` lists it.
fn label_of(field: &str) -> String {
    fact_columns().iter().find(|c| c.name == field).map_or_else(|| field.to_owned(), |c| c.label_zh.to_owned())
}

/// Receives a JSON batch (an array of records, or `{"records": [...]}`) from `provider`, sent by `principal`:
/// every record stored, or the refusal with every row's problems.
///
/// # Errors
/// 400 `invalid_file` for a body that is not such JSON; 400 naming fields the store refuses; database
/// failure.
async fn receive_batch(
    state: &AppState,
    caller: &Caller,
    principal: &Principal,
    provider: &DataProvider,
    body: &[u8],
) -> Result<Result<FactBatch, UploadRejected>, ApiError> {
    let refused = |rows: &[RowError]| {
        UploadRejected::of(
            rows,
            label_of,
            format!("批次有 {} 处问题，未保存任何记录", rows.len()),
            format!("the batch has {} problem(s); nothing was stored", rows.len()),
        )
    };
    let records = match finmart_sheets::read_fact_records("batch.json", body) {
        Ok(rows) => rows.into_iter().map(|(_, record)| record).collect::<Vec<_>>(),
        Err(SheetError::Rejected(rows)) => return Ok(Err(refused(&rows))),
        Err(SheetError::Format(message)) => return Err(not_of_format(&message, "records")),
    };
    let facts = match validate_fact_batch(&records, provider.source, today()) {
        Ok(facts) => facts,
        Err(rows) => return Ok(Err(refused(&rows))),
    };
    let event = caller.audit(principal, "fact_batch.load");
    Ok(Ok(state.store.record_fact_batch(provider, &facts, FactArrival::Api, &|| {}, &event).await?))
}
