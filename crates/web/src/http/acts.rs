//! What recorded acts are called: the audit log's actions and subjects, the facts an entry records, and why
//! an institution looked at a firm's profile, in Chinese and English. The stored names (`profile.view`,
//! `amount_fen`…) are machine names for the API and files; people read these words.

use crate::http::format::{money, shanghai};
use chrono::{DateTime, Utc};
use finmart_domain::{
    ApplicationState, ApprovalTerms, Bps, Disbursement, DocumentKind, FactArrival, FactSource, InstitutionKind,
    Labelled, LoanPurpose, Months, ReferenceKind, Role,
};
use serde::Deserialize;
use serde_json::Value;

/// Words in both languages.
pub type Words = (&'static str, &'static str);

/// Why an institution looked at a profile (a profile view's `context`).
#[must_use]
pub fn view_context(context: &str) -> Words {
    match context {
        "candidates" => ("客户发现（反向匹配）", "Prospect list (reverse matching)"),
        "application" => ("查看融资申请", "Reviewing an application"),
        "need" => ("融资需求", "A posted need"),
        "document" => ("下载申请材料", "Downloaded an application document"),
        "contact" => ("查看联系人及电话", "Viewed the contact person and phone"),
        "facts" => ("查看核验信息（政府部门数据）", "Viewed the verified facts (government data)"),
        _ => ("查看企业画像", "Opened the profile"),
    }
}

/// An audit entry's action.
#[must_use]
pub fn action(action: &str) -> Words {
    match action {
        "login" => ("登录", "Signed in"),
        "login.failed" => ("登录失败", "Sign-in failed"),
        "logout" => ("退出", "Signed out"),
        "account.register" => ("注册", "Registered"),
        "account.create" => ("创建账号", "Account created"),
        "account.disable" => ("停用账号", "Account disabled"),
        "account.enable" => ("启用账号", "Account enabled"),
        "account.password_set" => ("设置密码", "Password set"),
        "api_token.create" => ("创建 API 令牌", "API token created"),
        "api_token.revoke" => ("吊销 API 令牌", "API token revoked"),
        "institution.create" => ("登记机构", "Institution registered"),
        "institution.edit" => ("修改机构", "Institution edited"),
        "institution.suspend" => ("暂停机构", "Institution suspended"),
        "institution.resume" => ("恢复机构", "Institution resumed"),
        "profile.view" => ("查看企业画像", "Profile viewed"),
        "profile.update" => ("更新企业画像", "Profile updated"),
        "consent.grant" => ("授权查看", "Consent granted"),
        "consent.revoke" => ("撤回授权", "Consent revoked"),
        "facts_consent.grant" => ("授权查看核验信息", "Verified facts authorised"),
        "facts_consent.revoke" => ("撤回核验信息授权", "Verified facts authorisation withdrawn"),
        "document.upload" => ("上传申请材料", "Document uploaded"),
        "document.download" => ("下载申请材料", "Document downloaded"),
        "contact.update" => ("修改联系人", "Contact changed"),
        "contact.share" => ("联系人共享设置", "Contact sharing set"),
        "message.post" => ("发送消息", "Message sent"),
        "invitation.send" => ("发出申请邀请", "Invitation sent"),
        "invitation.decline" => ("谢绝申请邀请", "Invitation declined"),
        "branch.add" => ("添加网点", "Branch added"),
        "branch.remove" => ("删除网点", "Branch removed"),
        "manager.add" => ("添加客户经理", "Relationship manager added"),
        "manager.remove" => ("删除客户经理", "Relationship manager removed"),
        "product.create" => ("新建产品", "Product created"),
        "product.update" => ("修改产品", "Product edited"),
        "product.upload" => ("批量导入产品", "Products imported"),
        "product.submit" => ("提交产品审核", "Product sent for review"),
        "product.approve" => ("审核通过产品", "Product approved"),
        "product.send_back" => ("退回产品修改", "Product sent back"),
        "product.pause" => ("暂停产品", "Product paused"),
        "product.resume" => ("恢复产品", "Product resumed"),
        "product.archive" => ("下架产品", "Product archived"),
        "application.submit" => ("提交融资申请", "Application submitted"),
        "need.post" => ("发布融资需求", "Need posted"),
        "need.close" => ("关闭融资需求", "Need closed"),
        "offer.create" => ("提交报价", "Offer made"),
        "offer.accept" => ("接受报价", "Offer accepted"),
        "offer.withdraw" => ("撤回报价", "Offer withdrawn"),
        "target.set" => ("设置年度目标", "Yearly target set"),
        "reference_rate.publish" => ("发布参考利率", "Reference rate published"),
        "reference_rate.correct" => ("更正参考利率", "Reference rate corrected"),
        "data_provider.create" => ("登记数据提供方", "Data provider registered"),
        "fact_batch.load" => ("报送核验信息", "Verified facts sent"),
        a if a.starts_with("application.") => ("申请状态变更", "Application step"),
        a if a.starts_with("product.") => ("产品变更", "Product change"),
        _ => ("其他操作", "Other act"),
    }
}

/// What an entry is about (`subject_kind`).
#[must_use]
pub fn subject(kind: &str) -> Words {
    match kind {
        "account" => ("账号", "Account"),
        "api_token" => ("API 令牌", "API token"),
        "institution" => ("机构", "Institution"),
        "enterprise" | "profile" => ("企业", "Enterprise"),
        "product" => ("产品", "Product"),
        "products" => ("产品", "Products"),
        "application" => ("申请", "Application"),
        "need" => ("融资需求", "Need"),
        "offer" => ("报价", "Offer"),
        "document" => ("申请材料", "Document"),
        "message" => ("消息", "Message"),
        "invitation" => ("申请邀请", "Invitation"),
        "branch" => ("网点", "Branch"),
        "manager" => ("客户经理", "Relationship manager"),
        "contact" => ("联系人", "Contact"),
        "consent" => ("授权", "Consent"),
        "review" | "product_review" => ("产品审核", "Product review"),
        "reference_rate" => ("参考利率", "Reference rate"),
        "target" => ("年度目标", "Yearly target"),
        "data_provider" => ("数据提供方", "Data provider"),
        "fact_batch" => ("核验信息批次", "Batch of verified facts"),
        _ => ("记录", "Record"),
    }
}

/// A role's name.
#[must_use]
pub fn role(role: &str) -> Option<Words> {
    Role::parse(role).ok().map(|r| (r.label_zh(), r.label_en()))
}

/// One recorded fact of an entry, as people read it: its name, and its value in the page's language. `data`
/// is set when the value is text someone typed (a name, a reason), shown as it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub name: &'static str,
    pub value: String,
    pub data: bool,
}

/// The facts an entry of `action` recorded in `detail`, in the page's language (`en`), in the order
/// recorded. Facts that only tie the entry to other records people cannot open from here (a view's row id)
/// are left out.
#[must_use]
pub fn facts(action: &str, detail: &Value, en: bool) -> Vec<Fact> {
    let Some(object) = detail.as_object() else { return Vec::new() };
    object.iter().filter_map(|(key, value)| fact(action, key, value, en)).collect()
}

fn pick(en: bool, (zh, english): Words) -> &'static str {
    if en { english } else { zh }
}

fn said(en: bool, value: &Value) -> String {
    match value {
        Value::Bool(true) => pick(en, ("是", "yes")).to_owned(),
        Value::Bool(false) => pick(en, ("否", "no")).to_owned(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Null => pick(en, ("无", "none")).to_owned(),
        Value::Array(items) => items.iter().map(|v| said(en, v)).collect::<Vec<_>>().join(pick(en, ("、", ", "))),
        Value::Object(_) => String::new(),
    }
}

fn id(value: &Value) -> String {
    value.as_i64().map_or_else(String::new, |i| format!("#{i}"))
}

fn amount(en: bool, value: &Value) -> String {
    let (zh, english) = money(value.as_i64().unwrap_or(0));
    if en { english } else { zh }
}

fn label<T: Labelled>(en: bool, value: &Value) -> Option<String> {
    let parsed = T::parse(value.as_str()?).ok()?;
    Some(if en { parsed.label_en() } else { parsed.label_zh() }.to_owned())
}

/// A file's size: `820 KB`, `3.4 MB` (tenths rounded up, so a file never looks smaller than a limit it broke).
fn size_text(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB {
        let tenths = (bytes * 10).div_ceil(MB);
        format!("{}.{} MB", tenths / 10, tenths % 10)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn fact(action: &str, key: &str, value: &Value, en: bool) -> Option<Fact> {
    let typed = |name: Words, value: String| Some(Fact { name: pick(en, name), value, data: false });
    let written = |name: Words| Some(Fact { name: pick(en, name), value: said(en, value), data: true });
    match key {
        // Row ids of the record itself, and the tool an act came through, say nothing more to a reader.
        "view_id" => None,
        "via" => {
            let via = match value.as_str() {
                Some("match") => ("精准匹配页", "the matching page"),
                Some("profile") => ("企业画像页", "the profile page"),
                Some("api") => ("API", "the API"),
                _ => ("其他", "other"),
            };
            typed(("途径", "Via"), pick(en, via).to_owned())
        }
        "application_id" => typed(("申请", "Application"), id(value)),
        "product_id" => typed(("产品", "Product"), id(value)),
        "need_id" => typed(("融资需求", "Need"), id(value)),
        "offer_id" => typed(
            ("报价", "Offer"),
            value.as_i64().map_or_else(|| pick(en, ("无", "none")).to_owned(), |i| format!("#{i}")),
        ),
        "review_id" => typed(("审核", "Review"), id(value)),
        "message_id" => typed(("消息", "Message"), id(value)),
        "branch_id" => typed(("网点", "Branch"), id(value)),
        "manager_id" => typed(
            ("客户经理", "Relationship manager"),
            value.as_i64().map_or_else(|| pick(en, ("未指定", "not named")).to_owned(), |i| format!("#{i}")),
        ),
        "institution_id" => typed(
            ("机构", "Institution"),
            value.as_i64().map_or_else(|| pick(en, ("全部机构", "every institution")).to_owned(), |i| format!("#{i}")),
        ),
        "token_id" => typed(("API 令牌", "API token"), id(value)),
        "declined_offers" => typed(
            ("谢绝的报价", "Offers declined"),
            value.as_array().filter(|a| !a.is_empty()).map_or_else(
                || pick(en, ("无", "none")).to_owned(),
                |a| a.iter().map(id).collect::<Vec<_>>().join(pick(en, ("、", ", "))),
            ),
        ),
        "all" => typed(("全部机构", "Every institution"), said(en, value)),
        "share_with_consented" => typed(("向已授权机构展示联系人", "Shown to consented institutions"), said(en, value)),
        "context" => typed(("查看原因", "Why"), pick(en, view_context(value.as_str().unwrap_or_default())).to_owned()),
        "amount_fen" => typed(("金额", "Amount"), amount(en, value)),
        "term_months" => typed(
            ("期限", "Term"),
            value
                .as_u64()
                .and_then(|m| Months::new(u16::try_from(m).ok()?).ok())
                .map_or_else(String::new, |m| if en { m.display_en() } else { m.display_zh() }),
        ),
        "rate_bps" | "max_rate_bps" => {
            let name = if key == "rate_bps" {
                ("年利率", "Annual rate")
            } else {
                ("可接受最高年利率", "Highest rate accepted")
            };
            let rate = value.as_u64().and_then(|b| u32::try_from(b).ok()).and_then(|b| Bps::new(b).ok());
            typed(name, rate.map_or_else(|| pick(en, ("未说明", "not stated")).to_owned(), |r| r.percent_text()))
        }
        "purpose" => typed(("用途", "Purpose"), label::<LoanPurpose>(en, value).unwrap_or_else(|| said(en, value))),
        "kind" if action.starts_with("document.") => typed(
            ("文件类型", "File type"),
            value.as_str().and_then(DocumentKind::parse).map_or_else(|| said(en, value), |k| k.label().to_owned()),
        ),
        "kind" if action.starts_with("reference_rate.") => {
            typed(("利率品种", "Rate"), label::<ReferenceKind>(en, value).unwrap_or_else(|| said(en, value)))
        }
        "kind" => typed(("机构类型", "Kind"), label::<InstitutionKind>(en, value).unwrap_or_else(|| said(en, value))),
        "from" | "to" if action == "message.post" => {
            let side = if value.as_str() == Some("institution") {
                ("金融机构", "the institution")
            } else {
                ("企业", "the enterprise")
            };
            typed(("发送方", "From"), pick(en, side).to_owned())
        }
        "from" | "to" => typed(
            if key == "from" { ("原状态", "From") } else { ("新状态", "To") },
            label::<ApplicationState>(en, value).unwrap_or_else(|| said(en, value)),
        ),
        "approval" => typed(
            ("审批条件", "Approved terms"),
            ApprovalTerms::deserialize(value)
                .map_or_else(|_| String::new(), |t| if en { t.text_en() } else { t.text_zh() }),
        ),
        "disbursement" => typed(
            ("放款", "Payment"),
            Disbursement::deserialize(value)
                .map_or_else(|_| String::new(), |d| if en { d.text_en() } else { d.text_zh() }),
        ),
        "correction" => {
            typed(("更正", "Correction"), pick(en, ("见申请时间线", "see the application's timeline")).to_owned())
        }
        "outcome" => {
            let outcome = match value.as_str() {
                Some("approved" | "approve") => ("通过", "approved"),
                Some("sent_back" | "send_back") => ("退回修改", "sent back"),
                _ => ("其他", "other"),
            };
            typed(("审核结果", "Outcome"), pick(en, outcome).to_owned())
        }
        "changes" => {
            let changes = value.as_object()?;
            let text = changes
                .iter()
                .map(|(field, change)| {
                    let name = match field.as_str() {
                        "name" => ("名称", "name"),
                        "kind" => ("类型", "kind"),
                        "intro" => ("简介", "introduction"),
                        _ => ("其他", "other"),
                    };
                    let show = |v: &Value| {
                        if field == "kind" {
                            label::<InstitutionKind>(en, v).unwrap_or_else(|| said(en, v))
                        } else {
                            said(en, v)
                        }
                    };
                    format!("{}: {} → {}", pick(en, name), show(&change["from"]), show(&change["to"]))
                })
                .collect::<Vec<_>>()
                .join(pick(en, ("；", "; ")));
            Some(Fact { name: pick(en, ("修改", "Changes")), value: text, data: true })
        }
        "previous" => typed(
            ("原目标", "Previous target"),
            if value.is_null() {
                pick(en, ("无", "none")).to_owned()
            } else {
                let loans = value["loans"].as_i64().unwrap_or(0);
                let amount = amount(en, &value["amount_fen"]);
                if en { format!("{loans} loans, {amount}") } else { format!("{loans} 笔，{amount}") }
            },
        ),
        "loans" => typed(("目标笔数", "Loans"), said(en, value)),
        "year" => typed(("年度", "Year"), said(en, value)),
        "size_bytes" => typed(("大小", "Size"), value.as_u64().map_or_else(String::new, size_text)),
        "chars" => typed(("字数", "Characters"), said(en, value)),
        "products" => typed(("涉及产品数", "Products repriced"), said(en, value)),
        "revision" => typed(("修订", "Revision"), said(en, value)),
        "version" => typed(("版本", "Version"), said(en, value)),
        "published_on" | "deadline" => typed(
            if key == "deadline" { ("截止日期", "Deadline") } else { ("发布日期", "Published on") },
            said(en, value),
        ),
        "expires_at" => typed(
            ("授权截止", "Until"),
            DateTime::<Utc>::deserialize(value)
                .map_or_else(|_| pick(en, ("直至撤回", "until withdrawn")).to_owned(), shanghai),
        ),
        // A grant's authorisations it replaced (a list of ids); a batch's corrected records are a count.
        "replaced" if value.is_array() => typed(
            ("替换的授权", "Replaced"),
            value.as_array().filter(|a| !a.is_empty()).map_or_else(
                || pick(en, ("无", "none")).to_owned(),
                |a| a.iter().map(id).collect::<Vec<_>>().join(pick(en, ("、", ", "))),
            ),
        ),
        "recorded_at" => typed(
            ("记录时间", "Recorded"),
            DateTime::<Utc>::deserialize(value).map_or_else(|_| said(en, value), shanghai),
        ),
        "login" => written(("登录名", "Login")),
        "file_name" => written(("文件名", "File")),
        "material" => written(("材料", "Material")),
        "name" => written(("名称", "Name")),
        "token_name" => written(("令牌名称", "Token name")),
        "code" => written(("代码", "Code")),
        "reason" => written(("原因", "Reason")),
        // A data provider's source by its name; any other source as written.
        "source" => match label::<FactSource>(en, value) {
            Some(source) => typed(("数据来源", "Source"), source),
            None => written(("来源", "Source")),
        },
        "arrival" => typed(("报送方式", "Arrival"), label::<FactArrival>(en, value).unwrap_or_else(|| said(en, value))),
        "provider" => written(("数据提供方", "Data provider")),
        "provider_id" => typed(("数据提供方", "Data provider"), id(value)),
        "records" => typed(("记录数", "Records"), said(en, value)),
        "added" => typed(("新增", "Added"), said(en, value)),
        "replaced" => typed(("更正", "Corrected"), said(en, value)),
        "unchanged" => typed(("未变", "Unchanged"), said(en, value)),
        "note" => written(("备注", "Note")),
        _ => written(("其他", "Other")),
    }
}
