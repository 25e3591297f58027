//! The three small programs this binary becomes around a service (`spork __launch`,
//! `__sandbox`, `__forward`): each parses its few arguments, does one thing and execs
//! the next, so no host state and no runtime is ever inherited by a service. Errors
//! are one line on stderr (the service's log) and exit 127, like a shell's "cannot
//! run".
//!
//! None of them may widen what the sandbox allows: they only narrow it (uid, cgroup,
//! Landlock, seccomp) or carry the gateway socket the host chose.

use std::ffi::{OsStr, OsString};
use std::io::BufRead;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{inside, ENV_PREFIX};

/// The exit code of a helper that could not do its job.
const CANNOT_RUN: i32 = 127;

fn fail(what: impl std::fmt::Display) -> i32 {
    eprintln!("spork sandbox: {what}");
    CANNOT_RUN
}

/// Splits `[--flag value | --switch]... -- argv...` into the options and the argv.
fn split(args: &[OsString]) -> Option<(Vec<&OsStr>, Vec<OsString>)> {
    let dash = args.iter().position(|a| a == "--")?;
    let argv = args[dash + 1..].to_vec();
    if argv.is_empty() {
        return None;
    }
    Some((args[..dash].iter().map(OsString::as_os_str).collect(), argv))
}

fn value<'a>(opts: &[&'a OsStr], flag: &str) -> Option<&'a OsStr> {
    opts.iter()
        .position(|o| *o == flag)
        .and_then(|i| opts.get(i + 1).copied())
}

/// `spork __launch [--die-with-parent] [--cgroup DIR] [--uid N] -- PROGRAM ARGS…`,
/// outside the sandbox: dies with the host, joins the memory cgroup (so every process
/// of the sandbox is in it from the first fork), drops to the service's uid and gid
/// with no supplementary groups, execs bwrap (or, unsandboxed, the service itself).
pub fn launch_main(args: &[OsString]) -> i32 {
    let Some((opts, argv)) = split(args) else {
        return fail(
            "usage: __launch [--die-with-parent] [--cgroup DIR] [--uid N] -- PROGRAM ARGS",
        );
    };
    if opts.contains(&OsStr::new("--die-with-parent")) {
        // SIGKILL when the host (the thread that spawned us) dies; kept across exec.
        // If it died before this line, nobody would ever send it: give up now.
        let set =
            rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL));
        if set.is_err() || rustix::process::getppid().is_none_or(|p| p.as_raw_nonzero().get() == 1)
        {
            return fail("the host is gone");
        }
    }
    if let Some(cgroup) = value(&opts, "--cgroup") {
        let procs = PathBuf::from(cgroup).join("cgroup.procs");
        if let Err(e) = std::fs::write(&procs, std::process::id().to_string()) {
            return fail(format!("cannot join {}: {e}", procs.display()));
        }
    }
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    if opts.contains(&OsStr::new("--service-env")) {
        // Unsandboxed: this exec is the service's, with its own names back.
        cmd.env_clear().envs(service_env());
    }
    if let Some(uid) = value(&opts, "--uid") {
        let Some(uid) = uid.to_str().and_then(|u| u.parse::<u32>().ok()) else {
            return fail("--uid needs a number");
        };
        // std sets the groups to none when root drops to another uid.
        cmd.uid(uid).gid(uid);
    }
    let err = cmd.exec();
    fail(format!("cannot run {}: {err}", argv[0].to_string_lossy()))
}

/// `spork __sandbox [--forward-port P] [--wait-net] [--rw DIR]… -- ARGV…`, inside the
/// sandbox: waits for the outbound network when granted, applies Landlock (writes only
/// where `--rw` says) and seccomp, starts the forwarder from `localhost:P` to the
/// host's gateway socket, then execs the service.
pub fn inside_main(args: &[OsString]) -> i32 {
    let Some((opts, argv)) = split(args) else {
        return fail("usage: __sandbox [--forward-port P] [--wait-net] [--rw DIR]… -- ARGV");
    };
    if opts.contains(&OsStr::new("--wait-net")) {
        if let Err(e) = wait_for_interface("tap0", Duration::from_secs(10)) {
            return fail(e);
        }
    }
    let writable: Vec<&OsStr> = opts
        .iter()
        .enumerate()
        .filter(|(i, o)| **o == "--rw" && *i + 1 < opts.len())
        .map(|(i, _)| opts[i + 1])
        .collect();
    if let Err(e) = super::filters::restrict_paths(&writable) {
        return fail(format!("landlock: {e}"));
    }
    if let Err(e) = super::filters::apply_seccomp() {
        return fail(format!("seccomp: {e}"));
    }
    if let Some(port) = value(&opts, "--forward-port") {
        let forwarder = Command::new(inside::SPORK)
            .arg("__forward")
            .arg(port)
            .arg(inside::HOST_SOCKET)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn();
        let mut forwarder = match forwarder {
            Ok(child) => child,
            Err(e) => return fail(format!("cannot start the gateway forwarder: {e}")),
        };
        let mut line = String::new();
        let stdout = forwarder.stdout.take().expect("piped");
        if std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .is_err()
            || line.trim() != "ready"
        {
            return fail("the gateway forwarder did not start");
        }
    }
    let err = Command::new(&argv[0])
        .args(&argv[1..])
        .env_clear()
        .envs(service_env())
        .exec();
    fail(format!("cannot run {}: {err}", argv[0].to_string_lossy()))
}

/// The service's environment: the variables the host passed with [`ENV_PREFIX`], named
/// as the service knows them; nothing else.
fn service_env() -> Vec<(OsString, OsString)> {
    use std::os::unix::ffi::OsStrExt;
    std::env::vars_os()
        .filter_map(|(k, v)| {
            let name = k.as_bytes().strip_prefix(ENV_PREFIX.as_bytes())?;
            Some((OsStr::from_bytes(name).to_owned(), v))
        })
        .collect()
}

/// Waits until the network namespace has `name` (slirp4netns adds `tap0` from outside).
fn wait_for_interface(name: &str, limit: Duration) -> Result<(), String> {
    let start = Instant::now();
    loop {
        let dev = std::fs::read_to_string("/proc/net/dev").unwrap_or_default();
        if dev
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{name}:")))
        {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(format!("no outbound network ({name} did not appear)"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `spork __forward PORT SOCKET`, inside the sandbox: listens on 127.0.0.1:PORT and
/// [::1]:PORT and pipes every connection to the host's unix SOCKET, so services written
/// for Atek reach `http://localhost:$ATEK_HOST_PORT` unchanged. Prints `ready` once
/// listening.
pub fn forward_main(args: &[OsString]) -> i32 {
    let (Some(port), Some(socket)) = (
        args.first()
            .and_then(|p| p.to_str())
            .and_then(|p| p.parse::<u16>().ok()),
        args.get(1).map(PathBuf::from),
    ) else {
        return fail("usage: __forward PORT SOCKET");
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    runtime.block_on(async move {
        let v4 = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(l) => l,
            Err(e) => return fail(format!("cannot listen on localhost:{port}: {e}")),
        };
        let v6 = tokio::net::TcpListener::bind(("::1", port)).await.ok();
        println!("ready");
        // Nothing more goes to stdout: the reader has exec'd into the service.
        let serve = |listener: tokio::net::TcpListener| {
            let socket = socket.clone();
            async move {
                loop {
                    let Ok((mut tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let socket = socket.clone();
                    tokio::spawn(async move {
                        let _ = tcp.set_nodelay(true);
                        if let Ok(mut unix) = tokio::net::UnixStream::connect(&socket).await {
                            let _ = tokio::io::copy_bidirectional(&mut tcp, &mut unix).await;
                        }
                    });
                }
            }
        };
        match v6 {
            Some(v6) => {
                tokio::join!(serve(v4), serve(v6));
            }
            None => serve(v4).await,
        }
        0
    })
}
