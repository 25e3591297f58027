//! One thin module per subcommand: each turns its flags into calls of the library and
//! the library's events into output. This layer, and only this layer, prints.
//!
//! Also here: the options every command shares ([`GlobalArgs`]) and the process
//! plumbing (runtime, logging, signals, exit codes).

use std::future::Future;

use clap::Args;

use crate::ui::{Event, EventStream, Reporter, UsageError, EXIT_INTERRUPTED};

pub mod beam;
pub mod bind;
pub mod completions;
pub mod connect;
pub mod db;
pub mod dht;
pub mod gateway;
pub mod host;
pub mod key;
pub mod pair;
pub mod seed;
pub mod serve;
pub mod services;
pub mod users;

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

/// The share link servers print (`bind -p`, `serve`): only for a gateway domain the
/// user named, since there is no public gateway to default to.
#[derive(Debug, Clone, Args)]
pub struct ShareArgs {
    /// Print a share link https://KEY.DOMAIN/ for the gateway you run at DOMAIN
    #[arg(long, env = "SPORK_GATEWAY_DOMAIN", value_name = "DOMAIN")]
    pub gateway_domain: Option<String>,
}

impl ShareArgs {
    /// The share link for `key`, if a gateway domain was given.
    pub fn link(&self, key: &crate::keys::PublicKey) -> Option<String> {
        let domain = self.gateway_domain.as_deref()?.trim().trim_matches('.');
        (!domain.is_empty()).then(|| format!("https://{key}.{domain}/"))
    }
}

/// Whether `name` is a DNS host name: at most 253 characters of dot-separated labels,
/// each 1–63 letters, digits and hyphens (and underscores, if `underscore`).
pub(crate) fn is_host_name(name: &str, underscore: bool) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || (underscore && b == b'_'))
        })
}

/// Joins the DHT as the global options say: `--bootstrap`/`SPORK_BOOTSTRAP` or the
/// public nodes, on `--dht-port` or any port. Fails within seconds if no node answers
/// (for commands that do one thing and exit).
pub async fn join_network(global: &GlobalArgs) -> anyhow::Result<crate::swarm::node::Node> {
    let bootstrap = bootstrap_list(global).await?;
    Ok(crate::swarm::node::Node::join(bootstrap, global.dht_port.unwrap_or(0)).await?)
}

/// Checks `--bootstrap`/`SPORK_BOOTSTRAP` before a command does anything else (a
/// usage error must come before "using a temporary key" and the like).
pub fn check_bootstrap(global: &GlobalArgs) -> Result<(), UsageError> {
    match &global.bootstrap {
        Some(list) => parse_bootstrap(list).map(drop),
        None => Ok(()),
    }
}

/// [`join_network`] for servers: if no node answers they start anyway, say so (a
/// warning and an `error` event) and keep trying, saying when they joined.
pub async fn join_network_serving(
    global: &GlobalArgs,
    reporter: Reporter,
) -> anyhow::Result<crate::swarm::node::Node> {
    let bootstrap = bootstrap_list(global).await?;
    let port = global.dht_port.unwrap_or(0);
    let node = crate::swarm::node::Node::join_in_background(bootstrap, port, move |ev| {
        report_join(&reporter, &ev)
    })
    .await?;
    Ok(node)
}

/// How a server reports its background join.
pub(crate) fn report_join(reporter: &Reporter, ev: &crate::swarm::node::JoinEvent) {
    use crate::swarm::node::{list, JoinEvent};
    match ev {
        JoinEvent::Unreachable { bootstrap, retry } => {
            let message = format!(
                "no DHT node answered (bootstrap {}); trying again in {} s",
                list(bootstrap),
                retry.as_secs()
            );
            reporter.say(format_args!("warning: {message}"));
            reporter.event(Event::Error { message });
        }
        JoinEvent::Joined { nodes } => {
            reporter.say(format_args!("joined the DHT ({nodes} nodes)"));
            reporter.event(Event::Joined { nodes: *nodes });
        }
    }
}

/// `--bootstrap` (or the public default), parsed but not resolved.
pub fn bootstrap_nodes(
    global: &GlobalArgs,
) -> Result<Vec<crate::swarm::bootstrap::BootstrapNode>, UsageError> {
    parse_bootstrap(
        global
            .bootstrap
            .as_deref()
            .unwrap_or(crate::swarm::bootstrap::DEFAULT_BOOTSTRAP),
    )
}

async fn bootstrap_list(global: &GlobalArgs) -> anyhow::Result<Vec<std::net::SocketAddrV4>> {
    let list = global
        .bootstrap
        .as_deref()
        .unwrap_or(crate::swarm::bootstrap::DEFAULT_BOOTSTRAP);
    resolve_bootstrap(list).await
}

/// Parses and resolves a bootstrap list (see [`crate::swarm::bootstrap`]); a list
/// that is wrong as written is a usage error.
pub async fn resolve_bootstrap(list: &str) -> anyhow::Result<Vec<std::net::SocketAddrV4>> {
    let nodes = parse_bootstrap(list)?;
    Ok(crate::swarm::bootstrap::resolve(&nodes).await?)
}

fn parse_bootstrap(list: &str) -> Result<Vec<crate::swarm::bootstrap::BootstrapNode>, UsageError> {
    crate::swarm::bootstrap::parse(list).map_err(|e| UsageError::new(e.to_string()))
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

/// Lifts the soft limit on open files to the hard one: every tunnelled connection
/// holds a TCP socket, and the usual soft limit (1,024) would refuse clients long
/// before memory or CPU run out.
fn raise_fd_limit() {
    use rustix::process::{getrlimit, setrlimit, Resource};
    let mut limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        limit.current = limit.maximum;
        if let Err(e) = setrlimit(Resource::Nofile, limit) {
            tracing::debug!(error = %e, "cannot raise the open-file limit");
        }
    }
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
    raise_fd_limit();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return reporter.fail(&anyhow::Error::new(e).context("cannot start runtime")),
    };
    let global = global.clone();
    let code = runtime.block_on(async move {
        crate::memory::spawn_trimmer();
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
    reporter.event(Event::Connect {
        remote_key: remote.to_string(),
        id,
    });
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
    reporter.event(Event::Close {
        remote_key: remote.to_string(),
        id,
        bytes_in,
        bytes_out,
    });
}

/// How a server command shows what its tunnels report: `CONNECT`/`CLOSE` lines and
/// `connect`/`close` events, and one `error:` line (and event) per failure.
/// The forward side of `bind` and `connect`: every connection `listener` accepts goes
/// to `remote` under `keypair` (each reached with backoff for up to `patience`), shown
/// as tunnels, until `stop`; then the node's connections close.
pub(crate) async fn forward_until(
    listener: tokio::net::TcpListener,
    node: crate::swarm::node::Node,
    remote: crate::keys::PublicKey,
    keypair: crate::keys::KeyPair,
    patience: std::time::Duration,
    reporter: Reporter,
    stop: impl Future<Output = ()>,
) {
    let report = show_tunnels(reporter);
    crate::tunnel::forward(
        listener,
        node.clone(),
        remote,
        keypair,
        patience,
        report,
        stop,
    )
    .await;
    node.close_connections();
}

pub(crate) fn show_tunnels(reporter: Reporter) -> crate::tunnel::ReportFn {
    use crate::tunnel::Report;
    std::sync::Arc::new(move |report: Report<'_>| match report {
        Report::Connected { remote, id } => connected(&reporter, remote, id),
        Report::Closed { remote, id, moved } => {
            closed(&reporter, remote, id, moved.from_peer, moved.to_peer)
        }
        Report::Unreachable { remote, error } => {
            reporter.error(format!("cannot reach {remote}: {error}"))
        }
        Report::TargetDown { target, error } => {
            reporter.error(format!("cannot reach {target}: {error}"))
        }
    })
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
/// commands select on this to shut down cleanly with exit 0. The handlers are installed
/// when this is *called*, not when the future is first polled: servers call it before
/// they announce that they listen, or a signal sent right after the `listening` event
/// would still kill them the default way (a test caught exactly that race).
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{signal, SignalKind};
    let int = signal(SignalKind::interrupt());
    let term = signal(SignalKind::terminate());
    async move {
        match (int, term) {
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
}
