//! One running service process, seen from the host: spawned from a thread that lives as
//! long as the host (bwrap's `--die-with-parent` follows the spawning *thread*), its
//! output fed to its log, stopped with SIGTERM to everything inside its sandbox then
//! SIGKILL after a grace period, probed for readiness over its socket, and held in a
//! memory cgroup when the host can make one.
//!
//! It must never leave a process behind: every stop ends in SIGKILL of the sandbox, and
//! the sandbox dies with the host.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;

use crate::host::logs::{Log, MAX_LINE};

type SpawnRequest = (Command, oneshot::Sender<io::Result<Child>>);

/// Spawns children from one dedicated thread that lives as long as the host.
#[derive(Debug, Clone)]
pub struct Spawner {
    tx: std::sync::mpsc::Sender<SpawnRequest>,
}

impl Spawner {
    /// Starts the spawning thread inside the current tokio runtime (call from one).
    pub fn start() -> Spawner {
        let (tx, rx) = std::sync::mpsc::channel::<SpawnRequest>();
        let handle = tokio::runtime::Handle::current();
        std::thread::Builder::new()
            .name("spork-spawner".into())
            .spawn(move || {
                let _runtime = handle.enter();
                for (mut cmd, reply) in rx {
                    let _ = reply.send(cmd.spawn());
                }
            })
            .expect("a thread can be started");
        Spawner { tx }
    }

    /// Spawns `cmd` (stdin null, stdout and stderr piped).
    pub async fn spawn(&self, cmd: std::process::Command) -> io::Result<Child> {
        let mut cmd = Command::from(cmd);
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true);
        let (reply, rx) = oneshot::channel();
        self.tx
            .send((cmd, reply))
            .map_err(|_| io::Error::other("the spawner thread is gone"))?;
        rx.await
            .map_err(|_| io::Error::other("the spawner thread is gone"))?
    }
}

/// Feeds the child's stdout and stderr to `log`, line by line, until both close. A
/// line longer than [`MAX_LINE`] is cut into pieces as it comes: a service printing
/// without newlines never grows the host's memory.
pub fn pipe_output(child: &mut Child, log: Arc<Mutex<Log>>) {
    let outputs: [Option<Box<dyn tokio::io::AsyncRead + Send + Unpin>>; 2] = [
        child.stdout.take().map(|s| Box::new(s) as _),
        child.stderr.take().map(|s| Box::new(s) as _),
    ];
    for output in outputs.into_iter().flatten() {
        let log = log.clone();
        tokio::spawn(async move {
            let mut reader = BufReader::new(output);
            let mut line = Vec::new();
            loop {
                let chunk = match reader.fill_buf().await {
                    Ok([]) | Err(_) => break,
                    Ok(chunk) => chunk,
                };
                let (used, ends) = match chunk.iter().position(|&b| b == b'\n') {
                    Some(i) => (i + 1, true),
                    None => (chunk.len(), false),
                };
                let room = MAX_LINE.saturating_sub(line.len());
                let text = &chunk[..used - usize::from(ends)];
                line.extend_from_slice(&text[..text.len().min(room)]);
                reader.consume(used);
                if ends || line.len() >= MAX_LINE {
                    log.lock().expect("log lock").line(&line);
                    line.clear();
                }
            }
            if !line.is_empty() {
                log.lock().expect("log lock").line(&line);
            }
        });
    }
}

/// Every process below `root` (not `root` itself), from `/proc`.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) {
                // "pid (comm) state ppid …": comm may hold spaces and parentheses.
                if let Some(ppid) = stat
                    .rsplit_once(')')
                    .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                    .and_then(|p| p.parse::<u32>().ok())
                {
                    parents.push((pid, ppid));
                }
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    found.remove(0);
    found
}

fn is_bwrap(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim() == "bwrap")
        .unwrap_or(false)
}

fn signal(pid: u32, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// Stops a service: SIGTERM to every process of the service (inside the sandbox: all
/// but bwrap's own two; unsandboxed: its process group), then SIGKILL to the whole of
/// it if it has not exited within `grace`. Returns when the child has been reaped.
pub async fn stop(child: &mut Child, sandboxed: bool, grace: Duration) {
    use rustix::process::Signal;
    let Some(pid) = child.id() else {
        let _ = child.wait().await;
        return;
    };
    if sandboxed {
        for p in descendants(pid) {
            if !is_bwrap(p) {
                signal(p, Signal::TERM);
            }
        }
    } else if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
        let _ = rustix::process::kill_process_group(group, Signal::TERM);
    }
    if tokio::time::timeout(grace, child.wait()).await.is_err() {
        if !sandboxed {
            if let Some(group) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process_group(group, Signal::KILL);
            }
        }
        // bwrap's children die with it (--die-with-parent, and the pid namespace).
        let _ = child.kill().await;
    }
}

/// One readiness probe: `method path` over the unix socket at `socket`; true for a
/// 2xx or 3xx answer within `limit`.
pub async fn probe(socket: &Path, method: &str, path: &str, limit: Duration) -> bool {
    let attempt = async {
        let stream = crate::gateway::unix::connect_no_follow(socket).await.ok()?;
        let io = hyper_util::rt::TokioIo::new(stream);
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake::<_, http_body_util::Empty<bytes::Bytes>>(io)
                .await
                .ok()?;
        tokio::spawn(conn);
        let req = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header(hyper::header::HOST, "localhost")
            .body(http_body_util::Empty::new())
            .ok()?;
        let res = sender.send_request(req).await.ok()?;
        Some(res.status().is_success() || res.status().is_redirection())
    };
    matches!(tokio::time::timeout(limit, attempt).await, Ok(Some(true)))
}

/// A memory cgroup for one service (v2 when the memory controller is there, else v1),
/// made by a root host. Removed when dropped (after its processes are gone).
#[derive(Debug)]
pub struct Cgroup {
    path: PathBuf,
    v2: bool,
}

impl Cgroup {
    /// Makes `spork/{name}` with a limit of `mb` MiB and no swap beyond it.
    pub fn create(name: &str, mb: u64) -> io::Result<Cgroup> {
        let bytes = (mb * 1024 * 1024).to_string();
        let v2_root = Path::new("/sys/fs/cgroup");
        let v2 = std::fs::read_to_string(v2_root.join("cgroup.controllers"))
            .map(|c| c.split_whitespace().any(|w| w == "memory"))
            .unwrap_or(false);
        if v2 {
            let parent = v2_root.join("spork");
            std::fs::create_dir_all(&parent)?;
            let _ = std::fs::write(v2_root.join("cgroup.subtree_control"), "+memory");
            std::fs::write(parent.join("cgroup.subtree_control"), "+memory")?;
            let path = parent.join(name);
            std::fs::create_dir_all(&path)?;
            std::fs::write(path.join("memory.max"), &bytes)?;
            let _ = std::fs::write(path.join("memory.swap.max"), "0");
            return Ok(Cgroup { path, v2 });
        }
        let v1 = v2_root.join("memory");
        if !v1.join("memory.limit_in_bytes").exists() {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "no memory cgroup controller (v1 or v2) is mounted",
            ));
        }
        let path = v1.join("spork").join(name);
        std::fs::create_dir_all(&path)?;
        // memsw must never be below the plain limit: write it after, and only grow.
        std::fs::write(path.join("memory.limit_in_bytes"), &bytes)?;
        let _ = std::fs::write(path.join("memory.memsw.limit_in_bytes"), &bytes);
        Ok(Cgroup { path, v2 })
    }

    /// The folder whose `cgroup.procs` a process joins.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many times the kernel's OOM killer has killed a process in it.
    pub fn oom_kills(&self) -> u64 {
        let (file, key) = if self.v2 {
            ("memory.events", "oom_kill")
        } else {
            ("memory.oom_control", "oom_kill")
        };
        std::fs::read_to_string(self.path.join(file))
            .ok()
            .and_then(|text| {
                text.lines().find_map(|l| {
                    let (k, v) = l.split_once(' ')?;
                    (k == key).then(|| v.trim().parse().ok()).flatten()
                })
            })
            .unwrap_or(0)
    }
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// The resident memory of process `root` and all its descendants, KiB: a service is
/// its sandbox's helper processes and the program inside.
pub(super) fn tree_rss_kib(root: u32) -> u64 {
    std::iter::once(root)
        .chain(descendants(root))
        .filter_map(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()?
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .sum()
}
