//! Plumbing for the home-cloud tests: a real `spork host` on a free port in a fresh
//! folder, the verbs run against it as processes, raw HTTP with bodies, and fixture
//! services copied (and edited) into temporary folders.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::Server;
use super::spork_bin;

/// A fixture service's folder.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/services")
        .join(name)
}

/// A copy of fixture `name` whose atek.json `edit` changed.
pub fn fixture_copy(name: &str, edit: impl FnOnce(&mut Value)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(fixture(name)).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let path = dir.path().join("atek.json");
    let mut manifest: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    dir
}

/// A running `spork host`.
pub struct TestHost {
    pub server: Server,
    pub port: u16,
    pub dir: PathBuf,
    _tmp: Option<tempfile::TempDir>,
}

impl TestHost {
    /// A host in a new folder.
    pub fn start(extra: &[&str]) -> TestHost {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_owned();
        let mut host = TestHost::start_in(&dir, extra);
        host._tmp = Some(tmp);
        host
    }

    /// A host in `dir` (which outlives it).
    pub fn start_in(dir: &Path, extra: &[&str]) -> TestHost {
        TestHost::start_on(dir, extra, "127.0.0.1:9")
    }

    /// A host in `dir` whose DHT is `boot`.
    pub fn start_on(dir: &Path, extra: &[&str], boot: &str) -> TestHost {
        let d = dir.to_str().unwrap();
        let mut args = vec!["host", "--dir", d, "--port", "0"];
        args.extend(extra);
        let server = Server::start(&args, boot);
        let ev = server.event();
        assert_eq!(ev["event"], "listening", "{ev}");
        let port = ev["port"].as_u64().unwrap() as u16;
        TestHost {
            server,
            port,
            dir: dir.to_owned(),
            _tmp: None,
        }
    }

    /// Runs `spork ARGS… --dir DIR`.
    pub fn spork(&self, args: &[&str]) -> Output {
        spork_in(&self.dir, args, None)
    }

    /// Runs a verb with `stdin` as its input.
    pub fn spork_stdin(&self, args: &[&str], stdin: &str) -> Output {
        spork_in(&self.dir, args, Some(stdin))
    }

    /// Waits for the first event that satisfies `ok` (others are skipped).
    pub fn wait_event(&self, limit: Duration, ok: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.server.events.recv_timeout(left) {
                Ok(ev) if ok(&ev) => return ev,
                Ok(_) => {}
                Err(_) => panic!("no such event within {limit:?}"),
            }
        }
    }

    /// `spork install PATH --json …`, which must succeed; the new service's object.
    pub fn install(&self, path: &Path, extra: &[&str]) -> Value {
        let mut args = vec!["install", path.to_str().unwrap(), "--json"];
        args.extend(extra);
        let out = self.spork(&args);
        assert!(
            out.status.success(),
            "install failed: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `spork ls --json`.
    pub fn ls(&self) -> Vec<Value> {
        let out = self.spork(&["ls", "--json"]);
        assert!(out.status.success(), "ls failed: {}", text(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    /// One service's object from `ls --json`.
    pub fn service(&self, id: &str) -> Value {
        self.ls()
            .into_iter()
            .find(|s| s["id"] == id)
            .unwrap_or(Value::Null)
    }

    /// Waits until service `id` has `status`.
    pub fn wait_status(&self, id: &str, status: &str, limit: Duration) -> Value {
        let start = Instant::now();
        loop {
            let s = self.service(id);
            if s["status"] == status {
                return s;
            }
            assert!(start.elapsed() < limit, "{id} never became {status}: {s}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits until service `id` satisfies `ok`.
    pub fn wait_for(&self, id: &str, limit: Duration, ok: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let s = self.service(id);
            if ok(&s) {
                return s;
            }
            assert!(start.elapsed() < limit, "{id} never got there: {s}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The admin token from secrets.json.
    pub fn admin_token(&self) -> String {
        let secrets: Value =
            serde_json::from_slice(&std::fs::read(self.dir.join("secrets.json")).unwrap()).unwrap();
        secrets["adminToken"].as_str().unwrap().to_string()
    }

    /// `spork call API METHOD PARAMS`: the result (must succeed).
    pub fn call(&self, api: &str, method: &str, params: &str) -> Value {
        let out = self.spork(&["call", api, method, params]);
        assert!(
            out.status.success(),
            "call {api} {method} failed: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Service `id`'s current bearer token, from its own process's environment (as
    /// root can read it); the helpers around it carry the variable only under a prefix.
    pub fn service_token(&self, id: &str) -> String {
        let bwrap = self.service(id)["pid"].as_u64().expect("a pid") as u32;
        descendants(bwrap)
            .into_iter()
            .filter_map(|pid| std::fs::read(format!("/proc/{pid}/environ")).ok())
            .find_map(|env| {
                text(&env).split('\0').find_map(|kv| {
                    kv.strip_prefix("ATEK_HOST_BEARER_TOKEN=")
                        .map(str::to_owned)
                })
            })
            .unwrap_or_else(|| panic!("cannot read {id}'s token"))
    }

    /// A JSON-RPC POST to the gateway over TCP: status and parsed body (Null if empty).
    pub fn rpc(&self, api: &str, headers: &[&str], body: &[u8]) -> (u16, Value) {
        let path = format!("/_atek/gateway?api={}", api.replace('/', "%2F"));
        let (status, _, body) = post(self.port, "localhost", &path, headers, body);
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }
}

/// Runs `spork ARGS… --dir DIR` with no host needed.
pub fn spork_at(dir: &Path, args: &[&str]) -> Output {
    spork_in(dir, args, None)
}

/// Runs `spork ARGS… --dir DIR` with `stdin` as its input, no host needed.
pub fn spork_at_stdin(dir: &Path, args: &[&str], stdin: &str) -> Output {
    spork_in(dir, args, Some(stdin))
}

/// Sends signal `sig` to `pid`.
pub fn signal(pid: u32, sig: i32) {
    let ok = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(ok.success());
}

fn spork_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(spork_bin())
        .args(args)
        .arg("--dir")
        .arg(dir)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Bytes as text, for messages.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A raw HTTP/1.1 JSON POST: status, headers (lowercased names), body.
pub fn post(
    port: u16,
    host: &str,
    path: &str,
    headers: &[&str],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut all = vec!["Content-Type: application/json"];
    all.extend_from_slice(headers);
    super::http::request_from(port, "127.0.0.1", host, &format!("POST {path}"), &all, body)
}

/// True when process `pid` is alive (not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            !s.rsplit_once(')')
                .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

/// `root` and every process below it.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut all = spork::host::services::process::descendants(root);
    all.insert(0, root);
    all
}

/// The environment a sandboxed service gets, exactly.
pub const SERVICE_ENV: [&str; 8] = [
    "ATEK_ASSIGNED_SERVICE_KEY",
    "ATEK_ASSIGNED_SOCKET_FILE",
    "ATEK_HOST_BEARER_TOKEN",
    "ATEK_HOST_PORT",
    "HOME",
    "LANG",
    "PATH",
    "TMPDIR",
];
