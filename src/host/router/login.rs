//! Signing in and out: the sign-in form and the first-run setup at `/_atek/login`, the
//! owner's one-time login link, `/_atek/logout`, and `atek.cloud/user-sessions-api`
//! (`whoami`, `login`, `logout`) through the gateway, the original's names and shapes.
//!
//! Every way in goes through [`sign_in`]: the rate limit first (no hash is computed for
//! a locked-out address), then one Argon2 check, then a fresh session (a new token at
//! every login, so a cookie planted before cannot ride one). A cross-site request may
//! neither sign in nor out: the browser's `Origin`/`Sec-Fetch-Site` must say
//! same-origin. A password never reaches a log or an answer.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use serde_json::{json, Value};

use super::{
    caller, cookie, query_param, read_limited, url_decode_pairs, Caller, Peer, COOKIE, CSRF_COOKIE,
};
use crate::gateway::rpc::{self, ErrorCode};
use crate::host::pages;
use crate::host::sessions::{Opened, Scope};
use crate::host::users::{Role, UserError, SYSTEM};
use crate::host::Host;

/// The user-sessions API's id.
pub const USER_SESSIONS_API: &str = "atek.cloud/user-sessions-api";
/// The largest sign-in form accepted.
const MAX_FORM: usize = 8 * 1024;

/// Adds the `Set-Cookie` headers of a session to `res` (`None`: ones that clear it):
/// the HttpOnly session cookie, and the CSRF token as a cookie the host's own pages may
/// read and send back in the `X-Atek-CSRF` header (host-only cookies: a service's
/// subdomain neither gets nor reads them).
///
/// `framed`: the session of a service opened inside the dashboard. Chromium takes
/// `ID.localhost` inside a `localhost` page for a third party, measured by
/// tests/dashboard.rs: a `SameSite=Lax` cookie never reached the framed service, nor
/// did `SameSite=None; Secure` (third-party cookies are blocked, as in any incognito
/// window). A partitioned cookie (CHIPS: `SameSite=None; Secure; Partitioned`, kept
/// for this one top-level site) does: Chromium accepts `Secure` over plain http on
/// `*.localhost`, a secure context; under another domain it needs https.
pub(super) fn set_session(
    res: &mut Response,
    host: &Host,
    opened: Option<&Opened>,
    headers: &HeaderMap,
    framed: bool,
) {
    let secure = match (over_https(headers), framed) {
        (_, true) => "; Secure; Partitioned",
        (true, false) => "; Secure",
        (false, false) => "",
    };
    let same_site = if framed { "None" } else { "Lax" };
    let max_age = opened.map_or(0, |_| host.sessions.lifetimes().absolute.as_secs());
    let (token, csrf) = opened.map_or(("", ""), |o| (o.token.as_str(), o.csrf.as_str()));
    let session = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}"
    );
    let csrf = format!("{CSRF_COOKIE}={csrf}; Path=/; SameSite=Strict; Max-Age={max_age}{secure}");
    // A service's subdomain gets the session only: the host checks no CSRF token there.
    let main = !super::subdomain_of(host, headers);
    for value in std::iter::once(session).chain(main.then_some(csrf)) {
        let value = HeaderValue::from_str(&value).expect("cookies of hex and ASCII");
        res.headers_mut().append(header::SET_COOKIE, value);
    }
}

pub(super) fn over_https(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// True when the browser says the request comes from this same site (or was typed
/// in): `Sec-Fetch-Site` when sent, else an `Origin` equal to the Host. A request
/// with neither is a non-browser client, which carries no ambient cookie to abuse.
pub(crate) fn same_site_request(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    match headers.get(header::ORIGIN) {
        None => true,
        Some(_) => super::same_origin(headers),
    }
}

/// Why a sign-in failed.
enum Refused {
    /// Wrong username or password (which is not said).
    Credentials,
    /// Too many failures from here: wait this many seconds.
    Limited(u64),
    /// The store failed.
    Broken(String),
}

impl Refused {
    fn message(&self) -> String {
        match self {
            Refused::Credentials => UserError::BadCredentials.to_string(),
            Refused::Limited(secs) => {
                format!("Too many failed sign-ins from here: try again in {secs} s")
            }
            Refused::Broken(e) => e.clone(),
        }
    }
}

/// Checks a username and password (rate limit first) and opens a main-host session.
async fn sign_in(
    host: &Arc<Host>,
    source: Option<IpAddr>,
    username: &str,
    password: zeroize::Zeroizing<String>,
) -> Result<(Opened, String), Refused> {
    if let Err(wait) = host.login_limit.check(source, username) {
        tracing::warn!(username, ?source, "sign-in refused: rate limit");
        return Err(Refused::Limited(wait.as_secs()));
    }
    let (h, name) = (host.clone(), username.to_string());
    let checked = tokio::task::spawn_blocking(move || h.users.verify(&name, &password))
        .await
        .map_err(|e| Refused::Broken(e.to_string()))?;
    match checked {
        Ok(user) => {
            host.login_limit.succeeded(source, username);
            tracing::info!(username = user.username, "signed in");
            Ok((host.sessions.open(&user.key, Scope::Main), user.username))
        }
        Err(UserError::BadCredentials) => {
            host.login_limit.failed(source, username);
            tracing::warn!(username, ?source, "sign-in failed");
            Err(Refused::Credentials)
        }
        Err(e) => Err(Refused::Broken(e.to_string())),
    }
}

fn redirect_with_session(
    host: &Host,
    to: &str,
    opened: Option<&Opened>,
    headers: &HeaderMap,
) -> Response {
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response();
    set_session(&mut res, host, opened, headers, false);
    res
}

pub(crate) async fn read_form(req: Request) -> Option<Vec<(String, String)>> {
    let body = read_limited(req.into_body(), MAX_FORM).await.ok()?;
    let text = std::str::from_utf8(&body).ok()?;
    Some(url_decode_pairs(text).collect())
}

pub(crate) fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// `/_atek/login`: the form (GET), a sign-in or the first admin (POST), or the owner's
/// one-time link (`?token=`).
pub(super) async fn login(host: &Arc<Host>, peer: Option<Peer>, req: Request) -> Response {
    let next = query_param(&req, "next")
        .filter(|n| super::browser::is_local_path(n))
        .unwrap_or_else(|| "/".into());
    if req.method() == Method::POST {
        return login_post(host, peer, req).await;
    }
    let Some(token) = query_param(&req, "token") else {
        return pages::login_page(StatusCode::OK, None, &next);
    };
    if !host.sessions.login_pending(&token) {
        return pages::login_page(
            StatusCode::UNAUTHORIZED,
            Some("That login link was used already or has expired: sign in, or print a new one with `spork host login-link`."),
            &next,
        );
    }
    if host.users.is_empty().unwrap_or(false) {
        // First run: the link opens the form that makes the first admin; it is spent
        // when the admin is made.
        return pages::setup_page(StatusCode::OK, None, &token);
    }
    if !host.sessions.spend_login(&token) {
        return pages::login_page(StatusCode::UNAUTHORIZED, None, &next);
    }
    let opened = host.sessions.open(SYSTEM, Scope::Main);
    redirect_with_session(host, &next, Some(&opened), req.headers())
}

async fn login_post(host: &Arc<Host>, peer: Option<Peer>, req: Request) -> Response {
    if !same_site_request(req.headers()) {
        return (StatusCode::FORBIDDEN, "cross-site sign-in refused\n").into_response();
    }
    let headers = req.headers().clone();
    let Some(form) = read_form(req).await else {
        return pages::login_page(
            StatusCode::BAD_REQUEST,
            Some("The form could not be read."),
            "/",
        );
    };
    let next = Some(field(&form, "next"))
        .filter(|n| super::browser::is_local_path(n))
        .unwrap_or("/")
        .to_string();
    let username = field(&form, "username").to_string();
    let password = zeroize::Zeroizing::new(field(&form, "password").to_string());
    let setup = field(&form, "setup");
    if !setup.is_empty() {
        return first_admin(
            host,
            &headers,
            setup,
            &username,
            password,
            field(&form, "confirm"),
        )
        .await;
    }
    match sign_in(host, peer.map(|p| p.0.ip()), &username, password).await {
        Ok((opened, _)) => redirect_with_session(host, &next, Some(&opened), &headers),
        Err(refused) => {
            let status = match refused {
                Refused::Credentials => StatusCode::UNAUTHORIZED,
                Refused::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
                Refused::Broken(_) => StatusCode::INTERNAL_SERVER_ERROR,
            };
            pages::login_page(status, Some(&refused.message()), &next)
        }
    }
}

/// First run: makes the first admin with the owner's link token, and signs them in.
async fn first_admin(
    host: &Arc<Host>,
    headers: &HeaderMap,
    token: &str,
    username: &str,
    password: zeroize::Zeroizing<String>,
    confirm: &str,
) -> Response {
    if !host.sessions.login_pending(token) || !host.users.is_empty().unwrap_or(false) {
        return pages::login_page(
            StatusCode::UNAUTHORIZED,
            Some("That setup link was used already or has expired."),
            "/",
        );
    }
    if password.as_str() != confirm {
        return pages::setup_page(
            StatusCode::BAD_REQUEST,
            Some("The two passwords differ."),
            token,
        );
    }
    let (h, name) = (host.clone(), username.to_string());
    let made =
        tokio::task::spawn_blocking(move || h.users.create(&name, &password, Role::Admin)).await;
    match made {
        Ok(Ok(user)) => {
            host.sessions.spend_login(token);
            tracing::info!(username = user.username, "first admin created");
            let opened = host.sessions.open(&user.key, Scope::Main);
            redirect_with_session(host, "/", Some(&opened), headers)
        }
        Ok(Err(e)) => pages::setup_page(StatusCode::BAD_REQUEST, Some(&e.to_string()), token),
        Err(e) => pages::setup_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            Some(&e.to_string()),
            token,
        ),
    }
}

/// `POST /_atek/logout`: ends the session (same-site only) and clears the cookie.
pub(super) async fn logout(host: &Host, req: Request) -> Response {
    if req.method() != Method::POST || !same_site_request(req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            "sign out with a POST from this site\n",
        )
            .into_response();
    }
    let headers = req.headers().clone();
    let form = read_form(req).await.unwrap_or_default();
    if let Some(token) = cookie(&headers, COOKIE) {
        // Signing someone out is a state change too: the form carries the token.
        if !host.sessions.csrf_ok(token, field(&form, "csrf")) {
            return (
                StatusCode::FORBIDDEN,
                "the form's CSRF token is missing or wrong\n",
            )
                .into_response();
        }
        host.sessions.close(token);
    }
    redirect_with_session(host, "/_atek/login", None, &headers)
}

/// `atek.cloud/user-sessions-api` through the gateway: one call per request.
pub(super) async fn sessions_api(
    host: &Arc<Host>,
    via: &super::Via,
    peer: Option<Peer>,
    req: Request,
) -> Response {
    let headers = req.headers().clone();
    let body = match read_limited(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(status) => return status.into_response(),
    };
    let call = match rpc::parse(&body) {
        Ok(rpc::Body::Single(Ok(call))) => call,
        Ok(rpc::Body::Single(Err(answer))) | Err(answer) => {
            return axum::Json(answer).into_response()
        }
        Ok(rpc::Body::Batch(_)) => {
            return axum::Json(rpc::error(
                Value::Null,
                ErrorCode::INVALID_REQUEST,
                "user-sessions-api takes one call at a time",
            ))
            .into_response()
        }
    };
    let id = call.id.clone().unwrap_or(Value::Null);
    let answer = |result: Result<Value, (ErrorCode, String)>| match result {
        Ok(v) => rpc::result(id.clone(), v),
        Err((code, msg)) => rpc::error(id.clone(), code, &msg),
    };
    let who = caller(host, via, &headers, &Scope::Main);
    match call.method.as_str() {
        "whoami" => {
            let session = match &who {
                Some(Caller::User(p)) => json!({"isActive": true, "username": p.username}),
                Some(Caller::Admin) => json!({"isActive": true, "username": SYSTEM}),
                _ => json!({"isActive": false}),
            };
            axum::Json(answer(Ok(session))).into_response()
        }
        "login" => {
            if !same_site_request(&headers) {
                return (StatusCode::FORBIDDEN, "cross-site sign-in refused\n").into_response();
            }
            let creds = call.params.get(0).cloned().unwrap_or(Value::Null);
            let (Some(username), Some(password)) = (
                creds.get("username").and_then(Value::as_str),
                creds.get("password").and_then(Value::as_str),
            ) else {
                return axum::Json(answer(Err((
                    ErrorCode::INVALID_PARAMS,
                    "Parameter 1 must be {username, password}".into(),
                ))))
                .into_response();
            };
            let password = zeroize::Zeroizing::new(password.to_string());
            match sign_in(host, peer.map(|p| p.0.ip()), username, password).await {
                Ok((opened, username)) => {
                    let body = answer(Ok(json!({"isActive": true, "username": username})));
                    let mut res = axum::Json(body).into_response();
                    set_session(&mut res, host, Some(&opened), &headers, false);
                    res
                }
                Err(refused) => {
                    let status = match refused {
                        Refused::Limited(_) => StatusCode::TOO_MANY_REQUESTS,
                        _ => StatusCode::OK,
                    };
                    let body = answer(Err((ErrorCode::NOT_AUTHORIZED, refused.message())));
                    (status, axum::Json(body)).into_response()
                }
            }
        }
        "logout" => {
            if !same_site_request(&headers) {
                return (StatusCode::FORBIDDEN, "cross-site sign-out refused\n").into_response();
            }
            if let Some(token) = cookie(&headers, COOKIE) {
                let csrf = headers
                    .get(super::CSRF_HEADER)
                    .and_then(|v| v.to_str().ok());
                if !host.sessions.csrf_ok(token, csrf.unwrap_or_default()) {
                    return (
                        StatusCode::FORBIDDEN,
                        "the X-Atek-CSRF header is missing or wrong\n",
                    )
                        .into_response();
                }
                host.sessions.close(token);
            }
            let mut res = axum::Json(answer(Ok(Value::Null))).into_response();
            set_session(&mut res, host, None, &headers, false);
            res
        }
        other => axum::Json(answer(Err((
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {other}"),
        ))))
        .into_response(),
    }
}
