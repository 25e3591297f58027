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
