//! Remote access on a local DHT (three `spork dht` nodes on 127.0.0.1): the host
//! listens under its own key (`spork host key`, the `remote` event), serves its router
//! over p2p connections exactly as locally, and by default admits no device at all —
//! an unpaired key gets no answer — while `--remote public` admits any key (sign-in
//! still required).

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::host::{text, TestHost};

/// Starts a forward `spork bind KEY -p 0` and returns it with its local port.
fn forward(key: &str, boot: &str) -> (common::Proc, u16) {
    let mut bind = common::spork_bind(
        &[key, "-p", "0", "--connect-timeout", "3"],
        boot,
        Stdio::null(),
    );
    let ev = bind.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let port = ev["port"].as_u64().unwrap() as u16;
    (bind, port)
}

/// `GET path` through the local port: the whole answer (empty when the tunnel
/// closed without one).
fn get(port: u16, host_port: u16, path: &str) -> String {
    let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        tcp,
        "GET {path} HTTP/1.1\r\nHost: localhost:{host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    let _ = tcp.read_to_end(&mut all);
    text(&all)
}

fn remote_event(host: &TestHost) -> serde_json::Value {
    host.wait_event(Duration::from_secs(30), |e| e["event"] == "remote")
}

#[test]
fn the_host_answers_on_its_key_only_to_whom_its_mode_admits() {
    let (_dht, boot) = common::spork_network(3);

    // Paired devices only (the default), and none paired yet.
    let tmp = tempfile::tempdir().unwrap();
    let host = TestHost::start_on(tmp.path(), &[], &boot);
    let ev = remote_event(&host);
    assert_eq!(ev["mode"], "paired", "{ev}");
    let key = ev["public_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 52);
    let out = host.spork(&["host", "key"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        key,
        "spork host key: the same key"
    );
    let mode = std::fs::metadata(tmp.path().join("host-key.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the host's keyfile is owner-only");
    let (_bind, port) = forward(&key, &boot);
    let start = Instant::now();
    let answer = get(port, host.port, "/_atek/login");
    assert_eq!(answer, "", "an unpaired device gets nothing at all");
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "it waited for an answer that never came"
    );

    // Any key: the same router as locally, so the sign-in page.
    let tmp2 = tempfile::tempdir().unwrap();
    let public = TestHost::start_on(tmp2.path(), &["--remote", "public"], &boot);
    let ev = remote_event(&public);
    assert_eq!(ev["mode"], "public", "{ev}");
    let key2 = ev["public_key"].as_str().unwrap().to_string();
    assert_ne!(key2, key, "each host has its own key");
    let (_bind2, port2) = forward(&key2, &boot);
    let answer = get(port2, public.port, "/_atek/login");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains("name=\"password\""),
        "the sign-in form: {answer}"
    );
    // Unauthenticated API calls are refused there as here.
    let answer = get(
        port2,
        public.port,
        "/_atek/gateway?api=atek.cloud%2Fservices-api",
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    // --no-remote: the key exists, but no one is listening under it.
    let tmp3 = tempfile::tempdir().unwrap();
    let off = TestHost::start_on(tmp3.path(), &["--no-remote"], &boot);
    let key3 = text(&off.spork(&["host", "key"]).stdout).trim().to_string();
    let (_bind3, port3) = forward(&key3, &boot);
    assert_eq!(get(port3, off.port, "/_atek/login"), "");
}
