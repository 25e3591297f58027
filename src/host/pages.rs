//! The few pages the host serves outside the dashboard: sign-in, first-run setup, and
//! "service down". Plain HTML, no scripts, every
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
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" \
         content=\"width=device-width\"><title>{t}</title></head><body \
         style=\"font-family:system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em\">\
         <h1>{t}</h1>{body}</body></html>",
        t = escape(title)
    );
    (status, Html(html)).into_response()
}

/// A form field's attribute-safe value.
fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

fn error_line(error: Option<&str>) -> String {
    error.map_or(String::new(), |e| {
        format!("<p role=\"alert\" style=\"color:#a00\">{}</p>", escape(e))
    })
}

/// The sign-in form (`POST /_atek/login`), with an error from the last try if any;
/// `next` is where to go after.
pub fn login_page(status: StatusCode, error: Option<&str>, next: &str) -> Response {
    page(
        status,
        "Sign in to this home cloud",
        &format!(
            "{err}<form method=\"post\" action=\"/_atek/login\">{next}\
             <p><label for=\"username\">Username</label><br>\
             <input id=\"username\" name=\"username\" autocomplete=\"username\" required></p>\
             <p><label for=\"password\">Password</label><br>\
             <input id=\"password\" name=\"password\" type=\"password\" \
             autocomplete=\"current-password\" required></p>\
             <p><button type=\"submit\">Sign in</button></p></form>\
             <p>The host's owner can also sign in with a one-time link: \
             <code>spork host login-link</code></p>",
            err = error_line(error),
            next = hidden("next", next),
        ),
    )
}

/// First run: the form that makes the first admin, reached by the owner's one-time
/// link (`token`).
pub fn setup_page(status: StatusCode, error: Option<&str>, token: &str) -> Response {
    page(
        status,
        "Welcome: create the first admin",
        &format!(
            "<p>This account manages the home cloud: its services, its users and its \
             data.</p>{err}<form method=\"post\" action=\"/_atek/login\">{token}\
             <p><label for=\"username\">Username</label><br>\
             <input id=\"username\" name=\"username\" autocomplete=\"username\" \
             minlength=\"3\" maxlength=\"32\" required></p>\
             <p><label for=\"password\">Password (8 characters or more)</label><br>\
             <input id=\"password\" name=\"password\" type=\"password\" \
             autocomplete=\"new-password\" minlength=\"8\" required></p>\
             <p><label for=\"confirm\">Password again</label><br>\
             <input id=\"confirm\" name=\"confirm\" type=\"password\" \
             autocomplete=\"new-password\" minlength=\"8\" required></p>\
             <p><button type=\"submit\">Create the admin and sign in</button></p></form>",
            err = error_line(error),
            token = hidden("setup", token),
        ),
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
