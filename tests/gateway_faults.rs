//! The gateway when things go wrong, as real processes on a local DHT: a backend that
//! restarts (gracefully and by SIGKILL) is reached on the very next request; pooled
//! connections the backend closed never turn into 502s, for GETs, POSTs the backend
//! refuses unread and `Expect: 100-continue`; requests a gateway must refuse (two Host
//! headers, CONNECT) and Range forms a file server must ignore.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::http::{gateway, header, raw, Server};
use common::spork_network;

/// `spork serve DIR -k KEYFILE`, waiting for its `listening` event; returns it and its key.
fn serve(root: &std::path::Path, keyfile: &std::path::Path, boot: &str) -> (Server, String) {
    let serve = Server::start(
        &[
            "serve",
            root.to_str().unwrap(),
            "-k",
            keyfile.to_str().unwrap(),
        ],
        boot,
    );
    let ev = serve.event();
    assert_eq!(ev["event"], "listening", "{ev}");
    let key = ev["public_key"].as_str().unwrap().to_string();
    (serve, key)
}

fn site() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("index.html"), "<h1>spork site</h1>").unwrap();
    std::fs::write(root.path().join("a.txt"), "0123456789abcdef").unwrap();
    root
}

/// Stops `server` with `signal` and waits for it to be gone.
fn stop(mut server: Server, signal: &str) {
    let pid = server.child.id().to_string();
    std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .unwrap();
    let _ = server.child.wait();
}

#[test]
fn the_first_request_after_a_backend_restart_succeeds() {
    let (_dht, boot) = spork_network(3);
    let root = site();
    let keys = tempfile::tempdir().unwrap();
    let keyfile = keys.path().join("site.json");
    let (mut backend, key) = serve(root.path(), &keyfile, &boot);
    let (_gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");
    assert_eq!(raw(port, &host, "GET /", &[]).0, 200);

    for (signal, bound) in [("-TERM", 5), ("-KILL", 30)] {
        stop(backend, signal);
        backend = serve(root.path(), &keyfile, &boot).0;
        let started = Instant::now();
        let (status, _, body) = raw(port, &host, "GET /", &[]);
        let took = started.elapsed();
        eprintln!(
            "first request after a restart ({signal}): {status} in {:.1} s",
            took.as_secs_f64()
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        assert!(took < Duration::from_secs(bound), "{signal}: {took:?}");
    }
}

/// One request with a body on its own connection; the final status, after any
/// `100 Continue`.
fn send_with_body(port: u16, host: &str, head: &str, body: &[u8], expect: bool) -> u16 {
    let mut tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let req = format!(
        "{head} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    tcp.write_all(req.as_bytes()).unwrap();
    if expect {
        tcp.write_all(b"Expect: 100-continue\r\n\r\n").unwrap();
    } else {
        tcp.write_all(b"\r\n").unwrap();
    }
    tcp.write_all(body).unwrap();
    let mut all = Vec::new();
    let _ = tcp.read_to_end(&mut all);
    let text = String::from_utf8_lossy(&all);
    text.split("\r\n")
        .filter_map(|l| l.strip_prefix("HTTP/1.1 "))
        .filter_map(|l| l.get(..3)?.parse().ok())
        .find(|s| *s != 100)
        .unwrap_or_else(|| panic!("no final status: {text:?}"))
}

#[test]
fn a_thousand_mixed_requests_get_no_502() {
    let (_dht, boot) = spork_network(3);
    let root = site();
    let keys = tempfile::tempdir().unwrap();
    let (_backend, key) = serve(root.path(), &keys.path().join("k.json"), &boot);
    let (_gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");
    let body = vec![b'x'; 4096];

    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (host, body) = (host.clone(), body.clone());
            std::thread::spawn(move || {
                let mut statuses = Vec::new();
                for i in 0..125 {
                    let status = match (w + i) % 3 {
                        0 => raw(port, &host, "GET /a.txt", &[]).0,
                        1 => send_with_body(port, &host, "POST /a.txt", &body, false),
                        _ => send_with_body(port, &host, "POST /a.txt", &body, true),
                    };
                    statuses.push(((w + i) % 3, status));
                }
                statuses
            })
        })
        .collect();
    let statuses: Vec<(usize, u16)> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert_eq!(statuses.len(), 1000);
    let wrong: Vec<_> = statuses
        .iter()
        .filter(|(kind, status)| *status != if *kind == 0 { 200 } else { 405 })
        .collect();
    assert!(wrong.is_empty(), "{} unexpected: {wrong:?}", wrong.len());
}

#[test]
fn what_a_gateway_refuses_and_ranges_it_ignores() {
    let (_dht, boot) = spork_network(3);
    let root = site();
    let keys = tempfile::tempdir().unwrap();
    let (_backend, key) = serve(root.path(), &keys.path().join("k.json"), &boot);
    let (gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");

    // RFC 9112 §3.2: two Host headers are a 400, and nothing is forwarded.
    let (status, _, body) = raw(port, &host, "GET /", &["Host: other.localhost"]);
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("more than one Host header"));

    // CONNECT is refused with 405 (not an empty 200).
    let (status, headers, _) = raw(port, &host, &format!("CONNECT {host}"), &[]);
    assert_eq!(status, 405);
    assert!(header(&headers, "allow").is_some());

    // A Range the server does not do is ignored: the whole file, 200.
    for range in ["bytes=0-1,4-5", "lines=1-2", "bytes=0-1, 3-4"] {
        let (status, _, body) = raw(port, &host, "GET /a.txt", &[&format!("Range: {range}")]);
        assert_eq!(
            (status, body.as_slice()),
            (200, &b"0123456789abcdef"[..]),
            "{range}"
        );
    }
    let (status, _, body) = raw(port, &host, "GET /a.txt", &["Range: bytes=1-2"]);
    assert_eq!((status, body.as_slice()), (206, &b"12"[..]));

    std::thread::sleep(Duration::from_millis(200));
    let logged: Vec<u64> = gw
        .drain()
        .iter()
        .filter(|e| e["event"] == "request")
        .filter_map(|e| e["status"].as_u64())
        .collect();
    assert_eq!(logged[..2], [400, 405], "the log says what was answered");
}

/// A TCP connection to the gateway from `source` (another loopback address).
fn connect_from(source: &str, port: u16) -> TcpStream {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    let from: std::net::SocketAddr = format!("{source}:0").parse().unwrap();
    socket.bind(&from.into()).unwrap();
    let to: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    socket.connect(&to.into()).unwrap();
    socket.into()
}

/// 100 uploads from 127.0.0.2 that send one byte a second to a backend that reads
/// whole bodies: a GET from 127.0.0.1 to the same site still answers within 5 s, and
/// the attacker's requests past 48 of the 64 slots get a 503 with Retry-After at once.
#[test]
fn slow_uploads_from_one_client_do_not_stall_a_site() {
    if !common::node_available() {
        return;
    }
    let (_dht, boot) = spork_network(3);
    let (_node, info) = common::node_process(&["http-server", &boot, &hex::encode([6u8; 32])]);
    let key_hex = info["public_key"].as_str().unwrap();
    let key = spork::keys::PublicKey::from_bytes(hex::decode(key_hex).unwrap().try_into().unwrap())
        .to_string();
    let (_gw, port) = gateway(&boot, &[]);
    let host = format!("{key}.localhost:{port}");
    assert_eq!(raw(port, &host, "GET /warm", &[]).0, 200);

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (answers_tx, answers) = std::sync::mpsc::channel();
    let attackers: Vec<_> = (0..100)
        .map(|_| {
            let (host, stop, answers_tx) = (host.clone(), stop.clone(), answers_tx.clone());
            std::thread::spawn(move || {
                let mut tcp = connect_from("127.0.0.2", port);
                tcp.set_read_timeout(Some(Duration::from_millis(100)))
                    .unwrap();
                let head =
                    format!("POST /slow HTTP/1.1\r\nHost: {host}\r\nContent-Length: 1000\r\n\r\n");
                tcp.write_all(head.as_bytes()).unwrap();
                let mut got = Vec::new();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    if tcp.write_all(b"x").is_err() {
                        break;
                    }
                    let mut buf = [0u8; 4096];
                    match tcp.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                        Err(_) => {}
                    }
                    if got.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                    std::thread::sleep(Duration::from_millis(900));
                }
                let _ = answers_tx.send(String::from_utf8_lossy(&got).to_string());
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));

    let started = Instant::now();
    let (status, _, _) = raw(port, &host, "GET /normal", &[]);
    let took = started.elapsed();
    eprintln!("a normal GET under the slow-upload attack: {status} in {took:?}");
    assert_eq!(status, 200);
    assert!(took < Duration::from_secs(5), "{took:?}");

    let refused: Vec<String> = answers.try_iter().collect();
    assert!(
        refused.len() >= 50,
        "{} attackers answered early",
        refused.len()
    );
    for answer in &refused {
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            answer.to_ascii_lowercase().contains("retry-after: 3"),
            "{answer}"
        );
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for a in attackers {
        a.join().unwrap();
    }
}
