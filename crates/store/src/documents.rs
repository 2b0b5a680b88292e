//! Documents applicants upload to their applications: the metadata in `application_document`, the bytes
//! behind one storage interface ([`DocumentStorage`]).
//!
//! The default storage is the database itself ([`DatabaseStorage`], table `document_blob`), so every
//! server of a deployment sees every file on SQLite and PostgreSQL alike; a deployment may hand the store
//! another ([`Store::with_document_storage`]). Whatever the storage, a refused upload keeps nothing: the
//! file is checked before its bytes are put, and bytes put for a row that is then not written are deleted
//! again. Who may read an application's documents is decided by the web layer (the two parties and the
//! operator); each download is recorded here, in the audit log the firm reads, and a lender's also as a
//! view of the firm in the profile-view log.

use crate::audit::{self, AuditEvent};
use crate::consent::insert_view;
use crate::entity::{application, application_document, document_blob};
use crate::error::StorageError;
use crate::{Record, Store, StoreError, password};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use finmart_domain::{DocumentKind, DocumentLimits, Materials, UploadRefusal, check_upload, clean_file_name};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Debug;

/// Where documents' bytes are kept, by key. Keys are made by the store (`applications/{application}/{random}`:
/// never from a file name, never the same twice).
#[async_trait]
pub trait DocumentStorage: Send + Sync + Debug {
    /// The name recorded with each document it keeps (`database`, `object_store`).
    fn name(&self) -> &'static str;
    /// Keeps `bytes` under `key`, as `content_type` (where the storage records one).
    ///
    /// # Errors
    /// The storage failed; nothing is kept.
    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &'static str) -> Result<(), StoreError>;
    /// The bytes kept under `key`, or `None`.
    ///
    /// # Errors
    /// The storage failed.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Forgets `key` (nothing happens when it is not kept).
    ///
    /// # Errors
    /// The storage failed.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Whether the storage answers (for the start and `/readyz`).
    ///
    /// # Errors
    /// It does not, or refuses the server (the reason in the error, for the log).
    async fn check(&self) -> Result<(), StoreError>;
}

/// The first segment of every document's key (the application's id and a random part follow).
pub const KEY_PREFIX: &str = "applications";

/// The name documents kept in the database are recorded with.
pub const DATABASE: &str = "database";

/// The default storage: the bytes in the database's `document_blob` table.
#[derive(Debug, Clone)]
pub struct DatabaseStorage {
    db: DatabaseConnection,
}

#[async_trait]
impl DocumentStorage for DatabaseStorage {
    fn name(&self) -> &'static str {
        DATABASE
    }

    /// The content type is not kept: the row's `kind` says it.
    async fn put(&self, key: &str, bytes: Vec<u8>, _content_type: &'static str) -> Result<(), StoreError> {
        document_blob::ActiveModel { key: Set(key.to_owned()), bytes: Set(bytes), created_at: Set(Utc::now()) }
            .insert(&self.db)
            .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(document_blob::Entity::find_by_id(key.to_owned()).one(&self.db).await?.map(|row| row.bytes))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        document_blob::Entity::delete_by_id(key.to_owned()).exec(&self.db).await?;
        Ok(())
    }

    async fn check(&self) -> Result<(), StoreError> {
        Ok(self.db.ping().await?)
    }
}

impl DatabaseStorage {
    #[must_use]
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// One document kept on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentInfo {
    pub id: i64,
    pub application_id: i64,
    /// The material of the product's list it is for (none: not named).
    pub material: Option<String>,
    pub file_name: String,
    pub kind: DocumentKind,
    pub size_bytes: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// An upload, as the web layer received it.
#[derive(Debug, Clone)]
pub struct NewDocument<'a> {
    pub application_id: i64,
    /// The material named, if any (blank: none).
    pub material: Option<&'a str>,
    pub file_name: &'a str,
    pub bytes: Vec<u8>,
    pub uploaded_by: i64,
}

fn info(row: application_document::Model) -> Result<DocumentInfo, StoreError> {
    let corrupt =
        |field, reason: String| StoreError::Corrupt { table: "application_document", id: row.id, field, reason };
    let kind = DocumentKind::parse(&row.kind).ok_or_else(|| corrupt("kind", format!("unknown kind {}", row.kind)))?;
    let size_bytes = u64::try_from(row.size_bytes).map_err(|e| corrupt("size_bytes", e.to_string()))?;
    Ok(DocumentInfo {
        id: row.id,
        application_id: row.application_id,
        material: row.material,
        file_name: row.file_name,
        kind,
        size_bytes,
        sha256: row.sha256,
        uploaded_by: row.uploaded_by,
        uploaded_at: row.uploaded_at,
    })
}

async fn count_of(db: &impl ConnectionTrait, application_id: i64) -> Result<u64, StoreError> {
    Ok(application_document::Entity::find()
        .filter(application_document::Column::ApplicationId.eq(application_id))
        .count(db)
        .await?)
}

impl Store {
    /// The store with its documents' bytes kept in `storage` instead of the database.
    #[must_use]
    pub fn with_document_storage(mut self, storage: std::sync::Arc<dyn DocumentStorage>) -> Self {
        self.documents = storage;
        self
    }

    /// The name of the storage documents are kept in now.
    #[must_use]
    pub fn document_storage_name(&self) -> &'static str {
        self.documents.name()
    }

    /// Keeps an uploaded document on its application: checked by the domain's rules (kind by content,
    /// size, count) and, when a material is named, against the product's list. `event` is the uploader's;
    /// the audit entry names both parties.
    ///
    /// # Errors
    /// [`StoreError::Upload`] for a refused file (nothing kept); not found for no such application; the
    /// storage's or the database's failure (nothing kept).
    pub async fn add_document(
        &self,
        new: NewDocument<'_>,
        limits: DocumentLimits,
        event: &AuditEvent<'_>,
    ) -> Result<DocumentInfo, StoreError> {
        let app = application::Entity::find_by_id(new.application_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Application, key: new.application_id.to_string() })?;
        let name = clean_file_name(new.file_name);
        let kind =
            check_upload(&name, &new.bytes, limits, count_of(&self.db, app.id).await?).map_err(StoreError::Upload)?;
        let material = new.material.map(str::trim).filter(|m| !m.is_empty()).map(str::to_owned);
        if let Some(material) = &material {
            let listed = self.product(app.product_id).await?.map_or(Materials::NotStated, |p| p.spec.materials);
            if !listed.lists(material) {
                return Err(StoreError::Upload(UploadRefusal::UnknownMaterial { name, material: material.clone() }));
            }
        }
        let size = i64::try_from(new.bytes.len()).unwrap_or(i64::MAX);
        let sha256: String = Sha256::digest(&new.bytes).iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("{KEY_PREFIX}/{}/{}", app.id, password::secret(16));
        let storage = self.documents.name();
        if let Err(e) = self.documents.put(&key, new.bytes, kind.mime()).await {
            tracing::warn!(error = %e, storage, application_id = app.id, "a document's bytes could not be kept; nothing stored");
            return Err(e);
        }
        let written =
            self.document_row(&app, material, &name, kind, size, &sha256, &key, new.uploaded_by, limits, event).await;
        match &written {
            Ok(doc) => tracing::info!(document_id = doc.id, application_id = app.id, storage, size, "document kept"),
            // The row was not written: the bytes go too, so a refusal or a failure keeps nothing.
            Err(e) => match self.documents.delete(&key).await {
                Ok(()) => tracing::info!(reason = %e, storage, key, "an unwritten document's bytes were removed"),
                Err(gone) => tracing::error!(
                    error = %gone, reason = %e, storage, key,
                    "an unwritten document's bytes could not be removed: an orphan object remains"
                ),
            },
        }
        written
    }

    /// Writes the row of a document whose bytes are kept under `key`, checking the count again inside the
    /// transaction (two uploads at once cannot both take the last place on SQLite, whose writers queue).
    #[allow(clippy::too_many_arguments)]
    async fn document_row(
        &self,
        app: &application::Model,
        material: Option<String>,
        name: &str,
        kind: DocumentKind,
        size: i64,
        sha256: &str,
        key: &str,
        uploaded_by: i64,
        limits: DocumentLimits,
        event: &AuditEvent<'_>,
    ) -> Result<DocumentInfo, StoreError> {
        let txn = self.write_txn().await?;
        if count_of(&txn, app.id).await? >= u64::from(limits.max_per_application) {
            txn.rollback().await?;
            let max = limits.max_per_application;
            return Err(StoreError::Upload(UploadRefusal::TooMany { name: name.to_owned(), max }));
        }
        let row = application_document::ActiveModel {
            application_id: Set(app.id),
            material: Set(material),
            file_name: Set(name.to_owned()),
            kind: Set(kind.as_str().to_owned()),
            size_bytes: Set(size),
            sha256: Set(sha256.to_owned()),
            storage: Set(self.documents.name().to_owned()),
            storage_key: Set(key.to_owned()),
            uploaded_by: Set(uploaded_by),
            uploaded_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let mut entry =
            event.clone().subject("document", row.id).enterprise(app.enterprise_id).institution(app.institution_id);
        entry.action = "document.upload";
        let entry = entry.with_facts(serde_json::json!({
            "application_id": app.id, "file_name": name, "kind": kind.as_str(), "size_bytes": size,
            "material": row.material,
        }));
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        info(row)
    }

    /// The bytes of the document of `row`, from the storage it was kept in (the database's own even after the
    /// deployment moved to an object store), checked against the size and SHA-256 recorded with it.
    async fn stored_bytes(&self, row: &application_document::Model) -> Result<Vec<u8>, StoreError> {
        let database;
        let storage: &dyn DocumentStorage = if row.storage == self.documents.name() {
            self.documents.as_ref()
        } else if row.storage == DATABASE {
            database = DatabaseStorage::new(self.db.clone());
            &database
        } else {
            return Err(StorageError::NotConfigured { document_id: row.id, storage: row.storage.clone() }.into());
        };
        let bytes = storage
            .get(&row.storage_key)
            .await?
            .ok_or_else(|| StorageError::Missing { document_id: row.id, storage: row.storage.clone() })?;
        let sha256: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        if i64::try_from(bytes.len()).ok() != Some(row.size_bytes) || sha256 != row.sha256 {
            return Err(StorageError::Altered {
                document_id: row.id,
                storage: row.storage.clone(),
                expected_bytes: u64::try_from(row.size_bytes).unwrap_or_default(),
                found_bytes: bytes.len() as u64,
            }
            .into());
        }
        Ok(bytes)
    }

    /// Whether the storage documents are kept in now answers (for `/readyz`).
    ///
    /// # Errors
    /// It does not ([`StorageError::Unavailable`], or the database's failure for the database's own).
    pub async fn check_document_storage(&self) -> Result<(), StoreError> {
        self.documents.check().await
    }

    /// The documents of an application, oldest first.
    ///
    /// # Errors
    /// Database failure; a row that no longer reads.
    pub async fn documents(&self, application_id: i64) -> Result<Vec<DocumentInfo>, StoreError> {
        application_document::Entity::find()
            .filter(application_document::Column::ApplicationId.eq(application_id))
            .order_by_asc(application_document::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(info)
            .collect()
    }

    /// Document `id` of application `application_id` (none when it is another application's).
    ///
    /// # Errors
    /// Database failure; a row that no longer reads.
    pub async fn document(&self, application_id: i64, id: i64) -> Result<Option<DocumentInfo>, StoreError> {
        application_document::Entity::find_by_id(id)
            .filter(application_document::Column::ApplicationId.eq(application_id))
            .one(&self.db)
            .await?
            .map(info)
            .transpose()
    }

    /// How many documents are kept in all, and their bytes in the database's own storage (what a refusal
    /// must leave unchanged; for tests and the operator).
    ///
    /// # Errors
    /// Database failure.
    pub async fn document_totals(&self) -> Result<(u64, u64), StoreError> {
        let rows = application_document::Entity::find().count(&self.db).await?;
        let blobs: u64 = document_blob::Entity::find().all(&self.db).await?.iter().map(|b| b.bytes.len() as u64).sum();
        Ok((rows, blobs))
    }

    /// The bytes of `doc`, for a download by `event`'s account, recorded in the audit log of both parties
    /// (`document.download`); when the reader is the lender (`lender`: its institution), also as a view of
    /// the firm in the profile-view log the firm reads (context `document`).
    ///
    /// # Errors
    /// [`StoreError::Storage`]: the storage is unavailable ([`StorageError::Unavailable`]), no longer holds
    /// the bytes ([`StorageError::Missing`]), holds others ([`StorageError::Altered`]), or is not this
    /// server's ([`StorageError::NotConfigured`]); the database's failure. Nothing is recorded then.
    pub async fn download_document(
        &self,
        doc: &DocumentInfo,
        lender: Option<i64>,
        event: &AuditEvent<'_>,
    ) -> Result<Vec<u8>, StoreError> {
        let row = application_document::Entity::find_by_id(doc.id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Document, key: doc.id.to_string() })?;
        let bytes = self.stored_bytes(&row).await.inspect_err(|e| {
            tracing::error!(error = %e, document_id = row.id, storage = %row.storage, "a document could not be read");
        })?;
        let app = application::Entity::find_by_id(row.application_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::NotFound { what: Record::Application, key: row.application_id.to_string() })?;
        let txn = self.write_txn().await?;
        if let Some(institution) = lender {
            insert_view(&txn, app.enterprise_id, institution, event.account_id, "document", Some(app.id), event)
                .await?;
        }
        let mut entry =
            event.clone().subject("document", row.id).enterprise(app.enterprise_id).institution(app.institution_id);
        entry.action = "document.download";
        let entry = entry.with_facts(serde_json::json!({
            "application_id": app.id, "file_name": row.file_name, "material": row.material,
        }));
        audit::append(&txn, &entry).await?;
        txn.commit().await?;
        Ok(bytes)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::testing;
    use crate::tests::{bank, spec};
    use crate::{AuditQuery, NewApplication, Party};
    use finmart_domain::{Fen, LifecycleState, LoanPurpose, Months, Principal, Role};

    pub(crate) const LIMITS: DocumentLimits = DocumentLimits { max_bytes: 1024, max_per_application: 2 };
    pub(crate) const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

    /// A store with one application of a firm to a product listing 营业执照 and 纳税证明, and the firm's user.
    pub(crate) async fn applied(store: &Store) -> (application::Model, Principal) {
        let owner = store.create_institution(&bank()).await.unwrap().id;
        let product = spec(&[("eligibility", ""), ("districts", "all"), ("materials", "营业执照|纳税证明")]);
        let product = store.save_product(owner, LifecycleState::Published, &product).await.unwrap().product_id();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        let firm = finmart_synth::profiles(20, 1, today).next().unwrap().profile;
        let enterprise = store.save_enterprise(&firm, true).await.unwrap().id;
        let sme = Principal {
            account_id: 100,
            role: Role::Sme,
            display_name: "测试".into(),
            enterprise_id: Some(enterprise),
            institution_id: None,
            provider_id: None,
        };
        let new = NewApplication {
            enterprise_id: enterprise,
            product_id: product,
            applicant_account_id: sme.account_id,
            idempotency_key: "docs".into(),
            amount: Fen::wan(50),
            term: Months::new(12).unwrap(),
            purpose: LoanPurpose::WorkingCapital,
            purpose_text: String::new(),
            offer_id: None,
        };
        let id = store.submit_application(&new, &AuditEvent::by(&sme, None, "application.submit")).await.unwrap().0.id;
        (application::Entity::find_by_id(id).one(&store.db).await.unwrap().unwrap(), sme)
    }

    pub(crate) fn upload<'a>(
        app: &application::Model,
        name: &'a str,
        bytes: &[u8],
        material: Option<&'a str>,
    ) -> NewDocument<'a> {
        NewDocument { application_id: app.id, material, file_name: name, bytes: bytes.to_vec(), uploaded_by: 100 }
    }

    #[tokio::test]
    async fn documents_are_kept_read_back_and_refused_whole() {
        for db in testing::all().await {
            let (store, backend) = (&db.store, db.backend);
            let (app, sme) = applied(store).await;
            let event = AuditEvent::by(&sme, None, "document.upload");
            let kept =
                store.add_document(upload(&app, "执照.pdf", PDF, Some("营业执照")), LIMITS, &event).await.unwrap();
            assert_eq!(
                (kept.kind, kept.size_bytes, kept.material.as_deref()),
                (DocumentKind::Pdf, PDF.len() as u64, Some("营业执照"))
            );
            assert_eq!(store.documents(app.id).await.unwrap(), vec![kept.clone()], "{backend}");
            assert_eq!(store.document(app.id + 1, kept.id).await.unwrap(), None, "{backend}: another application's");
            assert_eq!(store.document_totals().await.unwrap(), (1, PDF.len() as u64));

            let refused = [
                upload(&app, "a.pdf", b"not a pdf", None),
                upload(&app, "b.pdf", b"", None),
                upload(&app, "c.pdf", &[b'%'; 2000], None),
                upload(&app, "d.pdf", PDF, Some("身份证")),
            ];
            for new in refused {
                let name = new.file_name;
                let e = store.add_document(new, LIMITS, &event).await.unwrap_err();
                assert!(matches!(e, StoreError::Upload(_)), "{backend} {name}: {e}");
                assert_eq!(store.document_totals().await.unwrap(), (1, PDF.len() as u64), "{backend} {name}");
            }
            store.add_document(upload(&app, "e.pdf", PDF, None), LIMITS, &event).await.unwrap();
            let e = store.add_document(upload(&app, "f.pdf", PDF, None), LIMITS, &event).await.unwrap_err();
            assert!(matches!(e, StoreError::Upload(UploadRefusal::TooMany { max: 2, .. })), "{backend}: {e}");
            assert_eq!(store.document_totals().await.unwrap(), (2, 2 * PDF.len() as u64), "{backend}");

            // A lender's download: the bytes, an audit entry for the firm, a profile view.
            let lender = Principal {
                account_id: 200,
                role: Role::Institution,
                display_name: "银行".into(),
                enterprise_id: None,
                institution_id: Some(app.institution_id),
                provider_id: None,
            };
            let bytes = store
                .download_document(&kept, Some(app.institution_id), &AuditEvent::by(&lender, None, "document.download"))
                .await
                .unwrap();
            assert_eq!(bytes, PDF, "{backend}");
            let log = store
                .audit_log(AuditQuery { enterprise_id: Some(app.enterprise_id), limit: 100, ..AuditQuery::default() })
                .await
                .unwrap();
            assert_eq!(log.iter().filter(|e| e.action == "document.download").count(), 1, "{backend}");
            assert_eq!(log.iter().filter(|e| e.action == "document.upload").count(), 2, "{backend}");
            let views = store.profile_views(app.enterprise_id, 10).await.unwrap();
            assert!(views.iter().any(|v| v.context == "document" && v.application_id == Some(app.id)), "{backend}");

            // Both sides were told of the submission.
            for party in [Party::Enterprise(app.enterprise_id), Party::Institution(app.institution_id)] {
                let told = store.notifications_for(party, false).await.unwrap();
                assert!(told.iter().any(|n| n.kind == "application_submitted"), "{backend}: {party:?}");
            }
        }
    }

    /// The database storage keeps, reads back and forgets bytes by key; forgetting a key it does not hold is
    /// no error (an upload's clean-up may run after a failure that kept nothing).
    #[tokio::test]
    async fn the_database_storage_forgets_what_it_is_told_to() {
        let db = testing::sqlite().await;
        let storage = DatabaseStorage::new(db.store.db.clone());
        storage.check().await.unwrap();
        storage.put("k-1", b"abc".to_vec(), "application/pdf").await.unwrap();
        assert_eq!(storage.get("k-1").await.unwrap().as_deref(), Some(&b"abc"[..]));
        storage.delete("k-1").await.unwrap();
        assert_eq!(storage.get("k-1").await.unwrap(), None);
        storage.delete("k-1").await.unwrap();
    }
}
