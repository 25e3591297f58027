//! Hypercore against Node's, in one run on this machine: appends of 1 KiB blocks in
//! batches and one at a time (each durable when it returns), random gets, reopen time
//! (at `HC_BENCH_REOPEN` blocks, default 1,000,000), and spork→spork replication of
//! `HC_BENCH_REPLICATE` blocks (default 100,000) over a local DHT.
//!
//! `cargo bench --bench hypercore` (env: `HC_BENCH_N` blocks per append run, default
//! 100,000; `HC_BENCH_BATCH` default 100; `HC_BENCH_SINGLE` one-at-a-time appends,
//! default 5,000). The Node figures come from `tests/interop/core_tool.js
//! bench-append` (run `npm ci` in tests/interop first).

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use spork::hypercore::session::{replicate, Mode};
use spork::hypercore::storage::Corestore;

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn node_appends(n: u64, batch: u64, single: u64) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().ok()?;
    let out = Command::new("node")
        .args(["core_tool.js", "bench-append"])
        .arg(dir.path())
        .args([n.to_string(), batch.to_string(), single.to_string()])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop"))
        .output()
        .ok()?;
    serde_json::from_slice(&out.stdout).ok()
}

fn main() {
    if !common::requested("hypercore") {
        return;
    }
    let n: u64 = common::setting("HC_BENCH_N", 100_000);
    let batch: u64 = common::setting("HC_BENCH_BATCH", 100);
    let single: u64 = common::setting("HC_BENCH_SINGLE", 5_000);
    let reopen_at: u64 = common::setting("HC_BENCH_REOPEN", 1_000_000);
    let replicate_n: u64 = common::setting("HC_BENCH_REPLICATE", 100_000);
    let block = vec![7u8; 1024];

    let dir = tempfile::tempdir().unwrap();
    let store = Corestore::open(&dir.path().join("bench.redb")).unwrap();
    let core = store.named("bench").unwrap();
    let batch_blocks: Vec<&[u8]> = (0..batch).map(|_| &block[..]).collect();
    let start = Instant::now();
    let mut done = 0;
    while done < n {
        let take = batch.min(n - done) as usize;
        core.append(&batch_blocks[..take]).unwrap();
        done += take as u64;
    }
    let batched = rate(n, start.elapsed());
    let start = Instant::now();
    for _ in 0..single {
        core.append(&[&block[..]]).unwrap();
    }
    let one = rate(single, start.elapsed());
    let length = core.length();
    let start = Instant::now();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        assert!(core.get(x % length).unwrap().is_some());
    }
    let gets = rate(n, start.elapsed());
    drop(core);
    drop(store);

    // Reopen at a million blocks: build it in big batches, close, time the open.
    let big = dir.path().join("big.redb");
    {
        let store = Corestore::open(&big).unwrap();
        let core = store.named("big").unwrap();
        let blocks: Vec<&[u8]> = (0..10_000).map(|_| &block[..64]).collect();
        let mut left = reopen_at;
        while left > 0 {
            let take = left.min(10_000) as usize;
            core.append(&blocks[..take]).unwrap();
            left -= take as u64;
        }
    }
    let start = Instant::now();
    let store = Corestore::open(&big).unwrap();
    let core = store.named("big").unwrap();
    assert!(core.get(reopen_at - 1).unwrap().is_some());
    let reopen = start.elapsed();
    drop(core);
    drop(store);

    // spork → spork replication over a local DHT.
    let runtime = common::runtime();
    let replicated = runtime.block_on(async {
        use spork::swarm::hyperdht::HyperDht;
        use spork::swarm::rpc::{NodeConfig, RateLimits};
        let bind = |bootstrap, persistent| {
            HyperDht::bind(NodeConfig {
                host: "127.0.0.1".parse().unwrap(),
                port: 0,
                bootstrap,
                persistent,
                limits: RateLimits::default(),
            })
        };
        let first = bind(vec![], true).await.unwrap();
        let std::net::SocketAddr::V4(boot) = first.node().local_addr() else {
            panic!("IPv4")
        };
        let a = bind(vec![boot], false).await.unwrap();
        let b = bind(vec![boot], false).await.unwrap();
        a.node().bootstrap().await;
        b.node().bootstrap().await;
        let wstore = Corestore::open(&dir.path().join("w.redb")).unwrap();
        let writer = wstore.named("feed").unwrap();
        let blocks: Vec<&[u8]> = (0..1000).map(|_| &block[..]).collect();
        for _ in 0..replicate_n / 1000 {
            writer.append(&blocks).unwrap();
        }
        let kp = spork::swarm::noise::Keypair::from_seed([5; 32]);
        let mut server = a.listen(kp.clone(), std::sync::Arc::new(|_, _| true)).await;
        let w = writer.clone();
        tokio::spawn(async move {
            let mut conn = server.accept().await.unwrap();
            let mode = Mode {
                live: false,
                download: false,
            };
            let _ = replicate(&mut conn, &wstore, &[w], mode, |_, _| {}).await;
        });
        let rstore = Corestore::open(&dir.path().join("r.redb")).unwrap();
        let reader = rstore.get(writer.key()).unwrap();
        let start = Instant::now();
        let mut conn = b
            .connect(
                *kp.public(),
                &spork::swarm::noise::Keypair::from_seed([6; 32]),
            )
            .await
            .unwrap();
        let r = reader.clone();
        let target = writer.length();
        let task = tokio::spawn(async move {
            let mode = Mode {
                live: true,
                download: true,
            };
            let _ = replicate(&mut conn, &rstore, &[r], mode, |_, _| {}).await;
        });
        while reader.contiguous_length() < target {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let took = start.elapsed();
        task.abort();
        rate(target, took)
    });

    let node = node_appends(n, batch, single);
    let nb = |k: &str| node.as_ref().and_then(|v| v[k].as_f64());
    println!("hypercore, {n} × 1 KiB blocks (batches of {batch}), {single} single appends:");
    println!("| | spork | Node hypercore@11 | ratio |");
    println!("|---|---:|---:|---:|");
    let row = |what: &str, ours: f64, theirs: Option<f64>| match theirs {
        Some(t) => println!("| {what} | {ours:.0} | {t:.0} | {:.2}× |", ours / t),
        None => println!("| {what} | {ours:.0} | (node missing) | |"),
    };
    row("append, batched (blocks/s)", batched, nb("batched_per_s"));
    row("append, one at a time (appends/s)", one, nb("single_per_s"));
    row("random get (gets/s)", gets, nb("gets_per_s"));
    println!(
        "reopen at {reopen_at} blocks: {:.1} ms (Node at {n}: {})",
        reopen.as_secs_f64() * 1000.0,
        nb("reopen_ms").map_or("-".into(), |m| format!("{m:.1} ms"))
    );
    println!("replication spork→spork, {replicate_n} × 1 KiB over the local DHT: {replicated:.0} blocks/s");
}
