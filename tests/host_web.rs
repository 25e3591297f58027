//! The host for browsers: the one-time login link, the `bst` hop to a service's
//! subdomain, session cookies and their flags, the subdomain proxy (HTTP and
//! WebSocket), the WebSocket API gateway, and `/`.

mod common;

use std::time::Duration;

use common::host::{fixture, text, TestHost};
use common::http::{header, raw};
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// Makes an admin account, so that the owner's login link signs in as `system`
/// instead of opening the first-run setup.
fn with_an_admin(host: &TestHost) {
    let out = host.spork_stdin(&["mkuser", "alice", "--admin"], "correct horse\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

fn login_link(host: &TestHost) -> String {
    let out = host.spork(&["host", "login-link"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    let url = err
        .trim()
        .strip_prefix("login (one time): ")
        .expect("a link")
        .to_string();
    assert!(
        out.stdout.is_empty(),
        "the link is for a person: stderr only"
    );
    url
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

/// The CSRF token a sign-in set (the readable `atek_csrf` cookie).
fn csrf_of(headers: &[(String, String)]) -> String {
    common::http::set_cookie(headers, "atek_csrf").expect("a CSRF cookie")
}

fn cookie_of(headers: &[(String, String)]) -> String {
    let set = header(headers, "set-cookie").expect("a cookie");
    set.split(';').next().unwrap().to_string()
}

/// Walks the bst hop for service `id` with the main session `main`: its own cookie.
fn hop(host: &TestHost, id: &str, main: &str) -> String {
    let local = format!("localhost:{}", host.port);
    let (status, h, _) = raw(
        host.port,
        &local,
        &format!("GET /_atek/bst?service={id}&path=/"),
        &[&format!("Cookie: {main}")],
    );
    assert_eq!(status, 302);
    let to = header(&h, "location").unwrap().to_string();
    let sub = format!("{id}.localhost:{}", host.port);
    assert!(
        to.starts_with(&format!("http://{sub}/_atek/bst?token=")),
        "{to}"
    );
    let (status, h, _) = raw(host.port, &sub, &format!("GET {}", path_of(&to)), &[]);
    assert_eq!((status, header(&h, "location")), (302, Some("/")));
    let (again, _, _) = raw(host.port, &sub, &format!("GET {}", path_of(&to)), &[]);
    assert_eq!(again, 401, "a hop token works once");
    cookie_of(&h)
}

#[test]
fn browsers_sign_in_once_and_hop_to_each_service() {
    let host = TestHost::start(&[]);
    with_an_admin(&host);
    host.install(&fixture("hello"), &[]);
    let local = format!("localhost:{}", host.port);
    let sub = format!("hello.localhost:{}", host.port);

    // No session: a browser is sent for one, an API client gets 401.
    let (status, h, _) = raw(host.port, &sub, "GET /", &["Accept: text/html"]);
    assert_eq!(status, 302);
    assert_eq!(
        header(&h, "location"),
        Some(format!("http://{local}/_atek/bst?service=hello&path=/").as_str())
    );
    assert_eq!(raw(host.port, &sub, "GET /", &[]).0, 401);
    let (status, h, _) = raw(
        host.port,
        &local,
        "GET /_atek/bst?service=hello&path=/",
        &["Accept: text/html"],
    );
    assert_eq!(status, 302);
    let to = header(&h, "location").unwrap().to_string();
    assert_eq!(
        to,
        "/_atek/login?next=/_atek/bst%3Fservice%3Dhello%26path%3D/"
    );
    let (status, _, body) = raw(host.port, &local, &format!("GET {to}"), &[]);
    assert_eq!(status, 200);
    assert!(
        text(&body).contains("spork host login-link") && text(&body).contains("name=\"password\""),
        "the sign-in form, and the owner's way in"
    );
    let (status, h, _) = raw(host.port, &local, "GET /", &["Accept: text/html"]);
    assert_eq!(
        (status, header(&h, "location")),
        (302, Some("/_atek/login?next=/"))
    );

    // The one-time link: a session cookie with the right flags, once.
    let link = login_link(&host);
    assert!(
        link.starts_with(&format!("http://{local}/_atek/login?token=")),
        "{link}"
    );
    let (status, h, _) = raw(host.port, &local, &format!("GET {}", path_of(&link)), &[]);
    assert_eq!((status, header(&h, "location")), (303, Some("/")));
    let set = header(&h, "set-cookie").unwrap();
    assert!(set.starts_with("atek_session="), "{set}");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=1209600"] {
        assert!(set.contains(flag), "{flag} missing: {set}");
    }
    assert!(
        !set.contains("Secure"),
        "Secure over plain http would drop the cookie: {set}"
    );
    let main = cookie_of(&h);
    let csrf = csrf_of(&h);
    assert_eq!(
        raw(host.port, &local, &format!("GET {}", path_of(&link)), &[]).0,
        401,
        "once only"
    );
    let (status, _, body) = raw(host.port, &local, "GET /", &[&format!("Cookie: {main}")]);
    assert_eq!(status, 200);
    let page = text(&body);
    assert!(
        page.contains("data-service=\"hello\"")
            && page.contains("href=\"/_atek/bst?service=hello&#38;path=/\""),
        "the dashboard lists it, opening through the hop: {page}"
    );

    // The main session does not open a subdomain; its hop does.
    assert_eq!(
        raw(host.port, &sub, "GET /", &[&format!("Cookie: {main}")]).0,
        401
    );
    let session = hop(&host, "hello", &main);
    let (status, _, body) = raw(host.port, &sub, "GET /", &[&format!("Cookie: {session}")]);
    assert_eq!(status, 200);
    assert_eq!(text(&body), "<h1>hello from hello</h1>");
    let (_, _, body) = raw(
        host.port,
        &sub,
        "GET /headers",
        &[&format!("Cookie: {session}"), "Atek-Auth-User: mallory"],
    );
    let seen: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        seen["atek-auth-user"], "system",
        "the owner's link acts as system"
    );
    assert_eq!(seen["atek-auth-service"], "hello");
    assert_eq!(seen["host"], sub.as_str(), "Host is kept");
    assert_eq!(seen["x-forwarded-for"], "127.0.0.1");

    // A browser session may call the gateway only from the host's own pages.
    let body = br#"{"jsonrpc":"2.0","id":1,"method":"list","params":[]}"#;
    let cookie = format!("Cookie: {main}");
    let path = "/_atek/gateway?api=atek.cloud%2Fservices-api";
    let (status, _, _) = common::host::post(host.port, &local, path, &[&cookie], body);
    assert_eq!(status, 403, "no Origin");
    let (status, _, _) = common::host::post(
        host.port,
        &local,
        path,
        &[&cookie, "Origin: http://hello.localhost"],
        body,
    );
    assert_eq!(status, 403, "a service's page");
    let origin = format!("Origin: http://{local}");
    let (status, _, answer) =
        common::host::post(host.port, &local, path, &[&cookie, &origin], body);
    assert_eq!(status, 403, "no CSRF token: {}", text(&answer));
    let wrong = format!("X-Atek-CSRF: {}", "0".repeat(64));
    let (status, _, _) =
        common::host::post(host.port, &local, path, &[&cookie, &origin, &wrong], body);
    assert_eq!(status, 403, "a wrong CSRF token");
    let token = format!("X-Atek-CSRF: {csrf}");
    let (status, _, answer) =
        common::host::post(host.port, &local, path, &[&cookie, &origin, &token], body);
    assert_eq!(status, 200, "{}", text(&answer));

    // Redirects stay on this site, whatever the link says.
    let link = login_link(&host);
    let (status, h, _) = raw(
        host.port,
        &local,
        &format!("GET {}&next=/%5Cevil.example", path_of(&link)),
        &[],
    );
    assert_eq!((status, header(&h, "location")), (303, Some("/")));

    // Behind an https proxy the cookie is Secure.
    let link = login_link(&host);
    let (_, h, _) = raw(
        host.port,
        &local,
        &format!("GET {}", path_of(&link)),
        &["X-Forwarded-Proto: https"],
    );
    assert!(header(&h, "set-cookie").unwrap().contains("; Secure"));
}

async fn ws_echo(
    port: u16,
    host: &str,
    path: &str,
    headers: &[(&'static str, String)],
) -> Result<String, String> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut req = format!("ws://{host}{path}").into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::client_async(req, tcp)
        .await
        .map_err(|e| e.to_string())?;
    ws.send(Message::text("hi")).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(10), ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    Ok(reply.into_text().unwrap().to_string())
}

#[tokio::test]
async fn websockets_are_authenticated_and_piped() {
    let host = tokio::task::spawn_blocking(|| {
        let host = TestHost::start(&[]);
        with_an_admin(&host);
        host.install(&fixture("echo-ws"), &[]);
        host
    })
    .await
    .unwrap();
    let admin = format!("Bearer {}", host.admin_token());
    let local = format!("localhost:{}", host.port);
    let api = "/_atek/gateway?api=example.com%2Fecho-ws";
    // The API gateway: a proxy-transport API over a WebSocket, with a token only.
    let err = ws_echo(host.port, &local, api, &[]).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
    let err = ws_echo(
        host.port,
        &local,
        api,
        &[("authorization", format!("Bearer {}", "f".repeat(64)))],
    )
    .await
    .unwrap_err();
    assert!(err.contains("401"), "{err}");
    let reply = ws_echo(host.port, &local, api, &[("authorization", admin.clone())])
        .await
        .unwrap();
    assert_eq!(reply, "system/system: hi");
    // The service's own subdomain, with a browser session.
    let sub = format!("echo-ws.localhost:{}", host.port);
    let err = ws_echo(host.port, &sub, "/ws", &[]).await.unwrap_err();
    assert!(err.contains("401"), "{err}");
    let session = tokio::task::spawn_blocking(move || {
        let link = login_link(&host);
        let local = format!("localhost:{}", host.port);
        let (_, h, _) = raw(host.port, &local, &format!("GET {}", path_of(&link)), &[]);
        let main = cookie_of(&h);
        (hop(&host, "echo-ws", &main), host)
    })
    .await
    .unwrap();
    let (cookie, host) = session;
    // A page of another site cannot open it with the admin's cookie (no Origin, or a
    // foreign one); the service's own page can.
    let err = ws_echo(host.port, &sub, "/ws", &[("cookie", cookie.clone())])
        .await
        .unwrap_err();
    assert!(err.contains("403"), "{err}");
    let evil = ("origin", "http://evil.example".to_string());
    let err = ws_echo(host.port, &sub, "/ws", &[("cookie", cookie.clone()), evil])
        .await
        .unwrap_err();
    assert!(err.contains("403"), "{err}");
    let own = ("origin", format!("http://{sub}"));
    let reply = ws_echo(host.port, &sub, "/ws", &[("cookie", cookie), own])
        .await
        .unwrap();
    assert_eq!(reply, "system/echo-ws: hi");
}
