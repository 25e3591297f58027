//! ADB's Hyperbee against Node's hyperbee@2, in one run on this machine: puts of
//! `HB_BENCH_N` (default 100,000) records of about 1 KiB of JSON in batches of
//! `HB_BENCH_BATCH` (default 1,000; one append each) and `HB_BENCH_SINGLE` (default
//! 5,000) one at a time (each durable when it returns), then as many random gets, and
//! full in-order scans. Keys are `key-NNNNNN` written in a scattered order, so the
//! tree splits everywhere as it would with real data.
//!
//! `cargo bench --bench hyperbee` (run `npm ci` in tests/interop first; the Node
//! figures come from `core_tool.js bee-bench`). Rounds alternate spork and Node
//! (`HB_BENCH_ROUNDS`, default 3) and medians are reported.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::json;
use spork::adb::bee::{Bee, Range};
use spork::adb::database::{Database, KeyPath};
use spork::hypercore::storage::Corestore;

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// The `j`-th key written: scattered over `n`.
fn order(j: u64, n: u64) -> u64 {
    (j * 7919) % n
}

fn value(i: u64) -> serde_json::Value {
    json!({"n": i, "pad": "x".repeat(1000)})
}

/// (batched puts/s, single puts/s, gets/s, scanned records/s)
fn spork_round(path: &Path, n: u64, batch: u64, single: u64) -> (f64, f64, f64, f64) {
    let store = Corestore::open(path).unwrap();
    let db = Database::open(store.named("bench").unwrap());
    let key = |i: u64| KeyPath::parse(&format!("/key-{i:06}")).unwrap();
    let start = Instant::now();
    let mut j = 0;
    while j < n {
        let entries: Vec<(KeyPath, serde_json::Value)> = (j..(j + batch).min(n))
            .map(|j| {
                let i = order(j, n);
                (key(i), value(i))
            })
            .collect();
        db.put_many(&entries).unwrap();
        j += entries.len() as u64;
    }
    let batched = rate(n, start.elapsed());
    let start = Instant::now();
    for s in 0..single {
        db.put(&key(n + s), &value(n + s)).unwrap();
    }
    let one = rate(single, start.elapsed());
    let start = Instant::now();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        assert!(db.get(&key(x % n)).unwrap().is_some());
    }
    let gets = rate(n, start.elapsed());
    let bee = Bee::new(db.core().clone());
    let start = Instant::now();
    let mut count = 0u64;
    bee.range_each(&Range::default(), |r| {
        count += u64::from(!r.value.is_empty());
        true
    })
    .unwrap();
    assert_eq!(count, n + single);
    let scan = rate(count, start.elapsed());
    (batched, one, gets, scan)
}

fn main() {
    if !common::requested("hyperbee") {
        return;
    }
    let n: u64 = common::setting("HB_BENCH_N", 100_000);
    let batch: u64 = common::setting("HB_BENCH_BATCH", 1_000);
    let single: u64 = common::setting("HB_BENCH_SINGLE", 5_000);
    let rounds: usize = common::setting("HB_BENCH_ROUNDS", 3);
    let dir = tempfile::tempdir().unwrap();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for round in 0..rounds {
        ours.push(spork_round(
            &dir.path().join(format!("b{round}.redb")),
            n,
            batch,
            single,
        ));
        theirs.extend(common::core_tool_bench("bee-bench", n, batch, single));
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(|a, b| a.partial_cmp(b).unwrap());
        v[v.len() / 2]
    };
    let node = |k: &str| -> Option<f64> {
        let v: Vec<f64> = theirs.iter().filter_map(|t| t[k].as_f64()).collect();
        (!v.is_empty()).then(|| median(v))
    };
    let rows = [
        (
            "puts batched (records/s)",
            median(ours.iter().map(|o| o.0).collect()),
            node("batched_per_s"),
        ),
        (
            "puts single (records/s)",
            median(ours.iter().map(|o| o.1).collect()),
            node("single_per_s"),
        ),
        (
            "random gets (/s)",
            median(ours.iter().map(|o| o.2).collect()),
            node("gets_per_s"),
        ),
        (
            "full scan (records/s)",
            median(ours.iter().map(|o| o.3).collect()),
            node("scan_per_s"),
        ),
    ];
    println!("hyperbee: {n} records of ~1 KiB JSON, batches of {batch}, {single} single puts, {rounds} rounds (medians)");
    println!("{:<28} {:>14} {:>14} {:>8}", "", "spork", "node", "ratio");
    for (name, ours, theirs) in rows {
        match theirs {
            Some(t) => println!("{name:<28} {ours:>14.0} {t:>14.0} {:>7.2}×", ours / t),
            None => println!("{name:<28} {ours:>14.0} {:>14} {:>8}", "-", "-"),
        }
    }
}
