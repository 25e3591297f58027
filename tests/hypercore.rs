//! Hypercore replication between two spork stores over the real stack (a local DHT on
//! 127.0.0.1, UDX, Noise, secret-stream, protomux): every block arrives verified, live
//! appends follow, and a peer that knows only the discovery key gets nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{rust_network, rust_node as node};
use spork::hypercore::session::{replicate, Mode};
use spork::hypercore::storage::{Core, Corestore};
use spork::swarm::noise::Keypair;

async fn wait_for(core: &Arc<Core>, length: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while core.contiguous_length() < length || core.length() < length {
        assert!(
            tokio::time::Instant::now() < deadline,
            "stuck at {} of {length} (length {})",
            core.contiguous_length(),
            core.length()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stores_replicate_over_the_dht_live() {
    let dir = tempfile::tempdir().unwrap();
    let (_net, boot) = rust_network().await;
    let (a, b) = (node(vec![boot], false).await, node(vec![boot], false).await);

    let wstore = Corestore::open(&dir.path().join("writer.redb")).unwrap();
    let writer = wstore.named("feed").unwrap();
    let blocks: Vec<Vec<u8>> = (0..1500u32)
        .map(|i| (0..1024).map(|j| (i.wrapping_mul(31) ^ j) as u8).collect())
        .collect();
    writer.append(&blocks[..1000]).unwrap();

    let server_kp = Keypair::from_seed([41; 32]);
    let mut server = a.listen(server_kp.clone(), Arc::new(|_, _| true)).await;
    let serving = {
        let (wstore, writer) = (wstore.clone(), writer.clone());
        tokio::spawn(async move {
            let mut conn = server.accept().await.unwrap();
            let mode = Mode {
                live: false,
                download: false,
            };
            replicate(&mut conn, &wstore, &[writer], mode, |_, _| {}).await
        })
    };

    let rstore = Corestore::open(&dir.path().join("reader.redb")).unwrap();
    let reader = rstore.get(writer.key()).unwrap();
    let mut conn = b
        .connect(*server_kp.public(), &Keypair::from_seed([42; 32]))
        .await
        .unwrap();
    let reading = {
        let (rstore, reader) = (rstore.clone(), reader.clone());
        tokio::spawn(async move {
            let mode = Mode {
                live: true,
                download: true,
            };
            let mut events = 0u64;
            let r = replicate(&mut conn, &rstore, &[reader], mode, |_, _| events += 1).await;
            (r, events)
        })
    };
    wait_for(&reader, 1000).await;
    // Live: appends while connected arrive without anyone asking.
    writer.append(&blocks[1000..]).unwrap();
    wait_for(&reader, 1500).await;
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(
            reader.get(i as u64).unwrap().as_deref(),
            Some(&b[..]),
            "block {i}"
        );
    }
    assert_eq!(reader.byte_length(), 1500 * 1024);
    reading.abort();
    let _ = reading.await;
    // The writer's session ends (rather than hangs) when the reader goes away.
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .expect("the writer's session ends with the connection")
        .unwrap()
        .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_does_not_know_the_key_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_net, boot) = rust_network().await;
    let (a, b) = (node(vec![boot], false).await, node(vec![boot], false).await);
    let wstore = Corestore::open(&dir.path().join("writer.redb")).unwrap();
    let writer = wstore.named("secret").unwrap();
    writer.append(&["private"]).unwrap();
    let server_kp = Keypair::from_seed([43; 32]);
    let mut server = a.listen(server_kp.clone(), Arc::new(|_, _| true)).await;
    let serving = tokio::spawn(async move {
        let mut conn = server.accept().await.unwrap();
        let mode = Mode {
            live: false,
            download: false,
        };
        replicate(&mut conn, &wstore, &[], mode, |_, _| {}).await
    });
    // A reader of another key asks under the writer's discovery key: it cannot make
    // the capability, so the writer drops the connection and nothing is stored.
    let rstore = Corestore::open(&dir.path().join("reader.redb")).unwrap();
    let impostor = rstore.get(&[7; 32]).unwrap();
    let mut conn = b
        .connect(*server_kp.public(), &Keypair::from_seed([44; 32]))
        .await
        .unwrap();
    let mut mux_open = spork::swarm::protomux::Mux::new();
    let hs = spork::hypercore::replicate::handshake(
        impostor.key(),
        conn.is_initiator(),
        conn.handshake_hash(),
    );
    mux_open
        .open("hypercore/alpha", writer.discovery_key(), &hs)
        .unwrap();
    while let Some(f) = mux_open.poll_transmit() {
        // The writer may drop us before the send has even returned (it acts on the open
        // as soon as it arrives): what counts is how the writer's session ended.
        let _ = conn.send_message(&f).await;
    }
    let ended = tokio::time::timeout(Duration::from_secs(20), serving)
        .await
        .expect("the writer drops the impostor")
        .unwrap();
    let err = ended.unwrap_err().to_string();
    assert!(err.contains("capability"), "{err}");
    assert_eq!(impostor.length(), 0);
}

/// The writer half of [`kill_9_loses_nothing_acknowledged`]: appends forever to the
/// store named by `SPORK_KILL9_STORE`, printing `ACK <length>` after every append
/// returned. Runs only when that variable is set.
#[test]
#[ignore]
fn kill9_writer_child() {
    let Ok(path) = std::env::var("SPORK_KILL9_STORE") else {
        return;
    };
    let store = Corestore::open(std::path::Path::new(&path)).unwrap();
    let core = store.named("durable").unwrap();
    let mut n = 1u64;
    loop {
        let batch: Vec<Vec<u8>> = (0..(n % 37 + 1))
            .map(|i| format!("{}:{i}", core.length()).into_bytes())
            .collect();
        let length = core.append(&batch).unwrap();
        println!("ACK {length}");
        n += 1;
    }
}

#[test]
fn kill_9_loses_nothing_acknowledged() {
    use spork::hypercore::proof::{BlockRequest, ProofRequest};
    use std::io::BufRead;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cores.redb");
    let mut acked = 0u64;
    for round in 0..3u64 {
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "kill9_writer_child", "--nocapture"])
            .env("SPORK_KILL9_STORE", &path)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // Read acknowledgements for a while (a different time each round), then kill.
        let until = std::time::Instant::now() + Duration::from_millis(300 + 250 * round);
        let reader = std::thread::spawn(move || {
            let mut last = 0;
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(n) = line.strip_prefix("ACK ") {
                    last = n.parse().unwrap();
                }
            }
            last
        });
        while std::time::Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        sigkill(child.id());
        let _ = child.wait();
        let last = reader.join().unwrap();
        assert!(last >= acked, "round {round}: acks went backwards");
        acked = last;
        // Reopen: the head verifies (or the open fails), and nothing acknowledged is lost.
        let store = Corestore::open(&path).unwrap();
        let core = store.named("durable").unwrap();
        assert!(
            core.length() >= acked,
            "round {round}: length {} < acked {acked}",
            core.length()
        );
        assert!(acked > 0, "round {round}: the writer acknowledged nothing");
        // Every block is there and proves against the signed tree.
        let reader_store = Corestore::open(&dir.path().join(format!("check{round}.redb"))).unwrap();
        let check = reader_store.get(core.key()).unwrap();
        let up = ProofRequest {
            upgrade: Some(spork::hypercore::proof::UpgradeRequest {
                start: 0,
                length: core.length(),
            }),
            ..ProofRequest::default()
        };
        check
            .apply(core.proof(&up).unwrap(), core.manifest())
            .unwrap();
        for i in [0, core.length() / 2, core.length() - 1] {
            let req = ProofRequest {
                block: Some(BlockRequest {
                    index: i,
                    nodes: check.missing_nodes(i).unwrap(),
                }),
                ..ProofRequest::default()
            };
            check.apply(core.proof(&req).unwrap(), None).unwrap();
        }
        assert_eq!(core.contiguous_length(), core.length());
    }
}

/// SIGKILL by pid, through `kill(1)` (the crate forbids `unsafe`).
fn sigkill(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn spork_seed_refuses_bad_input_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(common::spork_bin())
            .args(args)
            .arg("--dir")
            .arg(dir.path())
            .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
            .output()
            .unwrap()
    };
    let out = run(&["seed", "not-a-key"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: \"not-a-key\" is not a hypercore key"),
        "{err}"
    );
    let out = run(&["seed"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error: nothing to seed") && err.contains("hint:"),
        "{err}"
    );
    let out = run(&["seed", "--remove", &"ab".repeat(32)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not seeded"));
    let out = run(&["seed", "--list", "--json"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "[]");
    // A second process on the same store is refused while the first holds it.
    let store = Corestore::open(&dir.path().join("cores.redb")).unwrap();
    let out = run(&["seed", &"cd".repeat(32)]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another spork process is using the store"),
        "{err}"
    );
    drop(store);
    // A refused run remembers nothing.
    let out = run(&["seed", "--remove", &"cd".repeat(32)]);
    assert_eq!(out.status.code(), Some(1));
}
