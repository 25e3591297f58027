//! `spork beam` throughput against `hyperbeam@3`, in one run on 127.0.0.1: one side
//! pipes N MiB from a file, the other drains it; the time is the receiving side's,
//! from "connected" to the end of the stream. Both pairs bootstrap from the same local
//! network of three `spork dht` processes.
//!
//! `cargo bench --bench beam` (env: `BEAM_BENCH_MB`, default 256; `BEAM_BENCH_RUNS`,
//! default 3, medians reported). Needs `node` and `tests/interop/node_modules`.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn spork() -> Command {
    Command::new(env!("CARGO_BIN_EXE_spork"))
}

/// A child killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Three `spork dht` nodes; returns them and the bootstrap address.
fn local_dht() -> (Vec<Killed>, String) {
    let mut nodes = Vec::new();
    let mut boot = String::new();
    for i in 0..3 {
        let mut cmd = spork();
        cmd.args(["dht", "--json", "--host", "127.0.0.1", "--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if i > 0 {
            cmd.args(["--bootstrap", &boot]);
        }
        let mut child = cmd.spawn().expect("spork dht");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ev: Value = serde_json::from_str(&line).unwrap();
        if i == 0 {
            boot = format!("127.0.0.1:{}", ev["port"]);
        }
        nodes.push(Killed(child));
    }
    std::thread::sleep(Duration::from_millis(500));
    (nodes, boot)
}

/// spork → spork: seconds on the receiving side from `connect` to `close`.
fn spork_run(boot: &str, file: &PathBuf, bytes: u64) -> f64 {
    let mut receiver = spork()
        .args(["beam", "--json"])
        .env("SPORK_BOOTSTRAP", boot)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spork beam");
    let mut events = BufReader::new(receiver.stderr.take().unwrap()).lines();
    let mut next = || -> Value { serde_json::from_str(&events.next().unwrap().unwrap()).unwrap() };
    let key = next()["passphrase"].as_str().unwrap().to_string();
    let receiver = Killed(receiver);
    let sender = spork()
        .args(["beam", &key])
        .env("SPORK_BOOTSTRAP", boot)
        .stdin(std::fs::File::open(file).unwrap())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spork beam");
    let _sender = Killed(sender);
    assert_eq!(next()["event"], "connect");
    let t0 = Instant::now();
    let close = next();
    let secs = t0.elapsed().as_secs_f64();
    assert_eq!(close["bytes_in"], bytes, "{close}");
    drop(receiver);
    secs
}

/// hyperbeam → hyperbeam (tests/interop/dht_tool.js beam), timed by the receiver.
fn node_run(boot: &str, bytes: u64) -> f64 {
    let interop = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop");
    let mut receiver = Command::new("node")
        .args(["dht_tool.js", "beam", boot, "-", "0"])
        .current_dir(&interop)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .expect("node");
    let mut lines = BufReader::new(receiver.stdout.take().unwrap()).lines();
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    let key = first["key"].as_str().unwrap().to_string();
    let _receiver = Killed(receiver);
    let sender = Command::new("node")
        .args(["dht_tool.js", "beam", boot, &key, &bytes.to_string()])
        .current_dir(&interop)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("node");
    let _sender = Killed(sender);
    let done: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(done["bytes_in"], bytes, "{done}");
    done["secs"].as_f64().unwrap()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    if !common::requested("beam") {
        return;
    }
    let mb: u64 = common::setting("BEAM_BENCH_MB", 256);
    let runs: usize = common::setting("BEAM_BENCH_RUNS", 3);
    let bytes = mb << 20;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("payload");
    {
        let mut f = std::fs::File::create(&file).unwrap();
        let chunk: Vec<u8> = (0..1 << 20)
            .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for _ in 0..mb {
            f.write_all(&chunk).unwrap();
        }
    }
    let (_dht, boot) = local_dht();
    let mut spork_secs = Vec::new();
    let mut node_secs = Vec::new();
    for _ in 0..runs {
        spork_secs.push(spork_run(&boot, &file, bytes));
        node_secs.push(node_run(&boot, bytes));
    }
    let mbps = |s: f64| bytes as f64 / 1e6 / s;
    let (s, n) = (mbps(median(spork_secs)), mbps(median(node_secs)));
    println!("beam, {mb} MiB one way, median of {runs} (receiver: connected → end):");
    println!(" spork beam → spork beam   {s:8.1} MB/s");
    println!(" hyperbeam → hyperbeam     {n:8.1} MB/s");
    println!(" ratio                     {:8.2}×", s / n);
}
