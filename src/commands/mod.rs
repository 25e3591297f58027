//! One thin module per subcommand: each turns its flags into calls of the library and
//! the library's events into output. This layer, and only this layer, prints.
//!
//! Also here: the options every command shares ([`GlobalArgs`]) and the process
//! plumbing (runtime, logging, signals, exit codes).

use std::future::Future;

use clap::Args;

use anyhow::Context;

use crate::ui::{EventStream, Reporter, UsageError, EXIT_INTERRUPTED};

pub mod beam;
pub mod bind;
pub mod completions;
pub mod dht;
pub mod gateway;
pub mod key;
pub mod serve;

/// The public HyperDHT bootstrap nodes, used when neither `--bootstrap` nor
/// `SPORK_BOOTSTRAP` names others. (`spork dht` never uses them.)
pub const DEFAULT_BOOTSTRAP: &str =
    "88.99.3.86@node1.hyperdht.org:49737,142.93.90.113@node2.hyperdht.org:49737,138.68.147.8@node3.hyperdht.org:49737";

/// Options every command accepts, before or after the subcommand name.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]
    #[arg(
        long,
        global = true,
        env = "SPORK_BOOTSTRAP",
        value_name = "HOST:PORT,…"
    )]
    pub bootstrap: Option<String>,

    /// Fix the local UDP port (for a forwarded port) [default: any free port]
    #[arg(long, global = true, value_name = "PORT")]
    pub dht_port: Option<u16>,

    /// Print events as JSON lines for scripts
    #[arg(long, global = true)]
    pub json: bool,

    /// More logging (-v info, -vv debug, -vvv trace); RUST_LOG overrides
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// Joins the DHT as the global options say: `--bootstrap`/`SPORK_BOOTSTRAP` or the
/// public nodes, on `--dht-port` or any port.
pub async fn join_network(global: &GlobalArgs) -> anyhow::Result<crate::swarm::node::Node> {
    let list = global.bootstrap.as_deref().unwrap_or(DEFAULT_BOOTSTRAP);
    let bootstrap = resolve_bootstrap(list).await?;
    let port = global.dht_port.unwrap_or(0);
    crate::swarm::node::Node::join(bootstrap, port)
        .await
        .with_context(|| format!("cannot bind UDP port {port}"))
}

/// Parses and resolves a bootstrap list: `HOST:PORT[,HOST:PORT…]`, where HOST is an
/// IPv4 address or a name, or `IP@NAME:PORT` (try IP, fall back to resolving NAME).
pub async fn resolve_bootstrap(list: &str) -> anyhow::Result<Vec<std::net::SocketAddrV4>> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || {
            UsageError::new(format!(
                "invalid bootstrap node {item:?}: expected HOST:PORT, e.g. 127.0.0.1:49737"
            ))
        };
        let (host, port) = item.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(bad)?;
        let (suggested, name) = match host.split_once('@') {
            Some((ip, name)) => (ip.parse::<std::net::Ipv4Addr>().ok(), name),
            None => (None, host),
        };
        if let Some(ip) = suggested.or_else(|| name.parse().ok()) {
            out.push(std::net::SocketAddrV4::new(ip, port));
            continue;
        }
        if name.is_empty() {
            return Err(bad().into());
        }
        let lookup = tokio::net::lookup_host((name, port));
        let addrs = tokio::time::timeout(std::time::Duration::from_secs(5), lookup)
            .await
            .map_err(|_| anyhow::anyhow!("resolving bootstrap node {name} timed out"))?
            .with_context(|| format!("cannot resolve bootstrap node {name}"))?;
        match addrs.into_iter().find_map(|a| match a {
            std::net::SocketAddr::V4(v4) => Some(v4),
            _ => None,
        }) {
            Some(a) => out.push(a),
            None => anyhow::bail!("bootstrap node {name} has no IPv4 address"),
        }
    }
    if out.is_empty() {
        return Err(UsageError::new(
            "the bootstrap list is empty: expected HOST:PORT[,HOST:PORT…]",
        )
        .into());
    }
    Ok(out)
}

/// Sends `tracing` output to stderr at the level `-v` asks for, unless `RUST_LOG` says
/// otherwise.
pub fn init_tracing(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "spork=info",
        2 => "spork=debug",
        _ => "spork=trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(use_color())
        .init();
}

/// Colour and other escapes only on a terminal, and never with `NO_COLOR`.
pub fn use_color() -> bool {
    use std::io::IsTerminal;
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

/// Runs a command to completion on a fresh runtime and returns the process exit code:
/// 0 on success, 1 or 2 on error (reported on stderr), 130 when [`interruptible`] work
/// was cut short.
pub fn run_to_exit<F, Fut>(global: &GlobalArgs, events: EventStream, command: F) -> i32
where
    F: FnOnce(GlobalArgs) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let reporter = Reporter::new(global.json, events);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return reporter.fail(&anyhow::Error::new(e).context("cannot start runtime")),
    };
    let global = global.clone();
    let code = runtime.block_on(async move {
        match command(global).await {
            Ok(()) => 0,
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => EXIT_INTERRUPTED,
            Err(e) => reporter.fail(&e),
        }
    });
    // Background tasks (a DNS lookup, a stuck peer) must not delay the exit.
    runtime.shutdown_timeout(std::time::Duration::from_millis(200));
    code
}

/// The keypair from `-k FILE` (created 0600 if missing, and said), or a fresh
/// temporary one (said too: the address will not survive a restart).
pub(crate) fn identity(
    keyfile: Option<&std::path::Path>,
    reporter: &Reporter,
) -> anyhow::Result<crate::keys::KeyPair> {
    use crate::keys::{self, KeyPair, KeyfileOrigin};
    match keyfile {
        Some(path) => {
            let (kp, origin) = keys::load_or_create(path).map_err(key::keyfile_error)?;
            if origin == KeyfileOrigin::Created {
                reporter.say(format_args!("created keyfile {}", path.display()));
            }
            Ok(kp)
        }
        None => {
            reporter.say("using a temporary key (save one with -k FILE to keep your address)");
            Ok(KeyPair::generate())
        }
    }
}

/// A server's `CONNECT` line and `connect` event for a p2p connection.
pub(crate) fn connected(reporter: &Reporter, remote: &crate::keys::PublicKey, id: u64) {
    reporter.say(format_args!("CONNECT {remote}"));
    reporter.event(
        serde_json::json!({ "event": "connect", "remote_key": remote.to_string(), "id": id }),
    );
}

/// A server's `CLOSE` line and `close` event, with the bytes each way.
pub(crate) fn closed(
    reporter: &Reporter,
    remote: &crate::keys::PublicKey,
    id: u64,
    bytes_in: u64,
    bytes_out: u64,
) {
    reporter.say(format_args!("CLOSE {remote}"));
    reporter.event(serde_json::json!({
        "event": "close", "remote_key": remote.to_string(), "id": id,
        "bytes_in": bytes_in, "bytes_out": bytes_out
    }));
}

/// Accepts p2p connections on `server` until SIGINT/SIGTERM, each in its own task:
/// a `CONNECT` line (and `connect` event) with the client's key, then `handle`, then
/// a `CLOSE` line with the bytes `handle` reports as (in, out). What `bind` and
/// `serve` do with each connection differs; how they account for it does not.
pub(crate) async fn serve_peers<F, Fut>(
    server: &mut crate::swarm::node::Server,
    reporter: Reporter,
    handle: F,
) where
    F: Fn(crate::swarm::node::Connection) -> Fut,
    Fut: Future<Output = (u64, u64)> + Send + 'static,
{
    let mut next_id = 0u64;
    loop {
        let conn = tokio::select! {
            c = server.accept() => match c { Some(c) => c, None => break },
            _ = shutdown_signal() => break,
        };
        let id = next_id;
        next_id += 1;
        let remote = crate::keys::PublicKey::from_bytes(*conn.remote_public_key());
        connected(&reporter, &remote, id);
        let work = handle(conn);
        tokio::spawn(async move {
            let (bytes_in, bytes_out) = work.await;
            closed(&reporter, &remote, id, bytes_in, bytes_out);
        });
    }
}

/// The work was cut short by SIGINT: exit 130 without an error line.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Runs `work`, failing with [`Interrupted`] if SIGINT arrives first. For commands
/// whose work has an end (a transfer, a lookup); servers use [`shutdown_signal`].
pub async fn interruptible<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::select! {
        r = work => r,
        _ = tokio::signal::ctrl_c() => Err(Interrupted.into()),
    }
}

/// Resolves when the process is asked to stop (SIGINT or SIGTERM). Long-running
/// commands select on this to shut down cleanly with exit 0.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {},
                    _ = term.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
