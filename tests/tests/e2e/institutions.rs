//! The operator's institutions end to end: created and edited over the API and on `/admin/institutions`
//! (every bad field named, a taken code and a forbidden kind change refused), a rename reaching search, and
//! the page refused to other roles, on SQLite and PostgreSQL. Who may call each operation is the
//! authorisation matrix's (`authz.rs`).

use crate::app::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use finmart_cli::demo_accounts::{DEMO_BANK, DEMO_OPERATOR, DEMO_SME};
use serde_json::{Value, json};

/// The operator's row of an institution, by code.
async fn admin_row(operator: &crate::client::Client<'_>, code: &str) -> Value {
    let (status, list) = operator.get("/api/v1/institutions/admin").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array().unwrap().iter().find(|i| i["code"] == code).cloned().unwrap_or_else(|| panic!("{code}: {list}"))
}

fn fields(body: &Value) -> Vec<&str> {
    body["errors"].as_array().map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect()).unwrap_or_default()
}

#[tokio::test]
async fn the_operator_creates_and_edits_institutions_over_the_api() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let new =
            json!({"code": "tj-factor", "name": "津港商业保理有限公司", "kind": "factoring", "intro": "应收账款保理"});
        let (status, created) = operator.post("/api/v1/institutions", &new).await;
        assert_eq!(status, StatusCode::CREATED, "{} {created}", app.backend);
        assert_eq!(
            (created["code"].as_str(), created["kind"]["label"].as_str()),
            (Some("tj-factor"), Some("商业保理公司"))
        );
        let id = created["id"].as_i64().unwrap();
        // Listed for everyone at once, and for the operator with its (no) products.
        let (_, public) = app.get_json("/api/v1/institutions").await;
        assert!(public.as_array().unwrap().iter().any(|i| i["code"] == "tj-factor"), "{public}");
        let row = admin_row(&operator, "tj-factor").await;
        assert_eq!((row["products"].as_u64(), row["guaranteed_products"].as_u64()), (Some(0), Some(0)));
        assert!(admin_row(&operator, "jinmen-guarantee").await["guaranteed_products"].as_u64().unwrap() > 0);

        // Every bad field at once (400), then a taken code (409); nothing is written.
        let bad = json!({"code": "津港", "name": " ", "kind": "pawnshop", "intro": "介".repeat(2_001)});
        let (status, body) = operator.post("/api/v1/institutions", &bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(fields(&body), ["code", "name", "kind", "intro"], "{body}");
        assert_eq!(body["code"], "invalid_parameter");
        let (status, body) =
            operator.post("/api/v1/institutions", &json!({"code": "jingu-bank", "name": "x", "kind": "bank"})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("conflict")), "{body}");
        assert_eq!(body["message"], "机构代码“jingu-bank”已被使用");
        let (status, body) =
            operator.post("/api/v1/institutions", &json!({"code": "x", "name": "x", "kind": "bank", "extra": 1})).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")), "{body}");

        // An edit: name, kind and introduction; the code stays.
        let path = format!("/api/v1/institutions/{id}");
        let (status, edited) = operator.put(&path, &json!({"name": "津港保理", "kind": "其他金融机构"})).await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!((edited["code"].as_str(), edited["name"].as_str()), (Some("tj-factor"), Some("津港保理")));
        assert_eq!((edited["kind"]["code"].as_str(), edited["intro"].as_str()), (Some("other"), Some("")));
        let (status, body) = operator.put(&path, &json!({"name": "", "kind": "bank", "code": "renamed"})).await;
        assert_eq!(
            (status, body["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("code")),
            "no code in an edit: {body}"
        );
        let (status, body) = operator.put(&path, &json!({"name": "", "kind": ""})).await;
        assert_eq!((status, fields(&body)), (StatusCode::BAD_REQUEST, vec!["name", "kind"]), "{body}");
        let (status, _) = operator.put("/api/v1/institutions/999999", &json!({"name": "x", "kind": "bank"})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // An agency that backs products stays one; a lender that lists products never becomes one.
        let agency = admin_row(&operator, "jinmen-guarantee").await;
        let (status, body) = operator
            .put(&format!("/api/v1/institutions/{}", agency["id"]), &json!({"name": agency["name"], "kind": "bank"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(body["message"].as_str().unwrap().starts_with("该担保机构为"), "{body}");
        let bank = admin_row(&operator, "jingu-bank").await;
        let to_agency = json!({"name": bank["name"], "kind": "guarantee_agency", "intro": bank["intro"]});
        let (status, body) = operator.put(&format!("/api/v1/institutions/{}", bank["id"]), &to_agency).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(admin_row(&operator, "jinmen-guarantee").await["kind"]["code"], "guarantee_agency");

        // The operator's acts are in the institution's audit log.
        let (_, log) = operator.get("/api/v1/audit?limit=500").await;
        let acts: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["institution_id"].as_i64() == Some(id))
            .filter_map(|e| e["action"].as_str())
            .collect();
        assert_eq!(acts, ["institution.edit", "institution.create"], "{}", app.backend);
    }
}

#[tokio::test]
async fn a_renamed_lender_is_found_by_its_new_name() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let bank = admin_row(&operator, "jingu-bank").await;
    let products = bank["products"].as_u64().unwrap();
    // A search first, so the facet labels are read (and kept) under the old name.
    let before = app.search("津沽", "").await;
    assert!(before["facets"]["institution"].as_array().unwrap().iter().any(|f| f["label"] == "津沽商业银行"));
    let renamed = json!({"name": "渤海湾数字银行", "kind": "bank", "intro": bank["intro"]});
    let (status, body) = operator.put(&format!("/api/v1/institutions/{}", bank["id"]), &renamed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    app.catch_up().await;
    // Its products are indexed again under the new name, which finds them; the facet is renamed too.
    let found = app.search("渤海湾数字银行", &format!("&institution={}&per_page=100", bank["id"])).await;
    let names: Vec<&str> =
        found["items"].as_array().unwrap().iter().filter_map(|i| i["institution"]["name"].as_str()).collect();
    assert_eq!(names.len() as u64, found["total"].as_u64().unwrap().min(100));
    assert!(!names.is_empty() && names.iter().all(|n| *n == "渤海湾数字银行"), "{names:?}");
    assert!(found["total"].as_u64().unwrap() <= products);
    let anywhere = app.search("渤海湾数字银行", "&per_page=100").await;
    let items = anywhere["items"].as_array().unwrap();
    assert!(items.iter().any(|i| i["institution"]["code"] == "jingu-bank"), "found by its new name");
    let facet = anywhere["facets"]["institution"].as_array().unwrap();
    assert!(facet.iter().any(|f| f["label"] == "渤海湾数字银行"), "the facet label is renamed too: {facet:?}");
    let old = app.search("津沽商业银行", "&per_page=100").await;
    let old_name =
        old["items"].as_array().unwrap().iter().filter(|i| i["institution"]["name"] == "津沽商业银行").count();
    assert_eq!(old_name, 0, "no product carries the old name");
}

#[tokio::test]
async fn the_operator_creates_and_edits_institutions_on_the_page() {
    for app in TestApp::each(true).await {
        let operator = app.sign_in(DEMO_OPERATOR).await;
        let (status, html) = operator.get_text("/admin/institutions").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains("机构管理") && html.contains("津门融资担保有限公司") && html.contains("商业保理公司"));
        assert!(html.contains("href=\"/admin/institutions\" aria-current=\"page\""), "in the operator's menu");

        // Created: 303 back to the list, which names it.
        let form = [("code", "tj-lease"), ("name", "津港融资租赁"), ("kind", "leasing"), ("intro", "")];
        let (status, location, body) = operator.post_form("/admin/institutions", &form).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{} {body}", app.backend);
        let location = location.unwrap();
        assert!(location.starts_with("/admin/institutions?created="), "{location}");
        let (_, html) = operator.get_text(&location).await;
        assert!(html.contains("已新建机构“津港融资租赁”"), "{html}");
        let id = admin_row(&operator, "tj-lease").await["id"].as_i64().unwrap();

        // A bad form comes back with each reason beside its field, and what was typed.
        let (status, _, html) = operator
            .post_form("/admin/institutions", &[("code", "tj lease"), ("name", ""), ("kind", ""), ("intro", "")])
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains("id=\"e-code\">含有不允许的字符“ ”"), "{html}");
        assert!(html.contains("id=\"e-name\">不能为空") && html.contains("id=\"e-kind\">不能为空"), "{html}");
        assert!(html.contains("value=\"tj lease\""), "{html}");
        let (status, _, html) = operator.post_form("/admin/institutions", &form).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains("id=\"e-code\">机构代码“tj-lease”已被使用"), "{html}");
        // The page in English says the same in English.
        let (_, _, html) = operator.post_form("/admin/institutions?lang=en", &form).await;
        assert!(html.contains("institution code `tj-lease` is taken"), "{html}");

        // Edited: 303 and the new name; a refused edit comes back in its own form, beside the field.
        let path = format!("/admin/institutions/{id}");
        let edit = [("name", "津港金融租赁"), ("kind", "leasing"), ("intro", "设备融资租赁")];
        let (status, location, _) = operator.post_form(&path, &edit).await;
        assert_eq!((status, location), (StatusCode::SEE_OTHER, Some(format!("/admin/institutions?saved={id}"))));
        let (_, html) = operator.get_text(&format!("/admin/institutions?saved={id}")).await;
        assert!(html.contains("已保存“津港金融租赁”"), "{html}");
        let (status, _, html) = operator.post_form(&path, &[("name", " "), ("kind", "leasing"), ("intro", "")]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(html.contains(&format!("id=\"e{id}-name\">不能为空")), "{html}");
        let agency = admin_row(&operator, "jinmen-guarantee").await;
        let agency_path = format!("/admin/institutions/{}", agency["id"]);
        let name = agency["name"].as_str().unwrap();
        let (status, _, html) =
            operator.post_form(&agency_path, &[("name", name), ("kind", "bank"), ("intro", "")]).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(html.contains(&format!("id=\"e{}-kind\">该担保机构为", agency["id"])), "{html}");
        let (status, _, _) = operator.post_form("/admin/institutions/999999", &edit).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn only_the_operator_sees_the_page() {
    let Some(app) = TestApp::with_demo(Backend::Sqlite).await else { return };
    let reply = app.anonymous().request(Method::GET, "/admin/institutions", None, Vec::new()).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.location.as_deref(), Some("/login?next=%2Fadmin%2Finstitutions"));
    for login in [DEMO_SME, DEMO_BANK] {
        let client = app.sign_in(login).await;
        let (status, _) = client.get_text("/admin/institutions").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
        let (status, _, _) =
            client.post_form("/admin/institutions", &[("code", "x-bank"), ("name", "x"), ("kind", "bank")]).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{login}");
    }
    let operator = app.sign_in(DEMO_OPERATOR).await;
    let (status, body) = operator.get("/api/v1/institutions/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().unwrap().iter().all(|i| i["code"] != "x-bank"), "nothing was created");
}
