//! Every command given a bootstrap node that never answers (a UDP black hole on
//! 127.0.0.1, not a closed port) says so within 15 s: one-shot commands exit 1 with
//! `no DHT node answered`, servers warn and keep trying, and join once a node appears.

mod common;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::http::Server;
use common::spork_bin;
use serde_json::Value;

/// A UDP socket that takes every packet and answers none.
fn black_hole() -> (UdpSocket, String) {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = socket.local_addr().unwrap().to_string();
    (socket, addr)
}

/// The first event named `name`, within `within`.
fn wait_for(server: &Server, name: &str, within: Duration) -> Value {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let ev = server
            .events
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no {name} event within {within:?}"));
        if ev["event"] == name {
            return ev;
        }
    }
}

#[test]
fn one_shot_commands_exit_1_naming_the_bootstrap() {
    let (_hole, addr) = black_hole();
    let passphrase = spork::beam::Passphrase::generate().to_string();
    for args in [vec!["beam", passphrase.as_str()], vec!["beam"]] {
        let started = Instant::now();
        let out = Command::new(spork_bin())
            .args(&args)
            .env("SPORK_BOOTSTRAP", &addr)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().last(),
            Some(format!("error: no DHT node answered (bootstrap {addr})").as_str()),
            "{args:?}"
        );
        assert!(!stderr.contains("Joined the DHT"), "{stderr}");
        assert!(took < Duration::from_secs(15), "{args:?}: {took:?}");
    }
}

#[test]
fn servers_warn_within_15_s_and_keep_running() {
    let (_hole, addr) = black_hole();
    let site = tempfile::tempdir().unwrap();
    let key = spork::keys::KeyPair::generate().public_key().to_string();
    let servers = [
        vec!["bind", "-p", "9"],
        vec!["bind", &key, "-p", "0", "--connect-timeout", "2"],
        vec!["serve", site.path().to_str().unwrap()],
        vec!["gateway", "-p", "0"],
        vec!["dht", "--host", "127.0.0.1", "--port", "0"],
    ];
    let started: Vec<_> = servers
        .iter()
        .map(|args| (args, Instant::now(), Server::start(args, &addr)))
        .collect();
    for (args, at, mut server) in started {
        let ev = wait_for(&server, "error", Duration::from_secs(15));
        let message = ev["message"].as_str().unwrap();
        assert_eq!(
            message,
            format!("no DHT node answered (bootstrap {addr}); trying again in 5 s"),
            "{args:?}"
        );
        eprintln!("{args:?}: said so in {:.1} s", at.elapsed().as_secs_f64());
        assert!(
            server.child.try_wait().unwrap().is_none(),
            "{args:?} exited"
        );
    }
}

#[test]
fn a_forward_connection_blames_the_dht_not_the_peer() {
    let (_hole, addr) = black_hole();
    let key = spork::keys::KeyPair::generate().public_key().to_string();
    let server = Server::start(&["bind", &key, "-p", "0", "--connect-timeout", "2"], &addr);
    let port = wait_for(&server, "listening", Duration::from_secs(30))["port"]
        .as_u64()
        .unwrap() as u16;
    let _conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let message = loop {
        let ev = wait_for(&server, "error", deadline - Instant::now());
        let m = ev["message"].as_str().unwrap().to_string();
        if m.starts_with("cannot reach") {
            break m;
        }
    };
    assert_eq!(
        message,
        format!(
            "cannot reach {key}: no DHT node answered (check the bootstrap nodes and the network)"
        )
    );
}

#[test]
fn a_server_joins_once_a_dht_node_appears() {
    let (hole, addr) = black_hole();
    let server = Server::start(&["bind", "-p", "9"], &addr);
    wait_for(&server, "error", Duration::from_secs(15));
    // A real node on the black hole's address.
    let port = hole.local_addr().unwrap().port().to_string();
    drop(hole);
    let mut dht = Command::new(spork_bin())
        .args(["dht", "--host", "127.0.0.1", "--port", &port])
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ev = wait_for(&server, "joined", Duration::from_secs(40));
    assert!(ev["nodes"].as_u64().unwrap() >= 1, "{ev}");
    let _ = dht.kill();
    let _ = dht.wait();
}
