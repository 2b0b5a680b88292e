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

/// The templates every page shares: the frame, the form, product and verdict macros, the error page and
/// the confirmation of an irreversible act.
const SHARED: &[(&str, &str)] = &[
    template!("base.html"),
    template!("_forms.html"),
    template!("_product.html"),
    template!("_verdict.html"),
    template!("error.html"),
    template!("confirm.html"),
];

/// A feature's templates: names and sources (made with [`template!`]).
pub type TemplateList = &'static [(&'static str, &'static str)];

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
