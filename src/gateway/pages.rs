//! The gateway's own small HTML pages: the landing page on the bare domain and the
//! error pages (404, 502, 504). Plain HTML, no scripts, nothing fetched from elsewhere.

use axum::body::Body;
use hyper::{Response, StatusCode};

/// A complete HTML response.
fn page(status: StatusCode, title: &str, body: &str) -> Response<Body> {
    let html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"font-family:sans-serif;max-width:40em;margin:3em auto\">\n\
         <h1>{title}</h1>\n{body}\n</body></html>\n"
    );
    let mut res = Response::new(Body::from(html));
    *res.status_mut() = status;
    res.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// What the bare domain shows: how to reach a peer through this gateway.
pub fn landing(domains: &[String]) -> Response<Body> {
    let examples: String = std::iter::once("localhost")
        .chain(domains.iter().map(String::as_str))
        .map(|d| format!("<li><code>http://KEY.{}/</code></li>", escape(d)))
        .collect();
    page(
        StatusCode::OK,
        "spork gateway",
        &format!(
            "<p>This gateway reaches websites served peer to peer over the Hyperswarm \
             network, by their public key. Open</p>\n<ul>{examples}</ul>\n<p>where KEY is the \
             52-character key that <code>spork serve</code> or <code>spork bind</code> \
             printed.</p>"
        ),
    )
}

/// 503 with `Retry-After`: the site's request slots (or this client's share of them)
/// are taken.
pub fn busy(why: &super::pool::Busy) -> Response<Body> {
    let retry = super::pool::SLOT_WAIT.as_secs().max(1);
    let mut res = page(
        StatusCode::SERVICE_UNAVAILABLE,
        "503 Service Unavailable",
        &format!(
            "<p>{}: try again in a few seconds.</p>",
            escape(&why.to_string())
        ),
    );
    res.headers_mut().insert(
        hyper::header::RETRY_AFTER,
        hyper::header::HeaderValue::from(retry),
    );
    res
}

/// 400: a request this gateway will not route (e.g. two Host headers, RFC 9112 §3.2).
pub fn bad_request(why: &str) -> Response<Body> {
    page(
        StatusCode::BAD_REQUEST,
        "400 Bad Request",
        &format!("<p>{}.</p>", escape(why)),
    )
}

/// 405: CONNECT and the like: a gateway to websites is not a forward proxy.
pub fn not_a_proxy(method: &str) -> Response<Body> {
    let mut res = page(
        StatusCode::METHOD_NOT_ALLOWED,
        "405 Method Not Allowed",
        &format!(
            "<p>This gateway serves websites by key; it is not a proxy for {}.</p>",
            escape(method)
        ),
    );
    res.headers_mut().insert(
        hyper::header::ALLOW,
        hyper::header::HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"),
    );
    res
}

/// 404: a label that is not a key, or a host that is not ours.
pub fn not_a_key(label: &str) -> Response<Body> {
    page(
        StatusCode::NOT_FOUND,
        "404 Not Found",
        &format!(
            "<p><code>{}</code> is not a peer's key: a key is 52 base32 characters.</p>",
            escape(label)
        ),
    )
}

/// 404: a host this gateway does not serve.
pub fn unknown_host(host: &str) -> Response<Body> {
    page(
        StatusCode::NOT_FOUND,
        "404 Not Found",
        &format!(
            "<p>This gateway does not serve <code>{}</code>.</p>",
            escape(host)
        ),
    )
}

/// 504: the peer could not be reached in time.
pub fn unreachable(key: &str, why: &str) -> Response<Body> {
    page(
        StatusCode::GATEWAY_TIMEOUT,
        "504 Peer unreachable",
        &format!(
            "<p>The peer <code>{}</code> could not be reached: {}.</p>\n<p>It may be offline; \
             try again later.</p>",
            escape(key),
            escape(why)
        ),
    )
}

/// 502: the peer answered with something that is not HTTP, or dropped the request.
pub fn bad_gateway(key: &str, why: &str) -> Response<Body> {
    page(
        StatusCode::BAD_GATEWAY,
        "502 Bad Gateway",
        &format!(
            "<p>The peer <code>{}</code> did not answer the request: {}.</p>",
            escape(key),
            escape(why)
        ),
    )
}
