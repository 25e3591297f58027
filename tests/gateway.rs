//! `spork serve` and `spork gateway` as real processes on a local DHT, driven by an
//! HTTP client: the site through the gateway (pages, listing, Range, 304, 404,
//! traversal refused, 100 MiB whole), a WebSocket echo behind `spork bind`, a Node
//! hyperdht HTTP server, and the gateway's own answers (landing, 404, 504).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use common::http::{dechunk, gateway, header, raw, Server};
use common::{node_available, node_process, sha_hex, spork_bin, spork_network};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A site with an index, a subfolder, a hidden file, a big file and symlinks out.
fn site() -> (tempfile::TempDir, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let p = root.path();
    std::fs::write(p.join("index.html"), "<h1>spork site</h1>").unwrap();
    std::fs::create_dir(p.join("docs")).unwrap();
    std::fs::write(p.join("docs/a.txt"), "0123456789abcdef").unwrap();
    std::fs::write(p.join("docs/b <&>.css"), "body{}").unwrap();
    std::fs::write(p.join(".env"), "SECRET=1").unwrap();
    std::fs::write(outside.path().join("secret.txt"), "outside").unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), p.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(outside.path(), p.join("leakdir")).unwrap();
    (root, outside)
}

#[test]
fn serve_through_the_gateway() {
    let (_dht, boot) = spork_network(3);
    let (root, _outside) = site();
    let serve = Server::start(&["serve", root.path().to_str().unwrap()], &boot);
    let ev = serve.event();
    assert_eq!(ev["event"], "listening", "{ev}");
    let key = ev["public_key"].as_str().unwrap().to_string();
    let local_port = ev["port"].as_u64().unwrap() as u16;
    let (_gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");

    let (status, headers, body) = raw(port, &host, "GET /", &[]);
    assert_eq!(status, 200);
    assert_eq!(body, b"<h1>spork site</h1>");
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    // The same bytes straight from the local listener.
    assert_eq!(raw(local_port, "127.0.0.1", "GET /", &[]).2, body);

    let (status, _, body) = raw(port, &host, "GET /docs/", &[]);
    assert_eq!(status, 200);
    let listing = String::from_utf8_lossy(&body);
    assert!(listing.contains("a.txt"), "{listing}");
    assert!(listing.contains("b &lt;&amp;&gt;.css"), "{listing}");

    let (status, headers, body) = raw(port, &host, "GET /docs/a.txt", &["Range: bytes=2-5"]);
    assert_eq!(status, 206);
    assert_eq!(body, b"2345");
    assert_eq!(header(&headers, "content-range"), Some("bytes 2-5/16"));

    let (_, headers, _) = raw(port, &host, "GET /docs/a.txt", &[]);
    let etag = header(&headers, "etag").expect("an ETag").to_string();
    let (status, _, body) = raw(
        port,
        &host,
        "GET /docs/a.txt",
        &[&format!("If-None-Match: {etag}")],
    );
    assert_eq!(status, 304);
    assert!(body.is_empty());

    for path in [
        "/missing.html",
        "/.env",
        "/../etc/passwd",
        "/docs/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/docs/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/leak.txt",
        "/leakdir/secret.txt",
    ] {
        let (status, _, body) = raw(port, &host, &format!("GET {path}"), &[]);
        assert!(status == 404 || status == 400, "{path}: {status}");
        let text = String::from_utf8_lossy(&body);
        assert!(
            !text.contains("outside") && !text.contains("SECRET"),
            "{path}: {text}"
        );
    }

    // Thirteen requests over kept-alive p2p connections: a handshake per request would
    // show thirteen. (A request can arrive before the last one's connection is back
    // in the pool, so a second one may be made under load.)
    std::thread::sleep(Duration::from_millis(300));
    let connects = serve
        .drain()
        .into_iter()
        .filter(|e| e["event"] == "connect")
        .count();
    assert!(
        (1..=3).contains(&connects),
        "{connects} p2p connections for 13 requests"
    );
}

#[test]
fn a_100_mib_file_arrives_whole() {
    let (_dht, boot) = spork_network(3);
    let root = tempfile::tempdir().unwrap();
    let data = common::pattern(100 << 20, 8);
    std::fs::write(root.path().join("big.bin"), &data).unwrap();
    let serve = Server::start(&["serve", root.path().to_str().unwrap()], &boot);
    let key = serve.event()["public_key"].as_str().unwrap().to_string();
    let (_gw, port) = gateway(&boot, &[]);

    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    write!(
        tcp,
        "GET /big.bin HTTP/1.1\r\nHost: {key}.localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reader = BufReader::new(tcp);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert!(line.starts_with("HTTP/1.1 200"), "{line}");
    let mut length = 0usize;
    loop {
        line.clear();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap();
        }
    }
    assert_eq!(length, 100 << 20);
    let mut sha = Sha256::new();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        got += n;
    }
    assert_eq!(got, 100 << 20);
    assert_eq!(hex::encode(sha.finalize()), sha_hex(&data));
}

#[test]
fn a_websocket_echo_behind_bind_answers_through_the_gateway() {
    let (_dht, boot) = spork_network(3);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let ws_port = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    use futures_util::{SinkExt, StreamExt};
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    while let Some(Ok(msg)) = ws.next().await {
                        if msg.is_text() || msg.is_binary() {
                            let _ = ws.send(msg).await;
                        }
                    }
                });
            }
        });
        port
    });
    let bind = Server::start(&["bind", "-p", &ws_port.to_string()], &boot);
    let key = bind.event()["public_key"].as_str().unwrap().to_string();
    let (_gw, port) = gateway(&boot, &[]);

    rt.block_on(async {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        use tokio_tungstenite::tungstenite::Message;
        let mut request = format!("ws://127.0.0.1:{port}/echo")
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("host", format!("{key}.localhost:{port}").parse().unwrap());
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let (mut ws, response) = tokio_tungstenite::client_async(request, tcp)
            .await
            .expect("websocket handshake through the gateway");
        assert_eq!(response.status(), 101);
        for i in 0..3 {
            let text = format!("hello {i} over p2p");
            ws.send(Message::text(text.clone())).await.unwrap();
            let back = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("an echo in time")
                .unwrap()
                .unwrap();
            assert_eq!(back.into_text().unwrap().as_str(), text);
        }
        ws.close(None).await.unwrap();
    });
}

#[test]
fn a_node_hyperdht_http_server_answers_through_the_gateway() {
    if !node_available() {
        return;
    }
    let (_dht, boot) = spork_network(3);
    let (_node, info) = node_process(&["http-server", &boot, &hex::encode([5u8; 32])]);
    let key_hex = info["public_key"].as_str().unwrap();
    let key = spork::keys::PublicKey::from_bytes(hex::decode(key_hex).unwrap().try_into().unwrap())
        .to_string();
    let (_gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");
    let body = "posted through spork";
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        tcp,
        "POST /form?x=1 HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nX-Forwarded-For: 203.0.113.7\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut all = String::new();
    tcp.read_to_string(&mut all).unwrap();
    let (head, json) = all.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("x-served-by: node-hyperdht"),
        "{head}"
    );
    let json = dechunk(json.as_bytes());
    let seen: Value = serde_json::from_slice(&json).unwrap_or_else(|e| panic!("{json:?}: {e}"));
    assert_eq!(seen["method"], "POST");
    assert_eq!(seen["url"], "/form?x=1");
    assert_eq!(
        seen["headers"]["host"],
        host.as_str(),
        "Host passes unchanged"
    );
    assert_eq!(seen["headers"]["x-forwarded-for"], "203.0.113.7, 127.0.0.1");
    assert_eq!(seen["headers"]["x-forwarded-proto"], "http");
    assert_eq!(seen["headers"]["x-forwarded-host"], host.as_str());
    assert_eq!(seen["body_sha256"], sha_hex(body.as_bytes()).as_str());
}

#[test]
fn the_gateway_answers_for_itself() {
    let (_dht, boot) = spork_network(3);
    let (gw, port) = gateway(
        &boot,
        &["--connect-timeout", "3", "--domain", "example.org"],
    );

    let (status, _, body) = raw(port, &format!("localhost:{port}"), "GET /", &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("spork gateway"));
    let (status, _, _) = raw(port, "example.org", "GET /", &[]);
    assert_eq!(status, 200);
    let (status, _, body) = raw(port, "www.example.org", "GET /", &[]);
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("is not a peer"));
    let (status, _, _) = raw(port, "elsewhere.test", "GET /", &[]);
    assert_eq!(status, 404);
    // Request heads are bounded.
    let huge = format!("X-Filler: {}", "a".repeat(100 * 1024));
    let (status, _, _) = raw(port, "localhost", "GET /", &[&huge]);
    assert_eq!(status, 431);

    // A key nobody serves: 504 with a page saying so, within the connect timeout.
    let nobody = spork::keys::KeyPair::generate().public_key().to_string();
    let started = std::time::Instant::now();
    let (status, headers, body) = raw(port, &format!("{nobody}.example.org"), "GET /", &[]);
    assert_eq!(status, 504);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(String::from_utf8_lossy(&body).contains("could not be reached"));

    // The access log, one `request` event per request.
    std::thread::sleep(Duration::from_millis(200));
    let events = gw.drain();
    let requests: Vec<&Value> = events.iter().filter(|e| e["event"] == "request").collect();
    assert_eq!(requests.len(), 5, "{events:?}");
    let last = requests[4];
    assert_eq!(last["method"], "GET");
    assert_eq!(last["host"], format!("{nobody}.example.org").as_str());
    assert_eq!(last["path"], "/");
    assert_eq!(last["status"], 504);
    assert!(last["ms"].is_u64());
}

#[test]
fn gateway_usage_errors() {
    let out = Command::new(spork_bin())
        .args(["gateway", "--domain", "not a domain"])
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid --domain \"not a domain\": expected a host name like example.org\n"
    );
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(spork_bin())
        .args(["gateway", "-p", &port])
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("error: cannot listen on 127.0.0.1:{port}: ")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn serve_refuses_what_is_not_a_folder() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new(spork_bin())
        .args(["serve"])
        .arg(file.path())
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!("error: cannot serve {}: ", file.path().display())),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}
