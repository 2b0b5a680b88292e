//! Documents kept in an S3 object store (a real S3 server in this process, reached over HTTP): the rows in
//! the database, the bytes in the bucket under keys that name no file; every failure keeps nothing and says
//! what it is. SQLite and PostgreSQL.

use crate::documents::tests::{LIMITS, PDF, applied, upload};
use crate::entity::application_document;
use crate::testing_s3::TestS3;
use crate::{
    AuditEvent, AuditQuery, DocumentStorage, OBJECT_STORE, ObjectStorage, StorageError, Store, StoreError, testing,
};
use async_trait::async_trait;
use finmart_domain::UploadRefusal;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, Set};
use std::sync::Arc;

async fn row(store: &Store, id: i64) -> application_document::Model {
    application_document::Entity::find_by_id(id).one(&store.db).await.unwrap().unwrap()
}

async fn downloads(store: &Store, enterprise_id: i64) -> usize {
    let query = AuditQuery { enterprise_id: Some(enterprise_id), limit: 100, ..AuditQuery::default() };
    store.audit_log(query).await.unwrap().iter().filter(|e| e.action == "document.download").count()
}

/// Kept in the bucket (not in the database), read back byte for byte and audited; a document the database
/// kept before the move stays readable; a server without the object store, an object altered or removed
/// behind the server's back: each is its own error, and nothing is recorded as downloaded.
#[tokio::test]
async fn documents_are_kept_in_the_object_store_and_read_back_checked() {
    for db in testing::all().await {
        let b = db.backend;
        let s3 = TestS3::start().await;
        let storage = Arc::new(s3.storage());
        let (app, sme) = applied(&db.store).await;
        let event = AuditEvent::by(&sme, None, "document.upload");
        let before = db.store.add_document(upload(&app, "旧.pdf", PDF, None), LIMITS, &event).await.unwrap();
        let store = db.store.clone().with_document_storage(storage.clone());
        assert_eq!(store.document_storage_name(), OBJECT_STORE);
        let kept = store.add_document(upload(&app, "执照.pdf", PDF, Some("营业执照")), LIMITS, &event).await.unwrap();

        let kept_row = row(&store, kept.id).await;
        assert_eq!(kept_row.storage, OBJECT_STORE, "{b}");
        let prefix = format!("applications/{}/", app.id);
        assert!(kept_row.storage_key.starts_with(&prefix), "{b}: {}", kept_row.storage_key);
        assert_eq!(kept_row.storage_key.len(), prefix.len() + 32, "{b}: 128 random bits, no name");
        assert_eq!(storage.keys().await.unwrap(), vec![kept_row.storage_key.clone()], "{b}");
        assert_eq!(row(&store, before.id).await.storage, "database");
        assert_eq!(store.document_totals().await.unwrap(), (2, PDF.len() as u64), "{b}: the old one's bytes only");

        let reader = AuditEvent::by(&sme, None, "document.download");
        assert_eq!(store.download_document(&kept, None, &reader).await.unwrap(), PDF, "{b}");
        assert_eq!(store.download_document(&before, None, &reader).await.unwrap(), PDF, "{b}: from the database");
        assert_eq!(downloads(&store, app.enterprise_id).await, 2, "{b}");

        let e = db.store.download_document(&kept, None, &reader).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Storage(StorageError::NotConfigured { storage, .. }) if storage == OBJECT_STORE),
            "{b}: {e}"
        );
        storage.put(&kept_row.storage_key, b"%PDF-1.4 something else".to_vec(), "application/pdf").await.unwrap();
        let e = store.download_document(&kept, None, &reader).await.unwrap_err();
        assert!(matches!(e, StoreError::Storage(StorageError::Altered { found_bytes: 23, .. })), "{b}: {e}");
        storage.delete(&kept_row.storage_key).await.unwrap();
        let e = store.download_document(&kept, None, &reader).await.unwrap_err();
        assert!(
            matches!(&e, StoreError::Storage(StorageError::Missing { document_id, .. }) if *document_id == kept.id)
        );
        assert_eq!(e.message_zh(), "该文件的内容在文件存储中已找不到，请联系平台运营方，或由企业重新上传");
        assert_eq!(downloads(&store, app.enterprise_id).await, 2, "{b}: a failed download is not one");
    }
}

/// With the S3 server stopped an upload is refused as unavailable, within seconds, and nothing is stored:
/// no row, no bytes anywhere. Back, the same upload is kept.
#[tokio::test]
async fn an_upload_to_a_stopped_object_store_is_refused_and_keeps_nothing() {
    for db in testing::all().await {
        let b = db.backend;
        let mut s3 = TestS3::start().await;
        let storage = Arc::new(s3.storage());
        let store = db.store.clone().with_document_storage(storage.clone());
        let (app, sme) = applied(&store).await;
        let event = AuditEvent::by(&sme, None, "document.upload");
        s3.stop().await;
        let e = store.add_document(upload(&app, "执照.pdf", PDF, None), LIMITS, &event).await.unwrap_err();
        assert!(matches!(e, StoreError::Storage(StorageError::Unavailable { .. })), "{b}: {e}");
        assert_eq!(e.message_zh(), "文件存储暂时不可用，文件未保存或未能读取，请稍后重试");
        assert_eq!(store.document_totals().await.unwrap(), (0, 0), "{b}: no row");
        assert!(store.check_document_storage().await.is_err(), "{b}");
        s3.resume().await;
        assert!(storage.keys().await.unwrap().is_empty(), "{b}: no object");
        store.check_document_storage().await.unwrap();
        store.add_document(upload(&app, "执照.pdf", PDF, None), LIMITS, &event).await.unwrap();
        assert_eq!(store.document_totals().await.unwrap(), (1, 0), "{b}");
        assert_eq!(storage.keys().await.unwrap().len(), 1, "{b}");
    }
}

/// The object storage, and another upload that takes the application's last place while a document's
/// bytes are being written (as one made at the same moment through another server would).
#[derive(Debug)]
struct Racing {
    inner: ObjectStorage,
    db: DatabaseConnection,
    application_id: i64,
}

#[async_trait]
impl DocumentStorage for Racing {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &'static str) -> Result<(), StoreError> {
        self.inner.put(key, bytes, content_type).await?;
        application_document::ActiveModel {
            application_id: Set(self.application_id),
            material: Set(None),
            file_name: Set("同时上传.pdf".to_owned()),
            kind: Set("pdf".to_owned()),
            size_bytes: Set(PDF.len() as i64),
            sha256: Set("0".repeat(64)),
            storage: Set(OBJECT_STORE.to_owned()),
            storage_key: Set(format!("applications/{}/racing", self.application_id)),
            uploaded_by: Set(100),
            uploaded_at: Set(chrono::Utc::now()),
            ..Default::default()
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get(key).await
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key).await
    }

    async fn check(&self) -> Result<(), StoreError> {
        self.inner.check().await
    }
}

/// A row refused after its bytes were written (the last place taken meanwhile) takes its object with it:
/// the bucket holds only what the rows name.
#[tokio::test]
async fn bytes_written_for_a_row_that_is_refused_are_removed_from_the_bucket() {
    for db in testing::all().await {
        let b = db.backend;
        let s3 = TestS3::start().await;
        let (app, sme) = applied(&db.store).await;
        let event = AuditEvent::by(&sme, None, "document.upload");
        let plain = db.store.clone().with_document_storage(Arc::new(s3.storage()));
        let first = plain.add_document(upload(&app, "一.pdf", PDF, None), LIMITS, &event).await.unwrap();
        let racing = Racing { inner: s3.storage(), db: db.store.db.clone(), application_id: app.id };
        let store = db.store.clone().with_document_storage(Arc::new(racing));
        let e = store.add_document(upload(&app, "二.pdf", PDF, None), LIMITS, &event).await.unwrap_err();
        assert!(matches!(e, StoreError::Upload(UploadRefusal::TooMany { max: 2, .. })), "{b}: {e}");
        let keys = s3.storage().keys().await.unwrap();
        assert_eq!(keys, vec![row(&store, first.id).await.storage_key], "{b}: the refused one's object is gone");
        assert_eq!(store.document_totals().await.unwrap().0, 2, "{b}: the first and the racing one");
    }
}
