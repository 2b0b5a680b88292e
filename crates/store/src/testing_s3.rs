//! A real S3 server inside the test's process: s3s speaks the protocol (signatures checked against one
//! access key), s3s-fs keeps the objects in a temporary directory, and hyper serves it over HTTP on a free
//! port of the loopback. The object store under test reaches it with its own HTTP client, as it reaches
//! a production store; [`TestS3::stop`] takes it down (the port refuses connections) and
//! [`TestS3::resume`] brings it back on the same port with the same objects.

// Test helpers panic on failure by design: a panic is the failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::object_storage::{ObjectStorage, S3Settings, Secret};
use hyper_util::rt::TokioIo;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

/// The access key the server accepts.
pub const ACCESS_KEY_ID: &str = "finmart-test-key";
/// Its secret.
pub const SECRET_ACCESS_KEY: &str = "finmart-test-secret-0123456789";
/// The bucket every test server has.
pub const BUCKET: &str = "finmart-documents";

/// A running (or stopped) S3 server of one test.
pub struct TestS3 {
    pub addr: SocketAddr,
    service: S3Service,
    dir: tempfile::TempDir,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<JoinSet<()>>>,
}

impl std::fmt::Debug for TestS3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestS3").field("addr", &self.addr).field("running", &self.accept.is_some()).finish()
    }
}

impl TestS3 {
    /// A server with an empty [`BUCKET`], answering.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join(BUCKET)).expect("bucket directory");
        let fs = s3s_fs::FileSystem::new(dir.path()).expect("s3s-fs over the temp dir");
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(SimpleAuth::from_single(ACCESS_KEY_ID, SECRET_ACCESS_KEY));
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("a free port");
        let addr = listener.local_addr().expect("its address");
        let mut server = Self {
            addr,
            service: builder.build(),
            dir,
            accept: None,
            connections: Arc::new(Mutex::new(JoinSet::new())),
        };
        server.serve(listener);
        server
    }

    fn serve(&mut self, listener: TcpListener) {
        let (service, connections) = (self.service.clone(), Arc::clone(&self.connections));
        self.accept = Some(tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let service = service.clone();
                connections.lock().unwrap().spawn(async move {
                    let http = hyper::server::conn::http1::Builder::new();
                    // A connection the client drops is its own business.
                    let _ = http.serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }));
    }

    /// The endpoint, `http://127.0.0.1:port`.
    #[must_use]
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The settings a server of the project is given to use this store.
    #[must_use]
    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: Some(self.endpoint()),
            bucket: BUCKET.to_owned(),
            region: "us-east-1".to_owned(),
            access_key_id: ACCESS_KEY_ID.to_owned(),
            secret_access_key: Secret::new(SECRET_ACCESS_KEY),
        }
    }

    /// An object storage on this server.
    #[must_use]
    pub fn storage(&self) -> ObjectStorage {
        ObjectStorage::s3(&self.settings()).expect("the test settings describe a store")
    }

    /// The directory the objects are kept in (`{dir}/{BUCKET}/{key}`).
    #[must_use]
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops answering: the listener closes (connections are refused) and every open connection is cut.
    pub async fn stop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
        self.connections.lock().unwrap().abort_all();
    }

    /// Answers again, on the same port, with the objects it had.
    pub async fn resume(&mut self) {
        assert!(self.accept.is_none(), "the S3 server is running already");
        let listener = TcpListener::bind(self.addr).await.expect("the same port again");
        self.serve(listener);
    }
}

impl Drop for TestS3 {
    fn drop(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        if let Ok(mut connections) = self.connections.lock() {
            connections.abort_all();
        }
    }
}
