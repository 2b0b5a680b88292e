//! Contact and conversation between a firm and a lender: the firm's contact person (and whether it shares
//! it with the institutions it consented to), each institution's branches and 客户经理, a message thread per
//! application, and a lender's invitations to a consenting firm to apply for one of its products.
//!
//! `invitation.open_for` holds `enterprise:product` while the invitation is open (sent) and NULL after, so
//! the unique index refuses a second open invitation for the same firm and product, also in a race.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{
    big_integer, big_integer_null, boolean, pk_auto, string, string_null, text, text_null, timestamp_with_time_zone,
    timestamp_with_time_zone_null,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EnterpriseContact {
    Table,
    EnterpriseId,
    Name,
    Phone,
    ShareWithConsented,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InstitutionBranch {
    Table,
    Id,
    InstitutionId,
    Name,
    Address,
    Phone,
    District,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RelationshipManager {
    Table,
    Id,
    InstitutionId,
    BranchId,
    Name,
    Phone,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApplicationMessage {
    Table,
    Id,
    ApplicationId,
    FromSide,
    AccountId,
    Body,
    At,
    ReadAt,
}

#[derive(DeriveIden)]
enum Invitation {
    Table,
    Id,
    InstitutionId,
    EnterpriseId,
    ProductId,
    AccountId,
    ManagerId,
    Note,
    State,
    CreatedAt,
    DecidedAt,
    DeclineReason,
    ApplicationId,
    OpenFor,
}

#[derive(DeriveIden)]
enum Enterprise {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Institution {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Application {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Product {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EnterpriseContact as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(big_integer(C::EnterpriseId).primary_key())
                    .col(string(C::Name))
                    .col(string(C::Phone))
                    // Not stated is not yes: sharing with consenting institutions is off until chosen.
                    .col(boolean(C::ShareWithConsented).default(false))
                    .col(timestamp_with_time_zone(C::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create().from(C::Table, C::EnterpriseId).to(Enterprise::Table, Enterprise::Id),
                    )
                    .to_owned(),
            )
            .await?;
        use InstitutionBranch as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(pk_auto(B::Id).big_integer())
                    .col(big_integer(B::InstitutionId))
                    .col(string(B::Name))
                    .col(string(B::Address))
                    .col(string(B::Phone))
                    .col(string(B::District))
                    .col(timestamp_with_time_zone(B::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(B::Table, B::InstitutionId).to(Institution::Table, Institution::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_branch_institution").table(B::Table).col(B::InstitutionId).to_owned(),
            )
            .await?;
        use RelationshipManager as M;
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(pk_auto(M::Id).big_integer())
                    .col(big_integer(M::InstitutionId))
                    .col(big_integer_null(M::BranchId))
                    .col(string(M::Name))
                    .col(string(M::Phone))
                    .col(timestamp_with_time_zone(M::CreatedAt))
                    .foreign_key(
                        ForeignKey::create().from(M::Table, M::InstitutionId).to(Institution::Table, Institution::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::BranchId)
                            .to(B::Table, B::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_manager_institution").table(M::Table).col(M::InstitutionId).to_owned(),
            )
            .await?;
        use ApplicationMessage as Msg;
        manager
            .create_table(
                Table::create()
                    .table(Msg::Table)
                    .col(pk_auto(Msg::Id).big_integer())
                    .col(big_integer(Msg::ApplicationId))
                    .col(string(Msg::FromSide))
                    .col(big_integer_null(Msg::AccountId))
                    .col(text(Msg::Body))
                    .col(timestamp_with_time_zone(Msg::At))
                    .col(timestamp_with_time_zone_null(Msg::ReadAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Msg::Table, Msg::ApplicationId)
                            .to(Application::Table, Application::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_message_application")
                    .table(Msg::Table)
                    .col(Msg::ApplicationId)
                    .col(Msg::Id)
                    .to_owned(),
            )
            .await?;
        use Invitation as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(pk_auto(I::Id).big_integer())
                    .col(big_integer(I::InstitutionId))
                    .col(big_integer(I::EnterpriseId))
                    .col(big_integer(I::ProductId))
                    .col(big_integer_null(I::AccountId))
                    .col(big_integer_null(I::ManagerId))
                    .col(text_null(I::Note))
                    .col(string(I::State))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone_null(I::DecidedAt))
                    .col(text_null(I::DeclineReason))
                    .col(big_integer_null(I::ApplicationId))
                    .col(string_null(I::OpenFor))
                    .foreign_key(
                        ForeignKey::create().from(I::Table, I::InstitutionId).to(Institution::Table, Institution::Id),
                    )
                    .foreign_key(
                        ForeignKey::create().from(I::Table, I::EnterpriseId).to(Enterprise::Table, Enterprise::Id),
                    )
                    .foreign_key(ForeignKey::create().from(I::Table, I::ProductId).to(Product::Table, Product::Id))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ux_invitation_open").table(I::Table).col(I::OpenFor).unique().to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_invitation_enterprise").table(I::Table).col(I::EnterpriseId).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("ix_invitation_institution").table(I::Table).col(I::InstitutionId).to_owned(),
            )
            .await
    }
}
