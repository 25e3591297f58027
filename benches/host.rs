//! The home cloud's costs, in one run on 127.0.0.1 with real sandboxed services:
//! JSON-RPC calls/s and p99 through `spork host`'s gateway (TCP, bearer token, routing,
//! the service's unix socket) against the same calls straight to the service's socket;
//! the host's RSS with three services idle; install-to-ready time of a local Node
//! service; the memory a sandbox adds around a service (bwrap's two processes and the
//! in-sandbox forwarder).
//!
//! `cargo bench --bench host` (env: `HOST_BENCH_SECS` per load run, default 10;
//! `HOST_BENCH_CONNS` concurrent keep-alive connections, default 32). Needs bubblewrap.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;

use common::{rss_kib, spork};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/services")
        .join(name)
}

fn children(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(p) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
        if stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1))
            .and_then(|pp| pp.parse::<u32>().ok())
            == Some(pid)
        {
            out.push(p);
        }
    }
    out
}

fn comm(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .unwrap_or_default()
        .trim()
        .to_string()
}

fn verb(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(spork())
        .args(args)
        .arg("--dir")
        .arg(dir)
        .output()
        .unwrap()
}

enum Target {
    Gateway { port: u16, token: String },
    Socket(PathBuf),
}

/// Calls/s and p99 (ms) of `conns` keep-alive connections each calling `hello` in a
/// loop for `secs`.
async fn load(target: Arc<Target>, conns: usize, secs: u64) -> (f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let body =
        Bytes::from_static(br#"{"jsonrpc":"2.0","id":1,"method":"hello","params":["bench"]}"#);
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let target = target.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let mut sender = match &*target {
                Target::Gateway { port, .. } => {
                    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", *port))
                        .await
                        .unwrap();
                    tcp.set_nodelay(true).unwrap();
                    let (s, c) =
                        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
                            .await
                            .unwrap();
                    tokio::spawn(c);
                    s
                }
                Target::Socket(path) => {
                    let unix = tokio::net::UnixStream::connect(path).await.unwrap();
                    let (s, c) =
                        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(unix))
                            .await
                            .unwrap();
                    tokio::spawn(c);
                    s
                }
            };
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let mut req = hyper::Request::post(match &*target {
                    Target::Gateway { .. } => "/_atek/gateway?api=example.com%2Fhello-api",
                    Target::Socket(_) => "/rpc",
                })
                .header("host", "localhost")
                .header("content-type", "application/json");
                if let Target::Gateway { token, .. } = &*target {
                    req = req.header("authorization", format!("Bearer {token}"));
                }
                let req = req.body(Full::new(body.clone())).unwrap();
                let start = Instant::now();
                let res = sender.send_request(req).await.unwrap();
                assert_eq!(res.status(), 200);
                let bytes = res.into_body().collect().await.unwrap().to_bytes();
                assert!(bytes.windows(11).any(|w| w == b"hello bench"), "{bytes:?}");
                latencies.push(start.elapsed());
            }
            latencies
        }));
    }
    common::rate_and_p99(tasks, secs).await
}

fn main() {
    if !common::requested("host") {
        return;
    }
    let secs: u64 = common::setting("HOST_BENCH_SECS", 10);
    let conns: usize = common::setting("HOST_BENCH_CONNS", 32);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let (host, host_pid, port) = common::start_host(&dir);
    // Install-to-ready: `spork install` returns once the service answers its health check.
    let mut installs = Vec::new();
    for (i, name) in ["hello", "hello", "echo-ws"].iter().enumerate() {
        let start = Instant::now();
        let out = verb(
            &dir,
            &["install", fixture(name).to_str().unwrap(), "--json"],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        installs.push(start.elapsed().as_secs_f64() * 1000.0);
        let info: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(info["status"], "running", "service {i}: {info}");
    }
    installs.sort_by(|a, b| a.partial_cmp(b).unwrap());
    std::thread::sleep(Duration::from_secs(3));
    let host_rss = rss_kib(host_pid);

    // What a sandbox adds: every process of the service's tree but the service itself.
    let mut sandbox_overhead = Vec::new();
    for bwrap in children(host_pid)
        .into_iter()
        .filter(|p| comm(*p) == "bwrap")
    {
        let mut tree = vec![bwrap];
        let mut i = 0;
        while i < tree.len() {
            tree.extend(children(tree[i]));
            i += 1;
        }
        let overhead: u64 = tree
            .iter()
            .filter(|p| comm(**p) != "node")
            .map(|p| rss_kib(*p))
            .sum();
        sandbox_overhead.push(overhead);
    }

    let token = common::admin_token(&dir);
    let runtime = common::runtime();
    let socket = dir.join("sockets/hello/service.sock");
    // Warm up both paths, then alternate them (the machine's load drifts): medians of
    // HOST_BENCH_ROUNDS rounds (default 3).
    let rounds: usize = common::setting("HOST_BENCH_ROUNDS", 3);
    let direct = Arc::new(Target::Socket(socket));
    let gateway = Arc::new(Target::Gateway { port, token });
    runtime.block_on(load(direct.clone(), 4, 1));
    runtime.block_on(load(gateway.clone(), 4, 1));
    let (mut d, mut g) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        d.push(runtime.block_on(load(direct.clone(), conns, secs)));
        g.push(runtime.block_on(load(gateway.clone(), conns, secs)));
    }
    let ratios: Vec<f64> = d.iter().zip(&g).map(|(d, g)| g.0 / d.0).collect();
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let (direct_rps, direct_p99) = (
        median(d.iter().map(|x| x.0).collect()),
        median(d.iter().map(|x| x.1).collect()),
    );
    let (gw_rps, gw_p99) = (
        median(g.iter().map(|x| x.0).collect()),
        median(g.iter().map(|x| x.1).collect()),
    );
    let ratio = median(ratios.clone());
    let host_rss_loaded = rss_kib(host_pid);
    drop(host);

    println!("JSON-RPC `hello` calls, {conns} keep-alive connections, {secs} s per run, median of {rounds} alternating rounds:");
    println!("| path | calls/s | p99 ms | vs direct |");
    println!("|---|---:|---:|---:|");
    println!("| direct to the service's unix socket | {direct_rps:.0} | {direct_p99:.2} | 1.00× |");
    println!(
        "| through the host's gateway (TCP, token, routing) | {gw_rps:.0} | {gw_p99:.2} | {ratio:.2}× |"
    );
    let each: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
    println!("(gateway/direct, round by round: {})", each.join(", "));
    println!();
    println!(
        "host RSS, 3 services running, idle: {:.1} MB; after the load: {:.1} MB",
        host_rss as f64 / 1024.0,
        host_rss_loaded as f64 / 1024.0
    );
    println!("install-to-ready of a local Node service (ms, 3 installs): min {:.0}, median {:.0}, max {:.0}", installs[0], installs[1], installs[2]);
    println!(
        "memory a sandbox adds (RSS of bwrap x2 + forwarder, KB): {:?}",
        sandbox_overhead
    );
}
