//! Session records for the web layer's session store (the default when no Redis is configured): an opaque
//! id, the serialised session and its expiry.

use crate::entity::session;
use crate::{Store, StoreError};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

impl Store {
    /// The data of an unexpired session.
    ///
    /// # Errors
    /// Database failure.
    pub async fn session_load(&self, id: &str) -> Result<Option<String>, StoreError> {
        Ok(session::Entity::find_by_id(id.to_owned())
            .filter(session::Column::ExpiresAt.gt(Utc::now()))
            .one(&self.db)
            .await?
            .map(|s| s.data))
    }

    /// Creates or replaces a session.
    ///
    /// # Errors
    /// Database failure.
    pub async fn session_save(&self, id: &str, data: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        session::Entity::insert(session::ActiveModel {
            id: Set(id.to_owned()),
            data: Set(data.to_owned()),
            expires_at: Set(expires_at),
        })
        .on_conflict(
            OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        Ok(())
    }

    /// Whether a session id is taken (expired or not), so new ids never collide.
    ///
    /// # Errors
    /// Database failure.
    pub async fn session_exists(&self, id: &str) -> Result<bool, StoreError> {
        Ok(session::Entity::find_by_id(id.to_owned()).one(&self.db).await?.is_some())
    }

    /// Ends a session.
    ///
    /// # Errors
    /// Database failure.
    pub async fn session_delete(&self, id: &str) -> Result<(), StoreError> {
        session::Entity::delete_by_id(id.to_owned()).exec(&self.db).await?;
        Ok(())
    }

    /// Removes expired sessions; how many.
    ///
    /// # Errors
    /// Database failure.
    pub async fn session_delete_expired(&self) -> Result<u64, StoreError> {
        Ok(session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lte(Utc::now()))
            .exec(&self.db)
            .await?
            .rows_affected)
    }
}
