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

const TEMPLATES: &[(&str, &str)] = &[
    template!("base.html"),
    template!("_forms.html"),
    template!("home.html"),
    template!("results.html"),
    template!("product.html"),
    template!("error.html"),
    template!("match.html"),
    template!("match_results.html"),
    template!("cost_results.html"),
];

/// The template environment (HTML auto-escaping on, by the `.html` extension).
#[derive(Debug)]
pub struct Templates(Environment<'static>);

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

impl Templates {
    /// # Panics
    /// A template that does not parse: a build defect, caught by every test that starts the app.
    #[must_use]
    #[allow(clippy::expect_used)]
    pub fn new() -> Self {
        let mut env = Environment::new();
        // `t("中文", "English")`: the text in the page's language (the context's `en` flag).
        env.add_function("t", |state: &minijinja::State, zh: String, en: String| -> String {
            if state.lookup("en").is_some_and(|v| v.is_true()) { en } else { zh }
        });
        let modules = [
            crate::accounts::TEMPLATES,
            crate::bank_products::TEMPLATES,
            crate::applications::TEMPLATES,
            crate::needs::TEMPLATES,
            crate::dashboards::TEMPLATES,
        ];
        for (name, source) in TEMPLATES.iter().chain(modules.into_iter().flatten()) {
            env.add_template(name, source).expect("templates in web/templates parse");
        }
        Self(env)
    }

    /// Renders a template.
    ///
    /// # Errors
    /// A template that fails at render time (a missing value used in a filter, say).
    /// Every page also gets `user` and `csrf` from the request's caller ([`crate::auth::CALLER`]), for the
    /// menu and the forms; a page's own values of the same name win.
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        use minijinja::value::{Value, merge_maps};
        let frame = crate::auth::CALLER.try_with(crate::auth::Caller::frame).ok();
        // In `merge_maps` the later map wins.
        let context = merge_maps([Value::from_serialize(&frame), Value::from_serialize(&context)]);
        self.0.get_template(name)?.render(context)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::Templates;
    use serde_json::json;

    /// The account pages render with the context their handlers give (a broken template is a 500).
    #[test]
    fn account_pages_render() {
        let templates = Templates::new();
        let frame = json!({"v": "1", "en": false, "switch_href": "/x?lang=en", "csrf": "t", "user": {"name": "n", "role": "operator", "role_label": "运营", "role_label_en": "Operator"}});
        for (name, extra) in [
            ("login.html", json!({"next": "/"})),
            ("register.html", json!({"choices": {"districts": [], "industries": []}})),
            ("invite.html", json!({"account": {"login": "a@b.cn", "display_name": "A", "role": "x"}})),
            (
                "admin_accounts.html",
                json!({"accounts": [{"id": 1, "login": "a@b.cn", "display_name": "A", "role": "r", "role_en": "r", "disabled": false, "invited": true}], "lenders": [{"id": 1, "name": "x"}], "agencies": []}),
            ),
            ("tokens.html", json!({"tokens": [{"id": 1, "name": "x", "prefix": "fmt_", "created": "2026"}]})),
            (
                "audit.html",
                json!({"entries": [{"id": 1, "at": "x", "label": "登录", "action": "login", "subject": "account 1", "detail": ""}], "next": null, "all": true}),
            ),
        ] {
            let mut context = frame.clone();
            for (k, v) in extra.as_object().unwrap() {
                context[k] = v.clone();
            }
            if let Err(e) = templates.render(name, &context) {
                panic!("{name}: {e:#}");
            }
        }
    }
}
