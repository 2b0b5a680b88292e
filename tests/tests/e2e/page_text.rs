//! Reading a page as a person reads it, for the one-language test (`language.rs`): every piece of text
//! shown (text nodes, the page title, placeholders, tooltips, accessible names, button values) with the
//! language it is declared in — the nearest `lang` attribute — and what is wrong with it.
//!
//! A page's own words must be in its language; data (a product's or a firm's name, a place) may be in
//! another only when its element says so with `lang`. Anywhere, a `snake_case` code, raw JSON or a
//! programmer's `null` is a fault: they are what a person sees when a label was forgotten.

use regex::Regex;
use scraper::{ElementRef, Html, Node};
use std::sync::LazyLock;

/// One fault on a page: what kind, and the text it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub kind: &'static str,
    pub lang: String,
    pub text: String,
}

/// Elements whose text nobody reads as text.
const UNREAD: [&str; 5] = ["script", "style", "noscript", "template", "svg"];
/// Elements whose text is neither language: what a person types or a file holds as it is (an import
/// column's name, an institution's code, a request header).
const VERBATIM: [&str; 3] = ["code", "kbd", "samp"];
/// Attributes whose values are shown or spoken.
const SHOWN_ATTRIBUTES: [&str; 4] = ["placeholder", "title", "aria-label", "alt"];

/// Latin words a Chinese page may show as they are: the product's name, file formats, standard abbreviations.
/// A word of capitals and digits only (LPR, PDF, KPI, A1) is an abbreviation and allowed anywhere.
const LATIN_ON_CHINESE_PAGES: [&str; 3] = ["Finmart", "English", "e"];

static SNAKE_CASE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b").expect("regex"));
static RAW_JSON: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"\{\s*"[^"]*"\s*:|\[\s*\{|":\s*[\["{0-9]"#).expect("regex"));
static PROGRAMMER_WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:null|undefined|NaN|None)$|\b(?:Some|Ok|Err)\(|\bundefined\b").expect("regex"));
static HAN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[\p{Han}，。：；！？、（）【】《》]").expect("regex"));
/// Addresses, logins and paths are neither language.
static NEUTRAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\S+@\S+|https?://\S+|(?:^|\s)/[\w/.{}?=&%-]*|\b[\w-]+\.(?:xlsx|csv|pdf|png|jpe?g)\b").expect("regex")
});
static LATIN_WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z]+").expect("regex"));

/// Place names, which have no English form in the national division table and stay Chinese on English
/// pages, inside sentences as well as in their own elements.
static PLACES: LazyLock<Regex> = LazyLock::new(|| {
    let mut names: Vec<String> =
        finmart_domain::Division::all().flat_map(|d| [d.name().to_owned(), d.full_name()]).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    names.dedup();
    Regex::new(&names.iter().map(|n| regex::escape(n)).collect::<Vec<_>>().join("|")).expect("regex")
});

/// Every fault of the page `html`, whose `<html lang>` is its language.
#[must_use]
pub fn faults(html: &str) -> Vec<Fault> {
    let doc = Html::parse_document(html);
    let mut found = Vec::new();
    for node in doc.tree.nodes() {
        let (text, at) = match node.value() {
            Node::Text(text) => {
                let Some(parent) = node.parent().and_then(ElementRef::wrap) else { continue };
                (text.to_string(), parent)
            }
            Node::Element(element) => {
                let Some(at) = ElementRef::wrap(node) else { continue };
                let mut shown: Vec<String> =
                    SHOWN_ATTRIBUTES.iter().filter_map(|a| element.attr(a)).map(str::to_owned).collect();
                let is_button = matches!(element.attr("type"), Some("submit" | "button" | "reset"));
                if element.name() == "input" && is_button {
                    shown.extend(element.attr("value").map(str::to_owned));
                }
                for text in shown {
                    check(&text, &lang_of(at), &mut found);
                }
                continue;
            }
            _ => continue,
        };
        let names = || at.ancestors().filter_map(ElementRef::wrap).chain([at]).map(|e| e.value().name());
        if names().any(|n| UNREAD.contains(&n) || VERBATIM.contains(&n)) {
            continue;
        }
        check(&text, &lang_of(at), &mut found);
    }
    found.dedup();
    found
}

/// The language `element` is declared in: its own `lang` or its nearest ancestor's.
fn lang_of(element: ElementRef<'_>) -> String {
    std::iter::once(element)
        .chain(element.ancestors().filter_map(ElementRef::wrap))
        .find_map(|e| e.value().attr("lang"))
        .unwrap_or("")
        .to_owned()
}

fn check(text: &str, lang: &str, found: &mut Vec<Fault>) {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return;
    }
    let mut fault = |kind: &'static str| found.push(Fault { kind, lang: lang.to_owned(), text: text.clone() });
    let plain = NEUTRAL.replace_all(&text, " ");
    if SNAKE_CASE.is_match(&plain) {
        fault("a snake_case code");
    }
    if RAW_JSON.is_match(&text) {
        fault("raw JSON");
    }
    if PROGRAMMER_WORDS.is_match(&plain) {
        fault("a programmer's word");
    }
    if lang.starts_with("en") {
        if HAN.is_match(&PLACES.replace_all(&plain, " ")) {
            fault("Chinese on an English page");
        }
    } else if LATIN_WORD.find_iter(&SNAKE_CASE.replace_all(&plain, " ")).any(|w| is_english_word(w.as_str())) {
        fault("English on a Chinese page");
    }
}

/// A Latin word that is English prose rather than an abbreviation or a name every page may show.
fn is_english_word(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_lowercase()) && !LATIN_ON_CHINESE_PAGES.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(html: &str) -> Vec<&'static str> {
        faults(html).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn a_clean_page_has_no_faults() {
        let zh = r#"<html lang="zh-CN"><body><p>贷款额度 100 万元，LPR + 50 个基点</p>
            <a lang="en" href="?lang=en">English</a><input placeholder="搜索产品"><p>bank@finmart.demo</p>
            <script>var a_b = {"x": 1};</script></body></html>"#;
        assert_eq!(faults(zh), vec![]);
        let en = r#"<html lang="en"><body><p>Amount 1,000,000 yuan</p><p lang="zh-CN">海河银行</p>
            <a lang="zh-CN" href="?lang=zh">中文</a><p>Serves all of 天津市; you are in 武清区</p></body></html>"#;
        assert_eq!(faults(en), vec![]);
    }

    #[test]
    fn codes_json_and_the_other_language_are_found() {
        assert_eq!(
            kinds(r#"<html lang="zh-CN"><p>参数 min_years_in_operation 无效</p></html>"#),
            ["a snake_case code"]
        );
        assert_eq!(kinds(r#"<html lang="zh-CN"><td>{"金额": 1}</td></html>"#), ["raw JSON"]);
        assert_eq!(kinds(r#"<html lang="zh-CN"><td>Sign out</td></html>"#), ["English on a Chinese page"]);
        assert_eq!(kinds(r#"<html lang="en"><td>待审核</td></html>"#), ["Chinese on an English page"]);
        assert_eq!(
            kinds(r#"<html lang="en"><input type="submit" value="提交"></html>"#),
            ["Chinese on an English page"]
        );
        assert_eq!(kinds(r#"<html lang="en"><span title="未说明">?</span></html>"#), ["Chinese on an English page"]);
        assert_eq!(kinds(r#"<html lang="en"><td>null</td></html>"#), ["a programmer's word"]);
    }
}
