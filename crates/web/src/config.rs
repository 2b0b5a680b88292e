//! The server's configuration: one struct, read once from flags and environment variables.

use clap::Args;
use finmart_domain::HomeArea;
use finmart_store::{S3Settings, Secret};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Everything `finmart serve` (and `demo`) can be told. Printed (`Debug`), it shows no password: the database
/// and Redis URLs (which carry theirs) and the tokens are [`Secret`]s.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "FINMART_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory for the SQLite database (when no DATABASE_URL) and the search index.
    #[arg(long, env = "FINMART_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// PostgreSQL URL (`postgres://…`); the default is a SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<Secret>,
    /// Redis URL for sessions (in the database when unset).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<Secret>,
    /// Mark the session cookie `Secure` (set this when the site is served over HTTPS).
    #[arg(long, env = "FINMART_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "FINMART_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
    /// The area the platform serves: a province or a city, by name or 6-digit code (`天津市`, `辽宁省沈阳市`,
    /// `320500`). Its districts are the choices of every form and search filter; 全市, 本省 and a bare
    /// district name (和平区) in imports and forms mean its own.
    #[arg(long, env = "FINMART_HOME_AREA", default_value = "天津市", value_parser = parse_home_area)]
    pub home_area: HomeArea,
    /// JSON API (`/api/…`) requests a minute allowed per API token, `0` for no limit. A token is one
    /// institution's integration: 1,200 a minute (20 a second, sustained) is far above what a bank's system
    /// needs to read its applications, and stops one runaway client from taking the server.
    #[arg(long, env = "FINMART_API_RATE_PER_TOKEN", default_value_t = 1_200)]
    pub api_rate_per_token: u32,
    /// JSON API requests a minute allowed per client address (requests without an API token: anonymous and
    /// signed-in sessions alike), `0` for no limit. Generous, because a whole office behind one NAT shares an
    /// address: 600 a minute is many people searching at once.
    #[arg(long, env = "FINMART_API_RATE_PER_ADDRESS", default_value_t = 600)]
    pub api_rate_per_address: u32,
    /// How many searches may wait to be written to the search log. Beyond this a search is counted as not
    /// recorded (shown beside the demand figures) rather than held in memory without bound.
    #[arg(long, env = "FINMART_SEARCH_LOG_QUEUE", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub search_log_queue: u32,
    /// How many recent search answers to keep in memory, `0` for none. An answer is kept per state of the
    /// index and found again only while the index is unchanged, so it is never older than a fresh search
    /// would be; 256 answers of 20 products each take a few megabytes.
    #[arg(long, env = "FINMART_SEARCH_CACHE", default_value_t = 256,
          value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub search_cache: u32,
    /// How long, in milliseconds, a request for a figure kept between requests (the coverage of verified
    /// facts over every firm) waits for it to be computed again after a change, before it answers with the
    /// older copy marked as updating (or 503 `computing` before the first). A small platform's is computed
    /// in milliseconds; a million firms' takes tens of seconds.
    #[arg(long, env = "FINMART_FIGURES_WAIT_MS", default_value_t = 3_000,
          value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub figures_wait_ms: u32,
    /// The bearer token that lets a scraper read `/metrics` from another host (loopback peers need none;
    /// see docs/SECURITY.md, "Metrics"). Unset: only loopback peers may read it.
    #[arg(long, env = "FINMART_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<Secret>,
    /// Addresses of reverse proxies in front of the server (comma-separated). A request from one of them
    /// counts as coming from the address the proxy appended last to `X-Forwarded-For`, for the rate limits,
    /// the sign-in throttle and the logs. Empty: the connection's peer is the client, whatever the header says.
    #[arg(long, env = "FINMART_TRUSTED_PROXY", value_delimiter = ',')]
    pub trusted_proxy: Vec<IpAddr>,
    /// The largest document an applicant may upload, in bytes (10 MiB). Larger files are refused with the
    /// limit named; the request body limit of the upload is this plus a little for the form around it.
    #[arg(long, env = "FINMART_DOCUMENT_MAX_BYTES", default_value_t = 10 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..=1024 * 1024 * 1024))]
    pub document_max_bytes: u64,
    /// How many documents one application may carry.
    #[arg(long, env = "FINMART_DOCUMENTS_PER_APPLICATION", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub documents_per_application: u32,
    /// Where documents' bytes are kept: the database (the default), or an S3-compatible object store.
    #[command(flatten)]
    pub object_store: ObjectStoreConfig,
}

/// An S3-compatible object store for documents' bytes (AWS S3, MinIO, Ceph…). With no bucket named,
/// documents are kept in the database; naming one moves new uploads to the bucket (documents kept in the
/// database before stay readable there). Checked at start: bad settings, or a store that does not answer
/// or refuses the key, stop the start with a message naming them.
#[derive(Debug, Clone, Default, Args)]
pub struct ObjectStoreConfig {
    /// The S3 bucket documents are kept in (it must exist). Setting it chooses the object store.
    #[arg(long = "s3-bucket", env = "FINMART_S3_BUCKET")]
    pub bucket: Option<String>,
    /// The endpoint URL of an S3-compatible server (`http://minio:9000`); unset: AWS S3 in the region.
    #[arg(long = "s3-endpoint", env = "FINMART_S3_ENDPOINT")]
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when unset; most S3-compatible servers accept any).
    #[arg(long = "s3-region", env = "FINMART_S3_REGION")]
    pub region: Option<String>,
    /// The access key id.
    #[arg(long = "s3-access-key-id", env = "FINMART_S3_ACCESS_KEY_ID")]
    pub access_key_id: Option<String>,
    /// The secret access key: give it in the environment (a flag shows in the process list). It is never
    /// logged or printed (`Debug` shows `[redacted]`).
    #[arg(long = "s3-secret-access-key", env = "FINMART_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub secret_access_key: Option<Secret>,
}

/// The environment variables of the object store, for messages.
const S3_VARIABLES: &str =
    "FINMART_S3_ENDPOINT, FINMART_S3_REGION, FINMART_S3_ACCESS_KEY_ID, FINMART_S3_SECRET_ACCESS_KEY";

impl ObjectStoreConfig {
    /// The object store's settings: `None` when no bucket is named (documents in the database). A blank
    /// value counts as unset.
    ///
    /// # Errors
    /// Settings that cannot be meant: object-store settings without a bucket, a bucket name S3 does not
    /// allow, an endpoint that is no `http(s)://` URL, a bucket without its access key and secret. The
    /// message names the variables (and never shows the secret).
    pub fn settings(&self) -> Result<Option<S3Settings>, String> {
        fn given(value: Option<&String>) -> Option<String> {
            value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
        }
        let endpoint = given(self.endpoint.as_ref());
        let region = given(self.region.as_ref());
        let access_key_id = given(self.access_key_id.as_ref());
        let secret = self.secret_access_key.clone().filter(|s| !s.expose().trim().is_empty());
        let Some(bucket) = given(self.bucket.as_ref()) else {
            if endpoint.is_some() || region.is_some() || access_key_id.is_some() || secret.is_some() {
                return Err(format!(
                    "object-store settings are given ({S3_VARIABLES}) but FINMART_S3_BUCKET is not: name the bucket \
                     to keep documents in the object store, or unset them to keep documents in the database"
                ));
            }
            return Ok(None);
        };
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
        let edges = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
        if !(3..=63).contains(&bucket.len())
            || !bucket.chars().all(allowed)
            || !bucket.starts_with(edges)
            || !bucket.ends_with(edges)
        {
            return Err(format!(
                "FINMART_S3_BUCKET `{bucket}` is not a bucket name: 3 to 63 lowercase letters, digits, dots and \
                 hyphens, beginning and ending with a letter or digit"
            ));
        }
        if let Some(endpoint) = &endpoint {
            let host = endpoint.strip_prefix("https://").or_else(|| endpoint.strip_prefix("http://"));
            if host.is_none_or(|h| h.trim_end_matches('/').is_empty()) {
                return Err(format!(
                    "FINMART_S3_ENDPOINT `{}` is not an http:// or https:// URL of the object store (`http://minio:9000`)",
                    crate::startup::without_password(endpoint)
                ));
            }
        }
        let (Some(access_key_id), Some(secret_access_key)) = (access_key_id, secret) else {
            return Err(
                "FINMART_S3_BUCKET is set: FINMART_S3_ACCESS_KEY_ID and FINMART_S3_SECRET_ACCESS_KEY are needed too"
                    .to_owned(),
            );
        };
        Ok(Some(S3Settings {
            endpoint,
            bucket,
            region: region.unwrap_or_else(|| "us-east-1".to_owned()),
            access_key_id,
            secret_access_key,
        }))
    }
}

/// What a document upload's body may hold beyond the file: the multipart boundaries and headers, the
/// material's name and the CSRF token.
pub const UPLOAD_SLACK: usize = 64 * 1024;

/// Reads `FINMART_HOME_AREA` / `--home-area`, naming the setting in the refusal (clap prints it and exits).
fn parse_home_area(text: &str) -> Result<HomeArea, String> {
    HomeArea::parse(text).map_err(|e| {
        format!(
            "FINMART_HOME_AREA（本平台服务的地区）须为省级或地级行政区的名称或代码，如 天津市、辽宁省沈阳市、320500：{}\n\
             FINMART_HOME_AREA (the area the platform serves) must name a province or a city, or give its code: {e}",
            e.message_zh()
        )
    })
}

impl Config {
    /// The database URL in force.
    #[must_use]
    pub fn database_url(&self) -> String {
        self.database_url
            .as_ref()
            .map_or_else(|| finmart_store::Store::sqlite_url(&self.data_dir), |url| url.expose().to_owned())
    }

    /// The limits of documents uploaded to applications.
    #[must_use]
    pub fn document_limits(&self) -> finmart_domain::DocumentLimits {
        finmart_domain::DocumentLimits {
            max_bytes: self.document_max_bytes,
            max_per_application: self.documents_per_application,
        }
    }

    /// The largest request body accepted: the general limit, or a document upload's when that is larger
    /// (a file plus the multipart form around it).
    #[must_use]
    pub fn body_limit(&self) -> usize {
        let upload = usize::try_from(self.document_max_bytes).unwrap_or(usize::MAX).saturating_add(UPLOAD_SLACK);
        crate::http::BODY_LIMIT.max(upload)
    }

    /// Where the search index lives.
    #[must_use]
    pub fn index_dir(&self) -> PathBuf {
        self.data_dir.join("index")
    }

    /// A configuration for tests: a data directory of their own, any free port.
    #[must_use]
    pub fn for_tests(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url: database_url.map(Secret::new),
            redis_url: None,
            secure_cookies: false,
            log_json: false,
            home_area: HomeArea::default(),
            // Tests fire many requests through the router from one (or no) address: limits are turned on by
            // the tests about them.
            api_rate_per_token: 0,
            api_rate_per_address: 0,
            search_log_queue: 10_000,
            search_cache: 256,
            figures_wait_ms: 3_000,
            metrics_token: None,
            trusted_proxy: Vec::new(),
            document_max_bytes: 10 * 1024 * 1024,
            documents_per_application: 20,
            object_store: ObjectStoreConfig::default(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        config: Config,
    }

    fn parsed(args: &[&str]) -> Config {
        Cli::try_parse_from(std::iter::once("finmart").chain(args.iter().copied())).unwrap().config
    }

    #[test]
    fn documents_stay_in_the_database_unless_a_bucket_is_named() {
        assert_eq!(parsed(&[]).object_store.settings().unwrap(), None);
        let config = parsed(&[
            "--s3-bucket",
            "finmart-docs",
            "--s3-endpoint",
            "http://minio:9000/",
            "--s3-access-key-id",
            "AKID",
            "--s3-secret-access-key",
            "s3cr3t-value",
        ]);
        let settings = config.object_store.settings().unwrap().unwrap();
        assert_eq!(
            (settings.bucket.as_str(), settings.endpoint.as_deref(), settings.region.as_str()),
            ("finmart-docs", Some("http://minio:9000/"), "us-east-1")
        );
        assert_eq!(settings.secret_access_key.expose(), "s3cr3t-value");
        // The whole configuration printed shows no secret.
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cr3t-value") && shown.contains("[redacted]"), "{shown}");
    }

    #[test]
    fn printed_configuration_shows_no_password_or_token() {
        let config = parsed(&[
            "--database-url",
            "postgres://finmart:pg-pa55word@db:5432/finmart",
            "--redis-url",
            "redis://:redis-pa55word@cache:6379",
            "--metrics-token",
            "metrics-t0ken",
        ]);
        assert_eq!(config.database_url(), "postgres://finmart:pg-pa55word@db:5432/finmart");
        assert_eq!(config.redis_url.as_ref().map(Secret::expose), Some("redis://:redis-pa55word@cache:6379"));
        let shown = format!("{config:?}");
        for secret in ["pg-pa55word", "redis-pa55word", "metrics-t0ken"] {
            assert!(!shown.contains(secret), "{secret} printed: {shown}");
        }
    }

    #[test]
    fn object_store_settings_that_cannot_be_meant_are_refused_naming_the_variables() {
        let with = |bucket: Option<&str>, endpoint: Option<&str>, keys: bool| ObjectStoreConfig {
            bucket: bucket.map(str::to_owned),
            endpoint: endpoint.map(str::to_owned),
            region: None,
            access_key_id: keys.then(|| "AKID".to_owned()),
            secret_access_key: keys.then(|| Secret::new("s3cr3t-value")),
        };
        let cases = [
            (with(None, Some("http://minio:9000"), true), "FINMART_S3_BUCKET is not"),
            (with(Some("docs"), None, false), "FINMART_S3_ACCESS_KEY_ID and FINMART_S3_SECRET_ACCESS_KEY"),
            (with(Some("Finmart_Docs"), None, true), "is not a bucket name"),
            (with(Some("ab"), None, true), "is not a bucket name"),
            (with(Some("docs"), Some("minio:9000"), true), "FINMART_S3_ENDPOINT `minio:9000` is not an http"),
            (with(Some("docs"), Some("https://"), true), "is not an http"),
        ];
        for (config, words) in cases {
            let refused = config.settings().unwrap_err();
            assert!(refused.contains(words), "{config:?}: {refused}");
            assert!(!refused.contains("s3cr3t-value"), "{refused}");
        }
        // A secret alone, without a bucket, is refused as well; blank values count as unset.
        let secret_only = ObjectStoreConfig { secret_access_key: Some(Secret::new("x")), ..Default::default() };
        assert!(secret_only.settings().is_err());
        let blank =
            ObjectStoreConfig { bucket: Some("  ".into()), endpoint: Some(String::new()), ..Default::default() };
        assert_eq!(blank.settings().unwrap(), None);
    }
}
