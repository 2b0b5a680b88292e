//! The client's address behind a trusted reverse proxy.
//!
//! The connection's peer is the client, except when it is one of the proxies the deployment names
//! (`--trusted-proxy`): then the client is the address that proxy appended last to `X-Forwarded-For`. Only
//! the last entry is believed — the earlier ones are whatever the client sent, and a client could write any
//! address there. The layer rewrites the request's `ConnectInfo`, so everything that counts by address (the
//! API's rate limit, the sign-in throttle, the logs) counts the client, in one place.

use crate::http::state::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use std::net::{IpAddr, SocketAddr};

/// The header a proxy appends the address of its own client to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address: `peer`, or when `peer` is among `trusted`, the last address of the
/// `X-Forwarded-For` values (all of them, in order, as a proxy may add a header of its own); `peer` when
/// that is missing or not an address.
#[must_use]
pub fn client_address<'a>(peer: IpAddr, trusted: &[IpAddr], forwarded: impl Iterator<Item = &'a str>) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let last = forwarded.flat_map(|value| value.split(',')).last().map(str::trim);
    last.and_then(|a| a.parse().ok()).unwrap_or(peer)
}

/// The outermost layer: sets the request's peer to the client behind a trusted proxy.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let trusted = &state.config.trusted_proxy;
    if !trusted.is_empty()
        && let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied()
    {
        let values = request.headers().get_all(FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok());
        let client = client_address(peer.ip(), trusted, values);
        if client != peer.ip() {
            request.extensions_mut().insert(ConnectInfo(SocketAddr::new(client, 0)));
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::client_address;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|_| panic!("{text} is an address"))
    }

    #[test]
    fn only_a_trusted_proxy_is_believed_and_only_its_own_entry() {
        let proxy = [ip("10.0.0.2")];
        // A client that is not the proxy: its header is ignored.
        assert_eq!(client_address(ip("203.0.113.9"), &proxy, ["198.51.100.1"].into_iter()), ip("203.0.113.9"));
        // Through the proxy: the entry it appended (the last), not what the client wrote before it.
        let forged = ["1.2.3.4, 198.51.100.7"];
        assert_eq!(client_address(ip("10.0.0.2"), &proxy, forged.into_iter()), ip("198.51.100.7"));
        // Several headers count as one list, in order; IPv6 is read too.
        let headers = ["1.2.3.4", "2001:db8::5"];
        assert_eq!(client_address(ip("10.0.0.2"), &proxy, headers.into_iter()), ip("2001:db8::5"));
        // No header, or no address in it: the proxy itself.
        assert_eq!(client_address(ip("10.0.0.2"), &proxy, std::iter::empty()), ip("10.0.0.2"));
        assert_eq!(client_address(ip("10.0.0.2"), &proxy, ["unknown"].into_iter()), ip("10.0.0.2"));
        // Nothing trusted: the peer, whatever the header says.
        assert_eq!(client_address(ip("10.0.0.2"), &[], ["198.51.100.7"].into_iter()), ip("10.0.0.2"));
    }
}
