//! Accounts: who may sign in, in which role, for which party; failed sign-ins kept for throttling.
//!
//! Password hashes are made and checked by [`crate::password`] (argon2id); this module stores them. An
//! account created by the operator for an institution or agency may start with an invitation (the digest of
//! a one-time token) instead of a password.

use crate::audit::{self, AuditEvent};
use crate::entity::{account, data_provider, enterprise, institution, login_failure};
use crate::{Record, Store, StoreError, WrongParty, password};
use chrono::{DateTime, Duration, Utc};
use finmart_domain::{EnterpriseProfile, InstitutionKind, Labelled, Principal, Role, StaffAccountInput};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
};

/// A stored account (never its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    /// The data provider a provider user acts for.
    pub provider_id: Option<i64>,
    pub disabled: bool,
    /// Created by invitation and no password set yet.
    pub invited: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl Account {
    /// The account as permission checks see it.
    #[must_use]
    pub fn principal(&self) -> Principal {
        Principal {
            account_id: self.id,
            role: self.role,
            display_name: self.display_name.clone(),
            enterprise_id: self.enterprise_id,
            institution_id: self.institution_id,
            provider_id: self.provider_id,
        }
    }
}

/// What creating an account needs. Exactly one of `password_hash` and `invite_hash` is given.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub enterprise_id: Option<i64>,
    pub institution_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub password_hash: Option<String>,
    pub invite_hash: Option<String>,
    pub invite_expires_at: Option<DateTime<Utc>>,
}

/// How long an invitation works, in days.
pub const INVITE_DAYS: i64 = 7;

/// A staff account just created, and the invitation secret when it was created without a password: shown
/// this once to be handed to the person (only its digest is stored). Callers make the link
/// `/invite/<secret>` of it.
#[derive(Debug, Clone)]
pub struct CreatedStaffAccount {
    pub account: Account,
    pub invite: Option<String>,
}

pub(crate) fn from_row(row: account::Model) -> Result<Account, StoreError> {
    let role = Role::parse(&row.role).map_err(|e| StoreError::Corrupt {
        table: "account",
        id: row.id,
        field: "role",
        reason: e.to_string(),
    })?;
    Ok(Account {
        id: row.id,
        login: row.login,
        display_name: row.display_name,
        role,
        enterprise_id: row.enterprise_id,
        institution_id: row.institution_id,
        provider_id: row.provider_id,
        disabled: row.disabled,
        invited: row.password_hash.is_none(),
        created_at: row.created_at,
        last_login_at: row.last_login_at,
    })
}

/// Checks that the account's party fits its role: an SME user needs an enterprise, an institution user a
/// lender, an agency user a guarantee agency, the operator neither.
async fn check_party(db: &impl ConnectionTrait, new: &NewAccount) -> Result<(), StoreError> {
    let wrong = |why: WrongParty| Err(StoreError::WrongParty(why));
    let provider = new.provider_id;
    if provider.is_some() && new.role != Role::Provider {
        return wrong(WrongParty::ProviderParty);
    }
    match new.role {
        Role::Operator if new.enterprise_id.is_some() || new.institution_id.is_some() => {
            wrong(WrongParty::OperatorWithParty)
        }
        Role::Operator => Ok(()),
        Role::Provider => match (new.enterprise_id, new.institution_id, provider) {
            (None, None, Some(id)) => {
                if data_provider::Entity::find_by_id(id).one(db).await?.is_none() {
                    return Err(StoreError::NotFound { what: Record::DataProvider, key: id.to_string() });
                }
                Ok(())
            }
            _ => wrong(WrongParty::ProviderParty),
        },
        Role::Sme => match (new.enterprise_id, new.institution_id) {
            (Some(id), None) => {
                if enterprise::Entity::find_by_id(id).one(db).await?.is_none() {
                    return Err(StoreError::NotFound { what: Record::Enterprise, key: id.to_string() });
                }
                Ok(())
            }
            _ => wrong(WrongParty::SmeWithoutEnterprise),
        },
        Role::Institution | Role::Agency => {
            let (None, Some(id)) = (new.enterprise_id, new.institution_id) else {
                return wrong(WrongParty::StaffWithoutInstitution);
            };
            let row = institution::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or_else(|| StoreError::NotFound { what: Record::Institution, key: id.to_string() })?;
            let is_agency = row.kind == InstitutionKind::GuaranteeAgency.as_str();
            match (new.role, is_agency) {
                (Role::Agency, false) => wrong(WrongParty::AgencyAtLender),
                (Role::Institution, true) => wrong(WrongParty::LenderAtAgency),
                _ => Ok(()),
            }
        }
    }
}

async fn insert(db: &impl ConnectionTrait, new: &NewAccount) -> Result<Account, StoreError> {
    check_party(db, new).await?;
    if account::Entity::find().filter(account::Column::Login.eq(new.login.as_str())).one(db).await?.is_some() {
        return Err(StoreError::LoginTaken(new.login.clone()));
    }
    let row = account::ActiveModel {
        login: Set(new.login.clone()),
        display_name: Set(new.display_name.clone()),
        password_hash: Set(new.password_hash.clone()),
        role: Set(new.role.as_str().to_owned()),
        enterprise_id: Set(new.enterprise_id),
        institution_id: Set(new.institution_id),
        provider_id: Set(new.provider_id),
        disabled: Set(false),
        invite_hash: Set(new.invite_hash.clone()),
        invite_expires_at: Set(new.invite_expires_at),
        created_at: Set(Utc::now()),
        last_login_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    from_row(row)
}

impl Store {
    /// Creates an account (the operator's act, or the demo loader's).
    ///
    /// # Errors
    /// [`StoreError::LoginTaken`]; [`StoreError::WrongParty`] for a party that does not fit the role;
    /// [`StoreError::NotFound`] for no such party; database failure.
    pub async fn create_account(&self, new: &NewAccount, by: Option<&AuditEvent<'_>>) -> Result<Account, StoreError> {
        let txn = self.write_txn().await?;
        let account = insert(&txn, new).await?;
        if let Some(event) = by {
            audit::append(&txn, &event.clone().subject("account", account.id)).await?;
        }
        txn.commit().await?;
        Ok(account)
    }

    /// Checks and creates an institution, agency or operator account, audited as `event`: the operator's act
    /// on the site, or `finmart create-account` (how a new deployment gets its first operator). The account
    /// gets the first password given, hashed off the async threads, or else an invitation valid
    /// [`INVITE_DAYS`] days.
    ///
    /// # Errors
    /// [`StoreError::Invalid`] naming every bad field (the rules of [`StaffAccountInput::check`]);
    /// [`StoreError::LoginTaken`]; [`StoreError::WrongParty`] for an institution of the wrong kind;
    /// [`StoreError::NotFound`] for no such institution; [`StoreError::Password`]; database failure.
    pub async fn create_staff_account(
        &self,
        input: &StaffAccountInput<'_>,
        event: AuditEvent<'_>,
    ) -> Result<CreatedStaffAccount, StoreError> {
        let checked = input.check().map_err(StoreError::Invalid)?;
        let (password_hash, invite, invite_expires_at) = match input.password {
            Some(secret) => (Some(password::hash_off_thread(secret).await?), None, None),
            None => (None, Some(password::secret(24)), Some(Utc::now() + Duration::days(INVITE_DAYS))),
        };
        let new = NewAccount {
            login: checked.login,
            display_name: checked.display_name,
            role: checked.role,
            enterprise_id: None,
            institution_id: checked.institution_id,
            provider_id: checked.provider_id,
            password_hash,
            invite_hash: invite.as_deref().map(password::digest),
            invite_expires_at,
        };
        // The institution's own audit log shows who was given an account with it.
        let event = match (new.institution_id, new.provider_id) {
            (Some(id), _) => event.institution(id),
            (None, Some(provider)) => event.detail(serde_json::json!({ "provider_id": provider })),
            (None, None) => event,
        };
        let account = self.create_account(&new, Some(&event)).await?;
        Ok(CreatedStaffAccount { account, invite })
    }

    /// Registers an SME user with its enterprise in one transaction: the profile is stored (or, when the
    /// credit code is already on file without any account, kept and linked) and the account created.
    ///
    /// # Errors
    /// [`StoreError::EnterpriseRegistered`] when the enterprise already has an account;
    /// [`StoreError::LoginTaken`];
    /// [`StoreError::Invalid`] for a profile that does not validate; database failure.
    pub async fn register_enterprise(
        &self,
        profile: &EnterpriseProfile,
        login: &str,
        password_hash: &str,
        address: Option<&str>,
    ) -> Result<Account, StoreError> {
        let txn = self.write_txn().await?;
        let uscc = profile.uscc.as_ref().map(|u| u.as_str().to_owned()).unwrap_or_default();
        let existing = enterprise::Entity::find().filter(enterprise::Column::Uscc.eq(uscc.as_str())).one(&txn).await?;
        let enterprise_id = match existing {
            Some(row) => {
                let taken =
                    account::Entity::find().filter(account::Column::EnterpriseId.eq(row.id)).count(&txn).await?;
                if taken > 0 {
                    return Err(StoreError::EnterpriseRegistered);
                }
                row.id
            }
            None => crate::enterprises::insert_in(&txn, profile, false).await?,
        };
        let account = insert(
            &txn,
            &NewAccount {
                login: login.to_owned(),
                display_name: profile.name.clone(),
                role: Role::Sme,
                enterprise_id: Some(enterprise_id),
                institution_id: None,
                provider_id: None,
                password_hash: Some(password_hash.to_owned()),
                invite_hash: None,
                invite_expires_at: None,
            },
        )
        .await?;
        let event = AuditEvent::by(&account.principal(), address, "account.register").subject("account", account.id);
        audit::append(&txn, &event).await?;
        txn.commit().await?;
        Ok(account)
    }

    /// One account by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn account(&self, id: i64) -> Result<Option<Account>, StoreError> {
        account::Entity::find_by_id(id).one(&self.db).await?.map(from_row).transpose()
    }

    /// The account with this (normalised) login and its password hash, if it has one.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn account_for_login(&self, login: &str) -> Result<Option<(Account, Option<String>)>, StoreError> {
        let Some(row) = account::Entity::find().filter(account::Column::Login.eq(login)).one(&self.db).await? else {
            return Ok(None);
        };
        let hash = row.password_hash.clone();
        Ok(Some((from_row(row)?, hash)))
    }

    /// The account an unexpired invitation token hash belongs to.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn account_for_invite(&self, invite_hash: &str) -> Result<Option<Account>, StoreError> {
        account::Entity::find()
            .filter(account::Column::InviteHash.eq(invite_hash))
            .filter(account::Column::InviteExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await?
            .map(from_row)
            .transpose()
    }

    /// Every account, or those of one role, newest first.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn accounts(&self, role: Option<Role>) -> Result<Vec<Account>, StoreError> {
        let mut query = account::Entity::find().order_by_desc(account::Column::Id);
        if let Some(role) = role {
            query = query.filter(account::Column::Role.eq(role.as_str()));
        }
        query.all(&self.db).await?.into_iter().map(from_row).collect()
    }

    /// Sets a new password hash, ending any invitation.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn set_password(&self, id: i64, hash: &str, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let row = account::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Account, key: id.to_string() })?;
        let mut active: account::ActiveModel = row.into();
        active.password_hash = Set(Some(hash.to_owned()));
        active.invite_hash = Set(None);
        active.invite_expires_at = Set(None);
        active.update(&txn).await?;
        audit::append(&txn, &event.clone().subject("account", id)).await?;
        txn.commit().await?;
        Ok(())
    }

    /// Disables or re-enables an account; a disabled account's sessions and tokens stop working at once
    /// because every request re-reads the account.
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn set_account_disabled(
        &self,
        id: i64,
        disabled: bool,
        event: &AuditEvent<'_>,
    ) -> Result<Account, StoreError> {
        let txn = self.write_txn().await?;
        let row = account::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Account, key: id.to_string() })?;
        let mut active: account::ActiveModel = row.into();
        active.disabled = Set(disabled);
        let row = active.update(&txn).await?;
        audit::append(&txn, &event.clone().subject("account", id)).await?;
        txn.commit().await?;
        from_row(row)
    }

    /// Records a successful sign-in: the time, the audit entry (which makes the address known to the
    /// account, see `reserve_login_attempt`), and forgets the login's attempts from that address.
    ///
    /// # Errors
    /// Database failure.
    pub async fn record_login(&self, account: &Account, address: Option<&str>) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        account::Entity::update_many()
            .col_expr(account::Column::LastLoginAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(account::Column::Id.eq(account.id))
            .exec(&txn)
            .await?;
        // Only this address's attempts are forgotten: an attacker's elsewhere stay counted.
        let mut attempts =
            login_failure::Entity::delete_many().filter(login_failure::Column::Login.eq(account.login.as_str()));
        if let Some(address) = address {
            attempts = attempts.filter(login_failure::Column::Address.eq(address.chars().take(64).collect::<String>()));
        }
        attempts.exec(&txn).await?;
        audit::append(&txn, &AuditEvent::by(&account.principal(), address, "login").subject("account", account.id))
            .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Audits a failed sign-in (its attempt was counted by `reserve_login_attempt` before the check).
    ///
    /// # Errors
    /// Database failure.
    pub async fn record_login_failure(
        &self,
        login: &str,
        address: &str,
        account: Option<&Account>,
    ) -> Result<(), StoreError> {
        let mut event =
            AuditEvent::anonymous(Some(address), "login.failed").detail(serde_json::json!({ "login": login }));
        if let Some(account) = account {
            event = AuditEvent::by(&account.principal(), Some(address), "login.failed").subject("account", account.id);
        }
        audit::append(&self.db, &event).await?;
        Ok(())
    }
}
