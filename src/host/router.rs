//! The host's one HTTP router, served on its port, on its owner-only control socket and
//! on each service's gateway socket: the API gateway (`/_atek/gateway?api=…`, JSON-RPC
//! and WebSockets), the login link and `bst` hop, services' subdomains, and `/`.
//!
//! Every route but the login ones is authenticated — a bearer token (compared in
//! constant time), a session cookie, or the control socket's owner — and every
//! `Atek-Auth-*` header a client sent is dropped before anything is forwarded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Extension, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::json;

use super::sessions::Scope;
use super::users::SYSTEM;
use super::Host;

mod browser;
mod gateway;
pub mod login;

/// The largest JSON-RPC request body the gateway accepts (larger: 413, -32600).
pub const MAX_RPC_BODY: usize = 4 * 1024 * 1024;
/// The session cookie's name.
const COOKIE: &str = "atek_session";
/// The CSRF token's cookie (readable by the host's pages) and the header it comes back in.
const CSRF_COOKIE: &str = "atek_csrf";
const CSRF_HEADER: &str = "x-atek-csrf";

/// The client address of a request that came over TCP.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

/// Which listener a request came in on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// The host's TCP port.
    Network,
    /// The owner-only control socket: the admin.
    Owner,
    /// A service's own gateway socket (its `localhost:$ATEK_HOST_PORT`).
    Service(String),
}

/// Who is calling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The host's owner (admin token or the control socket), acting as `system`.
    Admin,
    /// A service, by its token, and the user who owns it.
    Service {
        /// The service's id.
        id: String,
        /// Its owner's user key (`system` for multi-user services).
        owner: String,
    },
    /// A person signed in with a session.
    User(Person),
}

/// A signed-in person, as of this request (a role change applies at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The user's key, or `system` for a session opened by the owner's login link.
    pub key: String,
    /// The username (`system` likewise).
    pub username: String,
    /// An admin (or `system`).
    pub admin: bool,
}

impl Caller {
    /// The owner, or an admin signed in.
    pub fn is_admin(&self) -> bool {
        match self {
            Caller::Admin => true,
            Caller::Service { .. } => false,
            Caller::User(p) => p.admin,
        }
    }

    /// The user key this caller acts as (`system` for the host's owner; a service acts
    /// for the user who owns it).
    pub fn user_key(&self) -> &str {
        match self {
            Caller::Admin => SYSTEM,
            Caller::Service { owner, .. } => owner,
            Caller::User(p) => &p.key,
        }
    }

    /// True when this caller may open service `owner`'s site: people their own
    /// services and `system` ones; the host's owner (and its `system` sessions) all.
    pub fn may_open(&self, owner: &str) -> bool {
        match self {
            Caller::Admin => true,
            Caller::Service { .. } => false,
            Caller::User(p) => p.key == SYSTEM || owner == SYSTEM || owner == p.key,
        }
    }

    /// True for a browser session (cookie-authenticated).
    pub fn is_browser(&self) -> bool {
        matches!(self, Caller::User(_))
    }

    /// (`Atek-Auth-User`, `Atek-Auth-Service`) for a request to service `target`.
    fn headers(&self, target: &str) -> (String, String) {
        match self {
            Caller::Admin => (SYSTEM.into(), SYSTEM.into()),
            Caller::Service { id, owner } => (owner.clone(), id.clone()),
            Caller::User(p) => (p.key.clone(), target.into()),
        }
    }
}

/// The router for one listener.
pub fn router(host: Arc<Host>, via: Via) -> Router {
    Router::new()
        .fallback(handle)
        .layer(Extension(via))
        .with_state(host)
}

/// Serves the router on a unix socket's connections until the listener is dropped.
pub async fn serve_unix(listener: tokio::net::UnixListener, router: Router, owner_only: bool) {
    let me = rustix::process::geteuid().as_raw();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if owner_only {
            // The socket file is 0600 already; the peer's uid is checked too, and the host
            // itself is refused: it connects to sockets services name, and none of those
            // may ever be this one.
            let ok = stream.peer_cred().is_ok_and(|c| {
                (c.uid() == me || c.uid() == 0)
                    && c.pid().is_some_and(|pid| pid as u32 != std::process::id())
            });
            if !ok {
                continue;
            }
        }
        let service = crate::gateway::server::router_service(router.clone());
        tokio::spawn(crate::gateway::server::serve_connection(stream, service));
    }
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Works out the caller, or `None` when unauthenticated.
fn caller(host: &Host, via: &Via, headers: &HeaderMap, scope: &Scope) -> Option<Caller> {
    if *via == Via::Owner {
        return Some(Caller::Admin);
    }
    if let Some(token) = bearer(headers) {
        use subtle::ConstantTimeEq;
        if bool::from(token.as_bytes().ct_eq(host.secrets.admin_token.as_bytes())) {
            return Some(Caller::Admin);
        }
        let service = host.services.by_token(token)?;
        // A service's socket carries only that service's token.
        if let Via::Service(own) = via {
            if *own != service.id {
                return None;
            }
        }
        return Some(Caller::Service {
            id: service.id.clone(),
            owner: service.record().owning_user_key,
        });
    }
    // A service's own socket carries service tokens only: no browser is there, and a
    // session cookie a service got hold of must not make it the admin.
    if let Via::Service(_) = via {
        return None;
    }
    let session = cookie(headers, COOKIE)?;
    let user = host.sessions.valid(session, scope)?;
    person(host, &user).map(Caller::User)
}

/// The person a session is for, as the accounts say now; `None` for a deleted user.
fn person(host: &Host, user: &str) -> Option<Person> {
    if user == SYSTEM {
        return Some(Person {
            key: SYSTEM.into(),
            username: SYSTEM.into(),
            admin: true,
        });
    }
    let u = host.users.get(user).ok()?;
    Some(Person {
        admin: u.is_admin(),
        key: u.key,
        username: u.username,
    })
}

/// True when a cookie-authenticated state change may go ahead: the request comes from
/// the host's own site (`Origin` is the Host) and carries the session's synchronizer
/// token in `X-Atek-CSRF`. Bearer-token and owner calls have no ambient credential and
/// are not asked.
fn csrf_ok(host: &Host, headers: &HeaderMap) -> bool {
    let token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match (cookie(headers, COOKIE), token) {
        (Some(session), Some(csrf)) => same_origin(headers) && host.sessions.csrf_ok(session, csrf),
        _ => false,
    }
}

/// True when the request's `Origin` is the site it is sent to: what a browser session
/// must show for anything but a plain page load (a POST to the gateway, a WebSocket),
/// so another site — a service's own pages included — cannot act as the admin with
/// the admin's cookie.
fn same_origin(headers: &HeaderMap) -> bool {
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin.and_then(|o| o.split_once("://")), host) {
        (Some((_, authority)), Some(host)) => authority.eq_ignore_ascii_case(host),
        _ => false,
    }
}

/// Drops what authenticated the request to the host (`Authorization`, the session
/// cookie) before it is forwarded: a service must never receive the admin's token or
/// session.
fn strip_credentials(headers: &mut HeaderMap) {
    headers.remove(header::AUTHORIZATION);
    let kept: Vec<String> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.split_once('=').map_or(*c, |(k, _)| k) != COOKIE)
        .map(str::to_owned)
        .collect();
    headers.remove(header::COOKIE);
    if let Ok(v) = HeaderValue::from_str(&kept.join("; ")) {
        if !kept.is_empty() {
            headers.insert(header::COOKIE, v);
        }
    }
}

/// The service a Host header names as `{id}.localhost[:port]` or `{id}.DOMAIN`.
fn subdomain(host: &Host, headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::HOST)?.to_str().ok()?;
    let name = value.rsplit_once(':').map_or(value, |(h, p)| {
        if p.bytes().all(|b| b.is_ascii_digit()) {
            h
        } else {
            value
        }
    });
    let name = name.to_ascii_lowercase();
    let domain = host.config.lock().expect("config lock").domain.clone();
    for suffix in [".localhost".to_string(), format!(".{domain}")] {
        if let Some(label) = name.strip_suffix(&suffix) {
            if !label.is_empty() && !label.contains('.') {
                return Some(label.to_string());
            }
        }
    }
    None
}

/// True when the request is for a service's subdomain.
fn subdomain_of(host: &Host, headers: &HeaderMap) -> bool {
    subdomain(host, headers).is_some()
}

fn strip_identity(headers: &mut HeaderMap) {
    let spoofed: Vec<_> = headers
        .keys()
        .filter(|k| k.as_str().starts_with("atek-auth-"))
        .cloned()
        .collect();
    for name in spoofed {
        headers.remove(name);
    }
}

async fn handle(
    State(host): State<Arc<Host>>,
    Extension(via): Extension<Via>,
    mut req: Request,
) -> Response {
    strip_identity(req.headers_mut());
    if let Some(id) = subdomain(&host, req.headers()) {
        return browser::service_site(&host, &via, &id, req).await;
    }
    let path = req.uri().path().to_string();
    match path.as_str() {
        "/_atek/gateway" => gateway::gateway(&host, &via, req).await,
        "/_atek/login" => {
            let peer = req.extensions().get::<Peer>().copied();
            login::login(&host, peer, req).await
        }
        "/_atek/logout" => login::logout(&host, req).await,
        "/_atek/pair" if req.method() == Method::POST => pair(&host, req).await,
        p if is_dashboard(p) => browser::dashboard(&host, &via, req).await,
        "/_atek/bst" => browser::hop_out(&host, &via, &req),
        "/_atek/backup" if via == Via::Owner && req.method() == Method::POST => {
            let secrets = query_param(&req, "secrets").is_some_and(|v| v == "1");
            match host.backup(secrets).await {
                Ok((path, manifest)) => {
                    axum::Json(json!({ "path": path, "manifest": manifest })).into_response()
                }
                Err(e) => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    axum::Json(json!({ "error": true, "message": e.to_string() })),
                )
                    .into_response(),
            }
        }
        "/_atek/login-link" if via == Via::Owner && req.method() == Method::POST => {
            let link = host.login_link();
            axum::Json(json!({ "url": link })).into_response()
        }
        _ => browser::main_site(&host, &via, req).await,
    }
}

/// `POST /_atek/pair` `{"deviceKey": KEY}` over a p2p connection made under a pending
/// invite's key: pairs the device's permanent key and spends the invite.
async fn pair(host: &Host, req: Request) -> Response {
    let refuse = |status: StatusCode, message: String| {
        (
            status,
            axum::Json(json!({"error": true, "message": message})),
        )
            .into_response()
    };
    let Some(super::remote::RemoteKey(invite)) = req.extensions().get().copied() else {
        return refuse(StatusCode::FORBIDDEN, "pairing is over the DHT only".into());
    };
    let body = read_limited(req.into_body(), 4096)
        .await
        .unwrap_or_default();
    let device = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| {
            v["deviceKey"]
                .as_str()?
                .parse::<crate::keys::PublicKey>()
                .ok()
        });
    let Some(device) = device else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "deviceKey must be a public key".into(),
        );
    };
    match host.devices.redeem(&invite, &device) {
        Ok(d) => axum::Json(json!({"name": d.name, "hostKey": host.public_key.to_string()}))
            .into_response(),
        Err(e) => refuse(StatusCode::FORBIDDEN, e.to_string()),
    }
}

/// The dashboard's own paths (its home is `/`, when no main service is chosen).
fn is_dashboard(path: &str) -> bool {
    [
        "/_atek/assets/",
        "/_atek/install",
        "/_atek/users",
        "/_atek/services/",
        "/_atek/open/",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// A request body of at most `limit` bytes: 413 past it, 400 when it breaks off.
async fn read_limited(body: axum::body::Body, limit: usize) -> Result<bytes::Bytes, StatusCode> {
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        axum::Json(json!({"error": true, "message": "Not authorized"})),
    )
        .into_response()
}

fn query_param(req: &Request, name: &str) -> Option<String> {
    let query = req.uri().query()?;
    url_decode_pairs(query)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn url_decode_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        Some((decode(k)?, decode(v)?))
    })
}

fn decode(s: &str) -> Option<String> {
    let s = s.replace('+', " ");
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `POST /_atek/gateway?api=ID` (JSON-RPC) or a WebSocket upgrade on the same URL.
fn set_identity(headers: &mut HeaderMap, user: &str, service: &str) {
    if let (Ok(u), Ok(s)) = (HeaderValue::from_str(user), HeaderValue::from_str(service)) {
        headers.insert("atek-auth-user", u);
        headers.insert("atek-auth-service", s);
    }
}

fn is_upgrade(headers: &HeaderMap) -> bool {
    headers.contains_key(header::UPGRADE)
}

fn local_peer() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// `s` with every byte but unreserved ones (and those in `keep`) as `%XX`: for query
/// values.
pub fn percent_encode(s: &str, keep: &[u8]) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ if keep.contains(&b) => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
