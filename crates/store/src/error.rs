//! The store's errors.
//!
//! Every refusal is its own variant, carrying what a caller needs to answer it (the state machine's own
//! refusal, the state a need or offer is in, the login that is taken…), so no caller has to read meaning
//! back out of text. The words of each refusal have one home: [`StoreError::message_zh`] and `Display`
//! (English), or the domain error it carries. Failures that are nobody's fault but the system's (the
//! database, a corrupt row, a value that cannot be encoded) carry their technical text for the log only.

use crate::import::RowError;
use crate::password::PasswordError;
use crate::product_admin::ReviewDecision;
use chrono::NaiveDate;
use finmart_domain::{
    FieldErrors, Labelled, LifecycleError, NeedState, OfferState, ReferenceKind, TransitionError, UploadRefusal,
};
use sea_orm::{DbErr, RuntimeErr, SqlxError};
use thiserror::Error;

/// A kind of record that can be missing (or, to the party asking, not theirs: its existence is not revealed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    Account,
    ApiToken,
    Application,
    Document,
    Branch,
    Contact,
    DataProvider,
    Enterprise,
    GuaranteeAgency,
    Institution,
    Invitation,
    Manager,
    Need,
    Notification,
    Offer,
    Product,
    Review,
}

impl Record {
    /// What the record is called in Chinese (`产品`).
    #[must_use]
    pub fn name_zh(self) -> &'static str {
        match self {
            Self::Account => "账号",
            Self::ApiToken => "API 令牌",
            Self::Application => "申请",
            Self::Document => "文件",
            Self::Branch => "网点",
            Self::Contact => "联系人",
            Self::DataProvider => "数据提供方",
            Self::Enterprise => "企业",
            Self::GuaranteeAgency => "担保机构",
            Self::Institution => "机构",
            Self::Invitation => "邀请",
            Self::Manager => "客户经理",
            Self::Need => "融资需求",
            Self::Notification => "通知",
            Self::Offer => "报价",
            Self::Product => "产品",
            Self::Review => "审核",
        }
    }

    /// What the record is called in English (`product`).
    #[must_use]
    pub fn name_en(self) -> &'static str {
        match self {
            Self::Account => "account",
            Self::ApiToken => "api token",
            Self::Application => "application",
            Self::Document => "document",
            Self::Branch => "branch",
            Self::Contact => "contact",
            Self::DataProvider => "data provider",
            Self::Enterprise => "enterprise",
            Self::GuaranteeAgency => "guarantee agency",
            Self::Institution => "institution",
            Self::Invitation => "invitation",
            Self::Manager => "relationship manager",
            Self::Need => "need",
            Self::Notification => "notification",
            Self::Offer => "offer",
            Self::Product => "product",
            Self::Review => "review",
        }
    }
}

impl std::fmt::Display for Record {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name_en())
    }
}

/// An account whose party does not fit its role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum WrongParty {
    #[error("an operator account belongs to no party")]
    OperatorWithParty,
    #[error("an SME account belongs to exactly one enterprise")]
    SmeWithoutEnterprise,
    #[error("an institution or agency account belongs to exactly one institution")]
    StaffWithoutInstitution,
    #[error("an agency account needs a guarantee agency")]
    AgencyAtLender,
    #[error("an institution account needs a lender, not a guarantee agency")]
    LenderAtAgency,
    #[error("a data provider's account belongs to exactly one data provider, and only such accounts do")]
    ProviderParty,
}

impl WrongParty {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(self) -> &'static str {
        match self {
            Self::OperatorWithParty => "平台运营方账号不属于任何企业或机构",
            Self::SmeWithoutEnterprise => "企业用户账号须属于且只属于一家企业",
            Self::StaffWithoutInstitution => "机构用户账号须属于且只属于一家机构",
            Self::AgencyAtLender => "担保机构用户账号须属于一家担保机构",
            Self::LenderAtAgency => "金融机构用户账号须属于一家金融机构，而非担保机构",
            Self::ProviderParty => "数据提供方账号须属于且只属于一个数据提供方",
        }
    }
}

/// Why an institution may not change its kind between a lender's and a guarantee agency's: records that
/// depend on its side of the market exist. (Between lenders' kinds, a bank and a factoring company say, any
/// change is allowed.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum KindFixed {
    /// Products name the agency as their guarantor; as a lender it could not back them.
    #[error("this guarantee agency backs {0} product(s); it cannot become another kind")]
    BacksProducts(u64),
    /// The lender lists products; a guarantee agency lists none.
    #[error("this institution lists {0} product(s); it cannot become a guarantee agency")]
    ListsProducts(u64),
    /// Its accounts' role (institution user or agency user) follows its side.
    #[error(
        "{0} account(s) belong to this institution in its present role; it cannot change between lender and guarantee agency"
    )]
    HasAccounts(u64),
}

impl KindFixed {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(self) -> String {
        match self {
            Self::BacksProducts(n) => format!("该担保机构为 {n} 个产品提供担保，不能改为其他类型"),
            Self::ListsProducts(n) => format!("该机构有 {n} 个产品，不能改为融资担保机构"),
            Self::HasAccounts(n) => {
                format!("该机构有 {n} 个用户账号，不能在金融机构与融资担保机构之间更改类型")
            }
        }
    }
}

/// Why a posted need, or an offer on one, refused an act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum NeedError {
    /// Only an open need can be closed.
    #[error("the need is “{}”; it cannot be closed", .0.label_en())]
    NotClosable(NeedState),
    /// The need was closed, or an offer on it accepted, before this one.
    #[error("the need is “{}”; it can no longer accept an offer", .0.label_en())]
    NoLongerAccepting(NeedState),
    /// Past its deadline, closed or accepted: no more offers are taken.
    #[error("the need has passed its deadline or ended; it takes no more offers")]
    TakesNoOffers,
    /// One open offer per institution and need.
    #[error("your institution already has an open offer on this need; withdraw it first to change it")]
    AlreadyOffered,
    /// An offer is made with one of the institution's own products, listed today.
    #[error("choose one of your institution's listed products")]
    NotOwnProduct,
    /// The institution's product is not listed today.
    #[error("the product is not listed; it cannot be offered")]
    ProductNotListed,
    /// Only an open offer can be accepted.
    #[error("the offer is “{}”; it cannot be accepted", .0.label_en())]
    OfferNotAcceptable(OfferState),
    /// Only an open offer can be withdrawn.
    #[error("the offer is “{}”; it cannot be withdrawn", .0.label_en())]
    OfferNotWithdrawable(OfferState),
    /// Accepting lost a race: another offer was accepted, or the need closed, meanwhile.
    #[error("the need accepted another offer or was closed meanwhile")]
    TakenMeanwhile,
    /// Accepting lost a race: the institution withdrew the offer meanwhile.
    #[error("the offer was withdrawn; it cannot be accepted")]
    WithdrawnMeanwhile,
}

impl NeedError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(self) -> String {
        match self {
            Self::NotClosable(state) => format!("需求当前为“{}”，不能关闭", state.label_zh()),
            Self::NoLongerAccepting(state) => format!("需求当前为“{}”，不能再接受报价", state.label_zh()),
            Self::TakesNoOffers => "该需求已截止或已结束，不再接受报价".to_owned(),
            Self::AlreadyOffered => "贵机构已对该需求报价；如需修改，请先撤回原报价".to_owned(),
            Self::NotOwnProduct => "请选择贵机构已上架的产品".to_owned(),
            Self::ProductNotListed => "该产品未上架，不能用于报价".to_owned(),
            Self::OfferNotAcceptable(state) => format!("该报价当前为“{}”，不能接受", state.label_zh()),
            Self::OfferNotWithdrawable(state) => format!("报价当前为“{}”，不能撤回", state.label_zh()),
            Self::TakenMeanwhile => "需求已选定其他报价或已关闭".to_owned(),
            Self::WithdrawnMeanwhile => "该报价已被撤回，不能接受".to_owned(),
        }
    }
}

/// Why an invitation to apply was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum InvitationError {
    /// An invitation names one of the institution's own products, published and listed today.
    #[error("choose one of your institution's listed products")]
    NotOwnProduct,
    /// One open invitation per firm and product.
    #[error("an open invitation (#{existing}) for this firm and product exists")]
    AlreadyInvited { existing: i64 },
    /// Only an open invitation can be declined.
    #[error("the invitation is no longer open")]
    NotOpen,
}

impl InvitationError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(self) -> String {
        match self {
            Self::NotOwnProduct => "请选择贵机构已上架的产品".to_owned(),
            Self::AlreadyInvited { existing } => format!("已向该企业发出该产品的邀请（#{existing}），尚未答复"),
            Self::NotOpen => "该邀请已答复，不能再谢绝".to_owned(),
        }
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    /// The database failed or could not be reached.
    #[error("database: {0}")]
    Db(#[from] DbErr),
    /// A stored value no longer parses as its domain type (written by something other than this store).
    #[error("{table} {id}: stored {field} is invalid: {reason}")]
    Corrupt { table: &'static str, id: i64, field: &'static str, reason: String },
    /// A value could not be turned into the JSON it is stored as (a defect); nothing was written.
    #[error("{what} cannot be stored: {source}")]
    Encode {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// No such record (or not the asking party's).
    #[error("{what} `{key}` not found")]
    NotFound { what: Record, key: String },
    /// A record was refused before anything was written (a profile without a credit code, say).
    #[error("invalid record: {0}")]
    Invalid(FieldErrors),
    /// A password could not be hashed; nothing was written.
    #[error(transparent)]
    Password(#[from] PasswordError),
    /// An import was refused; nothing was written.
    #[error("import refused: {} problem(s)", .0.len())]
    ImportRejected(Vec<RowError>),
    /// The application state machine refused the step (wrong side, wrong state, bad fields), also when
    /// another step won a race for the same application.
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The product lifecycle refused the act in the product's state.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A posted need or an offer refused the act.
    #[error(transparent)]
    Need(#[from] NeedError),
    /// An invitation to apply refused the act.
    #[error(transparent)]
    Invitation(#[from] InvitationError),
    /// The product is not listed today, so it takes no application.
    #[error("the product is not listed")]
    NotListed,
    /// The idempotency key was used by the same account for a different application.
    #[error("this idempotency key was used for another application; do not reuse it")]
    KeyReused,
    /// The firm already has an open application (submitted, accepted or approved) to the product: `existing`.
    #[error(
        "your firm already has an open application (#{existing}) to this product; wait for its decision or withdraw it first"
    )]
    DuplicateApplication { existing: i64 },
    /// Another account has this login.
    #[error("login `{0}` is taken")]
    LoginTaken(String),
    /// Another institution has this code.
    #[error("institution code `{0}` is taken")]
    InstitutionCodeTaken(String),
    /// The institution's kind may not change: what it has depends on its side of the market.
    #[error(transparent)]
    KindFixed(#[from] KindFixed),
    /// The enterprise registering already has an account.
    #[error("this enterprise already has an account")]
    EnterpriseRegistered,
    /// The account's party does not fit its role.
    #[error(transparent)]
    WrongParty(#[from] WrongParty),
    /// A product names, as its guarantee agency, an institution that is not one (by code).
    #[error("`{0}` is not a guarantee agency")]
    NotAGuaranteeAgency(String),
    /// The review was decided before (how, when it was found decided before the act began).
    #[error("this review was already decided{}", .0.map(|d| format!(" ({})", d.label_en().to_lowercase())).unwrap_or_default())]
    ReviewDecided(Option<ReviewDecision>),
    /// The record a review proposes names another product code than its product's.
    #[error("the proposal names another product code")]
    ProposalCodeMismatch,
    /// The product's state moved between reading and writing it.
    #[error("the product changed meanwhile; reload and retry")]
    ProductChanged,
    /// An act that versions a product was made without an account (a tool's defect).
    #[error("no account acted")]
    NoActor,
    /// A publication of this reference rate on this day was entered already: a different value for the
    /// day is a correction.
    #[error("a publication of the {} on {day} is entered already; enter a different value as a correction", .kind.label_en())]
    PublicationExists { kind: ReferenceKind, day: NaiveDate },
    /// A correction names a day on which nothing of this reference rate was entered.
    #[error("no publication of the {} on {day} was entered; there is nothing to correct", .kind.label_en())]
    NothingToCorrect { kind: ReferenceKind, day: NaiveDate },
    /// A generated application's history that the store refuses (`finmart gen-bench-data`); nothing was
    /// written.
    #[error("bench application {key}: {reason}")]
    BenchHistory { key: String, reason: String },
    /// An uploaded document was refused (empty, too large, a kind not accepted, one too many, a material
    /// the product does not list); nothing was kept.
    #[error("{}", .0.message_en())]
    Upload(UploadRefusal),
    /// The storage of documents' bytes failed, or no longer holds a document's bytes as they were kept.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Why a document's bytes could not be kept or read back. The storage's own words (an S3 error, a refused
/// connection) are for the log only: the people who see these messages learn what happened and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// The storage did not answer or refused the request (an object store stopped, unreachable, or
    /// refusing our credentials). Nothing was kept by the act that met it; trying again later may work.
    #[error("the document storage ({storage}) is unavailable: {reason}")]
    Unavailable { storage: &'static str, reason: String },
    /// The storage answers but holds nothing under the key of a document that has a row: the bytes were
    /// removed behind the server's back (or the deployment now points at another bucket).
    #[error("the content of document {document_id} is missing from the document storage ({storage})")]
    Missing { document_id: i64, storage: String },
    /// The bytes read back are not the ones kept: another size or SHA-256 than the row records.
    #[error(
        "the content of document {document_id} in the document storage ({storage}) is not what was uploaded ({found_bytes} bytes read, {expected_bytes} kept)"
    )]
    Altered { document_id: i64, storage: String, expected_bytes: u64, found_bytes: u64 },
    /// The document is kept in a storage this server is not configured with (an object store, on a server
    /// started without its settings).
    #[error("document {document_id} is kept in the `{storage}` storage, which this server is not configured with")]
    NotConfigured { document_id: i64, storage: String },
    /// The settings of an object store cannot describe one (refused at start).
    #[error("the document storage's settings are invalid: {reason}")]
    Settings { reason: String },
}

impl StorageError {
    /// The reason in Chinese.
    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::Unavailable { .. } => "文件存储暂时不可用，文件未保存或未能读取，请稍后重试".to_owned(),
            Self::Missing { .. } => "该文件的内容在文件存储中已找不到，请联系平台运营方，或由企业重新上传".to_owned(),
            Self::Altered { .. } => {
                "该文件在文件存储中的内容与上传时不符，请联系平台运营方，或由企业重新上传".to_owned()
            }
            Self::NotConfigured { .. } => "该文件保存在本服务器未配置的文件存储中，请联系平台运营方".to_owned(),
            Self::Settings { .. } => "文件存储的配置无效".to_owned(),
        }
    }
}

impl StoreError {
    /// Whether the failure is the database being unavailable: the pool exhausted, a connection refused, or
    /// one lost in the middle of a statement (the server stopping or restarting terminates its sessions, and
    /// the socket goes). Such a statement is rolled back by the server, so a retry is safe.
    #[must_use]
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Db(DbErr::ConnectionAcquire(_) | DbErr::Conn(_)) => true,
            Self::Db(DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) => {
                connection_lost(e)
            }
            _ => false,
        }
    }

    /// The reason in Chinese (`Display` is the English). For the system's own failures it only names the
    /// kind of failure: their details are for the log.
    #[must_use]
    pub fn message_zh(&self) -> String {
        match self {
            Self::Db(_) => "数据库操作失败".to_owned(),
            Self::Corrupt { table, id, field, .. } => format!("存储的数据已损坏（{table} {id} 的 {field}）"),
            Self::Encode { what, .. } => format!("数据无法保存（{what}）"),
            Self::NotFound { what, .. } => format!("{}不存在", what.name_zh()),
            Self::Invalid(errors) => {
                errors.0.iter().map(|e| format!("{}：{}", e.field, e.error.message_zh())).collect::<Vec<_>>().join("；")
            }
            Self::Password(_) => "密码无法处理".to_owned(),
            Self::ImportRejected(rows) => format!("导入被拒绝：{} 个问题", rows.len()),
            Self::Transition(e) => e.message_zh(),
            Self::Lifecycle(e) => e.message_zh(),
            Self::Need(e) => e.message_zh(),
            Self::Invitation(e) => e.message_zh(),
            Self::NotListed => "产品未上架".to_owned(),
            Self::KeyReused => "该幂等键已用于另一份申请，请勿重复使用".to_owned(),
            Self::DuplicateApplication { existing } => {
                format!("贵企业已有一份该产品的在途申请（#{existing}），请等待其结果或先撤回，再重新申请")
            }
            Self::LoginTaken(login) => format!("登录名“{login}”已被使用"),
            Self::InstitutionCodeTaken(code) => format!("机构代码“{code}”已被使用"),
            Self::KindFixed(e) => e.message_zh(),
            Self::EnterpriseRegistered => "该企业已注册，请由已有账户登录".to_owned(),
            Self::WrongParty(e) => e.message_zh().to_owned(),
            Self::NotAGuaranteeAgency(code) => format!("“{code}”不是担保机构"),
            Self::ReviewDecided(Some(decision)) => format!("该审核已处理（{}）", decision.label_zh()),
            Self::ReviewDecided(None) => "该审核已处理".to_owned(),
            Self::ProposalCodeMismatch => "审核内容的产品编码与产品不符".to_owned(),
            Self::ProductChanged => "产品刚被修改过，请刷新后重试".to_owned(),
            Self::NoActor => "没有操作人".to_owned(),
            Self::PublicationExists { kind, day } => {
                format!("{day} 的{}已录入；如需改正该日的数值，请勾选“更正”", kind.label_zh())
            }
            Self::NothingToCorrect { kind, day } => format!("{day} 没有录入过{}，无可更正", kind.label_zh()),
            Self::BenchHistory { key, reason } => format!("基准数据申请 {key} 的历史不被接受：{reason}"),
            Self::Upload(refusal) => refusal.message_zh(),
            Self::Storage(e) => e.message_zh(),
        }
    }
}

/// An error of a statement that means the connection, not the statement, failed: the socket (I/O, TLS,
/// protocol), the pool, or PostgreSQL's own words for it (SQLSTATE class 08, connection exception; 57P01–03,
/// the server shutting down, crashing or not yet accepting connections).
fn connection_lost(error: &SqlxError) -> bool {
    match error {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::Protocol(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        SqlxError::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || matches!(code.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A lost connection in the middle of a statement is "unavailable" (503, retry), a failed statement is not.
    #[test]
    fn a_lost_connection_is_unavailable_and_a_failed_statement_is_not() {
        let exec = |e: SqlxError| StoreError::Db(DbErr::Exec(RuntimeErr::SqlxError(Arc::new(e))));
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        assert!(exec(SqlxError::Io(reset)).is_unavailable());
        assert!(exec(SqlxError::PoolTimedOut).is_unavailable());
        assert!(StoreError::Db(DbErr::Conn(RuntimeErr::Internal("refused".into()))).is_unavailable());
        assert!(!exec(SqlxError::RowNotFound).is_unavailable());
        assert!(!StoreError::Db(DbErr::Query(RuntimeErr::Internal("syntax".into()))).is_unavailable());
        assert!(!StoreError::NotListed.is_unavailable());
    }

    /// The words clients have seen all along stay the same, now from one place.
    #[test]
    fn refusals_keep_their_words_in_both_languages() {
        let cases: Vec<(StoreError, &str, &str)> = vec![
            (StoreError::NotListed, "产品未上架", "the product is not listed"),
            (
                StoreError::KeyReused,
                "该幂等键已用于另一份申请，请勿重复使用",
                "this idempotency key was used for another application; do not reuse it",
            ),
            (StoreError::LoginTaken("a@b.cn".into()), "登录名“a@b.cn”已被使用", "login `a@b.cn` is taken"),
            (
                StoreError::EnterpriseRegistered,
                "该企业已注册，请由已有账户登录",
                "this enterprise already has an account",
            ),
            (
                StoreError::ReviewDecided(Some(ReviewDecision::SentBack)),
                "该审核已处理（已退回）",
                "this review was already decided (sent back)",
            ),
            (StoreError::ReviewDecided(None), "该审核已处理", "this review was already decided"),
            (
                StoreError::ProductChanged,
                "产品刚被修改过，请刷新后重试",
                "the product changed meanwhile; reload and retry",
            ),
            (
                NeedError::NotClosable(NeedState::Accepted).into(),
                "需求当前为“已选定”，不能关闭",
                "the need is “Offer accepted”; it cannot be closed",
            ),
            (
                NeedError::OfferNotWithdrawable(OfferState::Declined).into(),
                "报价当前为“未选中”，不能撤回",
                "the offer is “Not chosen”; it cannot be withdrawn",
            ),
            (StoreError::NotFound { what: Record::Need, key: "7".into() }, "融资需求不存在", "need `7` not found"),
            (
                StoreError::InstitutionCodeTaken("tj-bank".into()),
                "机构代码“tj-bank”已被使用",
                "institution code `tj-bank` is taken",
            ),
            (
                KindFixed::BacksProducts(3).into(),
                "该担保机构为 3 个产品提供担保，不能改为其他类型",
                "this guarantee agency backs 3 product(s); it cannot become another kind",
            ),
            (
                KindFixed::ListsProducts(2).into(),
                "该机构有 2 个产品，不能改为融资担保机构",
                "this institution lists 2 product(s); it cannot become a guarantee agency",
            ),
            (
                KindFixed::HasAccounts(1).into(),
                "该机构有 1 个用户账号，不能在金融机构与融资担保机构之间更改类型",
                "1 account(s) belong to this institution in its present role; it cannot change between lender and guarantee agency",
            ),
        ];
        for (error, zh, en) in cases {
            assert_eq!((error.message_zh().as_str(), error.to_string().as_str()), (zh, en));
        }
    }

    #[test]
    fn the_machines_refusals_are_their_own() {
        let refused = finmart_domain::ProductAct::Pause.apply(finmart_domain::LifecycleState::Draft).unwrap_err();
        let error = StoreError::from(refused);
        assert_eq!(error.message_zh(), refused.message_zh());
        assert_eq!(error.to_string(), refused.to_string());
    }
}
