//! Encrypted HyperDHT connections on 127.0.0.1, in one run: connect time to the first
//! byte and throughput through one connection, Rust→Rust (this crate), Node→Node
//! (hyperdht@6), Rust→Node and Node→Rust, with the ratios. All peers bootstrap from the
//! same local network of three Rust DHT nodes.
//!
//! `cargo bench --bench connections` (env: `CONN_BENCH_MB`, default 256; `CONN_BENCH_RUNS`,
//! default 3, medians reported). Needs `node` and `tests/interop/node_modules`.

mod common;

use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use spork::swarm::hyperdht::server::Connection;
use spork::swarm::hyperdht::HyperDht;
use spork::swarm::noise::Keypair;
use spork::swarm::rpc::{NodeConfig, RateLimits};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn interop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

async fn node(bootstrap: Vec<SocketAddrV4>, persistent: bool) -> HyperDht {
    let dht = HyperDht::bind(NodeConfig {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        bootstrap,
        persistent,
        limits: RateLimits::default(),
    })
    .await
    .unwrap();
    dht.node().bootstrap().await;
    dht
}

/// A measurement: connect-to-first-byte and transfer time.
#[derive(Clone, Copy)]
struct Run {
    connect: Duration,
    transfer: Duration,
}

/// Server side: one byte first, drain, then end (as the Node sink does).
async fn sink(conn: Connection) {
    let (mut r, mut w) = tokio::io::split(conn);
    w.write_all(&[1]).await.unwrap();
    w.flush().await.unwrap();
    let mut buf = vec![0u8; 256 << 10];
    while r.read(&mut buf).await.unwrap_or(0) > 0 {}
    let _ = w.shutdown().await;
}

/// Client side: time to the first byte, then send `bytes` and wait for the end.
async fn client(dht: &HyperDht, pk: [u8; 32], kp: &Keypair, bytes: usize) -> Run {
    let t0 = Instant::now();
    let conn = dht.connect(pk, kp).await.expect("connect");
    let (mut r, mut w) = tokio::io::split(conn);
    let mut one = [0u8; 1];
    r.read_exact(&mut one).await.unwrap();
    let connect = t0.elapsed();
    let t1 = Instant::now();
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; 64 << 10];
        while r.read(&mut buf).await.unwrap_or(0) > 0 {}
    });
    send_and_end(&mut w, bytes).await;
    reader.await.unwrap();
    Run {
        connect,
        transfer: t1.elapsed(),
    }
}

async fn node_json(args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg("dht_tool.js")
        .args(args)
        .current_dir(interop())
        .stdin(Stdio::null())
        .output()
        .await
        .expect("node");
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("node {args:?}: {text:?} {e}"))
}

fn from_node(v: &Value) -> Run {
    Run {
        connect: Duration::from_secs_f64(v["connect_ms"].as_f64().unwrap() / 1000.0),
        transfer: Duration::from_secs_f64(v["secs"].as_f64().unwrap()),
    }
}

fn median(mut runs: Vec<Run>) -> Run {
    let pick = |v: &mut Vec<Duration>| {
        v.sort();
        v[v.len() / 2]
    };
    let mut c: Vec<Duration> = runs.iter().map(|r| r.connect).collect();
    let mut t: Vec<Duration> = runs.drain(..).map(|r| r.transfer).collect();
    Run {
        connect: pick(&mut c),
        transfer: pick(&mut t),
    }
}

fn main() {
    if !common::requested("connections") {
        return;
    }
    let mb: usize = common::setting("CONN_BENCH_MB", 256);
    let runs: usize = common::setting("CONN_BENCH_RUNS", 3);
    let bytes = mb << 20;
    let rt = common::runtime();
    rt.block_on(async move {
        let first = node(vec![], true).await;
        let boot = match first.node().local_addr() {
            std::net::SocketAddr::V4(a) => a,
            _ => unreachable!(),
        };
        let _others = [node(vec![boot], true).await, node(vec![boot], true).await];
        let boot_s = boot.to_string();

        // Rust server (sink) for Rust→Rust and Node→Rust.
        let server_dht = node(vec![boot], false).await;
        let server_kp = Keypair::from_seed([31; 32]);
        let mut server = server_dht.listen(server_kp.clone(), Arc::new(|_, _| true)).await;
        tokio::spawn(async move {
            while let Some(conn) = server.accept().await {
                tokio::spawn(sink(conn));
            }
        });
        let client_dht = node(vec![boot], false).await;
        let client_kp = Keypair::from_seed([32; 32]);

        // Node server (sink) for Rust→Node.
        let mut node_sink = Command::new("node")
            .args(["dht_tool.js", "bench-sink", &boot_s, &hex::encode([33u8; 32])])
            .current_dir(interop())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node bench-sink");
        let mut lines = BufReader::new(node_sink.stdout.take().unwrap()).lines();
        let info: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
        let node_pk: [u8; 32] = hex::decode(info["public_key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let rust_pk = hex::encode(server_kp.public());

        let mut rows: Vec<(&str, Run)> = Vec::new();
        let mut rr = Vec::new();
        let mut nn = Vec::new();
        let mut rn = Vec::new();
        let mut nr = Vec::new();
        for _ in 0..runs {
            rr.push(client(&client_dht, *server_kp.public(), &client_kp, bytes).await);
            nn.push(from_node(&node_json(&["bench-pair", &boot_s, &bytes.to_string()]).await));
            rn.push(client(&client_dht, node_pk, &client_kp, bytes).await);
            nr.push(from_node(&node_json(&["bench-send", &boot_s, &rust_pk, &bytes.to_string()]).await));
        }
        rows.push(("rust→rust", median(rr)));
        rows.push(("node→node", median(nn)));
        rows.push(("rust→node", median(rn)));
        rows.push(("node→rust", median(nr)));
        println!("encrypted connection, {mb} MiB per transfer, median of {runs}, 2 cores");
        let base = rows[1].1;
        for (name, r) in &rows {
            let mbps = bytes as f64 / 1e6 / r.transfer.as_secs_f64();
            let base_mbps = bytes as f64 / 1e6 / base.transfer.as_secs_f64();
            println!(
                " {name}: {mbps:8.1} MB/s ({:.2}× node→node)   connect→first byte {:6.1} ms ({:.2}× node→node)",
                mbps / base_mbps,
                r.connect.as_secs_f64() * 1000.0,
                r.connect.as_secs_f64() / base.connect.as_secs_f64()
            );
        }
        drop(node_sink);

        bind_end_to_end(&boot_s, bytes, runs).await;
        bind_rss(&boot_s).await;
    });
}

/// A TCP server that reads each connection to the end, then closes it.
async fn tcp_sink() -> u16 {
    let sink = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = sink.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = sink.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 256 << 10];
                while s.read(&mut buf).await.unwrap_or(0) > 0 {}
                let _ = s.shutdown().await;
            });
        }
    });
    port
}

/// Writes `bytes` bytes in 64 KiB pieces, then ends the write side.
async fn send_and_end<W: tokio::io::AsyncWrite + Unpin>(w: &mut W, bytes: usize) {
    let chunk = vec![0x61u8; 64 << 10];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len());
        w.write_all(&chunk[..n]).await.unwrap();
        left -= n;
    }
    w.shutdown().await.unwrap();
}

/// Sends `bytes` into 127.0.0.1:`port` and waits until the far end closes.
async fn tcp_through(port: u16, bytes: usize) -> Duration {
    let s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let (mut r, mut w) = s.into_split();
    let t0 = Instant::now();
    send_and_end(&mut w, bytes).await;
    let mut buf = [0u8; 1024];
    while r.read(&mut buf).await.unwrap_or(0) > 0 {}
    t0.elapsed()
}

/// TCP → tunnel → tunnel → TCP: spork bind (reverse + forward) against the same path
/// through a Node hyperdht pipe (what holesail does).
async fn bind_end_to_end(boot: &str, bytes: usize, runs: usize) {
    let sink = tcp_sink().await;
    let (_reverse, ev) = spork_bind(&["-p", &sink.to_string()], boot).await;
    let key = ev["public_key"].as_str().unwrap().to_string();
    let (_forward, ev) = spork_bind(&[&key, "-p", "0"], boot).await;
    let spork_port = ev["port"].as_u64().unwrap() as u16;

    let (_pipe_server, info) = node_long(&[
        "pipe-server",
        boot,
        &hex::encode([34u8; 32]),
        &sink.to_string(),
    ])
    .await;
    let pk = info["public_key"].as_str().unwrap().to_string();
    let (_pipe_client, info) = node_long(&["pipe-client", boot, &pk]).await;
    let node_port = info["port"].as_u64().unwrap() as u16;

    let mut spork = Vec::new();
    let mut node = Vec::new();
    for _ in 0..runs {
        spork.push(tcp_through(spork_port, bytes).await);
        node.push(tcp_through(node_port, bytes).await);
    }
    spork.sort();
    node.sort();
    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    let (s, n) = (mbps(spork[runs / 2]), mbps(node[runs / 2]));
    println!(
        " TCP→tunnel→TCP: spork bind {s:8.1} MB/s, Node hyperdht pipe {n:8.1} MB/s ({:.2}×)",
        s / n
    );
}

/// Starts a long-running `node dht_tool.js` command and returns it with its first line.
async fn node_long(args: &[&str]) -> (tokio::process::Child, Value) {
    let mut child = Command::new("node")
        .arg("dht_tool.js")
        .args(args)
        .current_dir(interop())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let v: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    (child, v)
}

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Starts `spork bind ARGS --json` and returns it with its `listening` event.
async fn spork_bind(args: &[&str], boot: &str) -> (tokio::process::Child, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spork"))
        .arg("bind")
        .args(args)
        .arg("--json")
        .env("SPORK_BOOTSTRAP", boot)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spork bind");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ev: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    // Keep reading events so the pipe never fills up.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, ev)
}

/// RSS of the two `spork bind` processes (reverse and forward) holding one idle
/// connection, then 1,000.
async fn bind_rss(boot: &str) {
    let echo = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let echo_port = echo.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = echo.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = s.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    let (reverse, ev) = spork_bind(&["-p", &echo_port.to_string()], boot).await;
    let key = ev["public_key"].as_str().unwrap().to_string();
    let (forward, ev) = spork_bind(&[&key, "-p", "0"], boot).await;
    let port = ev["port"].as_u64().unwrap() as u16;
    let (rpid, fpid) = (reverse.id().unwrap(), forward.id().unwrap());
    let mut held = Vec::new();
    let report = |n: usize, held: &Vec<tokio::net::TcpStream>| {
        assert_eq!(held.len(), n);
        println!(
            " spork bind holding {n:4} connection(s): reverse {:6} KiB, forward {:6} KiB RSS",
            rss_kib(rpid),
            rss_kib(fpid)
        );
    };
    for target in [1usize, 1000] {
        while held.len() < target {
            let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            s.write_all(b"x").await.unwrap();
            let mut one = [0u8; 1];
            s.read_exact(&mut one).await.unwrap();
            held.push(s);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        report(target, &held);
    }
}
