//! The HTML templates of `web/templates`, compiled into the binary so it runs from any directory.

use minijinja::Environment;
use serde::Serialize;

/// `template!("x.html")`: the name and source of `web/templates/x.html`, for a module's `TEMPLATES` list.
#[macro_export]
macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/templates/", $name)))
    };
}

/// The templates every page shares: the frame, the form, product and verdict macros, the error page, the
/// confirmation of an irreversible act and a firm's verified facts.
const SHARED: &[(&str, &str)] = &[
    template!("base.html"),
    template!("_forms.html"),
    template!("_product.html"),
    template!("_tables.html"),
    template!("_verdict.html"),
    template!("error.html"),
    template!("confirm.html"),
    template!("_facts.html"),
];

/// A feature's templates: names and sources (made with [`template!`]).
pub type TemplateList = &'static [(&'static str, &'static str)];

/// The language `text` is in when it differs from the page's: Chinese on an English page (any Han
/// character), English on a Chinese page (Latin words and no Han); `None` when it is the page's own.
fn data_lang(text: &str, en: bool) -> Option<&'static str> {
    let han = text.chars().any(is_han);
    if en {
        han.then_some("zh-CN")
    } else {
        let latin_words = text.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() > 1);
        (!han && latin_words).then_some("en")
    }
}

/// `text` as HTML, each span between backticks as `<code>`, with `lang="zh-CN"` on an English page when it
/// holds Chinese.
fn verbatim(text: &str, en: bool) -> String {
    let mut html = String::new();
    for (i, part) in text.split('`').enumerate() {
        let escaped = minijinja::HtmlEscape(part).to_string();
        if i % 2 == 0 {
            html.push_str(&escaped);
        } else if en && part.chars().any(is_han) {
            html.push_str(&format!(r#"<code lang="zh-CN">{escaped}</code>"#));
        } else {
            html.push_str(&format!("<code>{escaped}</code>"));
        }
    }
    html
}

/// `text` HTML-escaped, with every occurrence of one of `names` that is not in the page's language wrapped
/// in a `<span lang>` (the longest name first where two overlap). Only the names are marked: the words
/// around them are the page's own.
fn mark_names(text: &str, names: &[String], en: bool) -> String {
    let mut names: Vec<&str> = names.iter().map(String::as_str).filter(|n| data_lang(n, en).is_some()).collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = names
            .iter()
            .filter_map(|n| rest.find(n).map(|at| (at, *n)))
            .min_by_key(|(at, n)| (*at, std::cmp::Reverse(n.len())));
        let Some((at, name)) = next else { break };
        out.push_str(&minijinja::HtmlEscape(&rest[..at]).to_string());
        let lang = data_lang(name, en).unwrap_or("zh-CN");
        out.push_str(&format!(r#"<span lang="{lang}">{}</span>"#, minijinja::HtmlEscape(name)));
        rest = &rest[at + name.len()..];
    }
    out.push_str(&minijinja::HtmlEscape(rest).to_string());
    out
}

/// A Chinese character (the CJK blocks the catalogue's text uses).
fn is_han(c: char) -> bool {
    matches!(c, '\u{3400}'..='\u{4dbf}' | '\u{4e00}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{20000}'..='\u{2ebef}')
}

/// The template environment (HTML auto-escaping on, by the `.html` extension).
#[derive(Debug)]
pub struct Templates(Environment<'static>);

impl Templates {
    /// The shared templates and every feature's.
    ///
    /// # Panics
    /// A template that does not parse: a build defect, caught by every test that starts the app.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new(features: &[TemplateList]) -> Self {
        let mut env = Environment::new();
        // `t("中文", "English")`: the text in the page's language (the context's `en` flag).
        env.add_function("t", |state: &minijinja::State, zh: String, en: String| -> String {
            if state.lookup("en").is_some_and(|v| v.is_true()) { en } else { zh }
        });
        // `{{ name|data }}`: text from the data (a product's, an institution's or a firm's name, a place, a
        // message) marked with the language it is written in when that is not the page's, so an English page
        // says which Chinese is data rather than a label someone forgot to translate (and a screen reader
        // reads it in the right voice).
        env.add_filter("data", |state: &minijinja::State, text: minijinja::Value| -> minijinja::Value {
            if text.is_undefined() || text.is_none() {
                return minijinja::Value::from("");
            }
            let text = text.to_string();
            let en = state.lookup("en").is_some_and(|v| v.is_true());
            match data_lang(&text, en) {
                Some(lang) => minijinja::Value::from_safe_string(format!(
                    r#"<span lang="{lang}">{}</span>"#,
                    minijinja::HtmlEscape(&text)
                )),
                None => minijinja::Value::from(text),
            }
        });
        // `<option{{ name|lang_of }}>`: the same mark as an attribute, where an element can hold only text.
        env.add_filter("lang_of", |state: &minijinja::State, text: minijinja::Value| -> minijinja::Value {
            let en = state.lookup("en").is_some_and(|v| v.is_true());
            match data_lang(&text.to_string(), en) {
                Some(lang) if !text.is_undefined() && !text.is_none() => {
                    minijinja::Value::from_safe_string(format!(r#" lang="{lang}""#))
                }
                _ => minijinja::Value::from(""),
            }
        });
        // `{{ rule|verbatim }}`: a text whose values to type as they are stand between backticks (an import
        // column's rule), with those values as `<code>`, marked Chinese on an English page when they are.
        env.add_filter("verbatim", |state: &minijinja::State, text: &str| -> minijinja::Value {
            let en = state.lookup("en").is_some_and(|v| v.is_true());
            minijinja::Value::from_safe_string(verbatim(text, en))
        });
        // `{{ sentence|data_in([name, …]) }}`: a sentence of the page's own words built around data (a
        // notification naming a bank and a product), with only those names marked as `data` marks them.
        env.add_filter(
            "data_in",
            |state: &minijinja::State, text: minijinja::Value, names: Option<Vec<String>>| -> minijinja::Value {
                if text.is_undefined() || text.is_none() {
                    return minijinja::Value::from("");
                }
                let en = state.lookup("en").is_some_and(|v| v.is_true());
                minijinja::Value::from_safe_string(mark_names(&text.to_string(), &names.unwrap_or_default(), en))
            },
        );
        env.add_test("in_page_language", |state: &minijinja::State, text: minijinja::Value| -> bool {
            let en = state.lookup("en").is_some_and(|v| v.is_true());
            data_lang(&text.to_string(), en).is_none()
        });
        for (name, source) in SHARED.iter().chain(features.iter().copied().flatten()) {
            env.add_template(name, source).expect("templates in web/templates parse");
        }
        Self(env)
    }

    /// Renders a template.
    ///
    /// # Errors
    /// A template that fails at render time (a missing value used in a filter, say).
    /// Every page also gets `user` and `csrf` from the request's caller ([`crate::http::auth::CALLER`]), for
    /// the menu and the forms; a page's own values of the same name win.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        use minijinja::value::{Value, merge_maps};
        let frame = crate::http::auth::CALLER.try_with(crate::http::auth::Caller::frame).ok();
        // In `merge_maps` the later map wins.
        let context = merge_maps([Value::from_serialize(&frame), Value::from_serialize(&context)]);
        self.0.get_template(name)?.render(context)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn render(source: &'static str, en: bool, name: &str) -> String {
        let list: TemplateList = Box::leak(Box::new([("t.html", source)]));
        let templates = Templates::new(&[list]);
        templates.0.get_template("t.html").unwrap().render(minijinja::context! { en, name }).unwrap()
    }

    #[test]
    fn typed_values_are_code_and_chinese_ones_are_marked_on_english_pages() {
        let t = "<p>{{ name|verbatim }}</p>";
        assert_eq!(render(t, false, "用 `|` 分隔，如 `3年`"), "<p>用 <code>|</code> 分隔，如 <code>3年</code></p>");
        assert_eq!(
            render(t, true, "`3` or `3年` <3"),
            r#"<p><code>3</code> or <code lang="zh-CN">3年</code> &lt;3</p>"#
        );
        assert_eq!(render(t, true, "no values"), "<p>no values</p>");
    }

    #[test]
    fn data_is_marked_with_its_language_when_it_is_not_the_pages() {
        let t = "<p>{{ name|data }}</p>";
        assert_eq!(render(t, true, "海河银行 <1>"), r#"<p><span lang="zh-CN">海河银行 &lt;1&gt;</span></p>"#);
        assert_eq!(render(t, false, "海河银行"), "<p>海河银行</p>");
        assert_eq!(render(t, false, "Haihe Bank"), r#"<p><span lang="en">Haihe Bank</span></p>"#);
        assert_eq!(render(t, true, "Haihe <Bank>"), "<p>Haihe &lt;Bank&gt;</p>");
        assert_eq!(render(t, false, "LPR"), r#"<p><span lang="en">LPR</span></p>"#);
        assert_eq!(render(t, false, "A"), "<p>A</p>");
        let t = "<option{{ name|lang_of }}>x</option>";
        assert_eq!(render(t, true, "武清区"), r#"<option lang="zh-CN">x</option>"#);
        assert_eq!(render(t, false, "武清区"), "<option>x</option>");
    }

    #[test]
    fn names_in_a_sentence_are_marked_and_nothing_else() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let marked = mark_names(
            "海河银行 approved “科创贷 <A>” for 海河银行科技支行; 海河银行 pays.",
            &names(&["海河银行", "科创贷 <A>", "海河银行科技支行", ""]),
            true,
        );
        assert_eq!(
            marked,
            r#"<span lang="zh-CN">海河银行</span> approved “<span lang="zh-CN">科创贷 &lt;A&gt;</span>” for <span lang="zh-CN">海河银行科技支行</span>; <span lang="zh-CN">海河银行</span> pays."#
        );
        // A name in the page's language, or a sentence without the names, is left as it is (escaped).
        assert_eq!(
            mark_names("Haihe Bank & 海河 <b>", &names(&["Haihe Bank"]), true),
            "Haihe Bank &amp; 海河 &lt;b&gt;"
        );
        assert_eq!(mark_names("海河银行已受理", &names(&["海河银行"]), false), "海河银行已受理");
        let list: TemplateList = Box::leak(Box::new([(
            "t.html",
            "<p>{{ s|data_in(names) }}</p>{% if n is in_page_language %}y{% endif %}",
        )]));
        let templates = Templates::new(&[list]);
        let render = |en: bool, n: &str| {
            let ctx = minijinja::context! { en, s => "海河银行 accepted it", names => ["海河银行"], n };
            templates.0.get_template("t.html").unwrap().render(ctx).unwrap()
        };
        assert_eq!(render(true, "海河银行"), r#"<p><span lang="zh-CN">海河银行</span> accepted it</p>"#);
        assert_eq!(render(true, "Search"), r#"<p><span lang="zh-CN">海河银行</span> accepted it</p>y"#);
        assert_eq!(render(false, "海河银行"), "<p>海河银行 accepted it</p>y");
    }
}
