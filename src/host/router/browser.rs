//! What browsers get: the one-time login link, the `bst` hop that carries a session to
//! a service's subdomain, the subdomain proxy (HTTP and WebSockets, Host kept), and `/`
//! (the default main service, or the list). Session cookies are HttpOnly, SameSite=Lax,
//! and Secure behind https.

use std::sync::Arc;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use hyper::header::{self, HeaderMap};
use hyper::StatusCode;

use super::login::{over_https, set_session};
use super::{
    caller, local_peer, percent_encode, query_param, same_origin, set_identity, strip_credentials,
    unauthorized, Caller, Via,
};
use crate::gateway::proxy;
use crate::host::sessions::Scope;
use crate::host::users::SYSTEM;
use crate::host::Host;
use crate::host::{dashboard, pages};

fn redirect(to: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to.to_string())]).into_response()
}

/// `/_atek/bst?service=ID&path=…` on the main host: with a session there, mints a
/// one-time hop token and sends the browser to the service's subdomain with it.
pub(super) fn hop_out(host: &Host, via: &Via, req: &Request) -> Response {
    // Only a person may open a service's site: a service's token gets no hop.
    let who = caller(host, via, req.headers(), &Scope::Main);
    let (who, user) = match who {
        Some(c @ (Caller::User(_) | Caller::Admin)) => {
            let key = c.user_key().to_string();
            (c, key)
        }
        None if wants_html(req.headers()) => return login_redirect(req),
        _ => return unauthorized(),
    };
    let Some(id) = query_param(req, "service").filter(|id| {
        host.services
            .get(id)
            .is_some_and(|s| who.may_open(&s.record().owning_user_key))
    }) else {
        return (StatusCode::NOT_FOUND, "no such service\n").into_response();
    };
    let path = query_param(req, "path").filter(|p| is_local_path(p));
    let parent = super::cookie(req.headers(), super::COOKIE);
    let token = host.sessions.hop_token(&id, &user, parent);
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
        percent_encode(path.as_deref().unwrap_or("/"), b"/")
    );
    redirect(&to)
}

/// A request for `{id}.localhost:PORT`: the bst landing, or the service itself.
pub(super) async fn service_site(host: &Arc<Host>, via: &Via, id: &str, req: Request) -> Response {
    let scope = Scope::Service(id.to_string());
    if req.uri().path() == "/_atek/bst" {
        let token = query_param(&req, "token").unwrap_or_default();
        let Some(opened) = host.sessions.hop(&token, id) else {
            return pages::login_page(
                StatusCode::UNAUTHORIZED,
                Some("That sign-in hop was used already or has expired."),
                "/",
            );
        };
        let path = query_param(&req, "path").filter(|p| is_local_path(p));
        let mut res = redirect(path.as_deref().unwrap_or("/"));
        let framed = query_param(&req, "frame").is_some_and(|f| f == "1");
        set_session(&mut res, host, Some(&opened), req.headers(), framed);
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
                percent_encode(&path, b"/")
            ));
        }
        return unauthorized();
    };
    // A service's token is for the API gateway only: another service's site would let
    // it around the `imports` the admin accepted.
    if let Caller::Service { .. } = caller {
        return (StatusCode::FORBIDDEN, "service tokens may only call APIs\n").into_response();
    }
    if caller.is_browser()
        && req.headers().contains_key(header::UPGRADE)
        && !same_origin(req.headers())
    {
        return (StatusCode::FORBIDDEN, "cross-site WebSocket refused\n").into_response();
    }
    // Another user's service is not there, to this user.
    let Some(service) = host
        .services
        .get(id)
        .filter(|s| caller.may_open(&s.record().owning_user_key))
    else {
        return (
            StatusCode::NOT_FOUND,
            format!("no service {id:?} is installed\n"),
        )
            .into_response();
    };
    proxy_site(host, &caller, &service, req).await
}

/// Proxies a browser's request to service `service`'s socket, as `caller`.
async fn proxy_site(
    host: &Host,
    caller: &Caller,
    service: &crate::host::services::Service,
    mut req: Request,
) -> Response {
    let (user, from) = caller.headers(&service.id);
    set_identity(req.headers_mut(), &user, &from);
    strip_credentials(req.headers_mut());
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let uri: hyper::Uri = match format!("http://{}{path}", service.id).parse() {
        Ok(u) => u,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let fresh = Some(&host.service_client);
    match proxy::send(&host.service_client, fresh, uri, req, local_peer()).await {
        Ok(res) => res,
        Err(_) => pages::service_down(&service.id, service.status().as_str()),
    }
}

/// To the sign-in form, coming back to this page after.
fn login_redirect(req: &Request) -> Response {
    let here = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    redirect(&format!(
        "/_atek/login?next={}",
        percent_encode(&here, b"/")
    ))
}

/// A path on this same site, safe to redirect to: `/…`, never `//host`, and no
/// backslash or control character a browser would read as another host (`/\\evil`).
pub(super) fn is_local_path(p: &str) -> bool {
    p.starts_with('/')
        && !p.starts_with("//")
        && !p.bytes().any(|b| b == b'\\' || b.is_ascii_control())
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
pub(super) async fn main_site(host: &Arc<Host>, via: &Via, req: Request) -> Response {
    let who = caller(host, via, req.headers(), &Scope::Main);
    if let Some(Caller::Service { .. }) = who {
        return (StatusCode::FORBIDDEN, "service tokens may only call APIs\n").into_response();
    }
    let Some(who) = who else {
        return if wants_html(req.headers()) {
            login_redirect(&req)
        } else {
            unauthorized()
        };
    };
    // The user's own choice of main service, else the host's default: whichever this
    // user may open.
    let chosen = match &who {
        Caller::User(p) if p.key != SYSTEM => host
            .users
            .get(&p.key)
            .ok()
            .and_then(|u| u.settings.main_service_id),
        _ => None,
    };
    let default = host
        .config
        .lock()
        .expect("config lock")
        .default_main_service
        .clone();
    let main = [chosen, default]
        .into_iter()
        .flatten()
        .filter_map(|id| host.services.get(&id))
        .find(|s| who.may_open(&s.record().owning_user_key));
    if let Some(service) = main {
        return proxy_site(host, &who, &service, req).await;
    }
    if req.uri().path() != "/" {
        return (StatusCode::NOT_FOUND, "not found\n").into_response();
    }
    let session = super::cookie(req.headers(), super::COOKIE);
    let visit = dashboard::Visit { who: &who, session };
    dashboard::home(host, &visit, None).await
}

/// A dashboard page: for a person signed in (or the owner); others are sent to sign in.
pub(super) async fn dashboard(host: &Arc<Host>, via: &Via, req: Request) -> Response {
    let path = req.uri().path().to_string();
    // The stylesheet is public: the sign-in page uses it too.
    let public = path.starts_with("/_atek/assets/");
    let who = caller(host, via, req.headers(), &Scope::Main);
    let who = match who {
        Some(Caller::Service { .. }) => {
            return (StatusCode::FORBIDDEN, "service tokens may only call APIs\n").into_response()
        }
        Some(w) => w,
        None if public => Caller::User(super::Person {
            key: String::new(),
            username: String::new(),
            admin: false,
        }),
        None if wants_html(req.headers()) => return login_redirect(&req),
        None => return unauthorized(),
    };
    let session = super::cookie(req.headers(), super::COOKIE).map(str::to_owned);
    let visit = dashboard::Visit {
        who: &who,
        session: session.as_deref(),
    };
    match dashboard::route(host, &visit, &path, req).await {
        Some(res) => res,
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}
