//! Hypercore against Node's, in one run on this machine: appends of 1 KiB blocks in
//! batches and one at a time (each durable when it returns), random gets, reopen time
//! (at `HC_BENCH_REOPEN` blocks, default 1,000,000), and spork→spork replication of
//! `HC_BENCH_REPLICATE` blocks (default 100,000) over a local DHT.
//!
//! `cargo bench --bench hypercore` (env: `HC_BENCH_ROUNDS` alternating spork/Node append
//! rounds, default 3, medians reported; `HC_BENCH_N` blocks per append run, default
//! 100,000; `HC_BENCH_BATCH` default 100; `HC_BENCH_SINGLE` one-at-a-time appends,
//! default 5,000). The Node figures come from `tests/interop/core_tool.js`
//! (`bench-append`, and `write`/`read` for replication Node→Node and the mixed pairs;
//! run `npm ci` in tests/interop first). Three DHT nodes in this process carry every
//! replication run.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use spork::hypercore::session::{replicate, Mode};
use spork::hypercore::storage::Corestore;

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// One round of spork appends on a fresh store: (batched blocks/s, single appends/s,
/// random gets/s).
fn spork_appends(path: &Path, n: u64, batch: u64, single: u64, block: &[u8]) -> (f64, f64, f64) {
    let store = Corestore::open(path).unwrap();
    let core = store.named("bench").unwrap();
    let batch_blocks: Vec<&[u8]> = (0..batch).map(|_| block).collect();
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
        core.append(&[block]).unwrap();
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
    (batched, one, rate(n, start.elapsed()))
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
    // Alternate spork and Node rounds (the machine's load drifts) and report medians.
    let rounds: usize = common::setting("HC_BENCH_ROUNDS", 3);
    let mut ours: Vec<(f64, f64, f64)> = Vec::new();
    let mut theirs: Vec<serde_json::Value> = Vec::new();
    for round in 0..rounds {
        ours.push(spork_appends(
            &dir.path().join(format!("bench{round}.redb")),
            n,
            batch,
            single,
            &block,
        ));
        theirs.extend(common::core_tool_bench("bench-append", n, batch, single));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let batched = median(ours.iter().map(|o| o.0).collect());
    let one = median(ours.iter().map(|o| o.1).collect());
    let gets = median(ours.iter().map(|o| o.2).collect());
    let node_median = |k: &str| -> Option<f64> {
        let v: Vec<f64> = theirs.iter().filter_map(|t| t[k].as_f64()).collect();
        (!v.is_empty()).then(|| median(v))
    };
    let batched_ratios: Vec<String> = ours
        .iter()
        .zip(&theirs)
        .filter_map(|(o, t)| Some(format!("{:.2}", o.0 / t["batched_per_s"].as_f64()?)))
        .collect();

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

    let pairs = runtime.block_on(mixed_replication(dir.path(), replicate_n));

    let nb = |k: &str| node_median(k);
    println!("hypercore, {n} × 1 KiB blocks (batches of {batch}), {single} single appends, median of {rounds} alternating rounds:");
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
        "(batched spork/Node, round by round: {})",
        batched_ratios.join(", ")
    );
    println!(
        "reopen at {reopen_at} blocks: {:.1} ms (Node at {n}: {})",
        reopen.as_secs_f64() * 1000.0,
        nb("reopen_ms").map_or("-".into(), |m| format!("{m:.1} ms"))
    );
    println!();
    println!("replication of {replicate_n} × 1 KiB blocks over a local DHT (blocks/s; Node = hypercore@11 + corestore@7 + hyperswarm@4):");
    println!("| writer → reader | blocks/s | vs Node→Node |");
    println!("|---|---:|---:|");
    let base = pairs.node_node;
    let show = |what: &str, r: Option<f64>| match (r, base) {
        (Some(r), Some(b)) => println!("| {what} | {r:.0} | {:.2}× |", r / b),
        (Some(r), None) => println!("| {what} | {r:.0} | |"),
        (None, _) => println!("| {what} | (node missing) | |"),
    };
    show("spork → spork", Some(replicated));
    show("Node → Node", pairs.node_node);
    show("Node → spork", pairs.node_spork);
    show("spork → Node", pairs.spork_node);
}

/// The three pairs with Node in them.
struct Pairs {
    node_node: Option<f64>,
    node_spork: Option<f64>,
    spork_node: Option<f64>,
}

/// `block(i)` of core_tool.js: "block i" padded with '.' to 1024 bytes.
fn tool_block(i: u64) -> Vec<u8> {
    let mut b = vec![b'.'; 1024];
    let s = format!("block {i}");
    b[..s.len()].copy_from_slice(s.as_bytes());
    b
}

/// `node core_tool.js ARGS…` with its stdout lines.
fn tool(
    args: &[&str],
) -> Option<(
    std::process::Child,
    std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
)> {
    use std::io::BufRead;
    let mut child = Command::new("node")
        .arg("core_tool.js")
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let lines = std::io::BufReader::new(child.stdout.take()?).lines();
    Some((child, lines))
}

/// Reads lines until one has `done`, and returns its `elapsed_ms`.
fn elapsed_ms(
    lines: &mut std::io::Lines<std::io::BufReader<std::process::ChildStdout>>,
) -> Option<f64> {
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(&line.ok()?).ok()?;
        if v["done"] == true {
            return v["elapsed_ms"].as_f64();
        }
        if v.get("error").is_some() {
            return None;
        }
    }
    None
}

async fn mixed_replication(dir: &Path, n: u64) -> Pairs {
    use spork::swarm::hyperdht::HyperDht;
    use spork::swarm::rpc::{NodeConfig, RateLimits};
    let first = HyperDht::bind(NodeConfig {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        bootstrap: vec![],
        persistent: true,
        limits: RateLimits::default(),
    })
    .await
    .unwrap();
    let std::net::SocketAddr::V4(boot) = first.node().local_addr() else {
        panic!("IPv4")
    };
    // Two more persistent nodes: Node peers need a DHT of several nodes to meet.
    let mut others = Vec::new();
    for _ in 0..2 {
        let n = HyperDht::bind(NodeConfig {
            host: "127.0.0.1".parse().unwrap(),
            port: 0,
            bootstrap: vec![boot],
            persistent: true,
            limits: RateLimits::default(),
        })
        .await
        .unwrap();
        n.node().bootstrap().await;
        others.push(n);
    }
    let boot_s = boot.to_string();
    let n_s = n.to_string();
    let rate_ms = |ms: f64| n as f64 / (ms / 1000.0);

    // Node → Node.
    let node_node = tokio::task::spawn_blocking({
        let (boot_s, n_s, wdir) = (boot_s.clone(), n_s.clone(), dir.join("nn-writer"));
        move || {
            use std::io::Write;
            let (mut writer, mut wl) = tool(&["write", &boot_s, wdir.to_str()?, &n_s])?;
            let w: serde_json::Value = serde_json::from_str(&wl.next()?.ok()?).ok()?;
            let (mut reader, mut rl) = tool(&[
                "read",
                &boot_s,
                w["key"].as_str()?,
                &n_s,
                w["public_key"].as_str()?,
            ])?;
            let ms = elapsed_ms(&mut rl);
            let _ = writer.stdin.take().map(|mut s| s.write_all(b""));
            let _ = writer.kill();
            let _ = reader.kill();
            ms
        }
    })
    .await
    .ok()
    .flatten()
    .map(rate_ms);

    // Node → spork: a Node writer, spork's seeder downloading it.
    let node_spork = {
        let spawned = tokio::task::spawn_blocking({
            let (boot_s, n_s, wdir) = (boot_s.clone(), n_s.clone(), dir.join("ns-writer"));
            move || {
                let (writer, mut wl) = tool(&["write", &boot_s, wdir.to_str()?, &n_s])?;
                let w: serde_json::Value = serde_json::from_str(&wl.next()?.ok()?).ok()?;
                Some((writer, w["key"].as_str()?.to_string()))
            }
        })
        .await
        .ok()
        .flatten();
        match spawned {
            Some((mut writer, key)) => {
                let store = Corestore::open(&dir.join("ns.redb")).unwrap();
                let core = store
                    .get(&spork::hypercore::id::parse_key(&key).unwrap())
                    .unwrap();
                let node = spork::swarm::node::Node::join(vec![boot], 0).await.unwrap();
                let start = Instant::now();
                let seeder = spork::hypercore::seed::Seeder::start(
                    store.clone(),
                    node,
                    spork::keys::KeyPair::generate(),
                    vec![core.clone()],
                    |_| {},
                )
                .await;
                while core.contiguous_length() < n || core.length() < n {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let took = start.elapsed();
                seeder.stop().await;
                let _ = writer.kill();
                Some(rate(n, took))
            }
            None => None,
        }
    };

    // spork → Node: spork serving a core of core_tool's blocks, a Node reader.
    let spork_node = {
        let store = Corestore::open(&dir.join("sn.redb")).unwrap();
        let core = store.named("sn").unwrap();
        let mut i = 0;
        while i < n {
            let batch: Vec<Vec<u8>> = (i..(i + 1000).min(n)).map(tool_block).collect();
            core.append(&batch).unwrap();
            i += batch.len() as u64;
        }
        let node = spork::swarm::node::Node::join(vec![boot], 0).await.unwrap();
        let keypair = spork::keys::KeyPair::generate();
        let our_key = keypair.public_key().to_hex();
        let seeder = spork::hypercore::seed::Seeder::start(
            store.clone(),
            node,
            keypair,
            vec![core.clone()],
            |_| {},
        )
        .await;
        let key = hex::encode(core.key());
        let ms = tokio::task::spawn_blocking({
            let (boot_s, n_s) = (boot_s.clone(), n_s.clone());
            move || {
                let (mut reader, mut rl) = tool(&["read", &boot_s, &key, &n_s, &our_key])?;
                let ms = elapsed_ms(&mut rl);
                let _ = reader.kill();
                ms
            }
        })
        .await
        .ok()
        .flatten();
        seeder.stop().await;
        ms.map(rate_ms)
    };
    drop(first);
    drop(others);
    Pairs {
        node_node,
        node_spork,
        spork_node,
    }
}
