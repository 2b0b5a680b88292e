//! Search relevance over the demo data: Chinese queries and the products they must return in the top 3
//! (tests/fixtures/relevance.json): all of one main family (`top3_family`), all of one family as their main
//! or a further family (`top3_in_family`), and named products (`must_include`). A search finds only the
//! products with every word, so a query that names one product may find fewer than three: the checks apply
//! to what it finds.

use crate::app::{Backend, TestApp, names};
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
        let items = json["items"].as_array().unwrap();
        let top: Vec<(String, String, String)> = items
            .iter()
            .map(|i| {
                let key = format!("{}/{}", i["institution"]["code"].as_str().unwrap(), i["code"].as_str().unwrap());
                (key, i["family"]["code"].as_str().unwrap().to_owned(), i["name"].as_str().unwrap().to_owned())
            })
            .collect();
        let describe = || top.iter().map(|(k, f, n)| format!("{n} ({k}, {f})")).collect::<Vec<_>>().join("; ");
        // A search finds the products with every word: a product's own name may find it alone.
        if top.is_empty() {
            failures.push(format!("{query}: nothing found"));
            continue;
        }
        if let Some(family) = case["top3_family"].as_str()
            && top.iter().any(|(_, f, _)| f != family)
        {
            failures.push(format!("{query}: top 3 should all be {family}: {}", describe()));
        }
        let is_in = |item: &Value, family: &str| {
            item["family"]["code"] == family
                || item["more_families"].as_array().unwrap().iter().any(|f| f["code"] == family)
        };
        if let Some(family) = case["top3_in_family"].as_str()
            && items.iter().any(|i| !is_in(i, family))
        {
            failures.push(format!("{query}: top 3 should all be in {family}: {}", describe()));
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

/// A product of the judged cases below, published by the test's own bank.
fn judged_product(code: &str, name: &str, family: &str, description: &str) -> finmart_domain::ProductSpec {
    finmart_domain::ProductRecord::from_pairs([
        ("institution_code", "judged-bank"),
        ("code", code),
        ("name", name),
        ("family", family),
        ("description", description),
        ("amount_min_yuan", "100000"),
        ("amount_max_yuan", "3000000"),
        ("term_min_months", "6"),
        ("term_max_months", "36"),
        ("rate_min_pct", "3.5"),
        ("rate_max_pct", "5"),
        ("repayment_methods", "equal_instalment"),
        ("decision_days", "5"),
        ("districts", "all"),
        ("valid_from", "2026-01-01"),
    ])
    .validate()
    .unwrap()
    .spec
}

/// Text as people write it (issue 12, item 9): traditional characters, full-width letters and digits,
/// generic words, family aliases and sorted searches, judged over the demo data and the products made here.
#[tokio::test]
async fn real_text_finds_what_it_names() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let store = &app.state.store;
    let bank = store
        .create_institution(&finmart_domain::NewInstitution {
            code: "judged-bank".into(),
            name: "评测银行".into(),
            kind: finmart_domain::InstitutionKind::Bank,
            intro: String::new(),
        })
        .await
        .unwrap();
    let products = [
        // Written in traditional characters, as a Hong Kong or Taiwan lender would.
        judged_product("J-TRAD", "津門倉單質押貸", "supply_chain", "以標準倉單質押為擔保，為商貿企業提供流動資金。"),
        // A credit product that never says 信用: only its family gives it 信用贷 and the other aliases.
        judged_product("J-ALIAS", "滨城科技贷", "credit", "面向科技型企业，按研发投入核定额度，随借随还。"),
        // A technology loan that is also a credit loan, by its further family alone.
        finmart_domain::ProductSpec {
            more_families: vec![finmart_domain::ProductFamily::Credit],
            ..judged_product("J-ALSO", "滨城积分科技贷", "tech", "按科技创新积分核定额度，随借随还。")
        },
        // A credit loan by its own words, filed under another family, so it has no 信用 aliases.
        judged_product(
            "J-OWN",
            "滨城首户经营贷",
            "first_loan",
            "首次在银行借款的小店可申请信用贷款，凭经营流水核定额度，额度内随借随还，当天放款到账。",
        ),
        // Named by generic words alone.
        judged_product("J-GENERIC", "津沽小微企业贷款", "credit", "为小微企业提供的经营贷款。"),
    ];
    for spec in &products {
        store.save_product(bank.id, finmart_domain::LifecycleState::Published, spec).await.unwrap();
    }
    app.catch_up().await;

    let mut failures = Vec::new();
    let describe = |json: &Value| names(json).into_iter().take(5).collect::<Vec<_>>().join("; ");

    // Traditional: the query folds to 仓单质押, and so does the traditional product; its highlight shows it
    // as written.
    let traditional = app.search("倉單質押", "&per_page=5").await;
    let simplified = app.search("仓单质押", "&per_page=5").await;
    if names(&traditional) != names(&simplified)
        || names(&simplified).first().map(String::as_str) != Some("津門倉單質押貸")
    {
        failures.push(format!("倉單質押: {} / 仓单质押: {}", describe(&traditional), describe(&simplified)));
    }
    // 仓单质押 is one word of the search vocabulary (the inventory family's), highlighted whole.
    let name_html = simplified["items"][0]["name_html"].as_str().unwrap_or_default();
    if !name_html.contains("<b>倉單質押</b>") || name_html.replace("<b>", "").replace("</b>", "") != "津門倉單質押貸"
    {
        failures.push(format!("仓单质押 highlights the name as written: {name_html}"));
    }
    let patent = app.search("專利貸", "&per_page=3").await;
    if names(&patent) != names(&app.search("专利贷", "&per_page=3").await) || names(&patent).len() < 3 {
        failures.push(format!("專利貸 reads as 专利贷: {}", describe(&patent)));
    }

    // Full-width letters and digits read as half-width.
    for (wide, narrow) in [("ＬＰＲ", "LPR"), ("１００万", "100万")] {
        let (w, n) = (app.search(wide, "&per_page=10").await, app.search(narrow, "&per_page=10").await);
        if names(&w).is_empty() || names(&w) != names(&n) || w["total"] != n["total"] {
            failures.push(format!(
                "{wide}: {} ({}) / {narrow}: {} ({})",
                describe(&w),
                w["total"],
                describe(&n),
                n["total"]
            ));
        }
    }

    // An alias inherited from the family ranks below every product whose own name or description says 信用贷,
    // and one inherited from a further family below one inherited from the main family.
    let mut items = Vec::new();
    for page in 1.. {
        let json = app.search("信用贷", &format!("&per_page=100&page={page}")).await;
        let more = json["items"].as_array().unwrap().clone();
        if more.is_empty() {
            break;
        }
        items.extend(more);
    }
    let at = |code: &str| items.iter().position(|i| i["code"] == code);
    let (alias, also) = (at("J-ALIAS"), at("J-ALSO"));
    if !matches!((alias, also), (Some(main), Some(further)) if main < further) {
        failures.push(format!(
            "信用贷: 滨城科技贷 (main family) at {alias:?}, 滨城积分科技贷 (further family) at {also:?}"
        ));
    }
    for item in items.iter().skip(alias.map_or(items.len(), |p| p + 1)) {
        let (_, product) = app.get_json(&format!("/api/v1/products/{}", item["id"])).await;
        let own = format!("{}{}", product["name"].as_str().unwrap(), product["description"].as_str().unwrap());
        if own.contains("信用贷") {
            failures.push(format!("信用贷: 滨城科技贷 (alias only) at {alias:?} outranks {own}"));
        }
    }

    // Generic words do not find or lift a product: 小微企业 and 贷款 beside 专利.
    let generic = app.search("小微企业专利贷款", "&per_page=100").await;
    let families: Vec<&str> =
        generic["items"].as_array().unwrap().iter().take(3).map(|i| i["family"]["code"].as_str().unwrap()).collect();
    if names(&generic).iter().any(|n| n == "津沽小微企业贷款") || families.iter().any(|f| *f != "ip_pledge") {
        failures.push(format!("小微企业专利贷款: {}", describe(&generic)));
    }
    // Alone, generic words still search.
    if !names(&app.search("小微企业贷款", "&per_page=100").await).contains(&"津沽小微企业贷款".to_owned())
    {
        failures.push("小微企业贷款 alone finds the product named so".to_owned());
    }

    // Sorted by rate, only products that are what was asked: no credit loan for a 纳税信用等级 rule.
    let by_rate = app.search("税贷", "&sort=rate&per_page=100").await;
    let items = by_rate["items"].as_array().unwrap();
    if items.len() < 3 || items.iter().any(|i| i["family"]["code"] != "tax_credit") {
        failures.push(format!("税贷 by rate: {}", describe(&by_rate)));
    }
    // The same products found by relevance: the order changes, never what is found.
    let by_relevance = app.search("税贷", "&per_page=100").await;
    let mut found = names(&by_relevance);
    let mut sorted = names(&by_rate);
    found.sort();
    sorted.sort();
    if found != sorted || by_relevance["total"] != by_rate["total"] {
        failures.push(format!("税贷: by relevance {} / by rate {}", describe(&by_relevance), describe(&by_rate)));
    }

    // Every word is needed: 首贷 滨海 finds fewer products than 首贷 alone, 滨海首贷通 first.
    let (both, first_loans) = (app.search("首贷 滨海", "&per_page=3").await, app.search("首贷", "").await);
    let fewer = both["total"].as_u64().unwrap_or(0) < first_loans["total"].as_u64().unwrap_or(0);
    if !fewer || both["items"][0]["code"] != "GCB-FL-001" {
        failures.push(format!("首贷 滨海: {} of {}: {}", both["total"], first_loans["total"], describe(&both)));
    }

    assert!(failures.is_empty(), "{} judged queries failed:\n{}", failures.len(), failures.join("\n"));
}
