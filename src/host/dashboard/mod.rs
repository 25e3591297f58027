//! The dashboard: the host's own pages for people, the default main service at `/`.
//! Server-rendered (askama templates compiled into the binary), plain forms that work
//! without JavaScript; one small script streams live logs. Its assets (CSS, that
//! script) are embedded here and served by `gateway::static_files`, the file server of
//! `spork serve`, from `DIR/dashboard/` where the host writes them at start.
//!
//! Every action goes through the same host APIs as any other caller
//! ([`crate::host::apis::call`] as the signed-in person), so a page can do nothing the
//! API would refuse; every POST must carry the session's CSRF token and come from this
//! site. It never reads a password back, nor shows a secret config value.

mod logs;
mod views;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use askama::Template;
use axum::extract::Request;
use axum::response::{Html, IntoResponse, Response};
use hyper::{header, Method, StatusCode};
use serde_json::{json, Value};

use super::apis::{self, SERVICES_API, USERS_API};
use super::router::login::{field, read_form, same_site_request};
use super::router::Caller;
use super::Host;
use views::{Chrome, ServiceView};

/// The embedded assets: (file name, contents).
const ASSETS: [(&str, &str); 2] = [
    ("style.css", include_str!("assets/style.css")),
    ("logs.js", include_str!("assets/logs.js")),
];

/// Writes the embedded assets into `root` (replacing what was there) and returns the
/// static-file router that serves them.
pub fn assets(root: &Path) -> std::io::Result<axum::Router> {
    std::fs::create_dir_all(root)?;
    for (name, body) in ASSETS {
        std::fs::write(root.join(name), body)?;
    }
    crate::gateway::static_files::router(root.to_owned())
}

/// A request to the dashboard, by a person (`who`) with session token `session`.
pub struct Visit<'a> {
    /// Who.
    pub who: &'a Caller,
    /// The session cookie, for the CSRF token.
    pub session: Option<&'a str>,
}

impl Visit<'_> {
    fn chrome(&self, host: &Host, page: &'static str, error: Option<String>) -> Chrome {
        let (username, admin) = match self.who {
            Caller::User(p) => (p.username.clone(), p.admin),
            _ => (super::users::SYSTEM.to_string(), true),
        };
        Chrome {
            username,
            admin,
            csrf: self
                .session
                .and_then(|s| host.sessions.csrf(s))
                .unwrap_or_default(),
            page,
            error,
        }
    }

    /// A posted form's fields, or the 403 when it may not act.
    async fn form(&self, host: &Host, req: Request) -> Result<Vec<(String, String)>, Response> {
        let headers = req.headers().clone();
        let form = read_form(req).await.unwrap_or_default();
        if self.form_ok(host, &headers, &form) {
            Ok(form)
        } else {
            Err((
                StatusCode::FORBIDDEN,
                "the form's CSRF token is missing or wrong\n",
            )
                .into_response())
        }
    }

    /// True when a form may act: from this site, with the session's CSRF token (a
    /// bearer-token caller carries no ambient credential and needs none).
    fn form_ok(&self, host: &Host, headers: &hyper::HeaderMap, form: &[(String, String)]) -> bool {
        match self.session {
            Some(s) if self.who.is_browser() => {
                same_site_request(headers) && host.sessions.csrf_ok(s, field(form, "csrf"))
            }
            _ => !self.who.is_browser(),
        }
    }
}

/// 400 for a page shown again with an error, else 200.
fn status_for(error: &Option<String>) -> StatusCode {
    if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    }
}

fn render(status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn back_to(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "not found\n").into_response()
}

/// The services list (`/` when no main service is chosen).
pub async fn home(host: &Arc<Host>, visit: &Visit<'_>, error: Option<String>) -> Response {
    let status = status_for(&error);
    let list = apis::call(host, SERVICES_API, "list", &json!([]), visit.who).await;
    let mut services: Vec<ServiceView> = match list {
        Ok(v) => v["services"]
            .as_array()
            .map(|a| a.iter().map(ServiceView::from_info).collect())
            .unwrap_or_default(),
        Err((_, e)) => return (StatusCode::INTERNAL_SERVER_ERROR, e).into_response(),
    };
    // Owners by name (admins see everyone's services).
    if let Ok(users) = host.users.list() {
        for s in &mut services {
            if let Some(u) = users.iter().find(|u| u.key == s.owner) {
                s.owner = u.username.clone();
            }
        }
    }
    let c = visit.chrome(host, "services", error);
    render(status, views::ServicesPage { c, services })
}

/// Routes a dashboard path; `None` when `path` is not the dashboard's.
pub async fn route(
    host: &Arc<Host>,
    visit: &Visit<'_>,
    path: &str,
    req: Request,
) -> Option<Response> {
    if let Some(file) = path.strip_prefix("/_atek/assets/") {
        return Some(serve_asset(host, file, req).await);
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let post = req.method() == Method::POST;
    Some(match (parts.as_slice(), post) {
        (["_atek", "install"], false) => {
            let c = visit.chrome(host, "install", None);
            render(
                StatusCode::OK,
                views::InstallPage {
                    c,
                    source: String::new(),
                },
            )
        }
        (["_atek", "install"], true) => install(host, visit, req).await,
        (["_atek", "users"], false) => users_page(host, visit, None).await,
        (["_atek", "users"], true) => users_create(host, visit, req).await,
        (["_atek", "users", key, "delete"], true) => users_delete(host, visit, key, req).await,
        (["_atek", "services", id, "logs"], false) => logs::page(host, visit, id).await,
        (["_atek", "services", id, "logs", "stream"], false) => logs::stream(host, visit, id).await,
        (["_atek", "services", id, "config"], false) => config_page(host, visit, id, None).await,
        (["_atek", "services", id, "config"], true) => config_save(host, visit, id, req).await,
        (["_atek", "services", id, action], true) => act(host, visit, id, action, req).await,
        (["_atek", "open", id], false) => open_framed(host, visit, id, req.headers()).await,
        _ => return None,
    })
}

async fn serve_asset(host: &Host, file: &str, req: Request) -> Response {
    use tower::ServiceExt;
    let Ok(uri) = format!("/{file}").parse::<hyper::Uri>() else {
        return not_found();
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = uri;
    let req = Request::from_parts(parts, body);
    match host.dashboard_assets.clone().oneshot(req).await {
        Ok(res) => res,
        Err(never) => match never {},
    }
}

/// `POST /_atek/services/ID/ACTION`: start, stop, restart, update, uninstall.
async fn act(
    host: &Arc<Host>,
    visit: &Visit<'_>,
    id: &str,
    action: &str,
    req: Request,
) -> Response {
    if let Err(refused) = visit.form(host, req).await {
        return refused;
    }
    let method = match action {
        "start" | "stop" | "restart" | "uninstall" => action,
        "update" => "updatePackage",
        _ => return not_found(),
    };
    match apis::call(host, SERVICES_API, method, &json!([id]), visit.who).await {
        Ok(_) => back_to("/"),
        Err((_, e)) => home(host, visit, Some(format!("{action} {id}: {e}"))).await,
    }
}

/// `POST /_atek/install`: a git URL (or, for admins, a folder), with the network
/// consent if ticked.
async fn install(host: &Arc<Host>, visit: &Visit<'_>, req: Request) -> Response {
    let form = match visit.form(host, req).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let source = field(&form, "source").trim().to_string();
    let mut opts = json!({"sourceUrl": source, "allowNetwork": field(&form, "network") == "1"});
    let id = field(&form, "id").trim();
    if !id.is_empty() {
        opts["id"] = json!(id);
    }
    match apis::call(host, SERVICES_API, "install", &json!([opts]), visit.who).await {
        Ok(_) => back_to("/"),
        Err((_, e)) => {
            let c = visit.chrome(host, "install", Some(e));
            render(StatusCode::BAD_REQUEST, views::InstallPage { c, source })
        }
    }
}

async fn users_page(host: &Arc<Host>, visit: &Visit<'_>, error: Option<String>) -> Response {
    let list = match apis::call(host, USERS_API, "list", &json!([]), visit.who).await {
        Ok(v) => v,
        Err((_, e)) => return (StatusCode::FORBIDDEN, format!("{e}\n")).into_response(),
    };
    let users = list["users"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|u| views::UserView {
            key: u["key"].as_str().unwrap_or_default().to_string(),
            username: u["username"].as_str().unwrap_or_default().to_string(),
            role: if u["role"] == "admin" {
                "admin"
            } else {
                "user"
            },
        })
        .collect();
    let status = status_for(&error);
    let c = visit.chrome(host, "users", error);
    render(status, views::UsersPage { c, users })
}

async fn users_create(host: &Arc<Host>, visit: &Visit<'_>, req: Request) -> Response {
    let form = match visit.form(host, req).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let role = if field(&form, "admin") == "1" {
        "admin"
    } else {
        ""
    };
    let new = json!([{"username": field(&form, "username"), "password": field(&form, "password"), "role": role}]);
    match apis::call(host, USERS_API, "create", &new, visit.who).await {
        Ok(_) => back_to("/_atek/users"),
        Err((_, e)) => users_page(host, visit, Some(e)).await,
    }
}

async fn users_delete(host: &Arc<Host>, visit: &Visit<'_>, key: &str, req: Request) -> Response {
    if let Err(refused) = visit.form(host, req).await {
        return refused;
    }
    match apis::call(host, USERS_API, "delete", &json!([key]), visit.who).await {
        Ok(_) => back_to("/_atek/users"),
        Err((_, e)) => users_page(host, visit, Some(e)).await,
    }
}

/// The service's info, if this person may see it.
async fn visible(host: &Arc<Host>, visit: &Visit<'_>, id: &str) -> Option<Value> {
    apis::call(host, SERVICES_API, "get", &json!([id]), visit.who)
        .await
        .ok()
}

async fn config_page(
    host: &Arc<Host>,
    visit: &Visit<'_>,
    id: &str,
    error: Option<String>,
) -> Response {
    let Some(info) = visible(host, visit, id).await else {
        return not_found();
    };
    let values = &info["settings"]["config"];
    let props = info["configSchema"]["properties"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let fields = props
        .iter()
        .map(|(key, schema)| {
            let secret = schema["writeOnly"] == true || schema["format"] == "password";
            views::Field {
                key: key.clone(),
                label: schema["title"].as_str().unwrap_or(key).to_string(),
                input: match schema["type"].as_str() {
                    Some("number" | "integer") => "number",
                    _ => "text",
                },
                value: if secret {
                    String::new()
                } else {
                    values[key].as_str().unwrap_or_default().to_string()
                },
                secret,
                description: schema["description"].as_str().map(str::to_owned),
            }
        })
        .collect();
    let status = status_for(&error);
    let c = visit.chrome(host, "services", error);
    render(
        status,
        views::ConfigPage {
            c,
            id: id.to_string(),
            fields,
        },
    )
}

async fn config_save(host: &Arc<Host>, visit: &Visit<'_>, id: &str, req: Request) -> Response {
    let form = match visit.form(host, req).await {
        Ok(form) => form,
        Err(refused) => return refused,
    };
    let Some(info) = visible(host, visit, id).await else {
        return not_found();
    };
    let secret = |k: &str| {
        let s = &info["configSchema"]["properties"][k];
        s["writeOnly"] == true || s["format"] == "password"
    };
    // An empty secret field leaves the secret as it is (its value is never shown).
    let config: BTreeMap<String, String> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("cfg-")?.to_string(), v.clone())))
        .filter(|(k, v)| !(secret(k) && v.is_empty()))
        .collect();
    let params = json!([id, {"config": config}]);
    match apis::call(host, SERVICES_API, "configure", &params, visit.who).await {
        Ok(_) => back_to("/"),
        Err((_, e)) => config_page(host, visit, id, Some(e)).await,
    }
}

/// A `frame: true` service inside the dashboard: an iframe on its own origin (its
/// subdomain, reached by a one-time hop), sandboxed, and a CSP that frames nothing else.
async fn open_framed(
    host: &Arc<Host>,
    visit: &Visit<'_>,
    id: &str,
    headers: &hyper::HeaderMap,
) -> Response {
    let open = host
        .services
        .get(id)
        .filter(|s| visit.who.may_open(&s.record().owning_user_key));
    if open.is_none() {
        return not_found();
    }
    let main = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost")
        .to_string();
    let origin = format!("http://{id}.{main}");
    let token = host
        .sessions
        .hop_token(id, visit.who.user_key(), visit.session);
    let c = visit.chrome(host, "services", None);
    let page = views::FramePage {
        c,
        id: id.to_string(),
        src: format!("{origin}/_atek/bst?token={token}&path=/&frame=1"),
    };
    let mut res = render(StatusCode::OK, page);
    let csp = format!("frame-src {origin}; frame-ancestors 'none'; default-src 'self'");
    if let Ok(v) = hyper::header::HeaderValue::from_str(&csp) {
        res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
    }
    res
}
