//! The marketplace: accounts and their sessions, institutions' API tokens, login failures (for throttling),
//! the append-only audit log, product versions and operator reviews, applications with their event history,
//! notifications, consent and the log of profile views, posted financing needs and the offers made on them.
//!
//! Applications copy the facts the uptake figures group by (district, industry, scale, family, guarantee
//! agency) from the profile and product at submission, so statistics never parse JSON.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, date, date_null, integer, integer_null, pk_auto, string, string_len,
    string_len_null, text, text_null, timestamp_with_time_zone, timestamp_with_time_zone_null,
};
use sea_orm_migration::sea_orm::{self, ConnectionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Enterprise {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Login,
    DisplayName,
    PasswordHash,
    Role,
    EnterpriseId,
    InstitutionId,
    Disabled,
    InviteHash,
    InviteExpiresAt,
    CreatedAt,
    LastLoginAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    Data,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum ApiToken {
    Table,
    Id,
    InstitutionId,
    Name,
    Prefix,
    TokenHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum LoginFailure {
    Table,
    Id,
    Login,
    Address,
    At,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    AccountId,
    Role,
    Action,
    SubjectKind,
    SubjectId,
    EnterpriseId,
    InstitutionId,
    Address,
    Detail,
}

#[derive(DeriveIden)]
enum ProductVersion {
    Table,
    Id,
    ProductId,
    Version,
    AccountId,
    At,
    Action,
    State,
    Record,
    Changes,
}

#[derive(DeriveIden)]
enum ProductReview {
    Table,
    Id,
    ProductId,
    Record,
    SubmittedBy,
    SubmittedAt,
    DecidedBy,
    DecidedAt,
    Decision,
    Reason,
}

#[derive(DeriveIden)]
enum Application {
    Table,
    Id,
    EnterpriseId,
    ProductId,
    InstitutionId,
    GuaranteeAgencyId,
    ApplicantAccountId,
    IdempotencyKey,
    AmountFen,
    TermMonths,
    Purpose,
    PurposeText,
    Profile,
    District,
    Industry,
    Scale,
    Family,
    Qualifications,
    FirstLoan,
    CreditLoan,
    GuaranteeFeeBps,
    State,
    SubmittedAt,
    RespondBy,
    FirstResponseAt,
    DecidedAt,
    DisbursedAt,
    DisbursedAmountFen,
    DisbursedRateBps,
    DisbursedTermMonths,
    DisbursedOn,
    Reason,
    OfferId,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ApplicationEvent {
    Table,
    Id,
    ApplicationId,
    InstitutionId,
    GuaranteeAgencyId,
    At,
    FromState,
    ToState,
    AccountId,
    Side,
    Note,
}

#[derive(DeriveIden)]
enum Notification {
    Table,
    Id,
    EnterpriseId,
    InstitutionId,
    At,
    Kind,
    Title,
    Body,
    Link,
    ReadAt,
}

#[derive(DeriveIden)]
enum Consent {
    Table,
    Id,
    EnterpriseId,
    InstitutionId,
    GrantedAt,
    GrantedBy,
    RevokedAt,
    RevokedBy,
}

#[derive(DeriveIden)]
enum ProfileView {
    Table,
    Id,
    EnterpriseId,
    InstitutionId,
    AccountId,
    At,
    Context,
    ApplicationId,
}

#[derive(DeriveIden)]
enum FinancingNeed {
    Table,
    Id,
    EnterpriseId,
    AccountId,
    AmountFen,
    TermMonths,
    Purpose,
    PurposeText,
    MaxRateBps,
    Deadline,
    State,
    AcceptedOfferId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Offer {
    Table,
    Id,
    NeedId,
    InstitutionId,
    ProductId,
    AccountId,
    AmountFen,
    RateBps,
    TermMonths,
    Note,
    State,
    CreatedAt,
    DecidedAt,
    ApplicationId,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Restrict).to_owned()
}

async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    columns: Vec<DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

/// The audit log refuses UPDATE and DELETE in the database itself, whatever code runs against it.
async fn append_only(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log \
                 FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
            )
            .await?;
        }
        _ => {
            for op in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER IF NOT EXISTS audit_log_no_{} BEFORE {op} ON audit_log \
                     BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
                    op.to_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}

macro_rules! cols {
    ($($c:expr),+) => { vec![$($c.into_iden()),+] };
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    #[allow(clippy::too_many_lines)]
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .if_not_exists()
                    .col(pk_auto(Account::Id).big_integer())
                    .col(string_len(Account::Login, 100).unique_key())
                    .col(string_len(Account::DisplayName, 100))
                    .col(text_null(Account::PasswordHash))
                    .col(string_len(Account::Role, 16))
                    .col(big_integer_null(Account::EnterpriseId))
                    .col(big_integer_null(Account::InstitutionId))
                    .col(boolean(Account::Disabled))
                    .col(string_len_null(Account::InviteHash, 64))
                    .col(timestamp_with_time_zone_null(Account::InviteExpiresAt))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .col(timestamp_with_time_zone_null(Account::LastLoginAt))
                    .foreign_key(&mut fk(
                        "fk_account_enterprise",
                        (Account::Table, Account::EnterpriseId),
                        (Enterprise::Table, Enterprise::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_account_institution",
                        (Account::Table, Account::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_account_enterprise", Account::Table, cols![Account::EnterpriseId], false).await?;
        index(manager, "ix_account_institution", Account::Table, cols![Account::InstitutionId], false).await?;
        index(manager, "ux_account_invite", Account::Table, cols![Account::InviteHash], true).await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .if_not_exists()
                    .col(string_len(Session::Id, 64).primary_key())
                    .col(text(Session::Data))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_session_expires", Session::Table, cols![Session::ExpiresAt], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiToken::Table)
                    .if_not_exists()
                    .col(pk_auto(ApiToken::Id).big_integer())
                    .col(big_integer(ApiToken::InstitutionId))
                    .col(string_len(ApiToken::Name, 60))
                    .col(string_len(ApiToken::Prefix, 16))
                    .col(string_len(ApiToken::TokenHash, 64).unique_key())
                    .col(big_integer(ApiToken::CreatedBy))
                    .col(timestamp_with_time_zone(ApiToken::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ApiToken::RevokedAt))
                    .foreign_key(&mut fk(
                        "fk_api_token_institution",
                        (ApiToken::Table, ApiToken::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_api_token_institution", ApiToken::Table, cols![ApiToken::InstitutionId], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(LoginFailure::Table)
                    .if_not_exists()
                    .col(pk_auto(LoginFailure::Id).big_integer())
                    .col(string_len(LoginFailure::Login, 100))
                    .col(string_len(LoginFailure::Address, 64))
                    .col(timestamp_with_time_zone(LoginFailure::At))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_login_failure_login",
            LoginFailure::Table,
            cols![LoginFailure::Login, LoginFailure::At],
            false,
        )
        .await?;
        index(
            manager,
            "ix_login_failure_address",
            LoginFailure::Table,
            cols![LoginFailure::Address, LoginFailure::At],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(pk_auto(AuditLog::Id).big_integer())
                    .col(timestamp_with_time_zone(AuditLog::At))
                    .col(big_integer_null(AuditLog::AccountId))
                    .col(string_len_null(AuditLog::Role, 16))
                    .col(string_len(AuditLog::Action, 40))
                    .col(string_len(AuditLog::SubjectKind, 24))
                    .col(big_integer_null(AuditLog::SubjectId))
                    .col(big_integer_null(AuditLog::EnterpriseId))
                    .col(big_integer_null(AuditLog::InstitutionId))
                    .col(string_len_null(AuditLog::Address, 64))
                    .col(text(AuditLog::Detail))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_audit_enterprise", AuditLog::Table, cols![AuditLog::EnterpriseId, AuditLog::Id], false)
            .await?;
        index(manager, "ix_audit_institution", AuditLog::Table, cols![AuditLog::InstitutionId, AuditLog::Id], false)
            .await?;
        index(manager, "ix_audit_account", AuditLog::Table, cols![AuditLog::AccountId, AuditLog::Id], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductVersion::Table)
                    .if_not_exists()
                    .col(pk_auto(ProductVersion::Id).big_integer())
                    .col(big_integer(ProductVersion::ProductId))
                    .col(integer(ProductVersion::Version))
                    .col(big_integer_null(ProductVersion::AccountId))
                    .col(timestamp_with_time_zone(ProductVersion::At))
                    .col(string_len(ProductVersion::Action, 24))
                    .col(string_len(ProductVersion::State, 16))
                    .col(text(ProductVersion::Record))
                    .col(text(ProductVersion::Changes))
                    .foreign_key(&mut fk(
                        "fk_product_version_product",
                        (ProductVersion::Table, ProductVersion::ProductId),
                        (Product::Table, Product::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_product_version",
            ProductVersion::Table,
            cols![ProductVersion::ProductId, ProductVersion::Version],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProductReview::Table)
                    .if_not_exists()
                    .col(pk_auto(ProductReview::Id).big_integer())
                    .col(big_integer(ProductReview::ProductId))
                    .col(text(ProductReview::Record))
                    .col(big_integer(ProductReview::SubmittedBy))
                    .col(timestamp_with_time_zone(ProductReview::SubmittedAt))
                    .col(big_integer_null(ProductReview::DecidedBy))
                    .col(timestamp_with_time_zone_null(ProductReview::DecidedAt))
                    .col(string_len_null(ProductReview::Decision, 16))
                    .col(text_null(ProductReview::Reason))
                    .foreign_key(&mut fk(
                        "fk_product_review_product",
                        (ProductReview::Table, ProductReview::ProductId),
                        (Product::Table, Product::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_product_review_product",
            ProductReview::Table,
            cols![ProductReview::ProductId, ProductReview::Id],
            false,
        )
        .await?;
        index(
            manager,
            "ix_product_review_pending",
            ProductReview::Table,
            cols![ProductReview::Decision, ProductReview::SubmittedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Application::Table)
                    .if_not_exists()
                    .col(pk_auto(Application::Id).big_integer())
                    .col(big_integer(Application::EnterpriseId))
                    .col(big_integer(Application::ProductId))
                    .col(big_integer(Application::InstitutionId))
                    .col(big_integer_null(Application::GuaranteeAgencyId))
                    .col(big_integer(Application::ApplicantAccountId))
                    .col(string_len(Application::IdempotencyKey, 64))
                    .col(big_integer(Application::AmountFen))
                    .col(integer(Application::TermMonths))
                    .col(string_len(Application::Purpose, 32))
                    .col(text(Application::PurposeText))
                    .col(text(Application::Profile))
                    .col(string_len(Application::District, 16))
                    .col(string_len(Application::Industry, 32))
                    .col(string_len_null(Application::Scale, 16))
                    .col(string_len(Application::Family, 32))
                    .col(string(Application::Qualifications))
                    .col(boolean(Application::FirstLoan))
                    .col(boolean(Application::CreditLoan))
                    .col(integer_null(Application::GuaranteeFeeBps))
                    .col(string_len(Application::State, 16))
                    .col(timestamp_with_time_zone(Application::SubmittedAt))
                    .col(timestamp_with_time_zone(Application::RespondBy))
                    .col(timestamp_with_time_zone_null(Application::FirstResponseAt))
                    .col(timestamp_with_time_zone_null(Application::DecidedAt))
                    .col(timestamp_with_time_zone_null(Application::DisbursedAt))
                    .col(big_integer_null(Application::DisbursedAmountFen))
                    .col(integer_null(Application::DisbursedRateBps))
                    .col(integer_null(Application::DisbursedTermMonths))
                    .col(date_null(Application::DisbursedOn))
                    .col(text_null(Application::Reason))
                    .col(big_integer_null(Application::OfferId))
                    .col(timestamp_with_time_zone(Application::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_application_enterprise",
                        (Application::Table, Application::EnterpriseId),
                        (Enterprise::Table, Enterprise::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_application_product",
                        (Application::Table, Application::ProductId),
                        (Product::Table, Product::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_application_institution",
                        (Application::Table, Application::InstitutionId),
                        (Institution::Table, Institution::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_application_idempotency",
            Application::Table,
            cols![Application::ApplicantAccountId, Application::IdempotencyKey],
            true,
        )
        .await?;
        index(
            manager,
            "ix_application_institution",
            Application::Table,
            cols![Application::InstitutionId, Application::SubmittedAt],
            false,
        )
        .await?;
        index(
            manager,
            "ix_application_enterprise",
            Application::Table,
            cols![Application::EnterpriseId, Application::SubmittedAt],
            false,
        )
        .await?;
        index(
            manager,
            "ix_application_agency",
            Application::Table,
            cols![Application::GuaranteeAgencyId, Application::SubmittedAt],
            false,
        )
        .await?;
        index(
            manager,
            "ix_application_product",
            Application::Table,
            cols![Application::ProductId, Application::SubmittedAt],
            false,
        )
        .await?;
        index(manager, "ix_application_submitted", Application::Table, cols![Application::SubmittedAt], false).await?;

        manager
            .create_table(
                Table::create()
                    .table(ApplicationEvent::Table)
                    .if_not_exists()
                    .col(pk_auto(ApplicationEvent::Id).big_integer())
                    .col(big_integer(ApplicationEvent::ApplicationId))
                    .col(big_integer(ApplicationEvent::InstitutionId))
                    .col(big_integer_null(ApplicationEvent::GuaranteeAgencyId))
                    .col(timestamp_with_time_zone(ApplicationEvent::At))
                    .col(string_len_null(ApplicationEvent::FromState, 16))
                    .col(string_len(ApplicationEvent::ToState, 16))
                    .col(big_integer_null(ApplicationEvent::AccountId))
                    .col(string_len(ApplicationEvent::Side, 16))
                    .col(text(ApplicationEvent::Note))
                    .foreign_key(&mut fk(
                        "fk_application_event_application",
                        (ApplicationEvent::Table, ApplicationEvent::ApplicationId),
                        (Application::Table, Application::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_application_event",
            ApplicationEvent::Table,
            cols![ApplicationEvent::ApplicationId, ApplicationEvent::Id],
            false,
        )
        .await?;
        // The uptake figures read events by time, for one agency, one institution or the whole market.
        index(manager, "ix_application_event_at", ApplicationEvent::Table, cols![ApplicationEvent::At], false).await?;
        index(
            manager,
            "ix_application_event_agency",
            ApplicationEvent::Table,
            cols![ApplicationEvent::GuaranteeAgencyId, ApplicationEvent::At],
            false,
        )
        .await?;
        index(
            manager,
            "ix_application_event_institution",
            ApplicationEvent::Table,
            cols![ApplicationEvent::InstitutionId, ApplicationEvent::At],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Notification::Table)
                    .if_not_exists()
                    .col(pk_auto(Notification::Id).big_integer())
                    .col(big_integer_null(Notification::EnterpriseId))
                    .col(big_integer_null(Notification::InstitutionId))
                    .col(timestamp_with_time_zone(Notification::At))
                    .col(string_len(Notification::Kind, 32))
                    .col(string_len(Notification::Title, 200))
                    .col(text(Notification::Body))
                    .col(string_len(Notification::Link, 200))
                    .col(timestamp_with_time_zone_null(Notification::ReadAt))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_notification_enterprise",
            Notification::Table,
            cols![Notification::EnterpriseId, Notification::Id],
            false,
        )
        .await?;
        index(
            manager,
            "ix_notification_institution",
            Notification::Table,
            cols![Notification::InstitutionId, Notification::Id],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Consent::Table)
                    .if_not_exists()
                    .col(pk_auto(Consent::Id).big_integer())
                    .col(big_integer(Consent::EnterpriseId))
                    .col(big_integer_null(Consent::InstitutionId))
                    .col(timestamp_with_time_zone(Consent::GrantedAt))
                    .col(big_integer_null(Consent::GrantedBy))
                    .col(timestamp_with_time_zone_null(Consent::RevokedAt))
                    .col(big_integer_null(Consent::RevokedBy))
                    .foreign_key(&mut fk(
                        "fk_consent_enterprise",
                        (Consent::Table, Consent::EnterpriseId),
                        (Enterprise::Table, Enterprise::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_consent_enterprise",
            Consent::Table,
            cols![Consent::EnterpriseId, Consent::RevokedAt],
            false,
        )
        .await?;
        index(
            manager,
            "ix_consent_institution",
            Consent::Table,
            cols![Consent::InstitutionId, Consent::RevokedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProfileView::Table)
                    .if_not_exists()
                    .col(pk_auto(ProfileView::Id).big_integer())
                    .col(big_integer(ProfileView::EnterpriseId))
                    .col(big_integer(ProfileView::InstitutionId))
                    .col(big_integer_null(ProfileView::AccountId))
                    .col(timestamp_with_time_zone(ProfileView::At))
                    .col(string_len(ProfileView::Context, 24))
                    .col(big_integer_null(ProfileView::ApplicationId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_profile_view_enterprise",
            ProfileView::Table,
            cols![ProfileView::EnterpriseId, ProfileView::Id],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(FinancingNeed::Table)
                    .if_not_exists()
                    .col(pk_auto(FinancingNeed::Id).big_integer())
                    .col(big_integer(FinancingNeed::EnterpriseId))
                    .col(big_integer(FinancingNeed::AccountId))
                    .col(big_integer(FinancingNeed::AmountFen))
                    .col(integer(FinancingNeed::TermMonths))
                    .col(string_len(FinancingNeed::Purpose, 32))
                    .col(text(FinancingNeed::PurposeText))
                    .col(integer_null(FinancingNeed::MaxRateBps))
                    .col(date(FinancingNeed::Deadline))
                    .col(string_len(FinancingNeed::State, 16))
                    .col(big_integer_null(FinancingNeed::AcceptedOfferId))
                    .col(timestamp_with_time_zone(FinancingNeed::CreatedAt))
                    .col(timestamp_with_time_zone(FinancingNeed::UpdatedAt))
                    .foreign_key(&mut fk(
                        "fk_need_enterprise",
                        (FinancingNeed::Table, FinancingNeed::EnterpriseId),
                        (Enterprise::Table, Enterprise::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_need_state",
            FinancingNeed::Table,
            cols![FinancingNeed::State, FinancingNeed::Deadline],
            false,
        )
        .await?;
        index(
            manager,
            "ix_need_enterprise",
            FinancingNeed::Table,
            cols![FinancingNeed::EnterpriseId, FinancingNeed::Id],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Offer::Table)
                    .if_not_exists()
                    .col(pk_auto(Offer::Id).big_integer())
                    .col(big_integer(Offer::NeedId))
                    .col(big_integer(Offer::InstitutionId))
                    .col(big_integer(Offer::ProductId))
                    .col(big_integer(Offer::AccountId))
                    .col(big_integer(Offer::AmountFen))
                    .col(integer(Offer::RateBps))
                    .col(integer(Offer::TermMonths))
                    .col(text(Offer::Note))
                    .col(string_len(Offer::State, 16))
                    .col(timestamp_with_time_zone(Offer::CreatedAt))
                    .col(timestamp_with_time_zone_null(Offer::DecidedAt))
                    .col(big_integer_null(Offer::ApplicationId))
                    .foreign_key(&mut fk(
                        "fk_offer_need",
                        (Offer::Table, Offer::NeedId),
                        (FinancingNeed::Table, FinancingNeed::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_offer_product",
                        (Offer::Table, Offer::ProductId),
                        (Product::Table, Product::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        index(manager, "ix_offer_need", Offer::Table, cols![Offer::NeedId, Offer::Id], false).await?;
        index(manager, "ix_offer_institution", Offer::Table, cols![Offer::InstitutionId, Offer::Id], false).await?;
        append_only(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Offer::Table.into_iden(),
            FinancingNeed::Table.into_iden(),
            ProfileView::Table.into_iden(),
            Consent::Table.into_iden(),
            Notification::Table.into_iden(),
            ApplicationEvent::Table.into_iden(),
            Application::Table.into_iden(),
            ProductReview::Table.into_iden(),
            ProductVersion::Table.into_iden(),
            AuditLog::Table.into_iden(),
            LoginFailure::Table.into_iden(),
            ApiToken::Table.into_iden(),
            Session::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
