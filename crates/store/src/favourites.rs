//! A firm's favourite products (收藏). Every read and write names the firm, so a firm only ever sees and
//! changes its own list. A favourite keeps its product whatever becomes of it: the list shows a product that
//! is no longer published as such rather than dropping it unannounced.

use crate::entity::{enterprise, favourite, product};
use crate::{Record, Store, StoreError};
use chrono::{DateTime, Utc};
use finmart_domain::{FieldErrors, Product, ValueError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;

/// The most favourites a firm keeps (a list a person reads, not a catalogue).
pub const MAX_FAVOURITES: u64 = 200;

/// One favourite: the product as stored now (any state) and when the firm added it.
#[derive(Debug, Clone, PartialEq)]
pub struct Favourite {
    pub product: Product,
    pub added_at: DateTime<Utc>,
}

impl Store {
    /// Adds `product_id` to the firm's favourites; adding one already there changes nothing (and keeps its
    /// date). Returns whether it was added now.
    ///
    /// # Errors
    /// [`StoreError::NotFound`] for no such firm or product; [`StoreError::Invalid`] (field `product_id`)
    /// when the list is full; database failure.
    pub async fn add_favourite(&self, enterprise_id: i64, product_id: i64) -> Result<bool, StoreError> {
        let txn = self.write_txn().await?;
        if enterprise::Entity::find_by_id(enterprise_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound { what: Record::Enterprise, key: enterprise_id.to_string() });
        }
        if product::Entity::find_by_id(product_id).one(&txn).await?.is_none() {
            return Err(StoreError::NotFound { what: Record::Product, key: product_id.to_string() });
        }
        let kept = favourite::Entity::find().filter(favourite::Column::EnterpriseId.eq(enterprise_id));
        let rows = kept.all(&txn).await?;
        if rows.iter().any(|r| r.product_id == product_id) {
            return Ok(false);
        }
        if rows.len() as u64 >= MAX_FAVOURITES {
            let mut errors = FieldErrors::default();
            errors.push("product_id", ValueError::Invalid(format!("收藏最多 {MAX_FAVOURITES} 个产品，请先移除一些")));
            return Err(StoreError::Invalid(errors));
        }
        let row = favourite::ActiveModel {
            enterprise_id: Set(enterprise_id),
            product_id: Set(product_id),
            created_at: Set(Utc::now()),
        };
        // Two concurrent adds of the same product: the second finds the key taken and changes nothing.
        let conflict = OnConflict::columns([favourite::Column::EnterpriseId, favourite::Column::ProductId])
            .do_nothing()
            .to_owned();
        let inserted = favourite::Entity::insert(row).on_conflict(conflict).exec_without_returning(&txn).await?;
        txn.commit().await?;
        Ok(inserted > 0)
    }

    /// Removes `product_id` from the firm's favourites; returns whether it was there.
    ///
    /// # Errors
    /// Database failure.
    pub async fn remove_favourite(&self, enterprise_id: i64, product_id: i64) -> Result<bool, StoreError> {
        let deleted = favourite::Entity::delete_many()
            .filter(favourite::Column::EnterpriseId.eq(enterprise_id))
            .filter(favourite::Column::ProductId.eq(product_id))
            .exec(&self.db)
            .await?;
        Ok(deleted.rows_affected > 0)
    }

    /// The firm's favourites, the most recently added first, each with its product in whatever state it is.
    ///
    /// # Errors
    /// Database failure or a corrupt product row.
    pub async fn favourites(&self, enterprise_id: i64) -> Result<Vec<Favourite>, StoreError> {
        let rows = favourite::Entity::find()
            .filter(favourite::Column::EnterpriseId.eq(enterprise_id))
            .order_by_desc(favourite::Column::CreatedAt)
            .order_by_desc(favourite::Column::ProductId)
            .all(&self.db)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.product_id).collect();
        let mut products: HashMap<i64, Product> = self.products(&ids).await?.into_iter().map(|p| (p.id, p)).collect();
        Ok(rows
            .into_iter()
            .filter_map(|r| products.remove(&r.product_id).map(|product| Favourite { product, added_at: r.created_at }))
            .collect())
    }

    /// Which of `product_ids` the firm keeps as favourites.
    ///
    /// # Errors
    /// Database failure.
    pub async fn favourite_ids(&self, enterprise_id: i64, product_ids: &[i64]) -> Result<Vec<i64>, StoreError> {
        let rows = favourite::Entity::find()
            .filter(favourite::Column::EnterpriseId.eq(enterprise_id))
            .filter(favourite::Column::ProductId.is_in(product_ids.iter().copied()))
            .order_by_asc(favourite::Column::ProductId)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| r.product_id).collect())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use crate::StoreError;
    use crate::testing;
    use crate::tests::{bank, spec};
    use chrono::NaiveDate;
    use finmart_domain::LifecycleState;

    #[tokio::test]
    async fn a_firm_keeps_its_own_favourites_once_each_whatever_becomes_of_the_product() {
        for db in testing::all().await {
            let store = &db.store;
            let owner = store.create_institution(&bank()).await.unwrap();
            let first = store.save_product(owner.id, LifecycleState::Published, &spec(&[])).await.unwrap().product_id();
            let second = store
                .save_product(owner.id, LifecycleState::Published, &spec(&[("code", "P-2"), ("name", "科创信用贷二")]))
                .await
                .unwrap()
                .product_id();
            let day = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
            let mut firms = finmart_synth::profiles(7, 2, day).map(|p| p.profile);
            let firm = store.save_enterprise(&firms.next().unwrap(), false).await.unwrap().id;
            let other = store.save_enterprise(&firms.next().unwrap(), false).await.unwrap().id;

            assert!(store.add_favourite(firm, first).await.unwrap(), "{}", db.backend);
            assert!(!store.add_favourite(firm, first).await.unwrap(), "a second add changes nothing");
            assert!(store.add_favourite(firm, second).await.unwrap());
            assert!(store.add_favourite(other, second).await.unwrap());
            let listed: Vec<i64> = store.favourites(firm).await.unwrap().iter().map(|f| f.product.id).collect();
            assert_eq!(listed.len(), 2, "{}", db.backend);
            assert!(listed.contains(&first) && listed.contains(&second));
            assert_eq!(store.favourite_ids(firm, &[first, second, 999]).await.unwrap(), vec![first, second]);
            assert_eq!(store.favourite_ids(other, &[first, second]).await.unwrap(), vec![second]);

            // Archived, it stays on the list in its new state.
            store.set_product_state(first, LifecycleState::Archived).await.unwrap();
            let kept = store.favourites(firm).await.unwrap();
            let archived = kept.iter().find(|f| f.product.id == first).unwrap();
            assert_eq!(archived.product.state, LifecycleState::Archived, "{}", db.backend);

            // Removing is the firm's own: another firm's removal leaves the list as it was.
            assert!(!store.remove_favourite(other, first).await.unwrap());
            assert!(store.remove_favourite(firm, first).await.unwrap());
            assert!(!store.remove_favourite(firm, first).await.unwrap());
            assert_eq!(store.favourite_ids(firm, &[first, second]).await.unwrap(), vec![second]);
            assert_eq!(store.favourite_ids(other, &[first, second]).await.unwrap(), vec![second]);

            // Unknown products and firms are refused, and nothing is stored.
            assert!(matches!(store.add_favourite(firm, 999_999).await, Err(StoreError::NotFound { .. })));
            assert!(matches!(store.add_favourite(999_999, second).await, Err(StoreError::NotFound { .. })));
        }
    }
}
