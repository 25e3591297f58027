//! Outbound network for a sandbox that was granted it (install steps always, a running
//! service only with the admin's `--allow-network`): slirp4netns gives the sandbox's
//! own network namespace a `tap0` with NAT to the outside, in user mode, with the
//! host's loopback switched off (`--disable-host-loopback`), so a service can reach
//! the internet but never a port on the host.
//!
//! It never changes the host's own network; slirp4netns ends when the sandbox or the
//! host does.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::logs::Log;
use super::services::process::descendants;

/// The resolver inside a slirp4netns namespace (its built-in DNS forwarder).
pub const SLIRP_RESOLV_CONF: &str = "nameserver 10.0.2.3\n";

/// Attaches slirp4netns to the sandbox whose outer bwrap is `bwrap_pid`; returns once
/// slirp4netns runs (the sandbox's helper waits for `tap0` before starting the
/// service). slirp4netns is killed when the sandbox is gone.
pub async fn attach_outbound(bwrap_pid: u32, log: Arc<Mutex<Log>>) -> Result<(), String> {
    let slirp = super::sandbox::which("slirp4netns")
        .ok_or("outbound network needs slirp4netns (Debian/Ubuntu: apt install slirp4netns)")?;
    // The namespaces belong to bwrap's first child, which appears a moment after spawn.
    let mut target = None;
    for _ in 0..250 {
        if let Some(&pid) = descendants(bwrap_pid).first() {
            target = Some(pid);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let target = target.ok_or("the sandbox did not start")?;
    // Through the launcher, so slirp4netns dies with the host however it dies.
    let spork = std::env::current_exe().map_err(|e| format!("cannot find spork's binary: {e}"))?;
    let mut cmd = tokio::process::Command::new(spork);
    cmd.args(["__launch", "--die-with-parent", "--"])
        .arg(slirp)
        .arg("--configure")
        .arg("--mtu=65520")
        .arg("--disable-host-loopback");
    // Root may enter the sandbox's network namespace directly (and is refused once
    // inside its user namespace, where root is unmapped); anyone else must join the
    // user namespace that owns it first.
    if !rustix::process::geteuid().is_root() {
        cmd.arg(format!("--userns-path=/proc/{target}/ns/user"));
    }
    let mut child = cmd
        .arg("--netns-type=path")
        .arg(format!("/proc/{target}/ns/net"))
        .arg("tap0")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start slirp4netns: {e}"))?;
    tokio::spawn(async move {
        let proc_dir = format!("/proc/{bwrap_pid}");
        loop {
            tokio::select! {
                status = child.wait() => {
                    if let Ok(s) = status {
                        if !s.success() {
                            log.lock().expect("log lock").note(&format!("slirp4netns exited: {s}"));
                        }
                    }
                    return;
                }
                _ = tokio::time::sleep(Duration::from_secs(1)) => {
                    if !Path::new(&proc_dir).exists() {
                        let _ = child.kill().await;
                        return;
                    }
                }
            }
        }
    });
    Ok(())
}
