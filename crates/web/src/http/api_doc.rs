//! What every operation of the JSON API shares in its OpenAPI document, said once.
//!
//! Some answers do not depend on what an operation does but on how it is reached: any request may carry a
//! refused API token (401), a state-changing one made with a session must carry its CSRF token (403), the
//! database or the session store may be down (503), and the rate limiter answers 429 with `Retry-After`.
//! [`SharedAnswers`] adds those to every operation after the features' own annotations, which keep what is
//! particular to an operation (its 404, 409, 422, an upload's refusals). [`reach`] says, for every
//! [`ErrorCode`], which operations can answer it: a new code does not compile until it is given a reach,
//! and a test holds the document to it.

use crate::http::error::ErrorCode;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::{
    ContentBuilder, HeaderBuilder, ObjectBuilder, OpenApi, Ref, RefOr, Response, ResponseBuilder, Type,
};

/// The operations that read the search index (`App::read_index`: a search, and a match, which ranks by the
/// text relevance of the stated purpose), which answer 503 `index_rebuilding` while a damaged index is
/// rebuilt from the database.
pub const INDEX_READERS: &[&str] = &["/api/v1/search", "/api/v1/match", "/api/v1/match/explain", "/api/v1/needs/feed"];

/// The operations that need what loads after the start (`crate::http::warm_up`): matching and the needs
/// feed read the matcher's book, a product's candidates the reverse-matching pool. They answer 503
/// `warming_up` until it is loaded.
pub const WARM_READERS: &[&str] =
    &["/api/v1/match", "/api/v1/match/explain", "/api/v1/needs/feed", "/api/v1/products/{id}/candidates"];

/// The operations that answer from a figure kept between requests (`crate::http::kept`: the coverage of
/// verified facts), which answer 503 `computing` while its first computation is under way.
pub const KEPT_READERS: &[&str] = &["/api/v1/stats/facts", "/api/v1/stats/facts/export"];

/// Which operations can answer an error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every operation: a refused API token, an outage.
    Every,
    /// Operations that read a parameter (query or path) or a body.
    ReadsInput,
    /// Operations with a request body.
    ReadsBody,
    /// Operations that need a signed-in caller (they name the credentials they accept).
    SignedIn,
    /// Operations that change state (POST, PUT, PATCH, DELETE): made with a session, they need its CSRF
    /// token.
    StateChanging,
    /// Operations that read the search index ([`INDEX_READERS`]).
    ReadsIndex,
    /// Operations that need the matcher or the pool, loaded after the start ([`WARM_READERS`]).
    NeedsWarmUp,
    /// Operations that answer from a kept figure ([`KEPT_READERS`]).
    ReadsKept,
    /// Only the operations whose own annotations declare the status (an upload's refusals, an
    /// application's, a missing resource, a conflict).
    Declared,
    /// None: a 500 is a bug to fix, not an answer to document.
    Never,
}

/// Which operations can answer `code`.
#[must_use]
pub fn reach(code: ErrorCode) -> Reach {
    use ErrorCode as C;
    match code {
        C::Unauthenticated
        | C::TokenAccountDisabled
        | C::TokenInstitutionSuspended
        | C::Unavailable
        | C::SessionsUnavailable
        | C::RateLimited => Reach::Every,
        C::IndexRebuilding => Reach::ReadsIndex,
        C::WarmingUp => Reach::NeedsWarmUp,
        C::Computing => Reach::ReadsKept,
        C::InvalidParameter => Reach::ReadsInput,
        C::InvalidBody => Reach::ReadsBody,
        C::Forbidden => Reach::SignedIn,
        C::Csrf => Reach::StateChanging,
        C::InvalidFile
        | C::Rejected
        | C::BadCredentials
        | C::AccountDisabled
        | C::InstitutionSuspended
        | C::NotFound
        | C::DocumentMissing
        | C::Conflict
        | C::DuplicateApplication
        | C::Ineligible
        | C::ProfileIncomplete
        | C::StorageUnavailable
        | C::TooManyRequests => Reach::Declared,
        C::Internal => Reach::Never,
    }
}

/// How an operation is reached, as far as the shared answers care.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub reads_input: bool,
    pub reads_body: bool,
    pub signed_in: bool,
    pub state_changing: bool,
    pub reads_index: bool,
    pub needs_warm_up: bool,
    pub reads_kept: bool,
}

impl Shape {
    /// Whether an operation of this shape can answer a code of reach `reach`.
    #[must_use]
    pub fn reached_by(self, reach: Reach) -> bool {
        match reach {
            Reach::Every => true,
            Reach::ReadsInput => self.reads_input,
            Reach::ReadsBody => self.reads_body,
            Reach::SignedIn => self.signed_in,
            Reach::StateChanging => self.state_changing,
            Reach::ReadsIndex => self.reads_index,
            Reach::NeedsWarmUp => self.needs_warm_up,
            Reach::ReadsKept => self.reads_kept,
            Reach::Declared | Reach::Never => false,
        }
    }
}

/// Why an operation answers `code`, as the shared answers' descriptions say it.
fn why(code: ErrorCode) -> &'static str {
    use ErrorCode as C;
    match code {
        C::InvalidParameter => {
            "a parameter or field is invalid; `field` names it (every bad field of a body in `errors`)"
        }
        C::InvalidBody => "the body is not JSON of the expected shape; `field` is the path of the first bad field",
        C::Unauthenticated => "not signed in, or an API token that is unknown or revoked",
        C::TokenAccountDisabled => "an API token whose creating account is disabled",
        C::TokenInstitutionSuspended => "an API token whose institution is suspended by the operator",
        C::RateLimited => "too many requests from this address or token; retry after `Retry-After` seconds",
        C::IndexRebuilding => "the search index is being rebuilt from the database; retry after `Retry-After` seconds",
        C::WarmingUp => {
            "the server has just started and is still loading what this needs (matching's products, the firms to \
             find); retry after `Retry-After` seconds"
        }
        C::Computing => "the figures' first computation is under way; retry after `Retry-After` seconds",
        C::Forbidden => "signed in, but this is not the caller's to see or do (another role, another party)",
        C::Csrf => "made with the session cookie without the session's CSRF token (`x-csrf-token`)",
        C::Unavailable => "the database is unavailable",
        C::SessionsUnavailable => {
            "the session store (Redis) cannot be reached and the request carries a session cookie"
        }
        C::InvalidFile
        | C::Rejected
        | C::BadCredentials
        | C::AccountDisabled
        | C::InstitutionSuspended
        | C::NotFound
        | C::DocumentMissing
        | C::Conflict
        | C::DuplicateApplication
        | C::Ineligible
        | C::ProfileIncomplete
        | C::StorageUnavailable
        | C::TooManyRequests
        | C::Internal => "",
    }
}

/// An error answer's documentation: the description and the error body.
#[must_use]
pub fn error_response(description: &str) -> RefOr<Response> {
    let body = ContentBuilder::new().schema(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody")))).build();
    ResponseBuilder::new().description(description).content("application/json", body).build().into()
}

/// Every operation of a path, with its method.
pub fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ]
    .into_iter()
    .filter_map(|(method, operation)| operation.as_mut().map(|o| (method, o)))
}

/// The shape of `operation` (a `method` one on `path`).
#[must_use]
pub fn shape(path: &str, method: &str, operation: &Operation) -> Shape {
    let reads_body = operation.request_body.is_some();
    Shape {
        reads_input: reads_body || operation.parameters.as_ref().is_some_and(|p| !p.is_empty()),
        reads_body,
        signed_in: operation.security.as_ref().is_some_and(|s| !s.is_empty()),
        state_changing: !matches!(method, "get" | "head" | "options" | "trace"),
        reads_index: INDEX_READERS.contains(&path),
        needs_warm_up: WARM_READERS.contains(&path),
        reads_kept: KEPT_READERS.contains(&path),
    }
}

/// Adds the answers every operation shares to each operation of the API (see the module documentation).
/// An answer an operation declares itself keeps its description, with the shared codes added to it.
#[derive(Debug)]
pub struct SharedAnswers;

impl utoipa::Modify for SharedAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            for (method, operation) in operations(item) {
                let shape = shape(path, method, operation);
                let shared = ErrorCode::ALL.iter().filter(|code| shape.reached_by(reach(**code)));
                for code in shared {
                    add(operation, code.status().as_u16(), &format!("`{}`: {}", code.as_str(), why(*code)));
                }
                name_general_codes(operation);
                describe_the_undescribed(operation);
                if let Some(RefOr::T(limited)) = operation.responses.responses.get_mut("429") {
                    limited.headers.insert("Retry-After".to_owned(), retry_after().into());
                }
                // `index_rebuilding`, `warming_up` and `computing` say when to retry as well (the other 503s
                // do not).
                if (shape.reads_index || shape.needs_warm_up || shape.reads_kept)
                    && let Some(RefOr::T(down)) = operation.responses.responses.get_mut("503")
                {
                    down.headers.insert("Retry-After".to_owned(), retry_after().into());
                }
            }
        }
    }
}

/// Adds `line` to the `status` answer of `operation`, making the answer when it has none.
fn add(operation: &mut Operation, status: u16, line: &str) {
    let entry = operation.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(""));
    let RefOr::T(response) = entry else { return };
    if response.content.is_empty() {
        // Declared without a body by its operation: every error answer has the error body.
        if let RefOr::T(with_body) = error_response("") {
            response.content = with_body.content;
        }
    }
    let code = line.split('`').nth(1).unwrap_or(line);
    if response.description.contains(&format!("`{code}`")) {
        return;
    }
    if !response.description.is_empty() {
        response.description.push_str("; ");
    }
    response.description.push_str(line);
}

/// The code an answer of `status` that an operation declares without naming any code stands for: the
/// status's general code (`not_found`, `conflict`). Other statuses have several codes of equal rank, and
/// an operation that declares one of them names its codes.
fn general_code(status: &str) -> Option<(ErrorCode, &'static str)> {
    match status {
        "404" => Some((ErrorCode::NotFound, "no such resource, or not the caller's (its existence is not revealed)")),
        "409" => Some((
            ErrorCode::Conflict,
            "the request conflicts with what is stored (a state that moved on, a taken name)",
        )),
        _ => None,
    }
}

/// Names the general code of every error answer an operation declares without naming any.
fn name_general_codes(operation: &mut Operation) {
    for (status, response) in &mut operation.responses.responses {
        let (Some((code, why)), RefOr::T(response)) = (general_code(status), response) else { continue };
        let names_one = ErrorCode::ALL.iter().any(|c| response.description.contains(&format!("`{}`", c.as_str())));
        if !names_one {
            let said = std::mem::take(&mut response.description);
            response.description = if said.is_empty() {
                format!("`{}`: {why}", code.as_str())
            } else {
                format!("`{}`: {said}", code.as_str())
            };
        }
    }
}

/// Gives every answer declared without a description its status's reason phrase: OpenAPI requires one.
fn describe_the_undescribed(operation: &mut Operation) {
    for (status, response) in &mut operation.responses.responses {
        let RefOr::T(response) = response else { continue };
        if response.description.is_empty() {
            let reason = status.parse().ok().and_then(|s| axum::http::StatusCode::from_u16(s).ok());
            response.description = reason.and_then(|s| s.canonical_reason()).unwrap_or("The answer").to_owned();
        }
    }
}

/// The `Retry-After` header of a 429 (and of a 503 `index_rebuilding` or `warming_up`): whole seconds to wait.
fn retry_after() -> utoipa::openapi::header::Header {
    let seconds = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)).build();
    HeaderBuilder::new().schema(Some(seconds)).description(Some("Seconds to wait before retrying")).build()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn document() -> Value {
        serde_json::to_value(crate::router::openapi()).unwrap()
    }

    /// Every operation of the document: path, method, the operation.
    fn each_operation(doc: &Value) -> Vec<(String, String, Value)> {
        let mut all = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, operation) in item.as_object().expect("operations") {
                all.push((path.clone(), method.clone(), operation.clone()));
            }
        }
        all
    }

    #[test]
    fn every_code_is_declared_by_every_operation_that_can_answer_it() {
        let openapi = crate::router::openapi();
        let doc = serde_json::to_value(&openapi).unwrap();
        let mut paths = openapi.paths.paths.clone();
        let mut checked = 0;
        for (path, item) in &mut paths {
            for (method, operation) in operations(item) {
                let shape = shape(path, method, operation);
                let responses = &doc["paths"][path][method]["responses"];
                for code in ErrorCode::ALL {
                    if !shape.reached_by(reach(*code)) {
                        continue;
                    }
                    let status = code.status().as_u16().to_string();
                    let answer = &responses[&status];
                    let description = answer["description"].as_str().unwrap_or("");
                    assert!(
                        description.contains(&format!("`{}`", code.as_str())),
                        "{method} {path}: {status} does not name `{}` ({description:?})",
                        code.as_str()
                    );
                    assert!(
                        answer["content"]["application/json"]["schema"]["$ref"]
                            .as_str()
                            .is_some_and(|s| s.ends_with("/ErrorBody") || s.ends_with("/UploadRefusal")),
                        "{method} {path}: {status} without the error body"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 300, "every operation was checked ({checked} answers)");
    }

    #[test]
    fn every_error_answer_names_its_codes() {
        let doc = document();
        let mut unnamed = Vec::new();
        for (path, method, operation) in each_operation(&doc) {
            for (status, answer) in operation["responses"].as_object().expect("responses") {
                if !(status.starts_with('4') || status.starts_with('5')) {
                    continue;
                }
                let description = answer["description"].as_str().unwrap_or("");
                let names = |code: &str| description.contains(&format!("`{code}`"));
                if !ErrorCode::ALL.iter().any(|c| names(c.as_str())) {
                    unnamed.push(format!("{method} {path} {status}: {description:?}"));
                }
                for code in ErrorCode::ALL.iter().filter(|c| names(c.as_str())) {
                    assert_eq!(code.status().as_str(), status, "{method} {path}: `{}` under {status}", code.as_str());
                }
            }
        }
        assert!(unnamed.is_empty(), "error answers that name no code:\n{}", unnamed.join("\n"));
    }

    #[test]
    fn every_answer_has_a_description() {
        for (path, method, operation) in each_operation(&document()) {
            for (status, answer) in operation["responses"].as_object().expect("responses") {
                let description = answer["description"].as_str().unwrap_or("");
                assert!(!description.is_empty(), "{method} {path} {status}: OpenAPI requires a description");
            }
        }
    }

    #[test]
    fn every_operation_declares_the_rate_limit_and_the_outages() {
        let doc = document();
        for (path, method, operation) in each_operation(&doc) {
            let limited = &operation["responses"]["429"];
            assert!(
                limited["description"].as_str().is_some_and(|d| d.contains("`rate_limited`")),
                "{method} {path}: no 429 rate_limited"
            );
            assert_eq!(limited["headers"]["Retry-After"]["schema"]["type"], "integer", "{method} {path}");
            let down = operation["responses"]["503"]["description"].as_str().unwrap_or("");
            assert!(down.contains("`unavailable`") && down.contains("`sessions_unavailable`"), "{method} {path}");
            assert_eq!(
                down.contains("`index_rebuilding`"),
                INDEX_READERS.contains(&path.as_str()),
                "{method} {path}: 503 index_rebuilding only where the index is read"
            );
            assert_eq!(
                down.contains("`warming_up`"),
                WARM_READERS.contains(&path.as_str()),
                "{method} {path}: 503 warming_up only where the matcher or the pool is needed"
            );
            assert_eq!(
                down.contains("`computing`"),
                KEPT_READERS.contains(&path.as_str()),
                "{method} {path}: 503 computing only where a kept figure is read"
            );
            if WARM_READERS.contains(&path.as_str()) || KEPT_READERS.contains(&path.as_str()) {
                let headers = &operation["responses"]["503"]["headers"];
                assert_eq!(headers["Retry-After"]["schema"]["type"], "integer", "{method} {path}");
            }
        }
    }

    #[test]
    fn the_signed_in_operations_name_their_credentials_and_refusals() {
        let doc = document();
        let signed_in: Vec<_> =
            each_operation(&doc).into_iter().filter(|(_, _, o)| o["security"].as_array().is_some()).collect();
        assert!(signed_in.len() > 30, "the signed-in operations are marked ({})", signed_in.len());
        for (path, method, operation) in signed_in {
            for (status, code) in [("401", "unauthenticated"), ("401", "token_account_disabled"), ("403", "forbidden")]
            {
                let description = operation["responses"][status]["description"].as_str().unwrap_or("");
                assert!(description.contains(&format!("`{code}`")), "{method} {path}: {status} {code}");
            }
        }
    }
}
