//! Notifications in words: the store records what happened (the kind, the records it is about, the facts as
//! they were then), and this is the one place that says it, in Chinese and in English, with the page it is
//! about. Notifications written before they were typed keep the Chinese words and page stored with them,
//! shown as they are in both languages, so nothing already sent changes.

use crate::http::format::shanghai;
use finmart_domain::{ApplicationState, Labelled};
use finmart_store::{ApplicationFacts, Notice, Notification, NotificationContent, Party};

/// A notification's title and body in both languages, and the page it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Words {
    pub title: String,
    pub body: String,
    pub title_en: String,
    pub body_en: String,
    pub link: String,
    /// The data the words were built from (names of the firm, the lender and the product, a reason in the
    /// writer's words), for the page to mark where they are not in its language.
    pub names: Vec<String>,
}

/// The words of `n`, for its recipient.
pub(super) fn words(n: &Notification) -> Words {
    match &n.content {
        NotificationContent::Stored { title, body, link } => Words {
            title: title.clone(),
            body: body.clone(),
            title_en: title.clone(),
            body_en: body.clone(),
            link: link.clone(),
            // Written in Chinese only: shown as it is, marked as Chinese on an English page.
            names: vec![title.clone(), body.clone()],
        },
        NotificationContent::Typed(Notice::Application { step, application_id, facts }) => {
            application_words(*step, *application_id, facts, n.recipient)
        }
        NotificationContent::Typed(Notice::Corrected { application_id, facts }) => {
            correction_words(*application_id, facts)
        }
        NotificationContent::Typed(Notice::OfferAccepted { need_id, offer_id, application_id }) => Words {
            title: "报价已被接受".to_owned(),
            body: format!(
                "企业接受了您对融资需求 #{need_id} 的报价（#{offer_id}），已生成融资申请 #{application_id}。"
            ),
            title_en: "Your offer was accepted".to_owned(),
            body_en: format!(
                "The firm accepted your offer (#{offer_id}) on financing need #{need_id}; financing application \
                 #{application_id} was made from it."
            ),
            link: format!("/bank/applications/{application_id}"),
            names: Vec::new(),
        },
        NotificationContent::Typed(Notice::OfferDeclined { need_id, offer_id, need_closed: true }) => Words {
            title: "企业已关闭融资需求".to_owned(),
            body: format!("您对融资需求 #{need_id} 的报价（#{offer_id}）因企业关闭需求而未被选中。"),
            title_en: "The firm closed its financing need".to_owned(),
            body_en: format!(
                "Your offer (#{offer_id}) on financing need #{need_id} was not chosen: the firm closed the need."
            ),
            link: "/bank/needs".to_owned(),
            names: Vec::new(),
        },
        NotificationContent::Typed(Notice::OfferDeclined { need_id, offer_id, need_closed: false }) => Words {
            title: "报价未被选中".to_owned(),
            body: format!("企业已就融资需求 #{need_id} 选择了其他机构的报价，您的报价（#{offer_id}）未被选中。"),
            title_en: "Your offer was not chosen".to_owned(),
            body_en: format!(
                "The firm chose another institution's offer on financing need #{need_id}; your offer (#{offer_id}) \
                 was not chosen."
            ),
            link: "/bank/needs".to_owned(),
            names: Vec::new(),
        },
        NotificationContent::Typed(Notice::Message { application_id, facts }) => Words {
            title: "新消息".to_owned(),
            body: format!("{}就“{}”的申请（#{application_id}）给您发来一条消息。", facts.from_name, facts.product_name),
            title_en: "New message".to_owned(),
            body_en: format!(
                "{} sent you a message about the application for “{}” (#{application_id}).",
                facts.from_name, facts.product_name
            ),
            link: format!("/applications/{application_id}/conversation"),
            names: vec![facts.from_name.clone(), facts.product_name.clone()],
        },
        NotificationContent::Typed(Notice::Invitation { declined: false, facts }) => Words {
            title: "申请邀请".to_owned(),
            body: format!("{}邀请贵企业申请“{}”。", facts.institution_name, facts.product_name),
            title_en: "Invitation to apply".to_owned(),
            body_en: format!("{} invites your firm to apply for “{}”.", facts.institution_name, facts.product_name),
            link: "/sme/invitations".to_owned(),
            names: vec![facts.institution_name.clone(), facts.product_name.clone()],
        },
        NotificationContent::Typed(Notice::Invitation { declined: true, facts }) => {
            let (why, why_en) = facts
                .reason
                .as_deref()
                .map_or((String::new(), String::new()), |r| (format!("理由：{r}"), format!(" Reason: {r}")));
            Words {
                title: "邀请已被谢绝".to_owned(),
                body: format!("{}谢绝了申请“{}”的邀请。{why}", facts.enterprise_name, facts.product_name),
                title_en: "Invitation declined".to_owned(),
                body_en: format!(
                    "{} declined the invitation to apply for “{}”.{why_en}",
                    facts.enterprise_name, facts.product_name
                ),
                link: "/bank/invitations".to_owned(),
                names: [&facts.enterprise_name, &facts.product_name]
                    .into_iter()
                    .chain(&facts.reason)
                    .cloned()
                    .collect(),
            }
        }
    }
}

/// A step of an application, told to the lender (a submission, a withdrawal) or to the firm (every step).
fn application_words(step: ApplicationState, id: i64, facts: &ApplicationFacts, recipient: Party) -> Words {
    let f = facts;
    let (amount, term) = (f.amount.display_zh(), f.term.display_zh());
    let (amount_en, term_en) = (f.amount.display_en(), f.term.display_en());
    // The application as the firm's notifications name it: “product” (amount, term).
    let what = format!("“{}”（{amount}，{term}）", f.product_name);
    let what_en = format!("“{}” ({amount_en}, {term_en})", f.product_name);
    let (institution, enterprise) = (&f.institution_name, &f.enterprise_name);
    let (title, body, title_en, body_en) = match (step, recipient) {
        (ApplicationState::Submitted, Party::Enterprise(_)) => (
            "融资申请已提交".to_owned(),
            format!(
                "{institution}已收到您对{what}的申请，将于 {} 前给出首次答复。请在申请页上传所需材料。",
                shanghai(f.respond_by)
            ),
            "Your financing application was received".to_owned(),
            format!(
                "{institution} received your application for {what_en} and is due to respond by {}. Upload the \
                 materials it asks for on the application's page.",
                shanghai(f.respond_by)
            ),
        ),
        (ApplicationState::Submitted, _) => (
            format!("新的融资申请：{enterprise}"),
            format!(
                "{enterprise}申请“{}”，金额 {amount}，期限 {term}，用途：{}。请于 {} 前响应。",
                f.product_name,
                f.purpose.label_zh(),
                shanghai(f.respond_by)
            ),
            format!("New financing application: {enterprise}"),
            format!(
                "{enterprise} applied for “{}”: {amount_en} for {term_en}, purpose: {}. Please respond by {}.",
                f.product_name,
                f.purpose.label_en(),
                shanghai(f.respond_by)
            ),
        ),
        (ApplicationState::Withdrawn, Party::Institution(_)) => (
            format!("企业已撤回申请：{enterprise}"),
            format!("{enterprise}已撤回对{what}的申请。"),
            format!("An applicant withdrew: {enterprise}"),
            format!("{enterprise} withdrew its application for {what_en}."),
        ),
        (ApplicationState::Withdrawn, Party::Enterprise(_)) => (
            "您已撤回融资申请".to_owned(),
            format!("您已撤回对{what}的申请（{institution}）。"),
            "You withdrew a financing application".to_owned(),
            format!("You withdrew your application to {institution} for {what_en}."),
        ),
        (ApplicationState::Accepted, _) => (
            "您的融资申请已受理".to_owned(),
            format!("{institution}已受理您对{what}的申请，请留意审批进度。"),
            "Your financing application was accepted".to_owned(),
            format!("{institution} accepted your application for {what_en}; watch for its approval."),
        ),
        (ApplicationState::Approved, _) => match &f.approval {
            Some(t) => (
                "您的融资申请已审批通过".to_owned(),
                format!(
                    "{institution}已审批通过您对{what}的申请：批准金额 {}，{}，期限 {}，{}，待放款。",
                    t.amount.display_zh(),
                    t.rate.text_zh(),
                    t.term.display_zh(),
                    t.method.label_zh()
                ),
                "Your financing application was approved".to_owned(),
                format!(
                    "{institution} approved your application for {what_en}: {} at {} for {}, {}; the loan is to be \
                     disbursed.",
                    t.amount.display_en(),
                    t.rate.text_en(),
                    t.term.display_en(),
                    t.method.label_en()
                ),
            ),
            None => (
                "您的融资申请已审批通过".to_owned(),
                format!("{institution}已审批通过您对{what}的申请，待放款。"),
                "Your financing application was approved".to_owned(),
                format!("{institution} approved your application for {what_en}; the loan is to be disbursed."),
            ),
        },
        (ApplicationState::Rejected, _) => {
            let reason = f.reason.as_deref().unwrap_or_default();
            (
                "您的融资申请未通过".to_owned(),
                format!("{institution}未通过您对{what}的申请。原因：{reason}"),
                "Your financing application was rejected".to_owned(),
                format!("{institution} rejected your application for {what_en}. Reason: {reason}"),
            )
        }
        (ApplicationState::Disbursed, _) => match &f.disbursement {
            Some(d) => (
                "贷款已放款".to_owned(),
                format!(
                    "{institution}已就{what}放款：{}，年利率 {}，期限 {}，放款日 {}。",
                    d.amount.display_zh(),
                    d.rate.percent_text(),
                    d.term.display_zh(),
                    d.date
                ),
                "Your loan was disbursed".to_owned(),
                format!(
                    "{institution} disbursed the loan for {what_en}: {} at {} a year for {}, paid on {}.",
                    d.amount.display_en(),
                    d.rate.percent_text(),
                    d.term.display_en(),
                    d.date
                ),
            ),
            // A disbursement is always written with what was paid; without it the step is still told.
            None => (
                "贷款已放款".to_owned(),
                format!("{institution}已就{what}放款。"),
                "Your loan was disbursed".to_owned(),
                format!("{institution} disbursed the loan for {what_en}."),
            ),
        },
    };
    let side = match recipient {
        Party::Enterprise(_) => "sme",
        Party::Institution(_) => "bank",
    };
    let names =
        [&f.institution_name, &f.enterprise_name, &f.product_name].into_iter().chain(&f.reason).cloned().collect();
    Words { title, body, title_en, body_en, link: format!("/{side}/applications/{id}"), names }
}

/// A correction, told to the firm: what was corrected, from what to what, and why.
fn correction_words(id: i64, f: &ApplicationFacts) -> Words {
    let what = format!("“{}”（{}，{}）", f.product_name, f.amount.display_zh(), f.term.display_zh());
    let what_en = format!("“{}” ({}, {})", f.product_name, f.amount.display_en(), f.term.display_en());
    let institution = &f.institution_name;
    let link = format!("/sme/applications/{id}");
    let mut names = vec![f.institution_name.clone(), f.product_name.clone()];
    let Some(c) = &f.correction else {
        return Words {
            title: "融资申请记录已更正".to_owned(),
            body: format!("{institution}更正了您对{what}的申请记录。"),
            title_en: "Your application's record was corrected".to_owned(),
            body_en: format!("{institution} corrected the record of your application for {what_en}."),
            link,
            names,
        };
    };
    let payment_zh = |d: &finmart_domain::Disbursement| format!("{}（{}）", d.amount.display_zh(), d.date);
    let payment_en = |d: &finmart_domain::Disbursement| format!("{} ({})", d.amount.display_en(), d.date);
    let (change, change_en) = match &c.correction {
        finmart_domain::Correction::Approval { terms } => (
            format!(
                "批准条件更正为：{}，{}，期限 {}",
                terms.amount.display_zh(),
                terms.rate.text_zh(),
                terms.term.display_zh()
            ),
            format!(
                "the approval is now {} at {} for {}",
                terms.amount.display_en(),
                terms.rate.text_en(),
                terms.term.display_en()
            ),
        ),
        finmart_domain::Correction::Disbursement { to, .. } => (
            format!(
                "放款记录{}更正为 {}",
                c.payment_before.as_ref().map(|d| format!(" {}", payment_zh(d))).unwrap_or_default(),
                payment_zh(to)
            ),
            format!(
                "the payment{} is now {}",
                c.payment_before.as_ref().map(|d| format!(" of {}", payment_en(d))).unwrap_or_default(),
                payment_en(to)
            ),
        ),
        finmart_domain::Correction::Reversal { .. } => (
            format!(
                "放款记录{}已冲正（作废）",
                c.payment_before.as_ref().map(|d| format!(" {}", payment_zh(d))).unwrap_or_default()
            ),
            format!(
                "the payment{} was reversed",
                c.payment_before.as_ref().map(|d| format!(" of {}", payment_en(d))).unwrap_or_default()
            ),
        ),
    };
    names.push(c.reason.clone());
    Words {
        title: format!("融资申请记录已{}", c.correction.label_zh().trim_end_matches("审批").trim_end_matches("放款")),
        body: format!("{institution}对您{what}的申请：{change}。原因：{}", c.reason),
        title_en: format!("Your application: {}", c.correction.label_en()),
        body_en: format!("{institution}, on your application for {what_en}: {change_en}. Reason: {}", c.reason),
        link,
        names,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, Utc};
    use finmart_domain::{Bps, Disbursement, Fen, LoanPurpose, Months};

    fn facts() -> ApplicationFacts {
        ApplicationFacts {
            enterprise_name: "天津海河科技有限公司".to_owned(),
            institution_name: "海河银行".to_owned(),
            product_name: "科创信用贷".to_owned(),
            amount: Fen::wan(50),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            // 2026-11-25 09:30 in Shanghai.
            respond_by: "2026-11-25T01:30:00Z".parse::<DateTime<Utc>>().unwrap(),
            reason: None,
            disbursement: None,
            approval: None,
            correction: None,
        }
    }

    fn typed(recipient: Party, notice: Notice) -> Notification {
        Notification {
            id: 1,
            at: Utc::now(),
            recipient,
            kind: notice.kind().as_str().to_owned(),
            content: NotificationContent::Typed(notice),
            read_at: None,
        }
    }

    fn step(step: ApplicationState, recipient: Party, facts: ApplicationFacts) -> Words {
        words(&typed(recipient, Notice::Application { step, application_id: 9, facts }))
    }

    /// Asserts the words in both languages and the link.
    fn says(got: &Words, zh: (&str, &str), en: (&str, &str), link: &str) {
        assert_eq!((got.title.as_str(), got.body.as_str()), zh);
        assert_eq!((got.title_en.as_str(), got.body_en.as_str()), en);
        assert_eq!(got.link, link);
    }

    const FIRM: Party = Party::Enterprise(3);
    const BANK: Party = Party::Institution(4);

    #[test]
    fn a_submission_is_told_to_the_lender() {
        says(
            &step(ApplicationState::Submitted, BANK, facts()),
            (
                "新的融资申请：天津海河科技有限公司",
                "天津海河科技有限公司申请“科创信用贷”，金额 50 万元，期限 1 年，用途：流动资金周转。请于 2026-11-25 09:30 \
                 前响应。",
            ),
            (
                "New financing application: 天津海河科技有限公司",
                "天津海河科技有限公司 applied for “科创信用贷”: CNY 500,000 for 1 year, purpose: Working capital. Please \
                 respond by 2026-11-25 09:30.",
            ),
            "/bank/applications/9",
        );
    }

    #[test]
    fn the_lenders_steps_are_told_to_the_firm() {
        says(
            &step(ApplicationState::Accepted, FIRM, facts()),
            ("您的融资申请已受理", "海河银行已受理您对“科创信用贷”（50 万元，1 年）的申请，请留意审批进度。"),
            (
                "Your financing application was accepted",
                "海河银行 accepted your application for “科创信用贷” (CNY 500,000, 1 year); watch for its approval.",
            ),
            "/sme/applications/9",
        );
        says(
            &step(ApplicationState::Approved, FIRM, facts()),
            ("您的融资申请已审批通过", "海河银行已审批通过您对“科创信用贷”（50 万元，1 年）的申请，待放款。"),
            (
                "Your financing application was approved",
                "海河银行 approved your application for “科创信用贷” (CNY 500,000, 1 year); the loan is to be \
                 disbursed.",
            ),
            "/sme/applications/9",
        );
        let rejected = ApplicationFacts { reason: Some("资料不全".to_owned()), ..facts() };
        says(
            &step(ApplicationState::Rejected, FIRM, rejected),
            ("您的融资申请未通过", "海河银行未通过您对“科创信用贷”（50 万元，1 年）的申请。原因：资料不全"),
            (
                "Your financing application was rejected",
                "海河银行 rejected your application for “科创信用贷” (CNY 500,000, 1 year). Reason: 资料不全",
            ),
            "/sme/applications/9",
        );
        let paid = Disbursement {
            amount: Fen::wan(40),
            rate: Bps::new(385).unwrap(),
            term: Months::new(12).unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            reason: None,
        };
        let disbursed = ApplicationFacts { disbursement: Some(paid.clone()), ..facts() };
        says(
            &step(ApplicationState::Disbursed, FIRM, disbursed),
            (
                "贷款已放款",
                "海河银行已就“科创信用贷”（50 万元，1 年）放款：40 万元，年利率 3.85%，期限 1 年，放款日 2026-11-28。",
            ),
            (
                "Your loan was disbursed",
                "海河银行 disbursed the loan for “科创信用贷” (CNY 500,000, 1 year): CNY 400,000 at 3.85% a year for \
                 1 year, paid on 2026-11-28.",
            ),
            "/sme/applications/9",
        );
    }

    #[test]
    fn a_withdrawal_is_told_to_both_sides_in_their_words() {
        says(
            &step(ApplicationState::Withdrawn, FIRM, facts()),
            ("您已撤回融资申请", "您已撤回对“科创信用贷”（50 万元，1 年）的申请（海河银行）。"),
            (
                "You withdrew a financing application",
                "You withdrew your application to 海河银行 for “科创信用贷” (CNY 500,000, 1 year).",
            ),
            "/sme/applications/9",
        );
        says(
            &step(ApplicationState::Withdrawn, BANK, facts()),
            (
                "企业已撤回申请：天津海河科技有限公司",
                "天津海河科技有限公司已撤回对“科创信用贷”（50 万元，1 年）的申请。",
            ),
            (
                "An applicant withdrew: 天津海河科技有限公司",
                "天津海河科技有限公司 withdrew its application for “科创信用贷” (CNY 500,000, 1 year).",
            ),
            "/bank/applications/9",
        );
    }

    #[test]
    fn the_names_the_words_were_built_from_are_given_for_marking() {
        let rejected = ApplicationFacts { reason: Some("资料不全".to_owned()), ..facts() };
        let got = step(ApplicationState::Rejected, FIRM, rejected);
        assert_eq!(got.names, ["海河银行", "天津海河科技有限公司", "科创信用贷", "资料不全"]);
        // The firm's own name is among them, though its notice does not say it: marking finds only what is there.
        assert!(["海河银行", "科创信用贷", "资料不全"].iter().all(|n| got.body_en.contains(n)), "{}", got.body_en);
        let offer = words(&typed(BANK, Notice::OfferAccepted { need_id: 7, offer_id: 8, application_id: 9 }));
        assert!(offer.names.is_empty(), "no data in these words");
    }

    #[test]
    fn offers_are_told_to_their_institution() {
        says(
            &words(&typed(BANK, Notice::OfferAccepted { need_id: 7, offer_id: 8, application_id: 9 })),
            ("报价已被接受", "企业接受了您对融资需求 #7 的报价（#8），已生成融资申请 #9。"),
            (
                "Your offer was accepted",
                "The firm accepted your offer (#8) on financing need #7; financing application #9 was made from it.",
            ),
            "/bank/applications/9",
        );
        says(
            &words(&typed(BANK, Notice::OfferDeclined { need_id: 7, offer_id: 8, need_closed: false })),
            ("报价未被选中", "企业已就融资需求 #7 选择了其他机构的报价，您的报价（#8）未被选中。"),
            (
                "Your offer was not chosen",
                "The firm chose another institution's offer on financing need #7; your offer (#8) was not chosen.",
            ),
            "/bank/needs",
        );
        says(
            &words(&typed(BANK, Notice::OfferDeclined { need_id: 7, offer_id: 8, need_closed: true })),
            ("企业已关闭融资需求", "您对融资需求 #7 的报价（#8）因企业关闭需求而未被选中。"),
            (
                "The firm closed its financing need",
                "Your offer (#8) on financing need #7 was not chosen: the firm closed the need.",
            ),
            "/bank/needs",
        );
    }

    #[test]
    fn a_notification_written_before_typing_is_shown_as_stored() {
        let old = Notification {
            id: 2,
            at: Utc::now(),
            recipient: FIRM,
            kind: "application_accepted".to_owned(),
            content: NotificationContent::Stored {
                title: "您的融资申请已受理".to_owned(),
                body: "测试银行已受理您的申请。".to_owned(),
                link: "/sme/applications/5".to_owned(),
            },
            read_at: None,
        };
        says(
            &words(&old),
            ("您的融资申请已受理", "测试银行已受理您的申请。"),
            ("您的融资申请已受理", "测试银行已受理您的申请。"),
            "/sme/applications/5",
        );
        // Chinese words only: an English page marks them as Chinese.
        assert_eq!(words(&old).names, ["您的融资申请已受理", "测试银行已受理您的申请。"]);
    }

    #[test]
    fn an_approval_and_a_correction_tell_the_firm_the_terms_and_the_reason() {
        let terms = finmart_domain::ApprovalTerms {
            amount: Fen::wan(40),
            rate: finmart_domain::LoanRate::Fixed { rate: Bps::new(385).unwrap() },
            term: Months::new(12).unwrap(),
            method: finmart_domain::RepaymentMethod::EqualInstalment,
        };
        let approved = ApplicationFacts { approval: Some(terms), ..facts() };
        let got = step(ApplicationState::Approved, FIRM, approved);
        assert_eq!(
            got.body,
            "海河银行已审批通过您对“科创信用贷”（50 万元，1 年）的申请：批准金额 40 万元，年利率 3.85%，期限 1 年，等额本息，待放款。"
        );
        let paid = Disbursement {
            amount: Fen::wan(40),
            rate: Bps::new(385).unwrap(),
            term: Months::new(12).unwrap(),
            date: NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(),
            reason: None,
        };
        let reversal = finmart_store::CorrectionFacts {
            correction: finmart_domain::Correction::Reversal { part: 5 },
            approval_before: None,
            payment_before: Some(paid),
            reason: "重复录入".to_owned(),
        };
        let corrected = ApplicationFacts { correction: Some(Box::new(reversal)), ..facts() };
        let got = words(&typed(FIRM, Notice::Corrected { application_id: 9, facts: corrected }));
        assert_eq!(got.title, "融资申请记录已冲正");
        assert_eq!(
            got.body,
            "海河银行对您“科创信用贷”（50 万元，1 年）的申请：放款记录 40 万元（2026-11-28）已冲正（作废）。原因：重复录入"
        );
        assert_eq!(got.link, "/sme/applications/9");
    }
}
