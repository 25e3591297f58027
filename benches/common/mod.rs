//! What every benchmark binary shares: staying quick when `cargo test --all-targets`
//! runs it without `--bench`, its settings from the environment, and the 2-worker
//! runtime the figures are measured on.
#![allow(dead_code)]

/// True when run by `cargo bench`; otherwise prints how to run it (the test run
/// executes bench binaries too) and the caller returns at once.
pub fn requested(name: &str) -> bool {
    let yes = std::env::args().any(|a| a == "--bench");
    if !yes {
        println!("{name}: run with `cargo bench --bench {name}`");
    }
    yes
}

/// A numeric setting from the environment variable `key`, or `default`.
pub fn setting<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A multi-thread runtime with two workers (this machine's cores).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// `node core_tool.js CMD DIR N BATCH SINGLE` on a fresh folder (the Node side of the
/// store benchmarks), its JSON answer; `None` when Node or the tool is missing.
pub fn core_tool_bench(cmd: &str, n: u64, batch: u64, single: u64) -> Option<serde_json::Value> {
    let dir = tempfile::tempdir().ok()?;
    let out = std::process::Command::new("node")
        .args(["core_tool.js", cmd])
        .arg(dir.path())
        .args([n.to_string(), batch.to_string(), single.to_string()])
        .current_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop"))
        .output()
        .ok()?;
    serde_json::from_slice(&out.stdout).ok()
}

/// A child killed on drop.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The spork binary under test.
pub fn spork() -> &'static str {
    env!("CARGO_BIN_EXE_spork")
}

/// A process's resident memory, KiB (0 when it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// `spork host --port 0 --json --dir DIR`, its pid and port once it listens.
pub fn start_host(dir: &std::path::Path) -> (Killed, u32, u16) {
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(spork());
    // HOST_BENCH_HOST_THREADS: the host's tokio worker threads (default: one per core).
    if let Ok(n) = std::env::var("HOST_BENCH_HOST_THREADS") {
        cmd.env("TOKIO_WORKER_THREADS", n);
    }
    let mut child = cmd
        .args(["host", "--port", "0", "--json", "--dir"])
        .arg(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn spork host");
    let mut lines = std::io::BufReader::new(child.stdout.take().expect("stdout")).lines();
    let pid = child.id();
    let host = Killed(child);
    let ev: serde_json::Value =
        serde_json::from_str(&lines.next().expect("an event").expect("a line")).expect("JSON");
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let port = ev["port"].as_u64().expect("a port") as u16;
    (host, pid, port)
}

/// The admin token of the host in `dir`.
pub fn admin_token(dir: &std::path::Path) -> String {
    let s: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("secrets.json")).expect("secrets.json"))
            .expect("JSON");
    s["adminToken"].as_str().expect("a token").to_string()
}

/// Stops a spork server as a user would (SIGTERM), waiting for it to exit.
pub fn stop(mut child: Killed) {
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status();
    let _ = child.0.wait();
}

/// Calls/s over `secs` and the p99 latency in ms of the load tasks' latencies.
pub async fn rate_and_p99(
    tasks: Vec<tokio::task::JoinHandle<Vec<std::time::Duration>>>,
    secs: u64,
) -> (f64, f64) {
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("a load task"));
    }
    all.sort();
    let p99 = all[all.len() * 99 / 100].as_secs_f64() * 1000.0;
    (all.len() as f64 / secs as f64, p99)
}

/// A keep-alive HTTP/1.1 connection to 127.0.0.1:`port`.
pub async fn connect(
    port: u16,
) -> hyper::client::conn::http1::SendRequest<http_body_util::Full<bytes::Bytes>> {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    tcp.set_nodelay(true).expect("nodelay");
    let (s, c) = hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(c);
    s
}
