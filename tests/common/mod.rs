//! Shared test plumbing: spawning `spork` and the Node interop tool as real processes,
//! all on 127.0.0.1, killed when dropped; [`netns`] builds NAT labs in network
//! namespaces for holepunching tests.
#![allow(dead_code)]

pub mod host;
pub mod http;
pub mod netns;

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

/// Starts `spork bind ARGS… --json` on the DHT at `boot`, its stdout piped for
/// [`Proc::json_line`] and its stderr as given (piped only where the test reads it:
/// an unread pipe fills up and stalls the process).
pub fn spork_bind(args: &[&str], boot: &str, stderr: Stdio) -> Proc {
    let mut child = Command::new(spork_bin())
        .arg("bind")
        .args(args)
        .arg("--json")
        .env("SPORK_BOOTSTRAP", boot)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn spork bind");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    Proc {
        child,
        stdout: Some(stdout),
    }
}

/// A reverse `spork bind` serving `target` and a forward one reaching it, stderr
/// discarded: (reverse, forward, the forward's local port).
pub fn spork_tunnel(boot: &str, target: u16) -> (Proc, Proc, u16) {
    let mut reverse = spork_bind(&["-p", &target.to_string()], boot, Stdio::null());
    let ev = reverse.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let key = ev["public_key"].as_str().unwrap().to_string();
    let mut forward = spork_bind(&[&key, "-p", "0"], boot, Stdio::null());
    let ev = forward.json_line(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let port = ev["port"].as_u64().unwrap() as u16;
    (reverse, forward, port)
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

/// `node dht_tool.js`, run in the network namespace `netns` if given (its DHT node
/// then binds the namespace's interfaces instead of 127.0.0.1).
fn node_command(netns: Option<&str>) -> Command {
    let mut cmd = match netns {
        Some(ns) => {
            let mut cmd = Command::new("ip");
            cmd.args(["netns", "exec", ns, "node"])
                .env("DHT_HOST", "0.0.0.0");
            cmd
        }
        None => Command::new("node"),
    };
    cmd.arg("dht_tool.js").current_dir(interop_dir());
    cmd
}

/// Runs `node dht_tool.js ARGS…` to completion and returns its JSON result line.
pub fn node_tool(args: &[&str]) -> Value {
    node_tool_in(None, args)
}

/// [`node_tool`] in the network namespace `netns`, if given.
pub fn node_tool_in(netns: Option<&str>, args: &[&str]) -> Value {
    let out = node_command(netns)
        .args(args)
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

/// Starts `node dht_tool.js ARGS…` as a long-running process (fed on stdin, stopped by
/// closing it or on drop) and returns it with the first JSON line it printed, which
/// must say `"ok": true`.
pub fn node_process(args: &[&str]) -> (Proc, Value) {
    node_process_in(None, args)
}

/// [`node_process`] in the network namespace `netns`, if given.
pub fn node_process_in(netns: Option<&str>, args: &[&str]) -> (Proc, Value) {
    let mut child = node_command(netns)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn node dht_tool.js");
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut proc = Proc {
        child,
        stdout: Some(stdout),
    };
    let v = proc.json_line(Duration::from_secs(30));
    assert_eq!(v["ok"], true, "{args:?}: {v}");
    (proc, v)
}

/// A Node testnet of `n` persistent hyperdht nodes (optionally joining `bootstrap`).
pub fn node_testnet(n: usize, bootstrap: Option<&str>) -> (Proc, Value) {
    let n = n.to_string();
    let mut args = vec!["testnet", n.as_str()];
    args.extend(bootstrap);
    node_process(&args)
}

/// A Node hyperdht server for the keypair of `seed`, giving each client `bytes` bytes.
pub fn node_serve(bootstrap: &str, seed: &str, bytes: usize) -> (Proc, Value) {
    node_process(&["serve", bootstrap, seed, &bytes.to_string()])
}

/// A hyperswarm@4 peer on `topic` in `mode` "server" or "client", giving each
/// connection `bytes` bytes.
pub fn node_swarm(bootstrap: &str, topic: &str, mode: &str, bytes: usize) -> (Proc, Value) {
    node_process(&["swarm", bootstrap, topic, mode, &bytes.to_string()])
}

/// A Rust HyperDHT node on 127.0.0.1 (any port), bootstrapped through `bootstrap`.
pub async fn rust_node(
    bootstrap: Vec<std::net::SocketAddrV4>,
    persistent: bool,
) -> spork::swarm::hyperdht::HyperDht {
    let dht = spork::swarm::hyperdht::HyperDht::bind(spork::swarm::rpc::NodeConfig {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        bootstrap,
        persistent,
        limits: spork::swarm::rpc::RateLimits::default(),
    })
    .await
    .expect("bind a rust node");
    dht.node().bootstrap().await;
    dht
}

/// Three persistent Rust nodes in one process: a small local DHT, and its first
/// node's address to bootstrap from.
pub async fn rust_network() -> (
    Vec<spork::swarm::hyperdht::HyperDht>,
    std::net::SocketAddrV4,
) {
    let first = rust_node(vec![], true).await;
    let std::net::SocketAddr::V4(boot) = first.node().local_addr() else {
        panic!("bound to IPv4")
    };
    let mut nodes = vec![first];
    for _ in 0..2 {
        nodes.push(rust_node(vec![boot], true).await);
    }
    (nodes, boot)
}

/// sha256 as hex.
pub fn sha_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// Writes `out` then half-closes, while reading everything the peer sends; returns
/// what was read.
pub async fn exchange<S>(conn: S, out: Vec<u8>) -> Vec<u8>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut r, mut w) = tokio::io::split(conn);
    let writer = tokio::spawn(async move {
        w.write_all(&out).await.unwrap();
        w.shutdown().await.unwrap();
        w
    });
    let mut got = Vec::new();
    r.read_to_end(&mut got).await.unwrap();
    let _w = writer.await.unwrap();
    got
}

/// Deterministic test bytes (xorshift), different for each `seed`.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9 ^ seed as u32;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Any free port on 127.0.0.1.
pub fn lo() -> std::net::SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// sha256 of `b`.
pub fn sha(b: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(b).to_vec()
}

/// Echoes every connection `listener` accepts back to it, half-closing after, each on
/// its own thread (the listener is served on a background thread until the test ends).
pub fn serve_echo(listener: std::net::TcpListener) {
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let Ok(mut r) = conn.try_clone() else { return };
                let mut w = conn;
                let _ = std::io::copy(&mut r, &mut w);
                let _ = w.shutdown(std::net::Shutdown::Write);
            });
        }
    });
}
