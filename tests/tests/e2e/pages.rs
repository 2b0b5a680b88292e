//! The HTML pages: search with results on the server, the results fragment, the product page, errors.

use crate::app::{Backend, TestApp, encode};
use axum::http::StatusCode;

#[tokio::test]
async fn the_search_page_renders_results_and_filters() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let (status, page) = app.get("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<html lang="zh-CN">"#) && page.contains("搜索融资产品"));
    assert!(page.contains("虚构的示例数据"), "the demo is marked as sample data");
    assert!(page.contains("/static/") && !page.contains("https://"), "assets come from this server only");

    let (status, page) = app.get(&format!("/?q={}", encode("专利贷"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("知识产权") && page.contains("<b>"), "results with highlights");
    assert!(page.contains("共找到"));
    // The count is of the products with every word.
    let (_, page) = app.get(&format!("/?q={}", encode("首贷 滨海"))).await;
    assert!(page.contains("共找到 <strong>2</strong> 个产品"), "the count of products with both words");
    let (_, page) = app.get(&format!("/?lang=en&q={}", encode("首贷 滨海"))).await;
    assert!(
        page.contains(r#"2 products for “<span lang="zh-CN">首贷 滨海</span>”"#),
        "and in English, the query marked"
    );
    // Words that no product has together: each can be searched alone, with the same filters.
    let (_, page) = app.get(&format!("/?q={}&online=true", encode("专利贷 票据贴现"))).await;
    assert!(page.contains("共找到 <strong>0</strong> 个产品"), "nothing has both");
    assert!(page.contains("没有同时包含这些词的产品"), "each word is offered alone");
    assert!(page.contains(&format!("?online=true&amp;q={}\">专利贷</a>", encode("专利贷"))), "{page}");

    let (status, fragment) = app.get(&format!("/fragments/results?q={}&family=ip_pledge", encode("专利"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!fragment.contains("<html"), "a fragment, not a page");
    assert!(fragment.contains("知识产权质押贷款"));

    // What a person typed is shown back escaped, never as markup.
    let (status, page) = app.get(&format!("/?q={}", encode("<script>alert(1)</script>专利"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("<script>alert") && page.contains("&lt;script&gt;"), "query echoed unescaped");

    let (status, page) = app.get("/?amount=-5").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("不能为负数"), "bad input is explained in Chinese on the page");

    // Asset URLs carry a hash of the content, so a changed stylesheet is never served from a stale cache.
    let (_, page) = app.get("/").await;
    let at = page.find("/static/").unwrap();
    let css_url = &page[at..at + page[at..].find('"').unwrap()];
    assert!(css_url.ends_with("/app.css") && css_url.len() > "/static//app.css".len() + 8, "{css_url}");
    let (status, css) = app.get(css_url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(css.contains("@media"), "styles adapt to phone width");
    let (status, _) = app.get("/static/x/nothing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_product_page_shows_every_term() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let hit = app.search("政采贷", "&per_page=1").await;
    let id = hit["items"][0]["id"].as_i64().unwrap();
    let (status, page) = app.get(&format!("/products/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for words in [
        "贷款额度",
        "贷款期限",
        "年利率",
        "还款方式",
        "担保方式",
        "申请条件",
        "政策支持",
        "服务区域",
        "持有已中标的政府采购合同",
    ] {
        assert!(page.contains(words), "{words} missing");
    }
    let (status, page) = app.get("/products/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("产品不存在"));
    let (status, _) = app.get("/products/abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, page) = app.get("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("页面不存在"));
}

#[tokio::test]
async fn english_is_one_click_away_and_remembered() {
    let app = TestApp::with_demo(Backend::Sqlite).await.unwrap();
    let (_, _, chinese) = app.get_with_cookie("/", None).await;
    assert!(chinese.contains("?lang=en\" lang=\"en\">English</a>"), "the switch is on every page");

    let (status, set_cookie, page) = app.get_with_cookie(&format!("/?lang=en&q={}", encode("专利贷")), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<html lang="en">"#) && page.contains("IP pledge loan") && page.contains("products for"));
    assert!(!page.contains("共找到"), "no Chinese interface text left");
    let cookie = set_cookie.expect("the choice is remembered").split(';').next().unwrap().to_owned();
    assert_eq!(cookie, "finmart_lang=en");

    // The cookie carries the choice to the next page, the results fragment and error messages.
    let hit = app.search("政采贷", "&per_page=1").await;
    let id = hit["items"][0]["id"].as_i64().unwrap();
    let (_, _, product) = app.get_with_cookie(&format!("/products/{id}"), Some(&cookie)).await;
    for words in ["Who can apply", "Holds a won government procurement contract", "Terms", "CNY "] {
        assert!(product.contains(words), "{words} missing from the English product page");
    }
    let (status, _, fragment) = app.get_with_cookie("/fragments/results?amount=-5", Some(&cookie)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(fragment.contains("must not be negative"));
    let (_, set_cookie, back) = app.get_with_cookie("/?lang=zh", Some(&cookie)).await;
    assert!(back.contains(r#"<html lang="zh-CN">"#) && set_cookie.unwrap().starts_with("finmart_lang=zh"));
}
