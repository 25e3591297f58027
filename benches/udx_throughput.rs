//! UDX stream throughput on 127.0.0.1, in one run: Rust→Rust (this crate, both ends in
//! one process), Node→Node (udx-native, both ends in one process), Rust→Node and
//! Node→Rust (through `tests/interop/udx_peer.js`), with the ratios.
//!
//! `cargo bench --bench udx_throughput` (env: `UDX_BENCH_MB`, default 256; `UDX_BENCH_RUNS`,
//! default 3, the median is reported; `UDX_BENCH_ONLY=rust` runs only the Rust→ rows).
//! Needs `node` and `tests/interop/node_modules`.

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use spork::swarm::udx::Udx;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

fn interop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

fn lo() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

async fn drain(r: &mut (impl AsyncReadExt + Unpin)) -> usize {
    let mut buf = vec![0u8; 256 << 10];
    let mut n = 0;
    loop {
        match r.read(&mut buf).await {
            Ok(0) => return n,
            Ok(k) => n += k,
            Err(e) => panic!("read: {e}"),
        }
    }
}

async fn fill(w: &mut (impl AsyncWriteExt + Unpin), bytes: usize) {
    let chunk = vec![0x61u8; 64 << 10];
    let mut left = bytes;
    while left > 0 {
        let k = left.min(chunk.len());
        w.write_all(&chunk[..k]).await.unwrap();
        left -= k;
    }
    w.shutdown().await.unwrap();
}

async fn rust_rust(bytes: usize) -> Duration {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let mut a = ua.stream(1).unwrap();
    let mut b = ub.stream(2).unwrap();
    a.connect(&sa, 2, sb.local_addr()).unwrap();
    b.connect(&sb, 1, sa.local_addr()).unwrap();
    let t0 = Instant::now();
    let w = tokio::spawn(async move {
        fill(&mut a, bytes).await;
        a
    });
    let n = drain(&mut b).await;
    let el = t0.elapsed();
    assert_eq!(n, bytes);
    b.shutdown().await.unwrap();
    let _a = w.await.unwrap();
    el
}

async fn node_node(bytes: usize) -> Duration {
    let out = Command::new("node")
        .arg(interop().join("udx_bench.js"))
        .arg(bytes.to_string())
        .stderr(Stdio::inherit())
        .output()
        .await
        .expect("run node");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("node output");
    assert_eq!(v["bytes"].as_u64().unwrap() as usize, bytes);
    Duration::from_millis(v["ms"].as_u64().unwrap())
}

async fn with_node(mode: &str, bytes: usize) -> Duration {
    let udx = Udx::new();
    let sock = udx.bind(lo()).await.unwrap();
    let mut s = udx.stream(7).unwrap();
    let mut child = Command::new("node")
        .arg(interop().join("udx_peer.js"))
        .args([
            mode,
            &sock.local_addr().port().to_string(),
            "8",
            "7",
            &bytes.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn node");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let port = serde_json::from_str::<serde_json::Value>(&first).unwrap()["port"]
        .as_u64()
        .unwrap();
    s.connect(&sock, 8, ([127, 0, 0, 1], port as u16).into())
        .unwrap();
    let el = if mode == "bench-recv" {
        let t0 = Instant::now();
        fill(&mut s, bytes).await;
        let n = drain(&mut s).await; // node ENDs once it has everything
        assert_eq!(n, 0);
        t0.elapsed()
    } else {
        let mut buf = vec![0u8; 256 << 10];
        let k = s.read(&mut buf).await.unwrap();
        let t0 = Instant::now();
        let n = k + drain(&mut s).await;
        let el = t0.elapsed();
        assert_eq!(n, bytes);
        s.shutdown().await.unwrap();
        el
    };
    let _ = lines.next_line().await;
    let _ = child.wait().await;
    drop(s);
    el
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if !common::requested("udx_throughput") {
        return;
    }
    let mb: usize = common::setting("UDX_BENCH_MB", 256);
    let runs: usize = common::setting("UDX_BENCH_RUNS", 3);
    let bytes = mb << 20;
    let rt = common::runtime();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("UDX loopback throughput, {mb} MiB per transfer, median of {runs}, {cores} cores");
    let only = std::env::var("UDX_BENCH_ONLY").unwrap_or_default();
    let mut results = Vec::new();
    for name in ["rust→rust", "node→node", "rust→node", "node→rust"] {
        if !only.is_empty() && !name.starts_with(&only) {
            continue;
        }
        let mut times = Vec::new();
        for _ in 0..runs {
            let t = rt.block_on(async {
                match name {
                    "rust→rust" => rust_rust(bytes).await,
                    "node→node" => node_node(bytes).await,
                    "rust→node" => with_node("bench-recv", bytes).await,
                    _ => with_node("bench-send", bytes).await,
                }
            });
            times.push(t);
        }
        let t = median(times);
        let mbps = bytes as f64 / 1e6 / t.as_secs_f64();
        println!("{name:>10}: {mbps:8.1} MB/s  ({:.3} s)", t.as_secs_f64());
        results.push((name, mbps));
    }
    let Some(&(_, nn)) = results.iter().find(|r| r.0 == "node→node") else {
        return;
    };
    println!("ratios vs node→node:");
    for (name, mbps) in &results {
        println!("{name:>10}: {:.2}×", mbps / nn);
    }
}
