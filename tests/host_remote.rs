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

/// `spork pair` with `invite` on stdin, its config in `config`.
fn pair(config: &std::path::Path, boot: &str, name: &str, invite: &str) -> std::process::Output {
    let mut child = std::process::Command::new(common::spork_bin())
        .args(["pair", "--name", name, "--connect-timeout", "5", "--json"])
        .env("SPORK_BOOTSTRAP", boot)
        .env("XDG_CONFIG_HOME", config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{invite}").unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_device_pairs_with_an_invite_once_and_is_revoked_at_once() {
    let (_dht, boot) = common::spork_network(3);
    let tmp = tempfile::tempdir().unwrap();
    let host = TestHost::start_on(tmp.path(), &[], &boot);
    let key = remote_event(&host)["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let out = host.spork(&["host", "invite", "--name", "phone"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        out.stdout.is_empty(),
        "the invite is for a person: stderr only"
    );
    let err = text(&out.stderr);
    let invite = err
        .lines()
        .find(|l| l.starts_with("spork-invite-"))
        .expect("the invite")
        .to_string();

    // Bad input first: not an invite (usage, exit 2).
    let config = tempfile::tempdir().unwrap();
    let out = pair(config.path(), &boot, "home", "hello");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).starts_with("error: that is not an invite"));

    // Pairing: the device is listed on the host, the host on the device.
    let out = pair(config.path(), &boot, "home", &invite);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ev: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ev["event"], "paired");
    assert_eq!(
        (ev["name"].as_str(), ev["public_key"].as_str()),
        (Some("home"), Some(key.as_str()))
    );
    assert_eq!(ev["device_name"], "phone");
    let keyfile = config.path().join("spork/device-key.json");
    let mode = std::fs::metadata(&keyfile).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the device's key is owner-only");
    let out = host.spork(&["host", "devices", "--json"]);
    let devices: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(devices[0]["name"], "phone", "{devices}");
    let device_key: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&keyfile).unwrap()).unwrap();
    assert_eq!(devices[0]["key"], device_key["publicKey"]);
    // The invite is spent: a second device cannot use it.
    let other = tempfile::tempdir().unwrap();
    let out = pair(other.path(), &boot, "home", &invite);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert_eq!(
        err.lines().last(),
        Some("error: the host did not answer the invite: it was used already, has expired, or the host is offline"),
        "{err}"
    );

    // spork connect: an unknown name is one line and exit 1; the paired one is a local
    // port to the host, which survives the host's restart.
    let connect = |args: &[&str]| {
        let mut cmd = std::process::Command::new(common::spork_bin());
        cmd.arg("connect")
            .args(args)
            .env("SPORK_BOOTSTRAP", &boot)
            .env("XDG_CONFIG_HOME", config.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    };
    let out = connect(&["nowhere"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: no paired host nowhere\nhint: spork pair --list shows them; spork pair --name NAME pairs one\n"
    );
    let mut child = connect(&["home", "-p", "0", "--json"]).spawn().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut lines, &mut line).unwrap();
    let ev: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(ev["event"], "listening", "{ev}");
    let via = ev["port"].as_u64().unwrap() as u16;
    let _connect = common::Proc {
        child,
        stdout: Some(lines),
    };
    let answer = get(via, host.port, "/_atek/login");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let old_port = host.port;
    drop(host);
    let host = TestHost::start_on(tmp.path(), &[], &boot);
    remote_event(&host);
    let back = Instant::now();
    let answer = get(via, host.port, "/_atek/login");
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "after the restart: {answer}"
    );
    eprintln!(
        "spork connect: first request after the host came back answered in {:?} (host port {old_port} -> {})",
        back.elapsed(),
        host.port
    );

    // The paired device's own key gets through.
    let mut bind = common::spork_bind(
        &[
            &key,
            "-p",
            "0",
            "--connect-timeout",
            "3",
            "-k",
            keyfile.to_str().unwrap(),
        ],
        &boot,
        Stdio::null(),
    );
    let ev = bind.json_line(Duration::from_secs(30));
    let port = ev["port"].as_u64().unwrap() as u16;
    let answer = get(port, host.port, "/_atek/login");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // An open connection closes within a second of the revocation.
    let mut open = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    open.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        open,
        "GET /_atek/login HTTP/1.1\r\nHost: localhost:{}\r\n\r\n",
        host.port
    )
    .unwrap();
    let mut first = [0u8; 12];
    open.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    let out = host.spork(&["host", "devices", "--revoke", "phone"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let revoked = Instant::now();
    let mut rest = Vec::new();
    let _ = open.read_to_end(&mut rest);
    assert!(
        revoked.elapsed() < Duration::from_secs(1),
        "closed in {:?}",
        revoked.elapsed()
    );
    assert_eq!(
        get(port, host.port, "/_atek/login"),
        "",
        "refused from now on"
    );
    let out = host.spork(&["host", "devices", "--json"]);
    assert_eq!(text(&out.stdout).trim(), "[]");
}
