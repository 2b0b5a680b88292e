//! 机构管理 (`/admin/institutions`): every institution with its kind and product counts, a form to create
//! one and a form per institution to edit it. Forms post to the list's own paths; success redirects (303)
//! back with a note, a refused form is shown again with the reasons beside its fields (400, or 409).

use super::{InstitutionAdminView, InstitutionEditBody, NewInstitutionBody, create, edit, resume, suspend};
use crate::http::auth::{Caller, OperatorUser};
use crate::http::error::ApiError;
use crate::http::extract::Id;
use crate::http::format::options;
use crate::http::forms::{Form, see_other};
use crate::http::page::{Page, PageResult, object};
use crate::http::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use finmart_domain::InstitutionKind;
use serde_json::{Map, Value, json};

const PATH: &str = "/admin/institutions";

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route(PATH, get(list_page).post(create_submit))
        .route("/admin/institutions/{id}", post(edit_submit))
        .route("/admin/institutions/{id}/suspend", post(suspend_submit))
        .route("/admin/institutions/{id}/resume", post(resume_submit))
}

/// The fields the forms post (an institution's row has two: its details, and its suspension's reason).
const FIELDS: &[&str] = &["code", "name", "kind", "intro", "reason"];

/// Which of the page's forms was posted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Posted {
    New,
    Edit(i64),
}

/// A refused form shown again: which form, the posted values and the reasons by field. A conflict (a taken
/// code, a kind the institution may not take) is shown beside the field it is about.
struct Refused {
    posted: Posted,
    values: Map<String, Value>,
    errors: Map<String, Value>,
}

impl Refused {
    fn new(posted: Posted, page: &Page, form: &Form, e: &ApiError) -> Self {
        let mut errors = page.error_messages(e);
        let conflict_field = if posted == Posted::New { "code" } else { "kind" };
        if e.status == StatusCode::CONFLICT
            && let Some(message) = errors.remove("form")
        {
            errors.insert(conflict_field.to_owned(), message);
        }
        Self { posted, values: form.values(FIELDS), errors }
    }
}

/// What the note after a redirect says (`?created=ID`, `?saved=ID`), naming the institution: the words
/// before and after its name in both languages, and the name (data, marked with its language on the page).
fn done_note(page: &Page, rows: &[InstitutionAdminView]) -> Value {
    let query = Form::of_query(page.query());
    let name = |key: &str| {
        let id = query.get(key)?.parse::<i64>().ok()?;
        rows.iter().find(|r| r.id == id).map(|r| r.name.as_str())
    };
    let note = |name: &str, before: (&str, &str), after: (&str, &str)| json!({"zh": before.0, "en": before.1, "name": name, "zh_after": after.0, "en_after": after.1});
    if let Some(n) = name("created") {
        note(n, ("已新建机构“", "Created “"), ("”。", "”."))
    } else if let Some(n) = name("saved") {
        note(n, ("已保存“", "Saved “"), ("”。", "”."))
    } else if let Some(n) = name("suspended") {
        note(
            n,
            ("已暂停“", "Suspended “"),
            ("”：其账号不能登录，API 令牌不可用。", "”: its accounts cannot sign in and its API tokens are refused."),
        )
    } else if let Some(n) = name("resumed") {
        note(n, ("已恢复“", "Resumed “"), ("”。", "”."))
    } else {
        Value::Null
    }
}

/// The page: every institution (with its edit form, refilled when `refused` is its own), the create form
/// (refilled when `refused` is about a new one).
async fn context(state: &AppState, page: &Page, refused: Option<Refused>) -> PageResult<Map<String, Value>> {
    let summaries = state.store.institution_summaries().await?;
    let rows: Vec<InstitutionAdminView> = summaries.iter().map(InstitutionAdminView::from).collect();
    let posted = refused.as_ref().map(|r| r.posted);
    let institutions: Vec<Value> = rows
        .iter()
        .zip(&summaries)
        .map(|(r, s)| {
            let own = posted == Some(Posted::Edit(r.id));
            let stored = json!({"name": r.name, "kind": r.kind.code, "intro": r.intro, "reason": ""});
            let (values, errors) = match &refused {
                Some(f) if own => (Value::from(f.values.clone()), Value::from(f.errors.clone())),
                _ => (stored, json!({})),
            };
            let agency = s.institution.kind.is_guarantee_agency();
            json!({"id": r.id, "code": r.code, "name": r.name, "kind": r.kind, "agency": agency,
                "products": r.products, "guaranteed": r.guaranteed_products, "suspension": r.suspension,
                "values": values, "errors": errors, "open": own})
        })
        .collect();
    let (values, errors) = match refused {
        Some(f) if f.posted == Posted::New => (f.values, f.errors),
        _ => (Map::new(), Map::new()),
    };
    Ok(object(json!({
        "page": "institutions", "institutions": institutions, "kinds": options::<InstitutionKind>(),
        "values": values, "errors": errors, "done": done_note(page, &rows),
    })))
}

async fn list_page(_: OperatorUser, State(state): State<AppState>, page: Page) -> PageResult {
    page.show("admin_institutions.html", context(&state, &page, None).await?)
}

async fn create_submit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    form: Form,
) -> PageResult {
    let body = NewInstitutionBody {
        code: form.field("code").to_owned(),
        name: form.field("name").to_owned(),
        kind: form.field("kind").to_owned(),
        intro: form.field("intro").to_owned(),
    };
    match create(&state, &caller, &p, &body).await {
        Ok(created) => Ok(see_other(&format!("{PATH}?created={}", created.id))),
        Err(e) if e.status.is_client_error() => {
            let refused = Refused::new(Posted::New, &page, &form, &e);
            let page = page.at(PATH);
            page.show_with(e.status, "admin_institutions.html", context(&state, &page, Some(refused)).await?)
        }
        Err(e) => Err(e),
    }
}

async fn edit_submit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    let body = InstitutionEditBody {
        name: form.field("name").to_owned(),
        kind: form.field("kind").to_owned(),
        intro: form.field("intro").to_owned(),
    };
    match edit(&state, &caller, &p, id, &body).await {
        Ok(_) => Ok(see_other(&format!("{PATH}?saved={id}"))),
        Err(e) => row_refused(&state, page, &form, id, e).await,
    }
}

async fn suspend_submit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    page: Page,
    Id(id): Id,
    form: Form,
) -> PageResult {
    match suspend(&state, &caller, &p, id, form.field("reason")).await {
        Ok(_) => Ok(see_other(&format!("{PATH}?suspended={id}"))),
        Err(e) => row_refused(&state, page, &form, id, e).await,
    }
}

/// A form of institution `id`'s row refused: the page again with the reasons beside its fields. No such
/// institution (or a failure of the system) is the error page, as for any other missing record.
async fn row_refused(state: &AppState, page: Page, form: &Form, id: i64, e: ApiError) -> PageResult {
    if !e.status.is_client_error() || e.status == StatusCode::NOT_FOUND {
        return Err(e);
    }
    let refused = Refused::new(Posted::Edit(id), &page, form, &e);
    let page = page.at(PATH);
    let context = context(state, &page, Some(refused)).await?;
    page.show_with(e.status, "admin_institutions.html", context)
}

async fn resume_submit(
    OperatorUser(p, _): OperatorUser,
    State(state): State<AppState>,
    caller: Caller,
    Id(id): Id,
) -> PageResult {
    resume(&state, &caller, &p, id).await?;
    Ok(see_other(&format!("{PATH}?resumed={id}")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::feature;
    use crate::http::templates::Templates;
    use serde_json::json;

    /// The page renders with the context its handlers give (a broken template is a 500).
    #[test]
    fn the_page_renders_its_forms_refilled() {
        let templates = Templates::new(&[feature().templates]);
        let context = json!({
            "v": "1", "en": false, "switch_href": "/admin/institutions?lang=en", "csrf": "t", "current_path": "/admin/institutions",
            "user": {"name": "n", "role": "operator", "role_label": "运营", "role_label_en": "Operator"},
            "kinds": [{"code": "bank", "label": "银行", "label_en": "Bank"}, {"code": "factoring", "label": "商业保理公司", "label_en": "Commercial factoring company"}],
            "institutions": [{"id": 7, "code": "tj-bank", "name": "津沽银行", "agency": false,
                "kind": {"code": "bank", "label": "银行", "label_en": "Bank"}, "products": 3, "guaranteed": 0,
                "values": {"name": "津沽银行", "kind": "factoring", "intro": "简介"}, "errors": {"kind": "不能为空"}, "open": true}],
            "values": {"code": "x y"}, "errors": {"code": "含有不允许的字符“ ”"}, "done": {"zh": "已保存“", "en": "Saved “", "name": "津沽银行", "zh_after": "”。", "en_after": "”."},
        });
        let html = templates.render("admin_institutions.html", &context).unwrap();
        for needle in [
            "action=\"/admin/institutions/7\"",
            "id=\"f7-name\"",
            "<option value=\"factoring\" selected>",
            "不能为空",
            "含有不允许的字符",
            "已保存“津沽银行”。",
            "aria-current=\"page\"",
        ] {
            assert!(html.contains(needle), "{needle} missing from:\n{html}");
        }
        // In English the institution's own words (its name, its introduction) are marked as Chinese.
        let mut english = context;
        english["en"] = json!(true);
        let html = templates.render("admin_institutions.html", &english).unwrap();
        for needle in [
            "Saved “<span lang=\"zh-CN\">津沽银行</span>”.",
            "rows=\"3\" lang=\"zh-CN\" aria-describedby",
            "<td><span lang=\"zh-CN\">津沽银行</span></td>",
        ] {
            assert!(html.contains(needle), "{needle} missing from:\n{html}");
        }
    }
}
