//! Documents' bytes in an S3-compatible object store ([`ObjectStorage`]), for deployments that keep files
//! out of the database: AWS S3, MinIO, Ceph and the like, through the `object_store` crate's S3 client.
//!
//! Each document is one object under the key the store makes for it, `applications/{application}/{random}`:
//! 128 random bits, so two uploads never meet, and nothing of the file's name or content in it. The object
//! carries the document's content type; its size and SHA-256 are checked against the row on every download
//! (in [`crate::Store::download_document`], for every storage alike). Requests fail within seconds when the
//! store does not answer (a few quick retries, then [`StorageError::Unavailable`]), so an upload meets a
//! stopped store as a refusal, never as a hung request.

use crate::documents::{DocumentStorage, KEY_PREFIX};
use crate::error::{StorageError, StoreError};
use async_trait::async_trait;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path;
use object_store::{
    Attribute, Attributes, BackoffConfig, ClientOptions, ObjectStore, ObjectStoreExt, PutOptions, PutPayload,
    RetryConfig,
};
use std::sync::Arc;
use std::time::Duration;

/// The name documents kept here are recorded with (`application_document.storage`).
pub const OBJECT_STORE: &str = "object_store";

/// How long connecting to the object store may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one request may take (a 10 MiB document over a slow link fits).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A secret that never shows: its `Debug` is `Secret([redacted])` and it has no `Display`. What it holds is
/// read only where it is used ([`Secret::expose`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that uses it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

/// Where an S3-compatible store is and how to sign in to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// `http(s)://host[:port]` of an S3-compatible server (path-style requests: `{endpoint}/{bucket}/{key}`);
    /// `None` for AWS S3 itself, by region.
    pub endpoint: Option<String>,
    pub bucket: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

impl S3Settings {
    /// The endpoint and bucket, for logs and start-up messages (nothing secret).
    #[must_use]
    pub fn location(&self) -> String {
        let endpoint = self.endpoint.clone().unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", self.region));
        format!("{}/{}", endpoint.trim_end_matches('/'), self.bucket)
    }
}

/// Documents' bytes in an S3 bucket.
#[derive(Debug, Clone)]
pub struct ObjectStorage {
    store: Arc<AmazonS3>,
    location: String,
}

/// `error` as [`StorageError::Unavailable`] (its words for the log).
fn unavailable(error: &object_store::Error) -> StoreError {
    StoreError::Storage(StorageError::Unavailable { storage: OBJECT_STORE, reason: error.to_string() })
}

/// A key the store made, as the object's path.
fn path(key: &str) -> Result<Path, StoreError> {
    Path::parse(key).map_err(|e| {
        StoreError::Storage(StorageError::Unavailable { storage: OBJECT_STORE, reason: format!("key {key}: {e}") })
    })
}

impl ObjectStorage {
    /// The store `settings` describe. Nothing is sent yet: [`DocumentStorage::check`] tells whether it
    /// answers.
    ///
    /// # Errors
    /// [`StorageError::Settings`] when the settings cannot describe a store (an endpoint that is no URL).
    pub fn s3(settings: &S3Settings) -> Result<Self, StorageError> {
        let settings_error = |reason: String| StorageError::Settings { reason };
        if let Some(endpoint) = &settings.endpoint
            && !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(settings_error(format!("the endpoint `{endpoint}` is not an http:// or https:// URL")));
        }
        // A TLS connection needs rustls' process-wide provider (ring, which the database driver brings
        // already); installing it a second time, or after another part did, changes nothing.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let plain_http = settings.endpoint.as_deref().is_some_and(|e| e.starts_with("http://"));
        let client = ClientOptions::new()
            .with_allow_http(plain_http)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_timeout(REQUEST_TIMEOUT);
        // A few quick retries of a request that failed in passing, then the failure: a stopped store
        // refuses an upload within about a second instead of the crate's default three minutes of retries.
        let retry = RetryConfig {
            backoff: BackoffConfig {
                init_backoff: Duration::from_millis(100),
                max_backoff: Duration::from_secs(1),
                base: 2.0,
            },
            max_retries: 3,
            retry_timeout: Duration::from_secs(15),
        };
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&settings.bucket)
            .with_region(&settings.region)
            .with_access_key_id(&settings.access_key_id)
            .with_secret_access_key(settings.secret_access_key.expose())
            .with_client_options(client)
            .with_retry(retry);
        if let Some(endpoint) = &settings.endpoint {
            builder = builder.with_endpoint(endpoint.trim_end_matches('/')).with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| settings_error(e.to_string()))?;
        Ok(Self { store: Arc::new(store), location: settings.location() })
    }

    /// The endpoint and bucket (for logs).
    #[must_use]
    pub fn location(&self) -> &str {
        &self.location
    }

    /// Every key kept under [`KEY_PREFIX`], sorted (what tests and the operator compare with the rows).
    ///
    /// # Errors
    /// [`StorageError::Unavailable`].
    pub async fn keys(&self) -> Result<Vec<String>, StoreError> {
        let prefix = Path::from(KEY_PREFIX);
        let mut keys: Vec<String> = self
            .store
            .list(Some(&prefix))
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|e| unavailable(&e))?;
        keys.sort();
        Ok(keys)
    }
}

#[async_trait]
impl DocumentStorage for ObjectStorage {
    fn name(&self) -> &'static str {
        OBJECT_STORE
    }

    async fn put(&self, key: &str, bytes: Vec<u8>, content_type: &'static str) -> Result<(), StoreError> {
        let path = path(key)?;
        let size = bytes.len();
        let options = PutOptions::from(Attributes::from_iter([(Attribute::ContentType, content_type)]));
        self.store.put_opts(&path, PutPayload::from(bytes), options).await.map_err(|e| unavailable(&e))?;
        tracing::debug!(key, size, "document kept in the object store");
        Ok(())
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let found = match self.store.get(&path(key)?).await {
            Ok(found) => found,
            Err(object_store::Error::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(unavailable(&e)),
        };
        let bytes = found.bytes().await.map_err(|e| unavailable(&e))?;
        Ok(Some(bytes.to_vec()))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.store.delete(&path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }

    /// Lists the (empty) readiness prefix: the store answers, the bucket exists and the credentials are
    /// accepted, or the error says which is wrong.
    async fn check(&self) -> Result<(), StoreError> {
        let probe = Path::from(format!("{KEY_PREFIX}/readiness-probe"));
        self.store.list_with_delimiter(Some(&probe)).await.map(|_| ()).map_err(|e| unavailable(&e))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::testing_s3::{BUCKET, TestS3};
    use std::time::Instant;

    /// Keeps, reads back (the bytes and the content type, in the server's own directory) and forgets an
    /// object by key; a key it does not hold reads as `None` and forgets without error.
    #[tokio::test]
    async fn the_object_storage_keeps_reads_and_forgets_on_a_real_s3_server() {
        let s3 = TestS3::start().await;
        let storage = s3.storage();
        storage.check().await.unwrap();
        let key = "applications/7/0123456789abcdef";
        storage.put(key, b"%PDF-1.4 bytes".to_vec(), "application/pdf").await.unwrap();
        assert_eq!(storage.get(key).await.unwrap().as_deref(), Some(&b"%PDF-1.4 bytes"[..]));
        assert_eq!(std::fs::read(s3.dir().join(BUCKET).join(key)).unwrap(), b"%PDF-1.4 bytes", "on the server");
        let kept = storage.store.get(&Path::from(key)).await.unwrap();
        assert_eq!(kept.meta.size, 14);
        assert_eq!(kept.attributes.get(&Attribute::ContentType).map(AsRef::as_ref), Some("application/pdf"));
        assert_eq!(storage.keys().await.unwrap(), vec![key.to_owned()]);

        assert_eq!(storage.get("applications/7/missing").await.unwrap(), None);
        storage.delete(key).await.unwrap();
        assert_eq!(storage.get(key).await.unwrap(), None);
        assert!(storage.keys().await.unwrap().is_empty());
        storage.delete(key).await.unwrap();
    }

    /// A wrong secret, a bucket that is not there, an endpoint that is no URL: each is refused, by the
    /// check the server runs at start or by the settings themselves.
    #[tokio::test]
    async fn wrong_settings_are_refused() {
        let s3 = TestS3::start().await;
        let mut wrong = s3.settings();
        wrong.secret_access_key = Secret::new("not-the-secret");
        let e = ObjectStorage::s3(&wrong).unwrap().check().await.unwrap_err();
        assert!(matches!(e, StoreError::Storage(StorageError::Unavailable { .. })), "{e}");
        let mut wrong = s3.settings();
        wrong.bucket = "no-such-bucket".to_owned();
        let e = ObjectStorage::s3(&wrong).unwrap().check().await.unwrap_err();
        assert!(matches!(e, StoreError::Storage(StorageError::Unavailable { .. })), "{e}");
        let mut wrong = s3.settings();
        wrong.endpoint = Some("127.0.0.1:9000".to_owned());
        let e = ObjectStorage::s3(&wrong).unwrap_err();
        assert!(matches!(e, StorageError::Settings { .. }), "{e}");
        assert!(e.to_string().contains("not an http:// or https:// URL"), "{e}");
    }

    /// A stopped server fails a request within seconds (a few quick retries, not minutes), as
    /// unavailable; back on its port, the same storage works again with what it had.
    #[tokio::test]
    async fn a_stopped_server_fails_fast_and_comes_back() {
        let mut s3 = TestS3::start().await;
        let storage = s3.storage();
        storage.put("applications/1/kept", b"abc".to_vec(), "image/png").await.unwrap();
        s3.stop().await;
        let started = Instant::now();
        let e = storage.put("applications/1/new", b"def".to_vec(), "image/png").await.unwrap_err();
        assert!(matches!(e, StoreError::Storage(StorageError::Unavailable { storage: OBJECT_STORE, .. })), "{e}");
        assert!(started.elapsed() < Duration::from_secs(10), "failed after {:?}", started.elapsed());
        assert!(storage.check().await.is_err());
        s3.resume().await;
        storage.check().await.unwrap();
        assert_eq!(storage.get("applications/1/kept").await.unwrap().as_deref(), Some(&b"abc"[..]));
        assert_eq!(storage.get("applications/1/new").await.unwrap(), None, "nothing of the refused put");
    }

    #[test]
    fn the_secret_never_shows() {
        let settings = S3Settings {
            endpoint: None,
            bucket: "b".into(),
            region: "us-west-2".into(),
            access_key_id: "AKID".into(),
            secret_access_key: Secret::new("very-secret-value"),
        };
        let shown = format!("{settings:?}");
        assert!(!shown.contains("very-secret-value") && shown.contains("[redacted]"), "{shown}");
        assert_eq!(settings.location(), "https://s3.us-west-2.amazonaws.com/b");
    }
}
