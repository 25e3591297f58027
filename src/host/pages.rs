//! The few pages the host itself serves before the dashboard issue: the login page,
//! the plain list of services at `/`, and "service down". Plain HTML, no scripts, every
//! value escaped.

use axum::response::{Html, IntoResponse, Response};
use hyper::StatusCode;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{t}</title></head><body \
         style=\"font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em\">\
         <h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, Html(html)).into_response()
}

/// Asks the visitor to open a login link.
pub fn login_page(status: StatusCode) -> Response {
    page(
        status,
        "Sign in to this home cloud",
        "<p>Open the one-time login link that <code>spork host</code> printed when it \
         started, or print a new one on the host's machine:</p>\
         <pre>spork host login-link</pre>",
    )
}

/// A service that is not answering.
pub fn service_down(id: &str, status: &str) -> Response {
    page(
        StatusCode::BAD_GATEWAY,
        &format!("{id} is not answering"),
        &format!(
            "<p>The service <b>{}</b> is {}. See <code>spork logs {}</code>.</p>",
            escape(id),
            escape(status),
            escape(id)
        ),
    )
}

/// The services, each linked to its subdomain.
pub fn service_list(host: &str, services: &[(String, String)]) -> Response {
    let mut items = String::new();
    for (id, status) in services {
        items.push_str(&format!(
            "<li><a href=\"http://{id}.{host}/\">{id}</a> — {status}</li>",
            id = escape(id),
            host = escape(host),
            status = escape(status)
        ));
    }
    if items.is_empty() {
        items = "<li>No services yet: <code>spork install PATH_OR_GIT_URL</code></li>".into();
    }
    page(StatusCode::OK, "Services", &format!("<ul>{items}</ul>"))
}
