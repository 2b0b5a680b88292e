//! The HTML templates of `web/templates`, compiled into the binary so it runs from any directory.

use minijinja::Environment;
use serde::Serialize;

macro_rules! template {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../web/templates/", $name)))
    };
}

const TEMPLATES: &[(&str, &str)] = &[
    template!("base.html"),
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
        for (name, source) in TEMPLATES {
            env.add_template(name, source).expect("templates in web/templates parse");
        }
        Self(env)
    }

    /// Renders a template.
    ///
    /// # Errors
    /// A template that fails at render time (a missing value used in a filter, say).
    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.0.get_template(name)?.render(context)
    }
}
