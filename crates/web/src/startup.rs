//! Start-up failures as one line each: what could not be used (the path, or the service with its URL minus
//! the password, or the settings), why (the innermost cause only, never the whole repeated chain), and what
//! to do; with an exit code from `sysexits.h` so scripts can tell a path from a service from a setting.

use std::path::Path;
use std::time::Duration;

/// How long a TCP connection to PostgreSQL may take at start before the start fails (a refused port fails
/// at once; a silent host after this long, instead of the pool's 10 s wait).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// One start-up failure (printed once, as its `Display`).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A directory or file that cannot be created, written or read.
    #[error("cannot use the {what} {path}: {reason}; {fix}")]
    Path { what: &'static str, path: String, reason: String, fix: &'static str },
    /// A service that cannot be reached or refuses us.
    #[error("cannot use {service} at {url}: {reason}; {fix}")]
    Service { service: &'static str, url: String, reason: String, fix: &'static str },
    /// Settings that cannot be meant (they name the variables at fault).
    #[error("cannot start with this configuration: {0}")]
    Config(String),
}

impl StartupError {
    /// `EX_CANTCREAT` (73) for a path, `EX_UNAVAILABLE` (69) for a service, `EX_CONFIG` (78) for settings.
    #[must_use]
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Path { .. } => 73,
            Self::Service { .. } => 69,
            Self::Config(_) => 78,
        }
    }

    /// A path that failed: the innermost cause of `error`.
    pub fn path(what: &'static str, path: &Path, error: &(dyn std::error::Error + 'static), fix: &'static str) -> Self {
        Self::Path { what, path: path.display().to_string(), reason: innermost(error), fix }
    }

    /// A service that failed: the innermost cause of `error`, the URL without its password.
    pub fn service(
        service: &'static str,
        url: &str,
        error: &(dyn std::error::Error + 'static),
        fix: &'static str,
    ) -> Self {
        Self::Service { service, url: without_password(url), reason: innermost(error), fix }
    }
}

/// The deepest cause's words: the libraries repeat each inner message in the outer one's, so the chain
/// printed whole says the same thing three times.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut e = error;
    while let Some(source) = e.source() {
        e = source;
    }
    e.to_string()
}

/// `scheme://user:secret@host/…` → `scheme://user@host/…` (and no change without a password).
#[must_use]
pub fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else { return url.to_owned() };
    let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
    let at = if user.is_empty() { "" } else { "@" };
    format!("{scheme}://{user}{at}{host}{tail}")
}

/// `host:port` of a URL's authority (the default port when none is given), `None` when it has no host.
fn address(url: &str, default_port: u16) -> Option<(String, u16)> {
    let rest = url.split_once("://")?.1;
    let authority = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() || host_port.contains(',') {
        return None;
    }
    match host_port.rsplit_once(':') {
        Some((host, port)) if !host.ends_with(']') || host.starts_with('[') => {
            let port = port.parse().ok()?;
            Some((host.trim_matches(['[', ']']).to_owned(), port))
        }
        _ => Some((host_port.trim_matches(['[', ']']).to_owned(), default_port)),
    }
}

/// Fails within [`PROBE_TIMEOUT`] when nothing accepts TCP connections at the URL's host and port (a URL
/// without a host, a Unix socket, is left to the driver).
///
/// # Errors
/// The connection is refused, the host is unknown, or nothing answers in time.
pub async fn probe(service: &'static str, url: &str, default_port: u16, fix: &'static str) -> Result<(), StartupError> {
    let Some((host, port)) = address(url, default_port) else { return Ok(()) };
    let attempt = tokio::time::timeout(PROBE_TIMEOUT, tokio::net::TcpStream::connect((host.as_str(), port))).await;
    match attempt {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(StartupError::service(service, url, &e, fix)),
        Err(_) => Err(StartupError::service(
            service,
            url,
            &std::io::Error::other(format!("no answer within {} s", PROBE_TIMEOUT.as_secs())),
            fix,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_never_shows() {
        assert_eq!(without_password("postgres://u:secret@db:5432/x"), "postgres://u@db:5432/x");
        assert_eq!(without_password("redis://:pw@127.0.0.1:1"), "redis://127.0.0.1:1");
        assert_eq!(without_password("redis://127.0.0.1:6379/0"), "redis://127.0.0.1:6379/0");
        assert_eq!(without_password("sqlite://data/finmart.db?mode=rwc"), "sqlite://data/finmart.db?mode=rwc");
    }

    #[test]
    fn the_address_is_the_host_and_port() {
        assert_eq!(address("postgres://u:p@db:6000/x", 5432), Some(("db".to_owned(), 6000)));
        assert_eq!(address("postgres://db/x", 5432), Some(("db".to_owned(), 5432)));
        assert_eq!(address("redis://[::1]:7000", 6379), Some(("::1".to_owned(), 7000)));
        assert_eq!(address("postgres:///x?host=/run/postgresql", 5432), None);
    }
}
