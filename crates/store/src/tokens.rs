//! Institutions' API tokens: created and revoked by the institution's users, stored only as a hash, each
//! scoped to its institution.

use crate::audit::{self, AuditEvent};
use crate::entity::{account, api_token};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Serialize;

/// A token as its institution's users see it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiTokenInfo {
    pub id: i64,
    pub institution_id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn info(row: api_token::Model) -> ApiTokenInfo {
    ApiTokenInfo {
        id: row.id,
        institution_id: row.institution_id,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    }
}

impl Store {
    /// Stores a new token's hash.
    ///
    /// # Errors
    /// Database failure.
    pub async fn create_api_token(
        &self,
        institution_id: i64,
        name: &str,
        prefix: &str,
        hash: &str,
        event: &AuditEvent<'_>,
    ) -> Result<ApiTokenInfo, StoreError> {
        let txn = self.write_txn().await?;
        let row = api_token::ActiveModel {
            institution_id: Set(institution_id),
            name: Set(name.to_owned()),
            prefix: Set(prefix.to_owned()),
            token_hash: Set(hash.to_owned()),
            created_by: Set(event.account_id.unwrap_or_default()),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(&txn, &event.clone().subject("api_token", row.id).institution(institution_id)).await?;
        txn.commit().await?;
        Ok(info(row))
    }

    /// An institution's tokens, newest first (revoked ones too, marked).
    ///
    /// # Errors
    /// Database failure.
    pub async fn api_tokens(&self, institution_id: i64) -> Result<Vec<ApiTokenInfo>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::InstitutionId.eq(institution_id))
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(info)
            .collect())
    }

    /// Revokes one of an institution's tokens; another institution's token is "not found".
    ///
    /// # Errors
    /// [`StoreError::NotFound`]; database failure.
    pub async fn revoke_api_token(
        &self,
        institution_id: i64,
        id: i64,
        event: &AuditEvent<'_>,
    ) -> Result<(), StoreError> {
        let txn = self.write_txn().await?;
        let row = api_token::Entity::find_by_id(id)
            .filter(api_token::Column::InstitutionId.eq(institution_id))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::ApiToken, key: id.to_string() })?;
        if row.revoked_at.is_none() {
            let mut active: api_token::ActiveModel = row.into();
            active.revoked_at = Set(Some(Utc::now()));
            active.update(&txn).await?;
            audit::append(&txn, &event.clone().subject("api_token", id).institution(institution_id)).await?;
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
        if creator.is_none_or(|a| a.disabled) {
            return Ok(TokenUse::AccountDisabled(info(row)));
        }
        if self.institution_suspension(row.institution_id).await?.is_some() {
            return Ok(TokenUse::InstitutionSuspended(info(row)));
        }
        api_token::Entity::update_many()
            .col_expr(api_token::Column::LastUsedAt, Expr::value(Utc::now()))
            .filter(api_token::Column::Id.eq(row.id))
            .exec(&self.db)
            .await?;
        Ok(TokenUse::Live(info(row)))
    }
}

/// What a presented token may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenUse {
    /// It acts for its institution, as its creator.
    Live(ApiTokenInfo),
    /// No such token, or revoked.
    Unknown,
    /// The account that created it is disabled (or gone): refused until the account is enabled again.
    AccountDisabled(ApiTokenInfo),
    /// Its institution is suspended by the operator: refused until the institution is resumed.
    InstitutionSuspended(ApiTokenInfo),
}
