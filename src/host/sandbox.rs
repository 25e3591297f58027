//! The sandbox around every service and every install step: bubblewrap namespaces
//! (mount, pid, ipc, uts, network, user), a cleared environment, only the service's own
//! folders, a seccomp filter and Landlock inside, an unprivileged uid when the host is
//! root, and a memory cgroup when it can make one.
//!
//! A sandboxed process is started as three execs of this binary and one of bwrap:
//! `spork __launch` (outside: joins the cgroup, drops to the service's uid, execs bwrap)
//! → bwrap (namespaces and mounts) → `spork __sandbox` (inside: starts the
//! `localhost:$ATEK_HOST_PORT` forwarder, applies Landlock and seccomp, execs the
//! service). This module builds those command lines ([`Sandbox::command`]) and holds the
//! code of the two helpers ([`launch_main`], [`inside_main`], [`forward_main`]).
//!
//! It must never start a service without a sandbox unless the admin asked for that
//! (`--unsafe-no-sandbox`), and never give a service the host's network, home or
//! another service's files.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where things are inside every sandbox.
pub mod inside {
    /// The package (read-only when running, writable while building).
    pub const APP: &str = "/app";
    /// The service's data, its HOME.
    pub const DATA: &str = "/data";
    /// The folder of the service's own socket.
    pub const SOCKET_DIR: &str = "/run/atek";
    /// `ATEK_ASSIGNED_SOCKET_FILE`.
    pub const SOCKET: &str = "/run/atek/service.sock";
    /// The host's gateway socket, behind `localhost:$ATEK_HOST_PORT`.
    pub const HOST_SOCKET: &str = "/run/atek-host.sock";
    /// This binary, for the helpers that run inside.
    pub const SPORK: &str = "/run/spork";
}

/// Why no sandbox can be made here.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SandboxError {
    /// bubblewrap is not installed.
    #[error("bubblewrap (bwrap) is not installed")]
    NoBwrap,
    /// bwrap is there but cannot make namespaces (user namespaces disabled, or a
    /// container that forbids them).
    #[error("bubblewrap cannot make a sandbox here: {0}")]
    Broken(String),
}

impl SandboxError {
    /// The next step for the admin.
    pub fn hint(&self) -> &'static str {
        match self {
            SandboxError::NoBwrap => {
                "install it (Debian/Ubuntu: apt install bubblewrap), or run services \
                 unsandboxed with --unsafe-no-sandbox"
            }
            SandboxError::Broken(_) => {
                "enable unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), \
                 or run services unsandboxed with --unsafe-no-sandbox"
            }
        }
    }
}

/// The network a sandboxed process gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// Only `lo`, with the forwarder to the host's gateway.
    None,
    /// Its own namespace with NAT to the outside (slirp4netns), never the host's loopback.
    Outbound,
}

/// One process to run sandboxed.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The service's id (the sandbox's hostname, the cgroup's name).
    pub id: String,
    /// The program and its arguments, as seen inside.
    pub argv: Vec<String>,
    /// The whole environment (nothing else of the host's is passed).
    pub env: BTreeMap<String, String>,
    /// The package folder, mounted at `/app`.
    pub package: PathBuf,
    /// `/app` writable (install and build steps only).
    pub package_writable: bool,
    /// The data folder, mounted at `/data`.
    pub data: PathBuf,
    /// The service's socket folder, mounted at `/run/atek` (not for build steps).
    pub socket_dir: Option<PathBuf>,
    /// The host's gateway socket for this service, and the port the forwarder listens on.
    pub gateway: Option<(PathBuf, u16)>,
    /// Its network.
    pub net: Net,
    /// Run as this uid/gid (the host is root).
    pub uid: Option<u32>,
    /// A memory cgroup folder to join first.
    pub cgroup: Option<PathBuf>,
    /// With outbound network: the `resolv.conf` naming slirp4netns's resolver (the
    /// host's may name a loopback resolver the sandbox cannot reach).
    pub resolv_conf: Option<PathBuf>,
}

/// A working sandbox: where bwrap is and how to start this binary's helpers.
#[derive(Debug, Clone)]
pub struct Sandbox {
    bwrap: PathBuf,
    spork: PathBuf,
    extra_ro: Vec<PathBuf>,
}

/// Finds `name` on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

impl Sandbox {
    /// Checks that bwrap is installed and can make a sandbox (as `probe_uid` when the
    /// host is root), by running `true` in one. `host_dir` is never to be shown inside.
    pub fn detect(probe_uid: Option<u32>, host_dir: &Path) -> Result<Sandbox, SandboxError> {
        let bwrap = which("bwrap").ok_or(SandboxError::NoBwrap)?;
        let spork = std::env::current_exe()
            .map_err(|e| SandboxError::Broken(format!("cannot find spork's own binary: {e}")))?;
        let mut extra_ro = Vec::new();
        // A node installed outside /usr (nvm, /opt): its prefix is mounted read-only —
        // unless that prefix would show a home folder or the host's own folder (node in
        // ~/bin), in which case only the binary is.
        if let Some(node) = which("node").and_then(|p| p.canonicalize().ok()) {
            if !node.starts_with("/usr") {
                let prefix = node.parent().and_then(Path::parent).map(Path::to_owned);
                let too_wide = |p: &Path| {
                    p == Path::new("/")
                        || dirs::home_dir().is_some_and(|home| home.starts_with(p))
                        || host_dir.starts_with(p)
                        || p.starts_with("/home")
                        || p.starts_with("/root")
                };
                match prefix {
                    Some(prefix) if !too_wide(&prefix) => extra_ro.push(prefix),
                    _ => extra_ro.push(node),
                }
            }
        }
        let sandbox = Sandbox {
            bwrap,
            spork,
            extra_ro,
        };
        let mut probe = Command::new(&sandbox.bwrap);
        probe.args(sandbox.system_args()).args(["--", "true"]);
        probe.env_clear();
        if let Some(uid) = probe_uid {
            use std::os::unix::process::CommandExt;
            probe.uid(uid).gid(uid);
        }
        let out = probe
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| SandboxError::Broken(e.to_string()))?;
        if !out.status.success() {
            let text = String::from_utf8_lossy(&out.stderr);
            let line = text.lines().last().unwrap_or("").trim().to_owned();
            return Err(SandboxError::Broken(if line.is_empty() {
                format!("bwrap exited with {}", out.status)
            } else {
                line
            }));
        }
        Ok(sandbox)
    }

    /// The namespaces and the read-only system every sandbox gets.
    fn system_args(&self) -> Vec<OsString> {
        let mut a: Vec<OsString> = [
            "--unshare-all",
            "--unshare-user",
            "--die-with-parent",
            "--new-session",
            "--hostname",
            "atek",
            "--ro-bind",
            "/usr",
            "/usr",
            "--proc",
            "/proc",
            "--dev",
            "/dev",
            "--tmpfs",
            "/tmp",
            "--dir",
            "/run",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        // Merged-/usr systems have these as symlinks; older ones as folders.
        for top in ["bin", "sbin", "lib", "lib32", "lib64", "libx32"] {
            let host = Path::new("/").join(top);
            match std::fs::symlink_metadata(&host) {
                Ok(m) if m.file_type().is_symlink() => {
                    if let Ok(target) = std::fs::read_link(&host) {
                        a.extend([
                            OsString::from("--symlink"),
                            target.into(),
                            host.into_os_string(),
                        ]);
                    }
                }
                Ok(m) if m.is_dir() => {
                    a.extend(["--ro-bind".into(), host.clone().into(), host.into()]);
                }
                _ => {}
            }
        }
        // Only what programs need of /etc: name resolution, certificates, the dynamic
        // linker's cache, time zones. Never passwd/shadow or the host's own config.
        for etc in [
            "/etc/hosts",
            "/etc/resolv.conf",
            "/etc/nsswitch.conf",
            "/etc/host.conf",
            "/etc/gai.conf",
            "/etc/ssl",
            "/etc/ca-certificates",
            "/etc/pki",
            "/etc/ld.so.cache",
            "/etc/ld.so.conf",
            "/etc/ld.so.conf.d",
            "/etc/localtime",
            "/etc/alternatives",
            "/etc/mime.types",
        ] {
            a.extend(["--ro-bind-try".into(), etc.into(), etc.into()]);
        }
        for dir in &self.extra_ro {
            a.extend(["--ro-bind".into(), dir.into(), dir.into()]);
        }
        a
    }

    /// The command that runs `spec` sandboxed. Spawn it from a thread that lives as
    /// long as the process should (bwrap's `--die-with-parent` follows the thread).
    pub fn command(&self, spec: &Spec) -> Command {
        let mut cmd = Command::new(&self.spork);
        cmd.args(["__launch", "--die-with-parent"]);
        if let Some(cgroup) = &spec.cgroup {
            cmd.arg("--cgroup").arg(cgroup);
        }
        if let Some(uid) = spec.uid {
            cmd.arg("--uid").arg(uid.to_string());
        }
        cmd.arg("--").arg(&self.bwrap);
        cmd.args(self.system_args());
        // No new user namespaces inside (seccomp refuses them too).
        cmd.arg("--disable-userns");
        let bind = if spec.package_writable {
            "--bind"
        } else {
            "--ro-bind"
        };
        cmd.arg(bind).arg(&spec.package).arg(inside::APP);
        cmd.arg("--bind").arg(&spec.data).arg(inside::DATA);
        if let Some(dir) = &spec.socket_dir {
            cmd.arg("--bind").arg(dir).arg(inside::SOCKET_DIR);
        }
        if let Some((socket, _)) = &spec.gateway {
            cmd.arg("--bind").arg(socket).arg(inside::HOST_SOCKET);
        }
        cmd.arg("--ro-bind").arg(&self.spork).arg(inside::SPORK);
        if let (Net::Outbound, Some(resolv)) = (spec.net, &spec.resolv_conf) {
            cmd.arg("--ro-bind").arg(resolv).arg("/etc/resolv.conf");
        }
        cmd.args(["--chdir", inside::APP]);
        cmd.arg("--").arg(inside::SPORK).arg("__sandbox");
        if let Some((_, port)) = &spec.gateway {
            cmd.arg("--forward-port").arg(port.to_string());
        }
        if spec.net == Net::Outbound {
            cmd.arg("--wait-net");
        }
        let mut writable = vec![inside::DATA, "/tmp", "/dev"];
        if spec.socket_dir.is_some() {
            writable.push(inside::SOCKET_DIR);
        }
        if spec.package_writable {
            writable.push(inside::APP);
        }
        for dir in writable {
            cmd.args(["--rw", dir]);
        }
        cmd.arg("--").args(&spec.argv);
        // The environment goes through the launcher and bwrap as environment, never as
        // `--setenv` arguments: it holds the bearer token and secret config values, and
        // argv is readable by every user on the machine (`ps`). And it goes prefixed:
        // names a package chose (LD_PRELOAD…) must not reach the launcher and bwrap,
        // which run outside the sandbox; `__sandbox` takes the prefix off inside.
        cmd.env_clear().envs(prefixed(&spec.env));
        cmd
    }
}

/// A command that runs `spec` with no sandbox at all (`--unsafe-no-sandbox`): the same
/// environment and working folder, paths given as they are on the host.
/// Only the service's own process dies with the host (no pid namespace holds the rest).
pub fn unsandboxed_command(spec: &Spec) -> Command {
    let spork = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("spork"));
    let mut cmd = Command::new(spork);
    cmd.args(["__launch", "--die-with-parent", "--service-env", "--"])
        .args(&spec.argv);
    cmd.env_clear()
        .envs(prefixed(&spec.env))
        .current_dir(&spec.package);
    cmd
}

/// The prefix a service's environment carries until the last exec before the service.
pub const ENV_PREFIX: &str = "SPORK_SERVICE_ENV_";

fn prefixed(env: &BTreeMap<String, String>) -> impl Iterator<Item = (String, &String)> {
    env.iter().map(|(k, v)| (format!("{ENV_PREFIX}{k}"), v))
}

mod filters;
mod helpers;
pub use helpers::{forward_main, inside_main, launch_main};

/// Runs one of the sandbox helpers when this process was started as one
/// (`spork __launch|__sandbox|__forward …`), returning its exit code; `None` for a
/// normal command line.
pub fn helper_main() -> Option<i32> {
    let mut args = std::env::args_os().skip(1);
    let which = args.next()?;
    let rest: Vec<OsString> = args.collect();
    match which.to_str()? {
        "__launch" => Some(launch_main(&rest)),
        "__sandbox" => Some(inside_main(&rest)),
        "__forward" => Some(forward_main(&rest)),
        _ => None,
    }
}
