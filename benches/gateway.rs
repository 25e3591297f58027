//! Requests per second through `spork gateway` to `spork serve`, against the same
//! `spork serve` asked directly, in one run on 127.0.0.1: `wrk`, 32 keep-alive
//! connections, a 1 KiB static file. Both spork processes bootstrap from a local
//! network of three `spork dht` processes.
//!
//! `cargo bench --bench gateway` (env: `GATEWAY_BENCH_SECS`, default 10). Needs `wrk`
//! (`apt-get install wrk`).

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// A child killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `spork ARGS --json` and returns it with its first event.
fn spork(args: &[&str], boot: Option<&str>) -> (Killed, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spork"));
    cmd.args(args)
        .arg("--json")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(b) = boot {
        cmd.env("SPORK_BOOTSTRAP", b);
    }
    let mut child = cmd.spawn().expect("spork");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let ev: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    // Keep draining events (the gateway logs every request) so the pipe never fills.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (Killed(child), ev)
}

/// Requests/s and p99 latency (ms) from one `wrk` run.
fn wrk(url: &str, host: Option<&str>, secs: u64) -> (f64, f64) {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", "-c32", &format!("-d{secs}s"), "--latency"]);
    if let Some(h) = host {
        cmd.args(["-H", &format!("Host: {h}")]);
    }
    let out = cmd.arg(url).output().expect("wrk (apt-get install wrk)");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "errors during the run:\n{text}");
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in:\n{text}"));
    let p99 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("99%"))
        .map(|v| v.trim())
        .and_then(|v| {
            let (num, unit) = v.split_at(v.find(|c: char| c.is_alphabetic())?);
            let n: f64 = num.parse().ok()?;
            Some(match unit {
                "us" => n / 1000.0,
                "ms" => n,
                "s" => n * 1000.0,
                _ => return None,
            })
        })
        .unwrap_or_else(|| panic!("no 99% latency in:\n{text}"));
    (rps, p99)
}

fn main() {
    if !common::requested("gateway") {
        return;
    }
    let secs: u64 = common::setting("GATEWAY_BENCH_SECS", 10);
    let (first, ev) = spork(&["dht", "--host", "127.0.0.1", "--port", "0"], None);
    let boot = format!("127.0.0.1:{}", ev["port"]);
    let mut dht = vec![first];
    for _ in 0..2 {
        dht.push(
            spork(
                &[
                    "dht",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    "0",
                    "--bootstrap",
                    &boot,
                ],
                None,
            )
            .0,
        );
    }
    std::thread::sleep(Duration::from_millis(500));

    let site = tempfile::tempdir().unwrap();
    let page: String = (0..1024).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    std::fs::write(site.path().join("file.txt"), page).unwrap();
    let (_serve, ev) = spork(&["serve", site.path().to_str().unwrap()], Some(&boot));
    let key = ev["public_key"].as_str().unwrap().to_string();
    let serve_port = ev["port"].as_u64().unwrap();
    let (_gateway, ev) = spork(&["gateway", "-p", "0"], Some(&boot));
    let gateway_port = ev["port"].as_u64().unwrap();

    // Warm up: the pool's connections are made once.
    let host = format!("{key}.localhost");
    let through = format!("http://127.0.0.1:{gateway_port}/file.txt");
    let direct = format!("http://127.0.0.1:{serve_port}/file.txt");
    wrk(&through, Some(&host), 2);
    let (g_rps, g_p99) = wrk(&through, Some(&host), secs);
    let (d_rps, d_p99) = wrk(&direct, None, secs);
    println!("wrk -t2 -c32 -d{secs}s, 1 KiB file, keep-alive:");
    println!(" through spork gateway → p2p → spork serve  {g_rps:9.0} req/s  p99 {g_p99:6.2} ms");
    println!(" spork serve directly (127.0.0.1)            {d_rps:9.0} req/s  p99 {d_p99:6.2} ms");
    println!(
        " gateway / direct                            {:9.2}×",
        g_rps / d_rps
    );
}
