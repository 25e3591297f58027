//! Forwarding one HTTP request to a peer over the pool and its answer back: bodies
//! stream both ways, the client's Host goes through unchanged, `X-Forwarded-*` say
//! who asked, hop-by-hop headers stay on their hop, and WebSocket (any `Upgrade`)
//! requests become a raw byte pipe once the peer says 101.
//!
//! A pooled connection can die between two requests (the peer restarted, or closed
//! it after answering without reading a body): a bodiless idempotent request that
//! fails on one is sent once more on a fresh connection, so users see no 502 for it.
//! `Expect: 100-continue` is answered here (hyper sends `100 Continue` when the body is
//! first read) and not forwarded: our client sends bodies at once, and a peer that
//! waited for its own `100` would read the body as the next request.

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Body;
use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioIo;
use tower_http::timeout::TimeoutBody;

use super::pages;
use super::pool::{peer_uri, Pool};
use crate::keys::PublicKey;

/// A request body that sends nothing for this long is cut off (the peer sees the
/// request fail; its slot is given back).
pub const BODY_IDLE: Duration = Duration::from_secs(30);

/// Headers that describe one hop, not the message (RFC 9110 §7.6.1).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
];

/// Sends `req` (from `client`) to the peer `key` and returns its response.
pub async fn forward(
    pool: &Pool,
    key: PublicKey,
    req: Request<Body>,
    client: SocketAddr,
) -> Response<Body> {
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let uri = match peer_uri(&key, &path) {
        Ok(uri) => uri,
        Err(_) => return pages::bad_gateway(&key.to_string(), "the request path is invalid"),
    };
    let _slot = match pool.slot(&key, client.ip()).await {
        Ok(slot) => slot,
        Err(busy) => return pages::busy(&busy),
    };
    match send(pool.client(), Some(pool.fresh_client()), uri, req, client).await {
        Ok(res) => res,
        Err(e) if e.is_connect() => {
            let why = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_else(|| e.to_string());
            pages::unreachable(&key.to_string(), &why)
        }
        Err(e) => pages::bad_gateway(&key.to_string(), &e.to_string()),
    }
}

/// Sends `req` (from `client`) to `uri` on `http` and returns the response: the
/// proxying every spork HTTP hop shares (the gateway's peers, the host's services).
/// Hop-by-hop headers stay behind, `X-Forwarded-*` are added, an upgrade becomes a
/// byte pipe after `101`, and a bodiless idempotent request whose pooled connection
/// failed is sent once more on `fresh` when given.
pub async fn send<C>(
    http: &Client<C, Body>,
    fresh: Option<&Client<C, Body>>,
    uri: Uri,
    mut req: Request<Body>,
    client: SocketAddr,
) -> Result<Response<Body>, hyper_util::client::legacy::Error>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let upgrade = wants_upgrade(req.headers());
    let client_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
    let (mut parts, body) = req.into_parts();
    parts.uri = uri;
    parts.version = hyper::Version::HTTP_11;
    strip_hop_by_hop(&mut parts.headers, upgrade);
    parts.headers.remove(header::EXPECT);
    add_forwarded(&mut parts.headers, client);
    let again = (!upgrade && replayable(&parts)).then(|| replay(&parts));
    let out = Request::from_parts(parts, Body::new(TimeoutBody::new(BODY_IDLE, body)));

    let mut sent = http.request(out).await;
    if let (Err(e), Some(again), Some(fresh)) = (&sent, again, fresh) {
        if !e.is_connect() {
            tracing::debug!(error = %e, "pooled connection failed; retrying on a fresh one");
            sent = fresh.request(again).await;
        }
    }
    let mut res = sent?;
    if res.status() == StatusCode::SWITCHING_PROTOCOLS {
        if let Some(client_upgrade) = client_upgrade {
            let peer_upgrade = hyper::upgrade::on(&mut res);
            tokio::spawn(async move {
                match tokio::try_join!(client_upgrade, peer_upgrade) {
                    Ok((a, b)) => {
                        let (mut a, mut b) = (TokioIo::new(a), TokioIo::new(b));
                        let _ = tokio::io::copy_bidirectional(&mut a, &mut b).await;
                    }
                    Err(e) => tracing::debug!(error = %e, "upgrade failed"),
                }
            });
        }
    } else {
        strip_hop_by_hop(res.headers_mut(), false);
    }
    Ok(res.map(Body::new))
}

/// Whether a request may be sent twice: an idempotent method (RFC 9110 §9.2.2) and
/// no body to replay.
fn replayable(parts: &hyper::http::request::Parts) -> bool {
    use hyper::Method;
    let idempotent = [
        Method::GET,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::PUT,
        Method::DELETE,
    ]
    .contains(&parts.method);
    idempotent && !super::server::has_body(&parts.headers)
}

/// A copy of a bodiless request, to send again.
fn replay(parts: &hyper::http::request::Parts) -> Request<Body> {
    let mut req = Request::new(Body::empty());
    *req.method_mut() = parts.method.clone();
    *req.uri_mut() = parts.uri.clone();
    *req.version_mut() = parts.version;
    *req.headers_mut() = parts.headers.clone();
    req
}

/// True for a request asking to switch protocols (WebSocket and the like).
fn wants_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
        && headers
            .get_all(header::CONNECTION)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case("upgrade"))
}

/// Removes hop-by-hop headers (and any the Connection header names); an upgrade keeps
/// `Connection: upgrade` and `Upgrade`, which the next hop needs.
fn strip_hop_by_hop(headers: &mut HeaderMap, upgrade: bool) {
    let named: Vec<HeaderName> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|t| HeaderName::from_bytes(t.trim().as_bytes()).ok())
        .filter(|n| !(upgrade && *n == header::UPGRADE))
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    if upgrade {
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    } else {
        headers.remove(header::UPGRADE);
    }
}

/// `X-Forwarded-For` (appended), `-Proto` and `-Host` (kept if a proxy in front set
/// them).
fn add_forwarded(headers: &mut HeaderMap, client: SocketAddr) {
    let ip = client.ip().to_string();
    let xff = match headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()) {
        Some(prev) => format!("{prev}, {ip}"),
        None => ip,
    };
    if let Ok(v) = HeaderValue::from_str(&xff) {
        headers.insert("x-forwarded-for", v);
    }
    if !headers.contains_key("x-forwarded-proto") {
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
    }
    if !headers.contains_key("x-forwarded-host") {
        if let Some(host) = headers.get(header::HOST).cloned() {
            headers.insert("x-forwarded-host", host);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONNECTION,
            HeaderValue::from_static("keep-alive, x-secret"),
        );
        h.insert("x-secret", HeaderValue::from_static("1"));
        h.insert("keep-alive", HeaderValue::from_static("timeout=5"));
        h.insert(header::HOST, HeaderValue::from_static("k.localhost"));
        strip_hop_by_hop(&mut h, false);
        assert_eq!(h.len(), 1);
        assert_eq!(h[header::HOST], "k.localhost");
    }

    #[test]
    fn upgrades_keep_what_the_peer_needs() {
        let mut h = HeaderMap::new();
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        assert!(wants_upgrade(&h));
        strip_hop_by_hop(&mut h, true);
        assert_eq!(h[header::CONNECTION], "upgrade");
        assert_eq!(h[header::UPGRADE], "websocket");
    }

    #[test]
    fn forwarded_headers_append_and_keep() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("k.atek.app"));
        h.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9"));
        h.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        add_forwarded(&mut h, "127.0.0.1:5000".parse().unwrap());
        assert_eq!(h["x-forwarded-for"], "203.0.113.9, 127.0.0.1");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "k.atek.app");
    }
}
