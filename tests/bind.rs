//! `spork bind` as real processes on a local DHT: reverse and forward carrying bytes,
//! the allowlist, and one-line errors.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{spork_bin, spork_network, Proc};
use sha2::{Digest, Sha256};

/// A TCP server on 127.0.0.1 that echoes every connection back and half-closes.
fn echo_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    common::serve_echo(listener);
    port
}

fn bind(args: &[&str], boot: &str) -> Proc {
    common::spork_bind(args, boot, Stdio::piped())
}

/// Sends `data` through `port` and returns everything read back until EOF (a reset
/// connection counts as nothing read).
fn round_trip(port: u16, data: Vec<u8>) -> Vec<u8> {
    let conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut w = conn.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&data);
        let _ = w.shutdown(std::net::Shutdown::Write);
    });
    let mut got = Vec::new();
    let mut r = conn;
    match r.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => got.clear(),
        Err(e) => panic!("reading through the tunnel: {e}"),
    }
    writer.join().unwrap();
    got
}

#[test]
fn reverse_and_forward_carry_64_mib_each_way() {
    let (_dht, boot) = spork_network(3);
    let target = echo_server();
    let mut reverse = bind(&["-p", &target.to_string()], &boot);
    let ev = reverse.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    assert_eq!(ev["port"], target);
    let key = ev["public_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 52);

    let mut forward = bind(&[&key, "-p", "0"], &boot);
    let ev = forward.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    assert_eq!(ev["host"], "127.0.0.1");
    let port = ev["port"].as_u64().unwrap() as u16;

    let data: Vec<u8> = (0..64u32 << 20)
        .map(|i| (i.wrapping_mul(2654435761) >> 24) as u8)
        .collect();
    let want = Sha256::digest(&data);
    let got = round_trip(port, data);
    assert_eq!(got.len(), 64 << 20);
    assert_eq!(Sha256::digest(&got), want);

    let ev = forward.json_line(Duration::from_secs(10));
    assert_eq!(ev["event"], "connect", "{ev}");
    assert_eq!(ev["remote_key"], key.as_str());
    let ev = forward.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "close", "{ev}");
    assert_eq!(ev["bytes_in"], 64 << 20);
    assert_eq!(ev["bytes_out"], 64 << 20);
}

#[test]
fn allowlist_refuses_other_keys() {
    let (_dht, boot) = spork_network(3);
    let target = echo_server();
    let someone_else = "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a";
    let mut reverse = bind(&["-p", &target.to_string(), "--allow", someone_else], &boot);
    let key = reverse.json_line(Duration::from_secs(30))["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let mut forward = bind(&[&key, "-p", "0", "--connect-timeout", "2"], &boot);
    let port = forward.json_line(Duration::from_secs(30))["port"]
        .as_u64()
        .unwrap() as u16;
    let got = round_trip(port, b"let me in".to_vec());
    assert!(got.is_empty(), "a refused client must get nothing");
    let ev = forward.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "error", "{ev}");
    let message = ev["message"].as_str().unwrap();
    assert_eq!(
        message,
        format!("cannot reach {key}: the peer did not answer or refused our key")
    );
    // The server says whom it refused, and when, once per attempt.
    let ev = reverse.json_line(Duration::from_secs(5));
    assert_eq!(ev["event"], "refused", "{ev}");
    assert_eq!(ev["remote_key"].as_str().unwrap().len(), 52);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(now - ev["time"].as_u64().unwrap() < 60, "{ev}");
    // The human line on stderr is one line too.
    forward.child.kill().unwrap();
    let mut stderr = String::new();
    BufReader::new(forward.child.stderr.take().unwrap())
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with(&format!("error: cannot reach {key}: "))),
        "{stderr}"
    );
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(spork_bin())
        .args(args)
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn malformed_key_is_a_usage_error() {
    let out = run(&["bind", "not-a-key", "-p", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid key \"not-a-key\": expected 52 base32 characters or 64 hex digits\n"
    );
}

#[test]
fn reverse_without_port_is_a_usage_error() {
    let out = run(&["bind"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: missing -p PORT: the local port to expose\n"
    );
}

#[test]
fn options_that_mean_nothing_are_usage_errors() {
    let key = "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a";
    for (args, message) in [
        (
            vec!["bind", "-p", "0"],
            "invalid -p 0: name the local port to expose (1-65535)",
        ),
        (
            vec!["bind", "-p", "80", "--host", "no such host"],
            "invalid --host \"no such host\": expected a host name or an IP address",
        ),
        (
            vec!["bind", key, "--connect-timeout", "0"],
            "--connect-timeout must be at least 1 second",
        ),
        (
            vec!["bind", key, "--allow", key],
            "--allow is for serving a port (no KEY): a forward bind only connects out",
        ),
        (
            vec!["bind", "-p", "80", "--bootstrap", "[::1]:49737"],
            "invalid bootstrap node \"[::1]:49737\": IPv6 is not supported yet, use an IPv4 address or a name",
        ),
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("error: {message}\n"),
            "{args:?}"
        );
    }
}

/// There is no public gateway to link to: a share link only for a configured domain.
#[test]
fn share_links_only_for_a_configured_gateway_domain() {
    let (_dht, boot) = spork_network(3);
    for (domain, want) in [(None, false), (Some("gw.example.org"), true)] {
        let mut cmd = Command::new(spork_bin());
        cmd.args(["bind", "-p", "9"])
            .env("SPORK_BOOTSTRAP", &boot)
            .env_remove("SPORK_GATEWAY_DOMAIN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some(d) = domain {
            cmd.env("SPORK_GATEWAY_DOMAIN", d);
        }
        let mut child = cmd.spawn().unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let serving = line.starts_with("serving ");
            lines.push(line);
            if serving {
                // The share link, if any, follows at once.
                std::thread::sleep(Duration::from_millis(500));
                let _ = child.kill();
                let mut rest = String::new();
                stderr.read_to_string(&mut rest).unwrap();
                lines.push(rest);
                break;
            }
        }
        let _ = child.wait();
        let text = lines.concat();
        assert!(!text.contains("atek.app"), "{text}");
        assert_eq!(text.contains("share: https://"), want, "{text}");
        if want {
            assert!(text.contains(".gw.example.org/"), "{text}");
        }
    }
}

#[test]
fn group_readable_keyfile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    let made = Command::new(spork_bin())
        .args(["key", "new", "-k"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(made.status.success());
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let out = Command::new(spork_bin())
        .args(["bind", "-p", "1", "-k"])
        .arg(&path)
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        stderr.lines().next().unwrap().contains("id.json"),
        "{stderr}"
    );
}

/// Node hyperdht peers on both ends of spork bind: a Node client reaches a local TCP
/// server through `spork bind -p`, and `spork bind KEY` reaches a Node server.
#[test]
fn bind_interoperates_with_node_peers() {
    if !common::node_available() {
        return;
    }
    let (_dht, boot) = spork_network(3);
    let target = echo_server();
    let mut reverse = bind(&["-p", &target.to_string()], &boot);
    let key = reverse.json_line(Duration::from_secs(30))["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let key_hex = hex::encode(
        data_encoding::BASE32_NOPAD
            .decode(key.to_uppercase().as_bytes())
            .unwrap(),
    );
    let r = common::node_tool(&["connect", &boot, &key_hex, "1048576"]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        r["received"], r["sent"],
        "the echo came back through spork: {r}"
    );

    let (mut served, info) = common::node_serve(&boot, &hex::encode([6u8; 32]), 1 << 20);
    let node_key = info["public_key"].as_str().unwrap().to_string();
    let mut forward = bind(&[&node_key, "-p", "0"], &boot);
    let port = forward.json_line(Duration::from_secs(30))["port"]
        .as_u64()
        .unwrap() as u16;
    let data = vec![42u8; 1 << 20];
    let got = round_trip(port, data.clone());
    let line = served.json_line(Duration::from_secs(30));
    assert_eq!(
        line["received"],
        hex::encode(Sha256::digest(&data)).as_str()
    );
    assert_eq!(line["sent"], hex::encode(Sha256::digest(&got)).as_str());
    assert_eq!(got.len(), 1 << 20);
}

/// Killing the reverse side and starting it again with the same keyfile is survived by
/// the forward side: the next local connection reaches the new process.
#[test]
fn forward_survives_a_restarted_reverse() {
    let (_dht, boot) = spork_network(3);
    let target = echo_server();
    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("server.json");
    let keyfile = keyfile.to_str().unwrap();
    let mut reverse = bind(&["-p", &target.to_string(), "-k", keyfile], &boot);
    let key = reverse.json_line(Duration::from_secs(30))["public_key"]
        .as_str()
        .unwrap()
        .to_string();
    let mut forward = bind(&[&key, "-p", "0"], &boot);
    let port = forward.json_line(Duration::from_secs(30))["port"]
        .as_u64()
        .unwrap() as u16;
    assert_eq!(round_trip(port, b"first".to_vec()), b"first");

    reverse.signal(15);
    assert_eq!(reverse.wait(Duration::from_secs(10)).code(), Some(0));
    let mut again = bind(&["-p", &target.to_string(), "-k", keyfile], &boot);
    let ev = again.json_line(Duration::from_secs(30));
    assert_eq!(ev["public_key"], key.as_str(), "same keyfile, same key");
    assert_eq!(round_trip(port, b"second".to_vec()), b"second");
}
