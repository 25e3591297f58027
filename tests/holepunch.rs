//! Holepunching through real NATs: each peer sits on its own LAN behind an nftables
//! NAT router (the lab of `tests/common/netns.rs`), five `spork dht` nodes run on the
//! outside network, and `spork bind` (or a Node `hyperdht` peer) runs on each LAN.
//! Neither peer can be reached from outside, so every byte here crossed a punched
//! hole: through two consistent NATs, and with one side behind a random-port NAT.

mod common;

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::Stdio;
use std::time::Duration;

use common::netns::{in_netns, Lab, Nat};
use common::{sha_hex, spork_bin, Proc};
use serde_json::Value;

/// DHT nodes on the outside network: hyperdht needs three samples from distinct nodes
/// to classify a NAT, and skips the most recent ones once it knows eight.
const DHT_NODES: usize = 5;

/// Starts `spork ARGS… --json` in namespace `ns`.
fn spork_in(lab: &Lab, ns: &str, args: &[&str]) -> Proc {
    let mut child = lab
        .command(ns, spork_bin(), args)
        .arg("--json")
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn spork in the lab");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    Proc {
        child,
        stdout: Some(stdout),
    }
}

/// A DHT of [`DHT_NODES`] `spork dht` processes outside; returns them and the
/// bootstrap address.
fn outside_dht(lab: &Lab) -> (Vec<Proc>, String) {
    let host = lab.wan_host();
    let mut nodes = Vec::new();
    let mut boot = String::new();
    for i in 0..DHT_NODES {
        let mut args = vec!["dht", "--host", host, "--port", "0"];
        if i > 0 {
            args.extend(["--bootstrap", boot.as_str()]);
        }
        let mut node = spork_in(lab, lab.wan(), &args);
        let ev = node.json_line(Duration::from_secs(10));
        assert_eq!(ev["event"], "listening", "{ev}");
        if i == 0 {
            boot = format!("{host}:{}", ev["port"]);
        }
        nodes.push(node);
    }
    std::thread::sleep(Duration::from_millis(500));
    (nodes, boot)
}

/// A TCP echo server on 127.0.0.1 inside `ns`; returns its port.
fn echo_server_in(ns: &str) -> u16 {
    let listener = in_netns(ns, || TcpListener::bind("127.0.0.1:0").unwrap());
    let port = listener.local_addr().unwrap().port();
    common::serve_echo(listener);
    port
}

/// Sends `data` to 127.0.0.1:`port` inside `ns`, half-closes, and returns all that
/// came back (a reset connection counts as nothing).
fn round_trip_in(ns: &str, port: u16, data: Vec<u8>) -> Vec<u8> {
    let conn = in_netns(ns, move || TcpStream::connect(("127.0.0.1", port)).unwrap());
    conn.set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut w = conn.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(&data);
        let _ = w.shutdown(Shutdown::Write);
    });
    let mut got = Vec::new();
    match (&conn).read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => got.clear(),
        Err(e) => panic!("reading through the tunnel: {e}"),
    }
    writer.join().unwrap();
    got
}

/// The next JSON event of `proc` that is not a progress line.
fn event(proc: &mut Proc, timeout: Duration) -> Value {
    proc.json_line(timeout)
}

/// The hex form of a base32 key from spork's events (Node's tool takes hex).
fn key_hex(base32: &str) -> String {
    hex::encode(
        data_encoding::BASE32_NOPAD
            .decode(base32.to_uppercase().as_bytes())
            .unwrap(),
    )
}

/// `spork bind -p` on LAN A in front of an echo server there; returns it and its key.
fn reverse_on_lan_a(lab: &Lab, boot: &str) -> (Proc, String) {
    let target = echo_server_in(lab.lan_a()).to_string();
    let mut reverse = spork_in(
        lab,
        lab.lan_a(),
        &["bind", "-p", &target, "--bootstrap", boot],
    );
    let ev = event(&mut reverse, Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let key = ev["public_key"].as_str().unwrap().to_string();
    (reverse, key)
}

/// `spork bind KEY -p 0 EXTRA…` on LAN B; returns it and its local port.
fn forward_on_lan_b(lab: &Lab, boot: &str, key: &str, extra: &[&str]) -> (Proc, u16) {
    forward_in(lab, lab.lan_b(), boot, key, extra)
}

/// `spork bind KEY -p 0 EXTRA…` in namespace `ns`; returns it and its local port.
fn forward_in(lab: &Lab, ns: &str, boot: &str, key: &str, extra: &[&str]) -> (Proc, u16) {
    let mut args = vec!["bind", key, "-p", "0", "--bootstrap", boot];
    args.extend(extra);
    let mut forward = spork_in(lab, ns, &args);
    let ev = event(&mut forward, Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let port = ev["port"].as_u64().unwrap() as u16;
    (forward, port)
}

/// `spork bind -p` on LAN A, `spork bind KEY` on LAN B, 16 MiB echoed back through the
/// hole with equal checksums and exact byte counts.
fn spork_to_spork(nat_a: Nat, nat_b: Nat) {
    let Some(lab) = Lab::new(nat_a, nat_b) else {
        return;
    };
    let (_dht, boot) = outside_dht(&lab);
    let (_reverse, key) = reverse_on_lan_a(&lab, &boot);
    let (mut forward, port) = forward_on_lan_b(&lab, &boot, &key, &[]);

    let data = common::pattern(16 << 20, 7);
    let got = round_trip_in(lab.lan_b(), port, data.clone());
    assert_eq!(got.len(), data.len());
    assert_eq!(sha_hex(&got), sha_hex(&data));
    let connect = event(&mut forward, Duration::from_secs(10));
    assert_eq!(connect["event"], "connect", "{connect}");
    let close = event(&mut forward, Duration::from_secs(10));
    assert_eq!(close["event"], "close", "{close}");
    assert_eq!(close["bytes_in"], 16 << 20);
    assert_eq!(close["bytes_out"], 16 << 20);
}

#[test]
fn two_peers_behind_consistent_nats_punch_through() {
    spork_to_spork(Nat::Consistent, Nat::Consistent);
}

#[test]
fn a_client_behind_a_random_port_nat_punches_through() {
    spork_to_spork(Nat::Consistent, Nat::Random);
}

#[test]
fn a_server_behind_a_random_port_nat_is_punched_through() {
    spork_to_spork(Nat::Random, Nat::Consistent);
}

/// Two random-port NATs cannot be punched (hyperdht does not try): the forward side
/// says so in one line once its patience runs out, and closes the local connection.
#[test]
fn two_random_port_nats_fail_with_a_clear_error() {
    let Some(lab) = Lab::new(Nat::Random, Nat::Random) else {
        return;
    };
    let (_dht, boot) = outside_dht(&lab);
    let (_reverse, key) = reverse_on_lan_a(&lab, &boot);
    let (mut forward, port) = forward_on_lan_b(&lab, &boot, &key, &["--connect-timeout", "8"]);
    let got = round_trip_in(lab.lan_b(), port, b"hello".to_vec());
    assert!(got.is_empty(), "nothing can come back: {got:?}");
    let err = event(&mut forward, Duration::from_secs(30));
    assert_eq!(err["event"], "error", "{err}");
    assert_eq!(
        err["message"],
        format!("cannot reach {key}: holepunching failed: both peers are behind random-port NATs")
    );
}

/// Two peers behind the same NAT (most routers do not loop traffic for their own
/// public address back in): they meet on the LAN address the server shares.
#[test]
fn two_peers_behind_the_same_nat_meet_on_the_lan() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Consistent) else {
        return;
    };
    let (_dht, boot) = outside_dht(&lab);
    let (_reverse, key) = reverse_on_lan_a(&lab, &boot);
    let (_forward, port) = forward_in(&lab, lab.lan_a(), &boot, &key, &["--connect-timeout", "20"]);
    let data = common::pattern(4 << 20, 11);
    let got = round_trip_in(lab.lan_a(), port, data.clone());
    assert_eq!(got.len(), data.len());
    assert_eq!(sha_hex(&got), sha_hex(&data));
}

/// The server side against hyperdht's own client: a Node peer behind a random-port
/// NAT reaches `spork bind -p` behind a consistent one.
#[test]
fn node_client_punches_through_to_spork_bind() {
    if !common::node_available() {
        return;
    }
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Random) else {
        return;
    };
    let (_dht, boot) = outside_dht(&lab);
    let (_reverse, key) = reverse_on_lan_a(&lab, &boot);
    let key = key_hex(&key);
    let r = common::node_tool_in(Some(lab.lan_b()), &["connect", &boot, &key, "4194304"]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["received"], r["sent"], "the echo came back: {r}");
}

/// The client side against hyperdht's own server: `spork bind KEY` behind a
/// random-port NAT reaches a Node server behind a consistent one.
#[test]
fn spork_bind_punches_through_to_a_node_server() {
    if !common::node_available() {
        return;
    }
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Random) else {
        return;
    };
    let (_dht, boot) = outside_dht(&lab);
    let (mut served, info) = common::node_process_in(
        Some(lab.lan_a()),
        &["serve", &boot, &hex::encode([9u8; 32]), "4194304"],
    );
    let node_key = info["public_key"].as_str().unwrap().to_string();
    let (_forward, port) = forward_on_lan_b(&lab, &boot, &node_key, &[]);
    let data = common::pattern(4 << 20, 3);
    let got = round_trip_in(lab.lan_b(), port, data.clone());
    let line = served.json_line(Duration::from_secs(60));
    assert_eq!(line["event"], "served", "{line}");
    assert_eq!(line["received"], sha_hex(&data).as_str());
    assert_eq!(line["sent"], sha_hex(&got).as_str());
    assert_eq!(got.len(), 4 << 20);
}
