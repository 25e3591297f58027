//! Hypercore interop with the real npm packages (hypercore@11, corestore@7,
//! hyperswarm@4) on a local DHT: a Node writer's core seeded by `spork seed` reaches
//! Node readers that may talk only to spork, live appends included, and after the
//! writer has left, and across a fork the writer made while spork was away; a core
//! written through spork's Rust API is read and verified by Node, live appends
//! included; and ADB databases and Node's hyperbee@2 read each other's writes, live.

mod common;

use std::io::{BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{interop_dir, node_available, rust_network, spork_bin, Proc};
use serde_json::Value;

/// `node core_tool.js ARGS…`, its first JSON line (which must say ok).
fn core_tool(args: &[&str]) -> (Proc, Value) {
    let mut child = Command::new("node")
        .arg("core_tool.js")
        .args(args)
        .current_dir(interop_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node core_tool.js");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let first = proc.json_line(Duration::from_secs(60));
    assert_eq!(first["ok"], true, "{args:?}: {first}");
    (proc, first)
}

/// `spork seed KEY --json` on the DHT at `boot`, its state in `dir`.
fn spork_seed(key: &str, boot: &str, dir: &std::path::Path) -> Proc {
    let mut child = Command::new(spork_bin())
        .args(["seed", key, "--json", "--bootstrap", boot, "--dir"])
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    Proc {
        child,
        stdout: Some(stdout),
    }
}

/// Seeds `core` of `store` on the DHT at `boot` with a new keypair: the seeder and its
/// public key, hex (what a firewalled Node reader admits).
async fn seed_core(
    store: &spork::hypercore::storage::Corestore,
    core: &std::sync::Arc<spork::hypercore::storage::Core>,
    boot: std::net::SocketAddrV4,
) -> (spork::hypercore::seed::Seeder, String) {
    let node = spork::swarm::node::Node::join(vec![boot], 0).await.unwrap();
    let keypair = spork::keys::KeyPair::generate();
    let public = keypair.public_key().to_hex();
    let seeder = spork::hypercore::seed::Seeder::start(
        store.clone(),
        node,
        keypair,
        vec![core.clone()],
        |_| {},
    )
    .await;
    (seeder, public)
}

/// Reads JSON lines until one satisfies `done`, failing after `timeout`.
fn until(proc: &mut Proc, timeout: Duration, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        assert!(!left.is_zero(), "timed out waiting");
        let v = proc.json_line(left);
        assert!(v.get("error").is_none(), "{v}");
        if done(&v) {
            return v;
        }
    }
}

/// `block(i)` of core_tool.js: "block i" padded with '.' to 1024 bytes.
fn block(i: u64) -> Vec<u8> {
    padded(&format!("block {i}"))
}

/// `forked(i)` of core_tool.js: "fork-1 block i", padded the same way.
fn forked(i: u64) -> Vec<u8> {
    padded(&format!("fork-1 block {i}"))
}

fn padded(s: &str) -> Vec<u8> {
    let mut b = vec![b'.'; 1024];
    b[..s.len()].copy_from_slice(s.as_bytes());
    b
}

/// This test waits on processes with blocking reads, so its DHT runs on a runtime of
/// its own rather than under the test's thread.
#[test]
fn spork_seed_carries_a_node_core_to_node_readers() {
    if !node_available() {
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_net, boot) = runtime.block_on(rust_network());
    let boot = boot.to_string();
    let tmp = tempfile::tempdir().unwrap();
    let writer_dir = tmp.path().join("writer");
    // The readers below admit only spork's key, so every block they get came through
    // spork although the writer is on the swarm too.
    let (mut writer, w) = core_tool(&["write", &boot, writer_dir.to_str().unwrap(), "10000"]);
    let key = w["z32"].as_str().unwrap().to_string();
    let hex_key = w["key"].as_str().unwrap().to_string();

    let seed_dir = tmp.path().join("seed");
    let mut seed = spork_seed(&key, &boot, &seed_dir);
    // `listening` comes first, then each core's status.
    let listening = seed.json_line(Duration::from_secs(30));
    assert_eq!(listening["event"], "listening", "{listening}");
    let first = seed.json_line(Duration::from_secs(30));
    assert_eq!(first["event"], "seed", "{first}");
    assert_eq!(first["key"], hex_key.as_str());
    let spork_key = listening["public_key"]
        .as_str()
        .unwrap()
        .parse::<spork::keys::PublicKey>()
        .unwrap()
        .to_hex();
    until(&mut seed, Duration::from_secs(120), |v| {
        v["event"] == "seed" && v["length"] == 10000 && v["downloaded"] == 10000
    });

    // A Node reader that may only talk to spork waits for 10,500 blocks; the writer
    // appends 500 while it waits: they come live, through spork.
    let (mut live_reader, _) = core_tool(&["read", &boot, &key, "10500", &spork_key]);
    writeln!(writer.child.stdin.as_mut().unwrap(), "append 500").unwrap();
    until(&mut writer, Duration::from_secs(30), |v| {
        v["length"] == 10500
    });
    let done = until(&mut live_reader, Duration::from_secs(180), |v| {
        v["done"] == true
    });
    assert_eq!(done["verified"], 10500);
    assert_eq!(done["peers"], serde_json::json!([spork_key]));

    // While spork is away, the writer cuts its log at 10,200 and writes 300 other
    // blocks on fork 1. Back, spork checks the new head Node proves, finds where the
    // trees part with hash requests Node answers, keeps the 10,200 blocks below and
    // fetches the rest.
    seed.signal(libc::SIGTERM);
    assert!(seed.wait(Duration::from_secs(10)).success());
    writeln!(writer.child.stdin.as_mut().unwrap(), "rewrite 10200 300").unwrap();
    until(&mut writer, Duration::from_secs(30), |v| v["fork"] == 1);
    let mut seed = spork_seed(&key, &boot, &seed_dir);
    until(&mut seed, Duration::from_secs(120), |v| {
        v["event"] == "seed" && v["fork"] == 1 && v["length"] == 10500 && v["downloaded"] == 10500
    });
    // A Node reader that may only talk to spork gets fork 1 from it, verified.
    let (mut forked_reader, _) = core_tool(&["read", &boot, &key, "10500", &spork_key, "10200"]);
    let done = until(&mut forked_reader, Duration::from_secs(180), |v| {
        v["done"] == true
    });
    assert_eq!(
        (done["verified"].as_u64(), done["fork"].as_u64()),
        (Some(10500), Some(1))
    );

    // The writer leaves; a fresh reader still gets everything, from spork alone.
    drop(writer.child.stdin.take());
    writer.wait(Duration::from_secs(30));
    let (mut reader, _) = core_tool(&["read", &boot, &hex_key, "10500", &spork_key, "10200"]);
    let done = until(&mut reader, Duration::from_secs(180), |v| v["done"] == true);
    assert_eq!(done["verified"], 10500);

    // The key is remembered: --list shows it with its length and size.
    let out = Command::new(spork_bin())
        .args(["seed", "--list", "--json", "--dir"])
        .arg(&seed_dir)
        .output()
        .unwrap();
    // The running seeder holds the folder: --list says so (exit 1), never hangs.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "error: `spork seed` is already running in {} (pid {})",
            seed_dir.display(),
            seed.child.id()
        )),
        "{err}"
    );
    seed.signal(libc::SIGTERM);
    assert!(seed.wait(Duration::from_secs(10)).success());
    let out = Command::new(spork_bin())
        .args(["seed", "--list", "--json", "--dir"])
        .arg(&seed_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["length"], 10500);
    assert_eq!(list[0]["downloaded"], 10500);
    assert_eq!(list[0]["bytes"], 10500 * 1024);
    assert_eq!(list[0]["fork"], 1);
    // The store holds the old blocks below the fork point and the new ones above.
    let store = spork::hypercore::storage::Corestore::open(&seed_dir.join("cores.redb")).unwrap();
    let core = store
        .get(&spork::hypercore::id::parse_key(&hex_key).unwrap())
        .unwrap();
    for i in [0, 10199] {
        assert_eq!(core.get(i).unwrap(), Some(block(i)), "block {i}");
    }
    for i in [10200, 10499] {
        assert_eq!(core.get(i).unwrap(), Some(forked(i)), "block {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_reads_a_core_written_through_the_rust_api_live() {
    if !node_available() {
        return;
    }
    let (_net, boot) = rust_network().await;
    let tmp = tempfile::tempdir().unwrap();
    let store = spork::hypercore::storage::Corestore::open(&tmp.path().join("cores.redb")).unwrap();
    let core = store.named("rust-writer").unwrap();
    let blocks: Vec<Vec<u8>> = (0..200).map(block).collect();
    core.append(&blocks).unwrap();
    let (seeder, our_key) = seed_core(&store, &core, boot).await;
    let key = hex::encode(core.key());
    let (mut reader, _) = core_tool(&["read", &boot.to_string(), &key, "300", &our_key]);
    // Appends while the reader waits reach it live.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let more: Vec<Vec<u8>> = (200..300).map(block).collect();
    core.append(&more).unwrap();
    let done = tokio::task::spawn_blocking(move || {
        until(&mut reader, Duration::from_secs(120), |v| v["done"] == true)
    })
    .await
    .unwrap();
    assert_eq!(done["verified"], 300);
    assert_eq!(done["length"], 300);
    seeder.stop().await;
}

/// The README's Node one-liner makes a core that `spork seed` then takes in (run with
/// the interop packages and this test's DHT instead of the public one).
#[test]
fn the_readme_node_one_liner_feeds_spork_seed() {
    if !node_available() {
        return;
    }
    let readme = include_str!("../README.md");
    let line = readme
        .lines()
        .find(|l| l.starts_with("node -e \"const C=require('corestore')"))
        .expect("the one-liner in README.md");
    let script = line
        .strip_prefix("node -e \"")
        .and_then(|l| l.strip_suffix('"'))
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (_net, boot) = runtime.block_on(rust_network());
    let boot = boot.to_string();
    assert!(script.contains("new H()"));
    let script = script.replace("new H()", &format!("new H({{bootstrap:['{boot}']}})"));
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new("node")
        .args(["-e", &script])
        .current_dir(tmp.path())
        .env("NODE_PATH", interop_dir().join("node_modules"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(BufReader::new(child.stdout.take().unwrap()));
    let _node = Proc {
        child,
        stdout: None,
    };
    let key = lines.next().unwrap().unwrap();
    assert_eq!(key.len(), 52, "a z-base-32 key: {key}");
    let mut seed = spork_seed(&key, &boot, &tmp.path().join("seed"));
    let done = until(&mut seed, Duration::from_secs(60), |v| {
        v["event"] == "seed" && v["downloaded"] == 3
    });
    assert_eq!(done["length"], 3);
    assert_eq!(done["peers"], 1);
}

/// A bee's entries as `core_tool.js` prints them: `{seq, key, value}`.
fn bee_entries(db: &spork::adb::database::Database) -> Vec<Value> {
    let bee = spork::adb::bee::Bee::new(db.core().clone());
    bee.range(&spork::adb::bee::Range::default())
        .unwrap()
        .into_iter()
        .map(|r| {
            serde_json::json!({
                "seq": r.seq,
                "key": String::from_utf8(r.key.to_vec()).unwrap(),
                "value": serde_json::from_slice::<Value>(&r.value).unwrap(),
            })
        })
        .collect()
}

/// An ADB database written through spork is read by Node's hyperbee@2 — every record,
/// in order, with the same seqs — and a write made while Node is connected reaches it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_hyperbee_reads_a_spork_database_live() {
    use spork::adb::database::{Database, KeyPath};
    if !node_available() {
        return;
    }
    let (_net, boot) = rust_network().await;
    let tmp = tempfile::tempdir().unwrap();
    let store = spork::hypercore::storage::Corestore::open(&tmp.path().join("cores.redb")).unwrap();
    let db = Database::open(store.named("adb").unwrap());
    let path = |s: String| KeyPath::parse(&s).unwrap();
    for j in 0..300u32 {
        let i = (j * 7) % 300;
        db.put(
            &path(format!("/items/key-{i:04}")),
            &serde_json::json!({"n": i}),
        )
        .unwrap();
    }
    db.delete(&path("/items/key-0001".into())).unwrap();
    db.put(
        &path("/items/key-0002/deeper".into()),
        &serde_json::json!({"deep": true}),
    )
    .unwrap();
    let (seeder, our_key) = seed_core(&store, db.core(), boot).await;
    let key = db.id().to_string();
    let length = db.version().to_string();
    let expected = bee_entries(&db);
    assert_eq!(expected.len(), 300);
    let (mut reader, _) = core_tool(&["bee-read", &boot.to_string(), &key, &length, &our_key]);
    let first = tokio::task::spawn_blocking(move || {
        let v = until(&mut reader, Duration::from_secs(120), |v| {
            v.get("entries").is_some()
        });
        (reader, v)
    })
    .await
    .unwrap();
    let (mut reader, seen) = first;
    assert_eq!(seen["entries"], Value::Array(expected));
    // Live: a write while Node is connected.
    let record = db
        .put(&path("/items/live".into()), &serde_json::json!({"live": 1}))
        .unwrap();
    writeln!(
        reader.child.stdin.as_mut().unwrap(),
        "wait {}",
        db.version()
    )
    .unwrap();
    let expected = bee_entries(&db);
    let seen = tokio::task::spawn_blocking(move || {
        until(&mut reader, Duration::from_secs(60), |v| {
            v.get("entries").is_some()
        })
    })
    .await
    .unwrap();
    assert_eq!(seen["entries"], Value::Array(expected));
    assert!(seen["entries"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["key"] == "items\u{0}live" && e["seq"] == record.seq));
    seeder.stop().await;
}

/// A database written by Node's hyperbee@2 is read by spork — every record, in order —
/// and a write Node makes while spork follows reaches spork.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spork_reads_a_node_hyperbee_live() {
    use spork::adb::database::{Database, KeyPath, ListOpts};
    if !node_available() {
        return;
    }
    let (_net, boot) = rust_network().await;
    let tmp = tempfile::tempdir().unwrap();
    let writer_dir = tmp.path().join("writer");
    let (mut writer, w) = core_tool(&[
        "bee-write",
        &boot.to_string(),
        writer_dir.to_str().unwrap(),
        "200",
    ]);
    let key = spork::hypercore::id::parse_key(w["key"].as_str().unwrap()).unwrap();
    let length = w["length"].as_u64().unwrap();
    let store = spork::hypercore::storage::Corestore::open(&tmp.path().join("cores.redb")).unwrap();
    let core = store.get(&key).unwrap();
    let (seeder, _) = seed_core(&store, &core, boot).await;
    let complete = |n: u64| {
        let core = core.clone();
        async move {
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            while core.length() < n || core.contiguous_length() < n {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "stuck at {}",
                    core.length()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    complete(length).await;
    let db = Database::open(core.clone());
    assert!(!db.writable());
    assert_eq!(Value::Array(bee_entries(&db)), w["entries"]);
    // The ADB view of the same records: folder /items, its direct children.
    let items = db
        .list(
            Some(&KeyPath::parse("/items").unwrap()),
            &ListOpts::default(),
        )
        .unwrap();
    assert_eq!(items.len(), 201);
    assert_eq!(items[0].path, "/items/batch-a");
    assert_eq!(items[2].value, serde_json::json!({"n": 0}));
    // Live: Node writes while spork follows.
    writeln!(
        writer.child.stdin.as_mut().unwrap(),
        "put items/fresh {{\"fresh\":true}}"
    )
    .unwrap();
    let grown = tokio::task::spawn_blocking(move || {
        let v = until(&mut writer, Duration::from_secs(30), |v| {
            v.get("length").is_some()
        });
        (writer, v)
    })
    .await
    .unwrap();
    let (_writer, v) = grown;
    complete(v["length"].as_u64().unwrap()).await;
    let fresh = db
        .get(&KeyPath::parse("/items/fresh").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(fresh.value, serde_json::json!({"fresh": true}));
    seeder.stop().await;
}
