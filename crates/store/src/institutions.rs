//! Institutions: banks, micro-credit and leasing companies, insurers and guarantee agencies.

use crate::entity::institution;
use crate::mapping::institution_from_row;
use crate::{Store, StoreError};
use chrono::Utc;
use finmart_domain::{Institution, InstitutionRef, Labelled, NewInstitution};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

impl Store {
    /// Every institution, by name.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institutions(&self) -> Result<Vec<Institution>, StoreError> {
        institution::Entity::find()
            .order_by_asc(institution::Column::Name)
            .all(&self.db)
            .await?
            .into_iter()
            .map(institution_from_row)
            .collect()
    }

    /// One institution by id.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institution(&self, id: i64) -> Result<Option<Institution>, StoreError> {
        institution::Entity::find_by_id(id).one(&self.db).await?.map(institution_from_row).transpose()
    }

    /// One institution by its code.
    ///
    /// # Errors
    /// Database failure or a corrupt row.
    pub async fn institution_by_code(&self, code: &str) -> Result<Option<Institution>, StoreError> {
        find_by_code(&self.db, code).await
    }

    /// Creates an institution.
    ///
    /// # Errors
    /// [`StoreError::InstitutionCodeTaken`]; database failure.
    pub async fn create_institution(&self, new: &NewInstitution) -> Result<Institution, StoreError> {
        insert(&self.db, new).await
    }
}

pub(crate) async fn find_by_code(db: &impl ConnectionTrait, code: &str) -> Result<Option<Institution>, StoreError> {
    institution::Entity::find()
        .filter(institution::Column::Code.eq(code))
        .one(db)
        .await?
        .map(institution_from_row)
        .transpose()
}

pub(crate) async fn insert(db: &impl ConnectionTrait, new: &NewInstitution) -> Result<Institution, StoreError> {
    if find_by_code(db, &new.code).await?.is_some() {
        return Err(StoreError::InstitutionCodeTaken(new.code.clone()));
    }
    let now = Utc::now();
    let row = institution::ActiveModel {
        code: Set(new.code.clone()),
        name: Set(new.name.clone()),
        kind: Set(new.kind.as_str().to_owned()),
        intro: Set(new.intro.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    institution_from_row(row)
}

/// The institutions with these ids, as references by id (ids repeat freely; each is read once).
pub(crate) async fn refs_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, InstitutionRef>, StoreError> {
    let mut ids: Vec<i64> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(institution_from_row)
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|i| (i.id, i.to_ref()))
        .collect())
}
