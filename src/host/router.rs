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

use axum::body::{Body, Bytes};
use axum::extract::{Extension, Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use super::apis;
use super::manifest::Transport;
use super::sessions::{Scope, BST_TTL, SESSION_TTL};
use super::Host;
use crate::gateway::proxy;
use crate::gateway::rpc::{self, ErrorCode};

/// The largest JSON-RPC request body the gateway accepts (larger: 413, -32600).
pub const MAX_RPC_BODY: usize = 4 * 1024 * 1024;
/// The session cookie's name.
const COOKIE: &str = "atek_session";

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
    /// The admin (admin token or the control socket).
    Admin,
    /// A service, by its token.
    Service(String),
    /// A browser with a session.
    User,
}

impl Caller {
    fn is_admin(&self) -> bool {
        matches!(self, Caller::Admin | Caller::User)
    }
    /// (`Atek-Auth-User`, `Atek-Auth-Service`) for a request to service `target`.
    fn headers(&self, target: &str) -> (String, String) {
        match self {
            Caller::Admin => ("system".into(), "system".into()),
            Caller::Service(id) => ("system".into(), id.clone()),
            Caller::User => ("admin".into(), target.into()),
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
            // The socket file is 0600 already; the peer's uid is checked too.
            let ok = stream
                .peer_cred()
                .is_ok_and(|c| c.uid() == me || c.uid() == 0);
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
        return Some(Caller::Service(service.id.clone()));
    }
    let session = cookie(headers, COOKIE)?;
    host.sessions.valid(session, scope).then_some(Caller::User)
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
        return service_site(&host, &via, &id, req).await;
    }
    let path = req.uri().path().to_string();
    match path.as_str() {
        "/_atek/gateway" => gateway(&host, &via, req).await,
        "/_atek/login" => login(&host, &req),
        "/_atek/bst" => hop_out(&host, &via, &req),
        "/_atek/login-link" if via == Via::Owner && req.method() == Method::POST => {
            let link = host.login_link();
            axum::Json(json!({ "url": link })).into_response()
        }
        _ => main_site(&host, &via, req).await,
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

fn rpc_answer(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
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
async fn gateway(host: &Arc<Host>, via: &Via, req: Request) -> Response {
    let Some(caller) = caller(host, via, req.headers(), &Scope::Main) else {
        return unauthorized();
    };
    let Some(api) = query_param(&req, "api").filter(|a| !a.is_empty()) else {
        return rpc_answer(
            StatusCode::BAD_REQUEST,
            rpc::error(
                Value::Null,
                ErrorCode::INVALID_REQUEST,
                "missing ?api=API_ID",
            ),
        );
    };
    if let Caller::Service(id) = &caller {
        let imports = host
            .services
            .get(id)
            .and_then(|s| s.manifest().ok())
            .and_then(|m| m.imports);
        let allowed = apis::api_allowed(&api, imports.as_deref());
        if !allowed {
            let why =
                format!("Not authorized: {id} may not call {api} (not in its atek.json imports)");
            if is_upgrade(req.headers()) {
                return (StatusCode::FORBIDDEN, why).into_response();
            }
            return refuse_all(req, ErrorCode::NOT_AUTHORIZED, &why).await;
        }
    }
    if is_upgrade(req.headers()) {
        return websocket_api(host, &caller, &api, req).await;
    }
    if req.method() != Method::POST {
        return rpc_answer(
            StatusCode::METHOD_NOT_ALLOWED,
            rpc::error(
                Value::Null,
                ErrorCode::INVALID_REQUEST,
                "use POST with a JSON-RPC body, or a WebSocket",
            ),
        );
    }
    let body = match read_limited(req.into_body(), MAX_RPC_BODY).await {
        Ok(b) => b,
        Err(status) => {
            return rpc_answer(
                status,
                rpc::error(
                    Value::Null,
                    ErrorCode::INVALID_REQUEST,
                    &format!("the request body is larger than {} MiB", MAX_RPC_BODY >> 20),
                ),
            )
        }
    };
    let parsed = match rpc::parse(&body) {
        Ok(p) => p,
        Err(answer) => return rpc_answer(StatusCode::OK, answer),
    };
    if apis::is_host_api(&api) {
        return host_api(host, &caller, &api, parsed).await;
    }
    service_api(host, &caller, &api, parsed, body).await
}

/// Answers every call of the body with the same error.
async fn refuse_all(req: Request, code: ErrorCode, why: &str) -> Response {
    let body = read_limited(req.into_body(), MAX_RPC_BODY)
        .await
        .unwrap_or_default();
    let answer = match rpc::parse(&body) {
        Ok(rpc::Body::Single(call)) => rpc::error(id_of(&call), code, why),
        Ok(rpc::Body::Batch(calls)) => Value::Array(
            calls
                .iter()
                .map(|c| rpc::error(id_of(c), code, why))
                .collect(),
        ),
        Err(_) => rpc::error(Value::Null, code, why),
    };
    rpc_answer(StatusCode::OK, answer)
}

fn id_of(call: &Result<rpc::Call, Value>) -> Value {
    match call {
        Ok(c) => c.id.clone().unwrap_or(Value::Null),
        Err(e) => e.get("id").cloned().unwrap_or(Value::Null),
    }
}

async fn read_limited(body: Body, limit: usize) -> Result<Bytes, StatusCode> {
    let limited = http_body_util::Limited::new(body, limit);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::BAD_REQUEST),
    }
}

async fn host_api(host: &Arc<Host>, caller: &Caller, api: &str, body: rpc::Body) -> Response {
    let admin = caller.is_admin();
    let one = |call: Result<rpc::Call, Value>| {
        let host = host.clone();
        async move {
            let call = match call {
                Ok(c) => c,
                Err(answer) => return Some(answer),
            };
            let id = call.id.clone();
            let out = apis::call(&host, api, &call.method, &call.params, admin).await;
            let id = id?;
            Some(match out {
                Ok(v) => rpc::result(id, v),
                Err((code, msg)) => rpc::error(id, code, &msg),
            })
        }
    };
    match body {
        rpc::Body::Single(call) => match one(call).await {
            Some(answer) => rpc_answer(StatusCode::OK, answer),
            None => StatusCode::NO_CONTENT.into_response(),
        },
        rpc::Body::Batch(calls) => {
            let mut answers = Vec::new();
            for call in calls {
                answers.extend(one(call).await);
            }
            if answers.is_empty() {
                StatusCode::NO_CONTENT.into_response()
            } else {
                rpc_answer(StatusCode::OK, Value::Array(answers))
            }
        }
    }
}

async fn service_api(
    host: &Arc<Host>,
    caller: &Caller,
    api: &str,
    body: rpc::Body,
    raw: Bytes,
) -> Response {
    let refuse = |code: ErrorCode, why: &str| match &body {
        rpc::Body::Single(call) => rpc_answer(StatusCode::OK, rpc::error(id_of(call), code, why)),
        rpc::Body::Batch(calls) => rpc_answer(
            StatusCode::OK,
            Value::Array(
                calls
                    .iter()
                    .map(|c| rpc::error(id_of(c), code, why))
                    .collect(),
            ),
        ),
    };
    let exporter = host.services.exporter(api, Transport::Rpc);
    let (service, export) = match exporter {
        Ok(found) => found,
        Err(Some(down)) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!("{down}, which exports {api}, is not running"),
            )
        }
        Err(None) => {
            return refuse(
                ErrorCode::METHOD_NOT_FOUND,
                &format!("No service available which exports the API {api}"),
            )
        }
    };
    let (user, from) = caller.headers(&service.id);
    let uri = format!("http://{}{}", service.id, export.path);
    let mut req = hyper::Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::HOST, "localhost")
        .body(Body::from(raw))
        .expect("a valid request");
    set_identity(req.headers_mut(), &user, &from);
    let limit = host.settings.call_timeout;
    let sent = tokio::time::timeout(limit, host.service_client.request(req)).await;
    let res = match sent {
        Err(_) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!(
                    "{} did not answer {api} within {} s",
                    service.id,
                    limit.as_secs()
                ),
            )
        }
        Ok(Err(e)) => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!("{} could not be reached: {e}", service.id),
            )
        }
        Ok(Ok(res)) => res,
    };
    let bytes = match tokio::time::timeout(limit, res.into_body().collect()).await {
        Ok(Ok(b)) => b.to_bytes(),
        _ => {
            return refuse(
                ErrorCode::UNAVAILABLE,
                &format!("{} broke off its answer", service.id),
            )
        }
    };
    if bytes.is_empty() {
        return StatusCode::NO_CONTENT.into_response();
    }
    if serde_json::from_slice::<serde::de::IgnoredAny>(&bytes).is_err() {
        return refuse(
            ErrorCode::PARSE_ERROR,
            &format!("{} answered with something that is not JSON", service.id),
        );
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        bytes,
    )
        .into_response()
}

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

/// A WebSocket to a `proxy`-transport API: piped to the exporter's export path.
async fn websocket_api(host: &Arc<Host>, caller: &Caller, api: &str, mut req: Request) -> Response {
    let (service, export) = match host.services.exporter(api, Transport::Proxy) {
        Ok(found) => found,
        Err(_) => {
            return (
                StatusCode::NOT_FOUND,
                format!("No running service exports the WebSocket API {api}\n"),
            )
                .into_response()
        }
    };
    let (user, from) = caller.headers(&service.id);
    set_identity(req.headers_mut(), &user, &from);
    req.headers_mut().remove(header::AUTHORIZATION);
    let uri: hyper::Uri = match format!("http://{}{}", service.id, export.path).parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
    };
    match proxy::send(&host.service_client, None, uri, req, local_peer()).await {
        Ok(res) => res,
        Err(e) => (StatusCode::BAD_GATEWAY, format!("{}: {e}\n", service.id)).into_response(),
    }
}

fn set_cookie(res: &mut Response, token: &str, secure: bool) {
    let mut value = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        SESSION_TTL.as_secs()
    );
    if secure {
        value.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&value) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

/// `/_atek/login?token=…`: spends a one-time login link for a session on the main host.
fn login(host: &Host, req: &Request) -> Response {
    let Some(token) = query_param(req, "token") else {
        return super::pages::login_page(StatusCode::UNAUTHORIZED);
    };
    let Some(session) = host.sessions.log_in(&token) else {
        return super::pages::login_page(StatusCode::UNAUTHORIZED);
    };
    let next = query_param(req, "next").filter(|n| n.starts_with('/') && !n.starts_with("//"));
    let mut res = redirect(next.as_deref().unwrap_or("/"));
    set_cookie(&mut res, &session, over_https(req.headers()));
    res
}

/// `/_atek/bst?service=ID&path=…` on the main host: with a session there, mints a
/// one-time hop token and sends the browser to the service's subdomain with it.
fn hop_out(host: &Host, via: &Via, req: &Request) -> Response {
    if caller(host, via, req.headers(), &Scope::Main).is_none() {
        return super::pages::login_page(StatusCode::UNAUTHORIZED);
    }
    let Some(id) = query_param(req, "service").filter(|id| host.services.contains(id)) else {
        return (StatusCode::NOT_FOUND, "no such service\n").into_response();
    };
    let path = query_param(req, "path").filter(|p| p.starts_with('/') && !p.starts_with("//"));
    let token = host.sessions.hop_token(&id);
    let main = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let to = format!(
        "{}://{id}.{main}/_atek/bst?token={token}&path={}",
        if over_https(req.headers()) {
            "https"
        } else {
            "http"
        },
        encode(path.as_deref().unwrap_or("/"))
    );
    let _ = BST_TTL;
    redirect(&to)
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A request for `{id}.localhost:PORT`: the bst landing, or the service itself.
async fn service_site(host: &Arc<Host>, via: &Via, id: &str, mut req: Request) -> Response {
    let scope = Scope::Service(id.to_string());
    if req.uri().path() == "/_atek/bst" {
        let token = query_param(&req, "token").unwrap_or_default();
        let Some(session) = host.sessions.hop(&token, id) else {
            return super::pages::login_page(StatusCode::UNAUTHORIZED);
        };
        let path = query_param(&req, "path").filter(|p| p.starts_with('/') && !p.starts_with("//"));
        let mut res = redirect(path.as_deref().unwrap_or("/"));
        set_cookie(&mut res, &session, over_https(req.headers()));
        return res;
    }
    let Some(caller) = caller(host, via, req.headers(), &scope) else {
        if wants_html(req.headers()) {
            // Fetch a session from the main host (which has one, or shows the login page).
            let main = main_host(host, req.headers());
            let path = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string();
            return redirect(&format!(
                "http://{main}/_atek/bst?service={id}&path={}",
                encode(&path)
            ));
        }
        return unauthorized();
    };
    // A service's token is for the API gateway only: another service's site would let
    // it around the `imports` the admin accepted.
    if let Caller::Service(_) = caller {
        return (StatusCode::FORBIDDEN, "service tokens may only call APIs\n").into_response();
    }
    let Some(service) = host.services.get(id) else {
        return (
            StatusCode::NOT_FOUND,
            format!("no service {id:?} is installed\n"),
        )
            .into_response();
    };
    let (user, from) = caller.headers(id);
    set_identity(req.headers_mut(), &user, &from);
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let uri: hyper::Uri = match format!("http://{}{path}", service.id).parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    match proxy::send(
        &host.service_client,
        Some(&host.service_client),
        uri,
        req,
        local_peer(),
    )
    .await
    {
        Ok(res) => res,
        Err(_) => super::pages::service_down(id, service.status().as_str()),
    }
}

fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

/// The main host's `host:port` for a request made to one of its subdomains.
fn main_host(host: &Host, headers: &HeaderMap) -> String {
    let value = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    match value.split_once('.') {
        Some((_, rest)) => rest.to_string(),
        None => format!("localhost:{}", host.settings.port),
    }
}

/// `/` and everything else on the main host: the default main service, or the list.
async fn main_site(host: &Arc<Host>, via: &Via, req: Request) -> Response {
    let who = caller(host, via, req.headers(), &Scope::Main);
    if let Some(Caller::Service(_)) = who {
        return (StatusCode::FORBIDDEN, "service tokens may only call APIs\n").into_response();
    }
    if who.is_none() {
        return if wants_html(req.headers()) {
            super::pages::login_page(StatusCode::UNAUTHORIZED)
        } else {
            unauthorized()
        };
    }
    let main = host
        .config
        .lock()
        .expect("config lock")
        .default_main_service
        .clone();
    if let Some(id) = main.filter(|id| host.services.contains(id)) {
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        if let Ok(uri) = format!("http://{id}{path}").parse::<hyper::Uri>() {
            return match proxy::send(
                &host.service_client,
                Some(&host.service_client),
                uri,
                req,
                local_peer(),
            )
            .await
            {
                Ok(res) => res,
                Err(_) => super::pages::service_down(&id, "not answering"),
            };
        }
    }
    if req.uri().path() != "/" {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let list: Vec<(String, String)> = host
        .services
        .all()
        .iter()
        .map(|s| (s.id.clone(), s.status().as_str().to_string()))
        .collect();
    let host_header = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    super::pages::service_list(&host_header, &list)
}
