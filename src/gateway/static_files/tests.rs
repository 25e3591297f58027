//! The site as clients see it, through the router with `oneshot` against a temporary tree.

use super::*;
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

/// The body of every 404, hidden or missing alike.
const NOT_FOUND: &str = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>\n";
/// `hello.txt`, 12 bytes.
const HELLO: &str = "hello world\n";

/// A served tree; the directories live as long as this does.
struct Site {
    /// The site's root.
    root: TempDir,
    /// A directory next to the root that must never be reachable.
    outside: TempDir,
    /// The router over `root`.
    app: Router,
}

/// What came back.
struct Got {
    /// The status.
    status: StatusCode,
    /// The headers.
    headers: HeaderMap,
    /// The whole body.
    body: Vec<u8>,
}

impl Got {
    /// A header as text, if present.
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text.
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Writes a file, creating its parent directories.
fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, contents).expect("write");
}

/// The compressible test file: 5400 bytes of repeated text.
fn big_text() -> String {
    "spork serves static files. ".repeat(200)
}

/// Builds the test tree and its router.
fn site() -> Site {
    let root = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("tempdir");
    let r = root.path();
    write(r, "index.html", "<h1>home</h1>\n");
    write(r, "hello.txt", HELLO);
    write(r, "style.css", "body { color: red }\n");
    write(r, "app.js", "console.log(1)\n");
    write(r, "data.json", "{\"a\":1}\n");
    write(r, "pic.png", [0x89, b'P', b'N', b'G', 0, 1, 2, 3]);
    write(r, "blob.weird", "???");
    write(r, "big.txt", big_text());
    write(r, "big.png", vec![7u8; 5000]);
    write(r, ".env", "SECRET=1\n");
    write(r, ".git/config", "[core]\n");
    write(r, "sub/a.txt", "aaaaa");
    write(r, "sub/b <&\"x\".txt", "bbb");
    write(r, "sub/big.bin", vec![0u8; 1536]);
    write(r, "sub/.hidden", "shh");
    write(r, "sub/.hiddendir/f", "shh");
    std::fs::create_dir_all(r.join("sub/zdir")).expect("mkdir");
    std::fs::create_dir_all(r.join("sub/Adir")).expect("mkdir");
    std::fs::create_dir_all(r.join("with space")).expect("mkdir");
    write(outside.path(), "secret.txt", "top secret\n");
    let app = router(r.to_path_buf()).expect("router");
    Site { root, outside, app }
}

/// Sends one request with the given headers.
async fn send(app: &Router, method: &str, uri: &str, headers: &[(&str, &str)]) -> Got {
    let mut req = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(Body::empty()).expect("request");
    let res = app.clone().oneshot(req).await.expect("infallible");
    let (parts, body) = res.into_parts();
    let body = body.collect().await.expect("body").to_bytes().to_vec();
    Got {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// A plain GET.
async fn get(app: &Router, uri: &str) -> Got {
    send(app, "GET", uri, &[]).await
}

/// Asserts the response is the 404 page.
fn assert_not_found(got: &Got, uri: &str) {
    assert_eq!(got.status, StatusCode::NOT_FOUND, "{uri}");
    assert_eq!(got.text(), NOT_FOUND, "{uri}");
    assert_eq!(
        got.header("content-type"),
        Some("text/html; charset=utf-8"),
        "{uri}"
    );
}

/// The ETag we expect for a file under the root.
fn expected_etag(site: &Site, name: &str) -> String {
    let meta = std::fs::metadata(site.root.path().join(name)).expect("stat");
    let nanos = meta
        .modified()
        .expect("mtime")
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("W/\"{:x}-{:x}\"", meta.len(), nanos)
}

#[tokio::test]
async fn root_serves_its_index_html() {
    let site = site();
    let got = get(&site.app, "/").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.text(), "<h1>home</h1>\n");
    assert_eq!(got.header("content-type"), Some("text/html; charset=utf-8"));
}

#[tokio::test]
async fn directory_without_index_is_listed_sorted_escaped_and_without_hidden_entries() {
    let site = site();
    let got = get(&site.app, "/sub/").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-type"), Some("text/html; charset=utf-8"));
    let expected = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
        <title>Index of /sub/</title></head>\n<body>\n<h1>Index of /sub/</h1>\n<table>\n\
        <tr><td><a href=\"../\">../</a></td><td></td></tr>\n\
        <tr><td><a href=\"Adir/\">Adir/</a></td><td>-</td></tr>\n\
        <tr><td><a href=\"zdir/\">zdir/</a></td><td>-</td></tr>\n\
        <tr><td><a href=\"a.txt\">a.txt</a></td><td>5 B</td></tr>\n\
        <tr><td><a href=\"b%20%3C%26%22x%22.txt\">b &lt;&amp;&quot;x&quot;.txt</a></td><td>3 B</td></tr>\n\
        <tr><td><a href=\"big.bin\">big.bin</a></td><td>1.5 KiB</td></tr>\n\
        </table>\n</body></html>\n";
    assert_eq!(got.text(), expected);
    assert_eq!(
        got.header("content-length"),
        Some(expected.len().to_string().as_str())
    );
    // The escaped entry's link works.
    let linked = get(&site.app, "/sub/b%20%3C%26%22x%22.txt").await;
    assert_eq!(
        (linked.status, linked.text().as_str()),
        (StatusCode::OK, "bbb")
    );
}

#[tokio::test]
async fn directory_without_trailing_slash_redirects_keeping_the_query() {
    let site = site();
    for (uri, location) in [
        ("/sub", "/sub/"),
        ("/sub?x=1&y=%20", "/sub/?x=1&y=%20"),
        ("/sub/zdir", "/sub/zdir/"),
        ("/with%20space", "/with%20space/"),
        // Never a scheme-relative `//host` redirect.
        ("//sub", "/sub/"),
    ] {
        let got = get(&site.app, uri).await;
        assert_eq!(got.status, StatusCode::PERMANENT_REDIRECT, "{uri}");
        assert_eq!(got.header("location"), Some(location), "{uri}");
    }
    // A file asked for as a directory is not there.
    assert_not_found(&get(&site.app, "/hello.txt/").await, "/hello.txt/");
}

#[tokio::test]
async fn files_carry_their_content_types() {
    let site = site();
    for (uri, content_type) in [
        ("/hello.txt", "text/plain; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/style.css", "text/css; charset=utf-8"),
        ("/app.js", "text/javascript; charset=utf-8"),
        ("/data.json", "application/json"),
        ("/pic.png", "image/png"),
        ("/blob.weird", "application/octet-stream"),
    ] {
        let got = get(&site.app, uri).await;
        assert_eq!(got.status, StatusCode::OK, "{uri}");
        assert_eq!(got.header("content-type"), Some(content_type), "{uri}");
    }
    let got = get(&site.app, "/hello.txt").await;
    assert_eq!(got.text(), HELLO);
    assert_eq!(got.header("content-length"), Some("12"));
    assert_eq!(got.header("accept-ranges"), Some("bytes"));
}

#[tokio::test]
async fn ranges_are_served_partially() {
    let site = site();
    let got = send(&site.app, "GET", "/hello.txt", &[("range", "bytes=0-4")]).await;
    assert_eq!(got.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.header("content-range"), Some("bytes 0-4/12"));
    assert_eq!(got.header("content-length"), Some("5"));
    assert_eq!(got.text(), "hello");
    assert_eq!(
        got.header("etag"),
        Some(expected_etag(&site, "hello.txt").as_str())
    );

    let got = send(&site.app, "GET", "/hello.txt", &[("range", "bytes=-6")]).await;
    assert_eq!(got.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.header("content-range"), Some("bytes 6-11/12"));
    assert_eq!(got.text(), "world\n");
}

#[tokio::test]
async fn unsatisfiable_ranges_are_416() {
    let site = site();
    let got = send(
        &site.app,
        "GET",
        "/hello.txt",
        &[("range", "bytes=100-200")],
    )
    .await;
    assert_eq!(got.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(got.header("content-range"), Some("bytes */12"));
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn if_range_keeps_a_range_only_for_the_current_date() {
    let site = site();
    let modified = get(&site.app, "/hello.txt").await;
    let date = modified.header("last-modified").expect("last-modified");
    let range = ("range", "bytes=0-4");
    let got = send(&site.app, "GET", "/hello.txt", &[range, ("if-range", date)]).await;
    assert_eq!(
        (got.status, got.text().as_str()),
        (StatusCode::PARTIAL_CONTENT, "hello")
    );
    for stale in ["Thu, 01 Jan 1970 00:00:00 GMT", "garbage"] {
        let got = send(
            &site.app,
            "GET",
            "/hello.txt",
            &[range, ("if-range", stale)],
        )
        .await;
        assert_eq!(
            (got.status, got.text().as_str()),
            (StatusCode::OK, HELLO),
            "{stale}"
        );
    }
    let etag = expected_etag(&site, "hello.txt");
    let got = send(
        &site.app,
        "GET",
        "/hello.txt",
        &[range, ("if-range", &etag)],
    )
    .await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, HELLO));
}

#[tokio::test]
async fn etag_and_if_none_match_give_304() {
    let site = site();
    let etag = expected_etag(&site, "hello.txt");
    let got = get(&site.app, "/hello.txt").await;
    assert_eq!(got.header("etag"), Some(etag.as_str()));
    let strong = etag.trim_start_matches("W/").to_string();
    let listed = format!("\"nope\", {etag}");
    for tag in [etag.as_str(), strong.as_str(), listed.as_str(), "*"] {
        let got = send(&site.app, "GET", "/hello.txt", &[("if-none-match", tag)]).await;
        assert_eq!(got.status, StatusCode::NOT_MODIFIED, "{tag}");
        assert_eq!(got.header("etag"), Some(etag.as_str()), "{tag}");
        assert!(got.body.is_empty(), "{tag}");
    }
    let got = send(
        &site.app,
        "GET",
        "/hello.txt",
        &[("if-none-match", "W/\"c-0\"")],
    )
    .await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, HELLO));
    // The index served for a directory has the index file's tag.
    let index_etag = expected_etag(&site, "index.html");
    let got = send(&site.app, "GET", "/", &[("if-none-match", &index_etag)]).await;
    assert_eq!(got.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn last_modified_and_if_modified_since_give_304() {
    let site = site();
    let got = get(&site.app, "/hello.txt").await;
    let date = got
        .header("last-modified")
        .expect("last-modified")
        .to_string();
    let mtime = std::fs::metadata(site.root.path().join("hello.txt"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(date, httpdate::fmt_http_date(mtime));
    let got = send(
        &site.app,
        "GET",
        "/hello.txt",
        &[("if-modified-since", &date)],
    )
    .await;
    assert_eq!(got.status, StatusCode::NOT_MODIFIED);
    assert!(got.body.is_empty());
    let old = "Thu, 01 Jan 1970 00:00:00 GMT";
    let got = send(
        &site.app,
        "GET",
        "/hello.txt",
        &[("if-modified-since", old)],
    )
    .await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, HELLO));
    // If-None-Match decides when both are sent.
    let both = [
        ("if-modified-since", date.as_str()),
        ("if-none-match", "\"nope\""),
    ];
    let got = send(&site.app, "GET", "/hello.txt", &both).await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, HELLO));
}

#[tokio::test]
async fn text_is_compressed_when_asked_and_only_then() {
    let site = site();
    let text = big_text();
    let plain = get(&site.app, "/big.txt").await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), Some("accept-encoding"));
    assert_eq!(plain.text(), text);

    let gzip = send(&site.app, "GET", "/big.txt", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzip.status, StatusCode::OK);
    assert_eq!(gzip.header("content-encoding"), Some("gzip"));
    assert_eq!(gzip.header("vary"), Some("accept-encoding"));
    assert_eq!(gzip.header("content-length"), None);
    assert_eq!(gzip.body[..2], [0x1f, 0x8b]);
    assert!(gzip.body.len() < text.len() / 10, "{}", gzip.body.len());
    assert_eq!(
        gzip.header("etag"),
        Some(expected_etag(&site, "big.txt").as_str())
    );

    let br = send(
        &site.app,
        "GET",
        "/big.txt",
        &[("accept-encoding", "br;q=1, gzip;q=0.5")],
    )
    .await;
    assert_eq!(br.header("content-encoding"), Some("br"));
    assert!(br.body.len() < text.len() / 10, "{}", br.body.len());

    // Listings are text too.
    let listing = send(&site.app, "GET", "/sub/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(listing.header("content-encoding"), Some("gzip"));
}

#[tokio::test]
async fn ranges_images_and_not_modified_are_never_compressed() {
    let site = site();
    let gzip = ("accept-encoding", "gzip, br");
    let got = send(
        &site.app,
        "GET",
        "/big.txt",
        &[gzip, ("range", "bytes=0-9")],
    )
    .await;
    assert_eq!(got.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(got.header("content-encoding"), None);
    assert_eq!(got.text(), "spork serv");

    let got = send(&site.app, "GET", "/big.png", &[gzip]).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header("content-encoding"), None);
    assert_eq!(got.body, vec![7u8; 5000]);

    let etag = expected_etag(&site, "big.txt");
    let got = send(
        &site.app,
        "GET",
        "/big.txt",
        &[gzip, ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(got.status, StatusCode::NOT_MODIFIED);
    assert_eq!(got.header("content-encoding"), None);
    assert!(got.body.is_empty());
}

#[tokio::test]
async fn hidden_entries_look_missing() {
    let site = site();
    for uri in [
        "/nope.txt",
        "/.env",
        "/.git/config",
        "/.git/",
        "/.git",
        "/%2eenv",
        "/sub/.hidden",
        "/sub/.hiddendir/f",
    ] {
        assert_not_found(&get(&site.app, uri).await, uri);
    }
}

#[tokio::test]
async fn traversal_attempts_find_nothing() {
    let site = site();
    for uri in [
        "/../etc/passwd",
        "/%2e%2e/",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/a%2f..%2f..",
        "/sub%2f..%2fhello.txt",
        "/sub/..%2fhello.txt",
        "/sub/../hello.txt",
        "/sub/%5c..%5chello.txt",
        "/hello.txt%00",
        "/./hello.txt",
    ] {
        assert_not_found(&get(&site.app, uri).await, uri);
    }
    for uri in ["/%zz", "/hello.txt%", "/%e", "/%ff"] {
        let got = get(&site.app, uri).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(got.text().contains("400 Bad Request"), "{uri}");
    }
}

#[cfg(unix)]
#[tokio::test]
async fn symlinks_work_inside_the_root_only() {
    use std::os::unix::fs::symlink;
    let site = site();
    let (r, o) = (site.root.path(), site.outside.path());
    std::fs::create_dir(r.join("links")).expect("mkdir");
    symlink(r.join("hello.txt"), r.join("links/inside.txt")).expect("symlink");
    symlink("../sub", r.join("links/insidedir")).expect("symlink");
    symlink(o.join("secret.txt"), r.join("links/outside.txt")).expect("symlink");
    symlink(o, r.join("links/outdir")).expect("symlink");
    symlink(r.join(".env"), r.join("links/peek")).expect("symlink");
    symlink(r.join("missing"), r.join("links/broken")).expect("symlink");

    let got = get(&site.app, "/links/inside.txt").await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, HELLO));
    let got = get(&site.app, "/links/insidedir/a.txt").await;
    assert_eq!((got.status, got.text().as_str()), (StatusCode::OK, "aaaaa"));
    for uri in [
        "/links/outside.txt",
        "/links/outdir",
        "/links/outdir/",
        "/links/outdir/secret.txt",
        "/links/peek",
        "/links/broken",
    ] {
        assert_not_found(&get(&site.app, uri).await, uri);
    }
    let listing = get(&site.app, "/links/").await.text();
    let rows: Vec<&str> = listing.lines().filter(|l| l.starts_with("<tr>")).collect();
    assert_eq!(
        rows,
        [
            "<tr><td><a href=\"../\">../</a></td><td></td></tr>",
            "<tr><td><a href=\"insidedir/\">insidedir/</a></td><td>-</td></tr>",
            "<tr><td><a href=\"inside.txt\">inside.txt</a></td><td>12 B</td></tr>",
        ]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn an_index_html_leading_outside_is_not_served() {
    let site = site();
    let dir = site.root.path().join("trap");
    std::fs::create_dir(&dir).expect("mkdir");
    let secret = site.outside.path().join("secret.txt");
    std::os::unix::fs::symlink(secret, dir.join("index.html")).expect("symlink");
    let got = get(&site.app, "/trap/").await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(!got.text().contains("top secret"));
    assert!(!got.text().contains("index.html"));
}

#[cfg(unix)]
#[tokio::test]
async fn special_files_are_not_opened() {
    let site = site();
    let fifo = site.root.path().join("fifo");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &fifo,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .expect("mkfifo");
    assert_not_found(&get(&site.app, "/fifo").await, "/fifo");
}

#[tokio::test]
async fn head_is_get_without_a_body() {
    let site = site();
    for (uri, status) in [
        ("/hello.txt", StatusCode::OK),
        ("/", StatusCode::OK),
        ("/sub/", StatusCode::OK),
        ("/nope", StatusCode::NOT_FOUND),
        ("/sub", StatusCode::PERMANENT_REDIRECT),
    ] {
        let full = get(&site.app, uri).await;
        let head = send(&site.app, "HEAD", uri, &[]).await;
        assert_eq!((full.status, head.status), (status, status), "{uri}");
        assert!(head.body.is_empty(), "{uri}");
        for name in [
            "content-type",
            "content-length",
            "etag",
            "last-modified",
            "location",
        ] {
            assert_eq!(head.header(name), full.header(name), "{uri} {name}");
        }
    }
    let head = send(&site.app, "HEAD", "/hello.txt", &[]).await;
    assert_eq!(head.header("content-length"), Some("12"));
}

#[tokio::test]
async fn other_methods_are_405() {
    let site = site();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"] {
        let got = send(&site.app, method, "/hello.txt", &[]).await;
        assert_eq!(got.status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(got.header("allow"), Some("GET, HEAD"), "{method}");
        assert!(
            got.text().contains("<h1>405 Method Not Allowed</h1>"),
            "{method}"
        );
        assert_eq!(
            got.header("connection"),
            None,
            "{method}: no body, keep-alive"
        );
    }
    let got = send(&site.app, "POST", "/hello.txt", &[("content-length", "5")]).await;
    assert_eq!(got.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        got.header("connection"),
        Some("close"),
        "an unread body ends the connection, and the response says so"
    );
}

#[test]
fn router_needs_an_existing_directory() {
    let site = site();
    let Err(file) = router(site.root.path().join("hello.txt")) else {
        panic!("a file is not a site");
    };
    assert_eq!(file.kind(), io::ErrorKind::InvalidInput);
    let Err(missing) = router(site.root.path().join("missing")) else {
        panic!("a missing directory is not a site");
    };
    assert_eq!(missing.kind(), io::ErrorKind::NotFound);
}

#[test]
fn paths_are_split_before_decoding() {
    let parse = SitePath::parse;
    let ok = |segments: &[&str], trailing_slash| {
        let segments = segments.iter().map(|s| s.to_string()).collect();
        Ok(SitePath {
            segments,
            trailing_slash,
        })
    };
    assert_eq!(parse("/"), ok(&[], true));
    assert_eq!(parse("/a%20b//c/"), ok(&["a b", "c"], true));
    assert_eq!(parse("/caf%C3%A9"), ok(&["café"], false));
    assert_eq!(parse("/a%2fb"), Err(BadPath::Refused));
    assert_eq!(parse("/a%5Cb"), Err(BadPath::Refused));
    assert_eq!(parse("/%2e"), Err(BadPath::Refused));
    assert_eq!(parse("/a/%00"), Err(BadPath::Refused));
    assert_eq!(parse("/%C3"), Err(BadPath::Malformed));
    assert_eq!(parse("/%4"), Err(BadPath::Malformed));
    assert_eq!(parse("*"), Err(BadPath::Malformed));
}
