//! API tokens of institutions and data providers: created and revoked by the owner's users, stored only as a
//! hash, each scoped to its owner.

use crate::audit::{self, AuditEvent};
use crate::entity::{account, api_token};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// Whose a token is: an institution's (a lender's systems) or a data provider's (a department's feed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum TokenOwner {
    Institution(i64),
    Provider(i64),
}

impl TokenOwner {
    fn of(row: &api_token::Model) -> Result<Self, StoreError> {
        match (row.institution_id, row.provider_id) {
            (Some(id), None) => Ok(Self::Institution(id)),
            (None, Some(id)) => Ok(Self::Provider(id)),
            _ => Err(StoreError::Corrupt {
                table: "api_token",
                id: row.id,
                field: "institution_id",
                reason: "a token belongs to exactly one institution or data provider".to_owned(),
            }),
        }
    }

    fn filter(self) -> sea_orm::Condition {
        let column = match self {
            Self::Institution(id) => api_token::Column::InstitutionId.eq(id),
            Self::Provider(id) => api_token::Column::ProviderId.eq(id),
        };
        sea_orm::Condition::all().add(column)
    }

    /// The audit entry of an act on this owner's token: an institution reads it in its own log; a provider's
    /// is named in the detail (the operator reads it).
    fn concerned<'a>(self, event: AuditEvent<'a>) -> AuditEvent<'a> {
        match self {
            Self::Institution(id) => event.institution(id),
            Self::Provider(id) => event.detail(serde_json::json!({ "provider_id": id })),
        }
    }
}

/// A token as its owner's users see it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub owner: TokenOwner,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn info(row: api_token::Model) -> Result<ApiTokenInfo, StoreError> {
    Ok(ApiTokenInfo {
        id: row.id,
        owner: TokenOwner::of(&row)?,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

impl Store {
    /// Stores a new token's hash.
    ///
    /// # Errors
    /// Database failure.
    pub async fn create_api_token(
        &self,
        owner: TokenOwner,
        name: &str,
        prefix: &str,
        hash: &str,
        event: &AuditEvent<'_>,
    ) -> Result<ApiTokenInfo, StoreError> {
        let txn = self.write_txn().await?;
        let (institution_id, provider_id) = match owner {
            TokenOwner::Institution(id) => (Some(id), None),
            TokenOwner::Provider(id) => (None, Some(id)),
        };
        let row = api_token::ActiveModel {
            institution_id: Set(institution_id),
            provider_id: Set(provider_id),
            name: Set(name.to_owned()),
            prefix: Set(prefix.to_owned()),
            token_hash: Set(hash.to_owned()),
            created_by: Set(event.account_id.unwrap_or_default()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(&txn, &owner.concerned(event.clone().subject("api_token", row.id))).await?;
        txn.commit().await?;
        info(row)
    }

    /// An owner's tokens, newest first (revoked ones too, marked).
    ///
    /// # Errors
    /// Database failure.
    pub async fn api_tokens(&self, owner: TokenOwner) -> Result<Vec<ApiTokenInfo>, StoreError> {
        api_token::Entity::find()
            .filter(owner.filter())
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(info)
            .collect()
    }

    /// Revokes one of an owner's tokens; another owner's token is "not found".
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn revoke_api_token(&self, owner: TokenOwner, id: i64, event: &AuditEvent<'_>) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let row = api_token::Entity::find_by_id(id)
            .filter(owner.filter())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::ApiToken, key: id.to_string() })?;
        if row.revoked_at.is_none() {
            let mut active: api_token::ActiveModel = row.into();
            active.revoked_at = Set(Some(Utc::now()));
            active.update(&txn).await?;
            audit::append(&txn, &owner.concerned(event.clone().subject("api_token", id))).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// The token with this hash, marked used when it may act: it is live (not revoked) and the account
    /// that created it is enabled. A token acts as its creator, so it is refused while that account is
    /// disabled (checked at each use, so it stops the moment the account does) and acts again if the account
    /// is re-enabled; a token that should never act again is revoked. Likewise while its institution is
    /// suspended by the operator.
    ///
    /// # Errors
    /// Database failure.
    pub async fn use_api_token(&self, hash: &str) -> Result<TokenUse, StoreError> {
        let Some(row) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(TokenUse::Unknown);
        };
        let creator = account::Entity::find_by_id(row.created_by).one(&self.db).await?;
        let token = info(row.clone())?;
        let Some(creator) = creator.filter(|a| !a.disabled) else {
            return Ok(TokenUse::AccountDisabled(token));
        };
        if let TokenOwner::Institution(id) = token.owner
            && self.institution_suspension(id).await?.is_some()
        {
            return Ok(TokenUse::InstitutionSuspended(token));
        }
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Utc::now()))
            .filter(api_token::Column::Id.eq(row.id))
            .exec(&self.db)
            .await?;
        Ok(TokenUse::Live(token, crate::accounts::from_row(creator)?))
    }
}

/// What a presented token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUse {
    /// It acts for its owner, as its creator (the account as it stands now).
    Live(ApiTokenInfo, crate::Account),
    /// No such token, or revoked.
    Unknown,
    /// The account that created it is disabled (or gone): refused until the account is enabled again.
    AccountDisabled(ApiTokenInfo),
    /// Its institution is suspended by the operator: refused until the institution is resumed.
    InstitutionSuspended(ApiTokenInfo),
}
