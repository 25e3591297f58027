//! The static file server behind `spork serve`: one directory tree as an HTTP site,
//! the same [`axum::Router`] whether it is reached over TCP or over a p2p connection.
//!
//! Directories serve their `index.html` or else a generated listing; files are served
//! by tower-http's [`ServeFile`] (content types, `Range`, `Last-Modified`), to which
//! this module adds a weak `ETag` with `If-None-Match`, `If-Range`, `charset=utf-8` on
//! text, and gzip/brotli for compressible types. Small files asked for whole skip
//! `ServeFile`: they are looked up and read in one trip to the blocking pool, which is
//! most of a static site's requests and most of their cost.
//!
//! What it must never do:
//! - serve or list anything outside the canonical root: `..`, encoded separators,
//!   backslashes and NUL never reach the file system, and every path is canonicalized
//!   (symlinks resolved) and checked to lie under the root before it is touched;
//! - reveal hidden entries: any name starting with `.` (`.git`, `.env`) answers the
//!   same 404 as a missing file and is never listed;
//! - panic on anything a client sends, or print: this is library code, and what to
//!   report is the caller's business.
//!
//! Paths are checked and then opened, so a symlink swapped in between by someone who
//! can write under the root could still be followed; serve trees only you control.

mod listing;
#[cfg(test)]
mod tests;

use std::fs::Metadata;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Extensions, Method, StatusCode, Uri, Version};
use axum::response::Response;
use axum::Router;
use tower_http::compression::predicate::{Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeFile;

/// Everything the static site needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteConfig {
    /// The directory served as `/`, canonical (absolute, symlinks resolved).
    pub root: PathBuf,
}

/// The site as an axum Router (state included), ready to be served on TCP and on p2p
/// connections. Canonicalizes `root`; an error if it does not exist or is not a directory.
pub fn router(root: PathBuf) -> io::Result<Router> {
    let root = std::fs::canonicalize(&root)?;
    if !std::fs::metadata(&root)?.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a directory", root.display()),
        ));
    }
    let site = Arc::new(SiteConfig { root });
    let compression = CompressionLayer::new().compress_when(SizeAbove::new(32).and(compressible));
    Ok(Router::new()
        .fallback(serve)
        .with_state(site)
        .layer(compression))
}

/// True unless the request has a Range header other than one `bytes=` range (several
/// ranges, or another unit, which this server serves whole).
fn single_byte_range(headers: &hyper::HeaderMap) -> bool {
    let mut ranges = headers.get_all(header::RANGE).iter();
    match (ranges.next(), ranges.next()) {
        (None, _) => true,
        (Some(v), None) => v
            .to_str()
            .ok()
            .and_then(|v| v.trim().strip_prefix("bytes="))
            .is_some_and(|spec| !spec.contains(',')),
        (Some(_), Some(_)) => false,
    }
}

/// Answers one request: the whole site is this one handler.
async fn serve(State(site): State<Arc<SiteConfig>>, mut req: Request) -> Response {
    let head = req.method() == Method::HEAD;
    if !single_byte_range(req.headers()) {
        // RFC 9110 §14.2: a Range a server does not support is ignored (200, whole).
        req.headers_mut().remove(header::RANGE);
    }
    if !head && req.method() != Method::GET {
        let mut res = page(StatusCode::METHOD_NOT_ALLOWED, false);
        res.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        if super::server::has_body(req.headers()) {
            // The body stays unread, so this connection cannot carry another request:
            // say so, or a client (a gateway's pool) reuses it and gets an error.
            res.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        return res;
    }
    let path = match SitePath::parse(req.uri().path()) {
        Ok(path) => path,
        Err(BadPath::Malformed) => return page(StatusCode::BAD_REQUEST, head),
        Err(BadPath::Refused) => return page(StatusCode::NOT_FOUND, head),
    };
    let wanted = path
        .segments
        .iter()
        .fold(site.root.clone(), |p, s| p.join(s));
    // Small whole files are read with their lookup: one trip to the blocking pool.
    let whole = !req.headers().contains_key(header::RANGE);
    let Some(Found {
        real,
        meta,
        contents,
    }) = lookup(&site.root, wanted, whole).await
    else {
        return page(StatusCode::NOT_FOUND, head);
    };
    if meta.is_file() && !path.trailing_slash {
        return match contents {
            Some(bytes) => serve_small(&real, &meta, bytes, &req),
            None => serve_file(&real, &meta, req).await,
        };
    }
    if !meta.is_dir() {
        // Sockets, FIFOs and devices are never opened; a file asked for as `name/` is absent.
        return page(StatusCode::NOT_FOUND, head);
    }
    if !path.trailing_slash {
        return redirect_to_slash(&path, req.uri(), head);
    }
    let index = lookup(&site.root, real.join("index.html"), whole).await;
    if let Some(index) = index.filter(|f| f.meta.is_file()) {
        return match index.contents {
            Some(bytes) => serve_small(&index.real, &index.meta, bytes, &req),
            None => serve_file(&index.real, &index.meta, req).await,
        };
    }
    match listing::render(&site.root, &real, &path.segments).await {
        Some(html) => html_response(StatusCode::OK, html, head),
        None => page(StatusCode::NOT_FOUND, head),
    }
}

/// Why a request path names nothing that may be served.
#[derive(Debug, PartialEq, Eq)]
enum BadPath {
    /// Broken percent-encoding or not UTF-8 once decoded (400).
    Malformed,
    /// A hidden name, `..`, or a separator, backslash or NUL inside a segment (404).
    Refused,
}

/// A request path, decoded and vetted segment by segment.
#[derive(Debug, PartialEq, Eq)]
struct SitePath {
    /// The decoded segments; empty ones (`a//b`) are dropped.
    segments: Vec<String>,
    /// Whether the path ends in `/` (always true for `/`).
    trailing_slash: bool,
}

impl SitePath {
    /// Splits the raw (still percent-encoded) URI path on `/`, then decodes and vets
    /// each segment on its own, so an encoded `%2f` can never become a separator.
    fn parse(raw: &str) -> Result<SitePath, BadPath> {
        let rest = raw.strip_prefix('/').ok_or(BadPath::Malformed)?;
        let mut segments = Vec::new();
        for raw_segment in rest.split('/').filter(|s| !s.is_empty()) {
            let segment = percent_decode(raw_segment).ok_or(BadPath::Malformed)?;
            if !is_servable_name(&segment) {
                return Err(BadPath::Refused);
            }
            segments.push(segment);
        }
        let trailing_slash = rest.is_empty() || rest.ends_with('/');
        Ok(SitePath {
            segments,
            trailing_slash,
        })
    }
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).and_then(|&d| char::from(d).to_digit(16));
            let (hi, lo) = (hex(i + 1)?, hex(i + 2)?);
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Whether one decoded name may be served or listed: not hidden, not `.`/`..`, no
/// separators, backslashes or NUL, and exactly one normal path component (so no
/// Windows drive prefixes either).
fn is_servable_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    !name.starts_with('.')
        && !name.contains(['/', '\\', '\0'])
        && matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(_)), None)
        )
}

/// Canonicalizes `path` and returns it with its metadata, but only if it lies under
/// `root` (already canonical) and nothing below the root on the way is hidden: this
/// is where symlinks out of the tree, or onto `.env`, turn into "not found".
fn resolve(root: &Path, path: &Path) -> Option<(PathBuf, Metadata)> {
    let real = std::fs::canonicalize(path).ok()?;
    let inside = real.strip_prefix(root).ok()?;
    let visible = inside.components().all(|c| match c {
        Component::Normal(name) => name.as_encoded_bytes().first() != Some(&b'.'),
        _ => false,
    });
    if !visible {
        return None;
    }
    let meta = std::fs::metadata(&real).ok()?;
    Some((real, meta))
}

/// Files up to this size are read whole along with their lookup.
const SMALL_FILE: u64 = 256 * 1024;

/// What a lookup found: the real path, its metadata, and (a small regular file asked
/// for whole) its contents.
struct Found {
    real: PathBuf,
    meta: Metadata,
    contents: Option<bytes::Bytes>,
}

/// [`resolve`] on the blocking pool, reading a small file in the same trip when
/// `read_small` (the request wants the whole body).
async fn lookup(root: &Path, path: PathBuf, read_small: bool) -> Option<Found> {
    let root = root.to_path_buf();
    tokio::task::spawn_blocking(move || {
        let (real, meta) = resolve(&root, &path)?;
        let contents = (read_small && meta.is_file() && meta.len() <= SMALL_FILE)
            .then(|| std::fs::read(&real).ok())
            .flatten()
            .map(bytes::Bytes::from);
        Some(Found {
            real,
            meta,
            contents,
        })
    })
    .await
    .ok()
    .flatten()
}

/// Answers a whole small file already read: the same headers [`serve_file`] gives
/// (type, length, `Last-Modified`, `ETag`, `Accept-Ranges`), and 304 on a matching
/// `If-None-Match` or an `If-Modified-Since` not older than the file.
fn serve_small(path: &Path, meta: &Metadata, contents: bytes::Bytes, req: &Request) -> Response {
    let etag = etag(meta);
    let headers = req.headers();
    if headers.contains_key(header::IF_NONE_MATCH) {
        if none_match_hits(headers, &etag) {
            return not_modified(&etag, meta);
        }
    } else if let (Some(since), Some(modified)) = (
        headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v.trim()).ok()),
        mtime(meta),
    ) {
        // HTTP dates have whole seconds: compare at that precision.
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        if secs(modified) <= secs(since) {
            return not_modified(&etag, meta);
        }
    }
    let len = contents.len();
    let body = if req.method() == Method::HEAD {
        Body::empty()
    } else {
        Body::from(contents)
    };
    let mut res = Response::new(body);
    let h = res.headers_mut();
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    if let Ok(v) = HeaderValue::from_str(mime.as_ref()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    add_charset(h);
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if let Some(modified) = mtime(meta) {
        if let Ok(v) = HeaderValue::from_str(&httpdate::fmt_http_date(modified)) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }
    res
}

/// Serves one regular file through [`ServeFile`], adding what it lacks: the `ETag`,
/// `If-None-Match` (which overrides `If-Modified-Since`), `If-Range`, and a charset.
async fn serve_file(path: &Path, meta: &Metadata, req: Request) -> Response {
    let head = req.method() == Method::HEAD;
    let etag = etag(meta);
    let (mut parts, body) = req.into_parts();
    if parts.headers.contains_key(header::IF_NONE_MATCH) {
        if none_match_hits(&parts.headers, &etag) {
            return not_modified(&etag, meta);
        }
        parts.headers.remove(header::IF_MODIFIED_SINCE);
    }
    if let Some(if_range) = parts.headers.get(header::IF_RANGE) {
        if !if_range_holds(if_range, meta) {
            parts.headers.remove(header::RANGE);
        }
    }
    let res = match ServeFile::new(path)
        .try_call(Request::from_parts(parts, body))
        .await
    {
        Ok(res) if res.status() == StatusCode::NOT_FOUND => {
            return page(StatusCode::NOT_FOUND, head)
        }
        Ok(res) => res,
        Err(_) => return page(StatusCode::INTERNAL_SERVER_ERROR, head),
    };
    let mut res = res.map(Body::new);
    if let Ok(value) = HeaderValue::from_str(&etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    add_charset(res.headers_mut());
    res
}

/// The file's weak entity tag: `W/"<size hex>-<mtime nanoseconds hex>"`. Weak, because
/// the same tag also stands for the gzip and brotli forms of the body.
fn etag(meta: &Metadata) -> String {
    let nanos = mtime(meta)
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("W/\"{:x}-{:x}\"", meta.len(), nanos)
}

/// The file's modification time, if the platform has one.
fn mtime(meta: &Metadata) -> Option<SystemTime> {
    meta.modified().ok()
}

/// Whether any `If-None-Match` header names `etag` (weak comparison) or is `*`.
fn none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    let ours = etag.strip_prefix("W/").unwrap_or(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == ours)
}

/// Whether a `Range` may be honoured under this `If-Range`: only a date equal to the
/// file's `Last-Modified`. Entity tags never pass, as ours are weak and `If-Range`
/// needs a strong match; the client then simply gets the whole file.
fn if_range_holds(if_range: &HeaderValue, meta: &Metadata) -> bool {
    let Ok(text) = if_range.to_str() else {
        return false;
    };
    match (httpdate::parse_http_date(text.trim()), mtime(meta)) {
        (Ok(date), Some(modified)) => {
            httpdate::fmt_http_date(date) == httpdate::fmt_http_date(modified)
        }
        _ => false,
    }
}

/// The 304 for a matching `If-None-Match`, with the validators a 200 would carry.
fn not_modified(etag: &str, meta: &Metadata) -> Response {
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::NOT_MODIFIED;
    if let Ok(value) = HeaderValue::from_str(etag) {
        res.headers_mut().insert(header::ETAG, value);
    }
    if let Some(modified) = mtime(meta) {
        if let Ok(value) = HeaderValue::from_str(&httpdate::fmt_http_date(modified)) {
            res.headers_mut().insert(header::LAST_MODIFIED, value);
        }
    }
    res
}

/// Appends `; charset=utf-8` to textual content types that carry no charset.
fn add_charset(headers: &mut HeaderMap) {
    let Some(current) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return;
    };
    let textual = current.starts_with("text/") || current == "application/javascript";
    if textual && !current.contains("charset") {
        if let Ok(value) = HeaderValue::from_str(&format!("{current}; charset=utf-8")) {
            headers.insert(header::CONTENT_TYPE, value);
        }
    }
}

/// The compression predicate: text-like types only, never images, archives, media or
/// fonts that are compressed already. (Ranges and empty bodies are excluded by the
/// layer itself and by [`SizeAbove`].)
fn compressible(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
        || matches!(
            essence.as_str(),
            "application/javascript"
                | "application/json"
                | "application/xml"
                | "application/wasm"
                | "font/ttf"
                | "font/otf"
        )
}

/// The 308 from a directory without its trailing slash to the slash form, query kept.
/// The target is rebuilt from the vetted segments, so `//host` can never come out as
/// a scheme-relative URL pointing elsewhere.
fn redirect_to_slash(path: &SitePath, uri: &Uri, head: bool) -> Response {
    let mut location = String::new();
    for segment in &path.segments {
        location.push('/');
        location.push_str(&listing::encode_segment(segment));
    }
    location.push('/');
    if let Some(query) = uri.query() {
        location.push('?');
        location.push_str(query);
    }
    let Ok(location) = HeaderValue::from_str(&location) else {
        return page(StatusCode::BAD_REQUEST, head);
    };
    let mut res = Response::new(Body::empty());
    *res.status_mut() = StatusCode::PERMANENT_REDIRECT;
    res.headers_mut().insert(header::LOCATION, location);
    res
}

/// A small HTML page naming the status, e.g. `404 Not Found`.
fn page(status: StatusCode, head: bool) -> Response {
    let title = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or_default()
    );
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1></body></html>\n"
    );
    html_response(status, html, head)
}

/// An HTML response with its length; for `HEAD` the same headers and no body.
fn html_response(status: StatusCode, html: String, head: bool) -> Response {
    let length = HeaderValue::from(html.len());
    let mut res = Response::new(if head {
        Body::empty()
    } else {
        Body::from(html)
    });
    *res.status_mut() = status;
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(header::CONTENT_LENGTH, length);
    res
}
