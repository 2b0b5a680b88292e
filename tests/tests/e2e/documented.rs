//! Every answer the end-to-end tests get from the JSON API is one its OpenAPI document declares: the
//! clients ([`crate::client::Client`], [`crate::app::TestApp`]'s requests) hand each answer to [`check`] as
//! it comes, so every test that calls the API also holds the document to the server: the status is declared
//! for the operation, an error answer has the error body, and its `code` is among those the declared answer
//! names (every error answer names its codes: `finmart_web::http::api_doc`).

use axum::http::{Method, StatusCode};
use serde_json::Value;
use std::sync::OnceLock;

/// The document, as served at `/api/openapi.json`.
fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| serde_json::to_value(finmart_web::router::openapi()).expect("the document is JSON"))
}

/// The operation `method` `path` reaches: its path template and the operation. Of the templates that match,
/// the one with the most literal segments wins (`/institutions/admin` over `/institutions/{id}`), as in the
/// router.
fn operation(method: &Method, path: &str) -> Option<(&'static str, &'static Value)> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let method = method.as_str().to_ascii_lowercase();
    document()["paths"]
        .as_object()?
        .iter()
        .filter_map(|(template, item)| {
            let parts: Vec<&str> = template.split('/').collect();
            let fits =
                parts.len() == segments.len() && parts.iter().zip(&segments).all(|(p, s)| p.starts_with('{') || p == s);
            let literal = parts.iter().filter(|p| !p.starts_with('{')).count();
            fits.then(|| (literal, template.as_str(), item.get(&method)))
        })
        .max_by_key(|(literal, _, _)| *literal)
        .and_then(|(_, template, operation)| operation.map(|o| (template, o)))
}

/// The codes an answer's description names (`` `code` `` that are error codes).
fn named_codes(description: &str) -> Vec<&str> {
    let codes: Vec<&str> = document()["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .map(|all| all.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    description.split('`').skip(1).step_by(2).filter(|word| codes.contains(word)).collect()
}

/// Panics when the answer `status` (with `body`) of `method` `uri` is not one its operation declares.
/// Addresses outside the API's operations (the router's own 404 and 405) are not the document's.
pub fn check(method: &Method, uri: &str, status: StatusCode, body: &str) {
    let path = uri.split('?').next().unwrap_or(uri);
    if !path.starts_with("/api/v1/") {
        return;
    }
    let Some((template, operation)) = operation(method, path) else { return };
    let declared = &operation["responses"][status.as_str()];
    assert!(
        declared.is_object(),
        "{method} {template} ({uri}) answered {status}, which its OpenAPI operation does not declare \
         (it declares {:?}): {body}",
        operation["responses"].as_object().map(|r| r.keys().collect::<Vec<_>>())
    );
    if !(status.is_client_error() || status.is_server_error()) {
        return;
    }
    let schema = declared["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or("");
    assert!(
        schema.ends_with("/ErrorBody") || schema.ends_with("/UploadRefusal"),
        "{method} {template}: its {status} is declared without the error body ({schema:?})"
    );
    let answered: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{method} {uri} answered {status} with a body that is not JSON ({e}): {body}"));
    let code = answered["code"].as_str().unwrap_or_else(|| panic!("{method} {uri}: {status} without a code: {body}"));
    let named = named_codes(declared["description"].as_str().unwrap_or(""));
    assert!(
        named.contains(&code),
        "{method} {template} answered {status} `{code}`, which its OpenAPI answer does not name (it names {named:?})"
    );
}
