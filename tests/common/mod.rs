//! Shared test plumbing: spawning `spork` and the Node interop tool as real processes,
//! all on 127.0.0.1, killed when dropped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::Value;

/// The `spork` binary under test.
pub fn spork_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_spork"))
}

/// A child process killed (and reaped) on drop.
pub struct Proc {
    pub child: Child,
    pub stdout: Option<BufReader<ChildStdout>>,
}

impl Proc {
    /// Reads one stdout line and parses it as JSON, failing the test after `timeout`.
    pub fn json_line(&mut self, timeout: Duration) -> Value {
        let stdout = self.stdout.take().expect("stdout already taken");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut stdout = stdout;
            let mut line = String::new();
            let n = stdout.read_line(&mut line);
            let _ = tx.send((n.map(|_| line), stdout));
        });
        let (line, stdout) = rx
            .recv_timeout(timeout)
            .expect("no line on stdout before the timeout");
        self.stdout = Some(stdout);
        let line = line.expect("reading stdout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// Sends a signal (by number) to the process.
    pub fn signal(&self, sig: i32) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        assert!(status.success());
    }

    /// Waits for exit, failing the test after `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "process did not exit in {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `spork dht --json` on 127.0.0.1 (any port) and returns it with its address.
pub fn spork_dht(bootstrap: Option<&str>) -> (Proc, String) {
    let mut cmd = Command::new(spork_bin());
    cmd.args(["dht", "--json", "--host", "127.0.0.1", "--port", "0"])
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(b) = bootstrap {
        cmd.args(["--bootstrap", b]);
    }
    let mut child = cmd.spawn().expect("spawn spork dht");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let ev = proc.json_line(Duration::from_secs(10));
    assert_eq!(ev["event"], "listening", "{ev}");
    let addr = format!("{}:{}", ev["host"].as_str().unwrap(), ev["port"]);
    (proc, addr)
}

/// Starts a network of `n` spork dht nodes: the first one new, the rest joining it.
/// Returns the processes and the first node's address (the bootstrap).
pub fn spork_network(n: usize) -> (Vec<Proc>, String) {
    let (first, boot) = spork_dht(None);
    let mut procs = vec![first];
    for _ in 1..n {
        procs.push(spork_dht(Some(&boot)).0);
    }
    // Let the joiners finish their bootstrap queries.
    std::thread::sleep(Duration::from_millis(500));
    (procs, boot)
}

/// The folder holding the Node interop tool and its node_modules.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// True if Node and the interop packages are installed. Under `CI=true` their absence
/// fails the test instead of skipping it.
pub fn node_available() -> bool {
    let ok = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        && interop_dir().join("node_modules/hyperdht").exists();
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "node or tests/interop/node_modules missing under CI=true (run: cd tests/interop && npm ci)"
        );
        eprintln!(
            "skipping: node or tests/interop/node_modules missing (cd tests/interop && npm ci)"
        );
    }
    ok
}

/// Runs `node dht_tool.js ARGS…` to completion and returns its JSON result line.
pub fn node_tool(args: &[&str]) -> Value {
    let out = Command::new("node")
        .arg("dht_tool.js")
        .args(args)
        .current_dir(interop_dir())
        .stdin(Stdio::null())
        .output()
        .expect("run node dht_tool.js");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| {
        panic!(
            "dht_tool.js {args:?} printed {stdout:?} (stderr {:?}): {e}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Starts a Node testnet of `n` persistent hyperdht nodes (optionally joining
/// `bootstrap`); returns the process and the JSON it printed.
pub fn node_testnet(n: usize, bootstrap: Option<&str>) -> (Proc, Value) {
    let mut cmd = Command::new("node");
    cmd.arg("dht_tool.js")
        .arg("testnet")
        .arg(n.to_string())
        .current_dir(interop_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(b) = bootstrap {
        cmd.arg(b);
    }
    let mut child = cmd.spawn().expect("spawn node testnet");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let v = proc.json_line(Duration::from_secs(30));
    assert_eq!(v["ok"], true, "{v}");
    (proc, v)
}

/// Starts `node dht_tool.js serve` (a Node hyperdht server for the keypair of `seed`
/// giving each client `bytes` bytes); returns the process and its first JSON line.
pub fn node_serve(bootstrap: &str, seed: &str, bytes: usize) -> (Proc, Value) {
    let mut child = Command::new("node")
        .args(["dht_tool.js", "serve", bootstrap, seed, &bytes.to_string()])
        .current_dir(interop_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node serve");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let v = proc.json_line(Duration::from_secs(30));
    assert_eq!(v["ok"], true, "{v}");
    (proc, v)
}

/// Starts `node dht_tool.js swarm` (a hyperswarm@4 peer on `topic` in `mode` "server"
/// or "client", giving each connection `bytes` bytes); returns it and its first line.
pub fn node_swarm(bootstrap: &str, topic: &str, mode: &str, bytes: usize) -> (Proc, Value) {
    let mut child = Command::new("node")
        .args([
            "dht_tool.js",
            "swarm",
            bootstrap,
            topic,
            mode,
            &bytes.to_string(),
        ])
        .current_dir(interop_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node swarm");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let v = proc.json_line(Duration::from_secs(30));
    assert_eq!(v["ok"], true, "{v}");
    (proc, v)
}
