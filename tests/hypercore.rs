//! Hypercore replication between two spork stores over the real stack (a local DHT on
//! 127.0.0.1, UDX, Noise, secret-stream, protomux): every block arrives verified, live
//! appends follow, and a peer that knows only the discovery key gets nothing.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{rust_network, rust_node as node};
use spork::hypercore::seed::Seeder;
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
    let shared = writer.clone();
    let serving = tokio::spawn(async move {
        let mut conn = server.accept().await.unwrap();
        let mode = Mode {
            live: false,
            download: false,
        };
        replicate(&mut conn, &wstore, &[shared], mode, |_, _| {}).await
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

/// Runs `spork ARGS… --dir DIR`, killed if it is still running after `limit` (a
/// process that should have refused to start must not hang the suite).
fn spork_within(dir: &std::path::Path, args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = std::process::Command::new(common::spork_bin())
        .args(args)
        .arg("--dir")
        .arg(dir)
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// `spork seed` in a folder where a host runs hands its keys to that host: the host
/// downloads them (verified, live appends too, and a core added later over the
/// connection already up), lists them, forgets them on --remove and resumes them after
/// a restart. While `spork seed` runs on its own in a folder, no host starts there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spork_seed_hands_its_keys_to_the_host_in_its_folder() {
    use common::host::{signal, spork_at, text, TestHost};
    use serde_json::Value;
    use tokio::task::block_in_place as blocking;

    let (_net, boot) = rust_network().await;
    let boot_s = boot.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let block = |i: u32| format!("block {i}").into_bytes();
    let wstore = Corestore::open(&tmp.path().join("writer.redb")).unwrap();
    let first = wstore.named("first").unwrap();
    first
        .append(&(0..500).map(block).collect::<Vec<_>>())
        .unwrap();
    let wnode = spork::swarm::node::Node::join(vec![boot], 0).await.unwrap();
    let writer = Seeder::start(
        wstore.clone(),
        wnode,
        spork::keys::KeyPair::generate(),
        vec![first.clone()],
        |_| {},
    )
    .await;
    let dir = tmp.path().join("home");
    std::fs::create_dir(&dir).unwrap();
    let here = dir.display().to_string();
    let key = hex::encode(first.key());
    let complete = |key: &str, n: u64| {
        let key = key.to_string();
        move |ev: &Value| {
            ev["event"] == "seed"
                && ev["key"] == key.as_str()
                && ev["length"] == n
                && ev["downloaded"] == n
        }
    };
    let minute = Duration::from_secs(60);

    let host = blocking(|| TestHost::start_on(&dir, &[], &boot_s));
    let out = blocking(|| spork_at(&dir, &["seed", &key]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).trim(),
        format!("the host in {here} now seeds {key}")
    );
    blocking(|| host.wait_event(minute, complete(&key, 500)));
    // Appends reach the host live.
    first
        .append(&(500..600).map(block).collect::<Vec<_>>())
        .unwrap();
    blocking(|| host.wait_event(minute, complete(&key, 600)));

    // A second core of the same writer: the host is connected to it already, so the
    // new core must be opened on that connection.
    let second = wstore.named("second").unwrap();
    second
        .append(&(0..50).map(block).collect::<Vec<_>>())
        .unwrap();
    writer.add(second.clone());
    let key2 = hex::encode(second.key());
    let out = blocking(|| spork_at(&dir, &["seed", &key2, &key, "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("the host in {here} now seeds {key2}")),
        "{said}"
    );
    assert!(
        said.contains(&format!("the host in {here} already seeds {key}")),
        "{said}"
    );
    let events: Vec<Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e["event"] == "seed"), "{events:?}");
    blocking(|| host.wait_event(minute, complete(&key2, 50)));

    let out = blocking(|| spork_at(&dir, &["seed", "--list", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys = vec![key.clone(), key2.clone()];
    keys.sort();
    assert_eq!(
        list.iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect::<Vec<_>>(),
        keys
    );
    let bytes = |n: u32| (0..n).map(|i| block(i).len() as u64).sum::<u64>();
    for s in &list {
        let (n, size) = if s["key"] == key.as_str() {
            (600, bytes(600))
        } else {
            (50, bytes(50))
        };
        assert_eq!(
            (s["length"].as_u64(), s["downloaded"].as_u64()),
            (Some(n), Some(n)),
            "{s}"
        );
        assert_eq!(s["bytes"].as_u64(), Some(size), "{s}");
        assert!(s["peers"].as_u64().unwrap() >= 1, "{s}");
    }

    let out = blocking(|| spork_at(&dir, &["seed", "--remove", &key2]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).trim(),
        format!("the host in {here} no longer seeds {key2}")
    );
    let out = blocking(|| spork_at(&dir, &["seed", "--remove", &key2]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        format!("error: {key2} is not seeded in {here}")
    );

    // A restarted host resumes what the folder lists, and only that.
    let stop = |mut host: TestHost| {
        signal(host.server.child.id(), 15);
        assert!(host.server.child.wait().unwrap().success());
    };
    blocking(|| stop(host));
    let host = blocking(|| TestHost::start_on(&dir, &[], &boot_s));
    blocking(|| host.wait_event(minute, complete(&key, 600)));
    let out = blocking(|| spork_at(&dir, &["seed", "--list", "--json"]));
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["key"], key.as_str());
    blocking(|| stop(host));

    // What the host stored is the writer's log, block for block.
    let store = Corestore::open(&dir.join("cores.redb")).unwrap();
    let copy = store.get(first.key()).unwrap();
    assert_eq!(copy.length(), 600);
    for i in 0..600 {
        assert_eq!(copy.get(u64::from(i)).unwrap(), Some(block(i)), "block {i}");
    }
    drop((copy, store));

    // `spork seed` on its own holds the folder: no host starts there meanwhile.
    let d = dir.to_str().unwrap();
    let seeding = common::http::Server::start(&["seed", "--dir", d], &boot_s);
    let ev = blocking(|| {
        std::iter::repeat_with(|| seeding.event())
            .find(|e| e["event"] == "listening")
            .unwrap()
    });
    assert!(ev["public_key"].is_string(), "{ev}");
    let busy = format!(
        "error: `spork seed` is already running in {here} (pid {})",
        seeding.child.id()
    );
    let out = blocking(|| spork_within(&dir, &["host", "--port", "0"], minute));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with(&busy),
        "{}",
        text(&out.stderr)
    );
    let out = blocking(|| spork_within(&dir, &["seed", "--list"], minute));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&busy),
        "{}",
        text(&out.stderr)
    );
    drop(seeding);
    writer.stop().await;
}
