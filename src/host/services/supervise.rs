//! The life of one service: start it (sandboxed), wait until its health request
//! answers, restart it when it exits (backoff 1 s doubling to 60 s, reset after a
//! minute up), stop it when asked, and report every status change.
//!
//! One task per service runs [`supervise`]; it is driven only by the service's `want`
//! channel, so start/stop/restart from any caller never race each other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::process::{self, Cgroup};
use super::{Context, Service, Status};

/// The first delay before restarting a crashed service.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// The longest delay between restarts.
const BACKOFF_MAX: Duration = Duration::from_secs(60);
/// Up this long, a service's next crash restarts it after [`BACKOFF_MIN`] again.
const STABLE_AFTER: Duration = Duration::from_secs(60);
/// How often readiness is probed.
const PROBE_EVERY: Duration = Duration::from_millis(100);

/// What the supervisor is asked for: run or not; `generation` moves on every restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Want {
    /// Run the service.
    pub run: bool,
    /// Bumped by a restart, so a running service is stopped and started again.
    pub generation: u64,
}

enum Outcome {
    /// The process exited by itself.
    Exited(String),
    /// The caller asked for something else.
    Changed,
}

/// Runs the service as `want` says until the host drops it.
pub async fn supervise(service: Arc<Service>, ctx: Arc<Context>) {
    let mut want_rx = service.want.subscribe();
    let mut backoff = BACKOFF_MIN;
    loop {
        let want = *want_rx.borrow_and_update();
        if !want.run {
            service.set_status(&ctx, Status::Stopped, None);
            if want_rx.changed().await.is_err() {
                return;
            }
            backoff = BACKOFF_MIN;
            continue;
        }
        service.set_status(&ctx, Status::Starting, None);
        let (mut child, cgroup) = match super::launch::launch(&service, &ctx).await {
            Ok(running) => running,
            Err(e) => {
                service.log(&format!("cannot start: {e}"));
                service.set_status(&ctx, Status::Failed, Some(e));
                if want_rx.changed().await.is_err() {
                    return;
                }
                continue;
            }
        };
        let started = Instant::now();
        service.set_pid(child.id());
        let ready = wait_ready(&service, &ctx, &mut child, &mut want_rx, want).await;
        let outcome = match ready {
            Ready::Yes => {
                service.set_status(&ctx, Status::Running, None);
                service.log("ready");
                tokio::select! {
                    status = child.wait() => Outcome::Exited(describe(status)),
                    _ = want_changed(&mut want_rx, want) => Outcome::Changed,
                }
            }
            Ready::Exited(how) => Outcome::Exited(how),
            Ready::Changed => Outcome::Changed,
            Ready::TimedOut => {
                process::stop(&mut child, ctx.sandboxed(), ctx.settings.stop_grace).await;
                service.set_pid(None);
                let limit = ctx.settings.ready_timeout.as_secs();
                let why = format!("did not become ready within {limit} s");
                service.log(&why);
                service.set_status(&ctx, Status::Failed, Some(why));
                drop(cgroup);
                if want_rx.changed().await.is_err() {
                    return;
                }
                continue;
            }
        };
        match outcome {
            Outcome::Changed => {
                process::stop(&mut child, ctx.sandboxed(), ctx.settings.stop_grace).await;
                service.set_pid(None);
                service.log("stopped");
                drop(cgroup);
                backoff = BACKOFF_MIN;
            }
            Outcome::Exited(how) => {
                service.set_pid(None);
                let oom = cgroup.as_ref().is_some_and(|c| c.oom_kills() > 0);
                drop(cgroup);
                if started.elapsed() >= STABLE_AFTER {
                    backoff = BACKOFF_MIN;
                }
                let why = if oom {
                    format!("{how}: killed over its memory budget")
                } else {
                    how
                };
                service.log(&format!("{why}; restarting in {} s", backoff.as_secs()));
                service.crashed(&ctx, why);
                tokio::select! {
                    _ = tokio::time::sleep(backoff) => {}
                    _ = want_changed(&mut want_rx, want) => {}
                }
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

enum Ready {
    Yes,
    Exited(String),
    Changed,
    TimedOut,
}

async fn wait_ready(
    service: &Service,
    ctx: &Context,
    child: &mut tokio::process::Child,
    want_rx: &mut watch::Receiver<Want>,
    want: Want,
) -> Ready {
    let socket = ctx.dir.service_socket(&service.id);
    let (method, path) = service.health();
    let deadline = tokio::time::Instant::now() + ctx.settings.ready_timeout;
    loop {
        tokio::select! {
            status = child.wait() => return Ready::Exited(describe(status)),
            _ = want_changed(want_rx, want) => return Ready::Changed,
            ok = process::probe(&socket, &method, &path, Duration::from_secs(2)) => {
                if ok {
                    return Ready::Yes;
                }
            }
        }
        if tokio::time::Instant::now() >= deadline {
            return Ready::TimedOut;
        }
        tokio::select! {
            status = child.wait() => return Ready::Exited(describe(status)),
            _ = want_changed(want_rx, want) => return Ready::Changed,
            _ = tokio::time::sleep(PROBE_EVERY) => {}
        }
    }
}

/// Resolves when `want` differs from `current` (or never, if the sender is gone).
async fn want_changed(rx: &mut watch::Receiver<Want>, current: Want) {
    if rx.wait_for(|w| *w != current).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn describe(status: std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Ok(s) => match (s.code(), s.signal()) {
            (Some(code), _) => format!("exited with code {code}"),
            (_, Some(sig)) => format!("killed by signal {sig}"),
            _ => format!("exited ({s})"),
        },
        Err(e) => format!("lost: {e}"),
    }
}

/// Keeps `Cgroup` in this module's vocabulary for the launcher.
pub type Running = (tokio::process::Child, Option<Cgroup>);
