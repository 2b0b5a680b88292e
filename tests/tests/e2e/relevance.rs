//! Search relevance over the demo data: Chinese queries and the products they must return in the top 3
//! (tests/fixtures/relevance.json).

use crate::app::{Backend, TestApp};
use serde_json::Value;

#[tokio::test]
async fn chinese_queries_find_the_right_products_first() {
    let cases: Vec<Value> =
        serde_json::from_str(include_str!("../../fixtures/relevance.json")).expect("relevance.json parses");
    assert!(cases.len() >= 30, "at least 30 relevance cases");
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let mut failures = Vec::new();
    for case in &cases {
        let query = case["query"].as_str().unwrap();
        let json = app.search(query, "&per_page=3").await;
        let top: Vec<(String, String, String)> = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let key = format!("{}/{}", i["institution"]["code"].as_str().unwrap(), i["code"].as_str().unwrap());
                (key, i["family"]["code"].as_str().unwrap().to_owned(), i["name"].as_str().unwrap().to_owned())
            })
            .collect();
        let describe = || top.iter().map(|(k, f, n)| format!("{n} ({k}, {f})")).collect::<Vec<_>>().join("; ");
        if top.len() < 3 {
            failures.push(format!("{query}: fewer than 3 results: {}", describe()));
            continue;
        }
        if let Some(family) = case["top3_family"].as_str()
            && top.iter().any(|(_, f, _)| f != family)
        {
            failures.push(format!("{query}: top 3 should all be {family}: {}", describe()));
        }
        for key in case["must_include"].as_array().unwrap() {
            let key = key.as_str().unwrap();
            if !top.iter().any(|(k, _, _)| k == key) {
                failures.push(format!("{query}: {key} should be in the top 3: {}", describe()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} relevance cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
