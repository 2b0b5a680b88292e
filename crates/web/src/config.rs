//! The server's configuration: one struct, read once from flags and environment variables.

use clap::Args;
use finmart_domain::HomeArea;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

/// Everything `finmart serve` (and `demo`) can be told.
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
    pub database_url: Option<String>,
    /// Redis URL for sessions (in the database when unset).
    #[arg(long, env = "REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
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
    /// The bearer token that lets a scraper read `/metrics` from another host (loopback peers need none;
    /// see docs/SECURITY.md, "Metrics"). Unset: only loopback peers may read it.
    #[arg(long, env = "FINMART_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
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
        self.database_url.clone().unwrap_or_else(|| finmart_store::Store::sqlite_url(&self.data_dir))
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
            database_url,
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
            metrics_token: None,
            trusted_proxy: Vec::new(),
            document_max_bytes: 10 * 1024 * 1024,
            documents_per_application: 20,
        }
    }
}
