//! Liveness of p2p connections, as real processes on a local DHT: a peer killed with
//! SIGKILL (mid-transfer and while idle) ends the other side's local sockets within the
//! peer timeout, and the server says `close`; an idle connection to a live peer (spork
//! or a Node hyperdht server) stays open for twice that timeout.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{spork_network, spork_tunnel, Proc};

/// spork's documented peer timeout (`PEER_TIMEOUT`), and the bound the tests assert.
const PEER_TIMEOUT: Duration = Duration::from_secs(15);
const ASSERTED: Duration = Duration::from_secs(30);

/// What a local service does with each connection.
#[derive(Clone, Copy)]
enum Service {
    /// Writes bytes as fast as it can, forever.
    Firehose,
    /// Echoes what it reads.
    Echo,
}

/// A TCP service on 127.0.0.1; each connection's end (EOF, reset or a failed write)
/// is reported on the channel with its instant.
fn service(kind: Service) -> (u16, mpsc::Receiver<Instant>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut conn = conn;
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    let ok = match kind {
                        Service::Firehose => conn.write_all(&buf).is_ok(),
                        Service::Echo => match conn.read(&mut buf) {
                            Ok(0) | Err(_) => false,
                            Ok(n) => conn.write_all(&buf[..n]).is_ok(),
                        },
                    };
                    if !ok {
                        let _ = tx.send(Instant::now());
                        return;
                    }
                }
            });
        }
    });
    (port, rx)
}

fn bind(args: &[&str], boot: &str) -> Proc {
    common::spork_bind(args, boot, Stdio::null())
}

/// Connects through the forward bind and proves the tunnel carries bytes: reads a
/// first chunk from a firehose, or a byte echoed.
fn open(port: u16, kind: Service) -> TcpStream {
    let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(90)))
        .unwrap();
    let mut byte = [0u8; 1];
    if let Service::Echo = kind {
        conn.write_all(b"x").unwrap();
    }
    conn.read_exact(&mut byte)
        .expect("the tunnel carries a first byte");
    conn
}

/// Reads until the socket ends (EOF or an error) and returns when it did.
fn ended(mut conn: TcpStream) -> mpsc::Receiver<Instant> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match conn.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let _ = tx.send(Instant::now());
    });
    rx
}

fn within(rx: &mpsc::Receiver<Instant>, killed: Instant, what: &str) -> Duration {
    let at = rx
        .recv_timeout(ASSERTED + Duration::from_secs(10))
        .unwrap_or_else(|_| panic!("{what}: still open {ASSERTED:?} after the kill"));
    let took = at.saturating_duration_since(killed);
    eprintln!("{what}: ended {:.1} s after the kill", took.as_secs_f64());
    assert!(took <= ASSERTED, "{what}: took {took:?}");
    took
}

#[test]
fn reverse_killed_ends_the_clients_sockets_mid_transfer_and_idle() {
    let (_dht, boot) = spork_network(3);
    let (firehose, _) = service(Service::Firehose);
    let (echo, _) = service(Service::Echo);
    let (rev_a, _fwd_a, port_a) = spork_tunnel(&boot, firehose);
    let (rev_b, _fwd_b, port_b) = spork_tunnel(&boot, echo);
    let busy = ended(open(port_a, Service::Firehose));
    let idle = ended(open(port_b, Service::Echo));
    std::thread::sleep(Duration::from_secs(1));
    rev_a.signal(9);
    rev_b.signal(9);
    let killed = Instant::now();
    within(&busy, killed, "client mid-transfer");
    within(&idle, killed, "idle client");
}

#[test]
fn forward_killed_ends_the_services_sockets_and_the_server_says_close() {
    let (_dht, boot) = spork_network(3);
    let (firehose, busy) = service(Service::Firehose);
    let (echo, idle) = service(Service::Echo);
    let (mut rev_a, fwd_a, port_a) = spork_tunnel(&boot, firehose);
    let (mut rev_b, fwd_b, port_b) = spork_tunnel(&boot, echo);
    let _a = open(port_a, Service::Firehose);
    let _b = open(port_b, Service::Echo);
    for rev in [&mut rev_a, &mut rev_b] {
        assert_eq!(rev.json_line(Duration::from_secs(10))["event"], "connect");
    }
    std::thread::sleep(Duration::from_secs(1));
    fwd_a.signal(9);
    fwd_b.signal(9);
    let killed = Instant::now();
    let took = within(&busy, killed, "service mid-transfer");
    within(&idle, killed, "idle service");
    assert!(took >= PEER_TIMEOUT - Duration::from_secs(2), "{took:?}");
    for rev in [&mut rev_a, &mut rev_b] {
        let ev = rev.json_line(Duration::from_secs(5));
        assert_eq!(ev["event"], "close", "{ev}");
    }
}

/// One idle connection through a tunnel to `target`: a byte now, then after `idle`.
fn idle_round_trip(port: u16, idle: Duration) -> Result<(), String> {
    let mut conn = open(port, Service::Echo);
    std::thread::sleep(idle);
    conn.write_all(b"y")
        .map_err(|e| format!("write after idling: {e}"))?;
    let mut byte = [0u8; 1];
    conn.read_exact(&mut byte)
        .map_err(|e| format!("read after idling: {e}"))?;
    (byte == *b"y").then_some(()).ok_or("wrong byte".into())
}

#[test]
fn idle_connections_to_live_peers_stay_open_for_twice_the_timeout() {
    let (_dht, boot) = spork_network(3);
    let (echo, _) = service(Service::Echo);
    let idle = PEER_TIMEOUT * 2 + Duration::from_secs(2);

    // spork to spork.
    let (_rev, _fwd, spork_port) = spork_tunnel(&boot, echo);
    let to_spork = std::thread::spawn(move || idle_round_trip(spork_port, idle));

    // spork to a Node hyperdht server piping to the same echo service (as holesail does).
    let to_node = common::node_available().then(|| {
        let seed = "11".repeat(32);
        let (node, ready) = common::node_process(&["pipe-server", &boot, &seed, &echo.to_string()]);
        let key = ready["public_key"].as_str().unwrap().to_string();
        let mut forward = bind(&[&key, "-p", "0"], &boot);
        let port = forward.json_line(Duration::from_secs(30))["port"]
            .as_u64()
            .unwrap() as u16;
        let result = std::thread::spawn(move || idle_round_trip(port, idle));
        (node, forward, result)
    });

    assert_eq!(to_spork.join().unwrap(), Ok(()), "spork peer");
    if let Some((_node, _forward, result)) = to_node {
        assert_eq!(result.join().unwrap(), Ok(()), "Node hyperdht peer");
    }
}
