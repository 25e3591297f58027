//! `spork bind`: expose a local TCP port under a public key, or reach one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use super::key::parse_key_arg;
use super::{identity, join_network_serving, show_tunnels, shutdown_signal, GlobalArgs, ShareArgs};
use crate::keys::{KeyPair, PublicKey};
use crate::swarm::node::Node;
use crate::tunnel;
use crate::ui::{Event, EventStream, Reporter, UsageError};

/// Expose a local TCP port under a public key, or reach one through the DHT.
///
/// Reverse (no KEY): `spork bind -p 8080` listens on the DHT under your key and pipes
/// every incoming connection to localhost:8080. Share the printed key (or link).
///
/// Forward (with KEY): `spork bind KEY -p 8080` listens on 127.0.0.1:8080 and pipes
/// every local connection to the peer serving KEY — end-to-end encrypted, through NATs.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork bind -p 8080 -k me.json       # share localhost:8080 under your key\n  \
    spork bind KEY -p 9000              # reach it: http://127.0.0.1:9000/ here\n  \
    spork bind -p 22 --allow FRIENDKEY  # ssh, for one friend's key only")]
pub struct BindArgs {
    /// The peer to reach (base32 or hex public key); omit to serve a local port
    pub key: Option<String>,
    /// Reverse: the local port to expose (required). Forward: the local port to listen
    /// on [default: a free port, printed]
    #[arg(short, long)]
    pub port: Option<u16>,
    /// Reverse: the host the local port is on
    #[arg(long, default_value = "localhost")]
    pub host: String,
    /// Forward: the address to listen on (widen with 0.0.0.0 to share on your network)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: String,
    /// Keyfile with your identity (created 0600 if missing) [default: a fresh key]
    #[arg(short, long, value_name = "FILE")]
    pub keyfile: Option<PathBuf>,
    /// Reverse: only let this client key in (repeatable) [default: everyone]
    #[arg(long, value_name = "KEY")]
    pub allow: Vec<String>,
    /// Forward: how long to keep retrying an unreachable peer for one connection
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub connect_timeout: u64,
    /// `--gateway-domain`, shared with the other servers.
    #[command(flatten)]
    pub share: ShareArgs,
}

/// Runs `spork bind` until SIGINT/SIGTERM.
pub async fn run(global: GlobalArgs, args: BindArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let remote = args.key.as_deref().map(parse_key_arg).transpose()?;
    let allow: Vec<PublicKey> = args
        .allow
        .iter()
        .map(|k| parse_key_arg(k))
        .collect::<Result<_, _>>()?;
    check_args(&args, remote.is_some())?;
    super::check_bootstrap(&global)?;
    let keypair = identity(args.keyfile.as_deref(), &reporter)?;
    let node = join_network_serving(&global, reporter).await?;
    match remote {
        None => reverse(node, keypair, args, allow, reporter).await,
        Some(remote) => forward(node, keypair, remote, args, reporter).await,
    }
}

/// The combinations clap cannot check: which flags belong to which direction, and
/// values that parse but mean nothing.
fn check_args(args: &BindArgs, forward: bool) -> Result<(), UsageError> {
    if forward {
        if !args.allow.is_empty() {
            return Err(UsageError::new(
                "--allow is for serving a port (no KEY): a forward bind only connects out",
            ));
        }
        if args.connect_timeout == 0 {
            return Err(UsageError::new(
                "--connect-timeout must be at least 1 second",
            ));
        }
        return Ok(());
    }
    match args.port {
        None => Err(UsageError::new("missing -p PORT: the local port to expose")),
        Some(0) => Err(UsageError::new(
            "invalid -p 0: name the local port to expose (1-65535)",
        )),
        Some(_) if !valid_host(&args.host) => Err(UsageError::new(format!(
            "invalid --host {:?}: expected a host name or an IP address",
            args.host
        ))),
        Some(_) => Ok(()),
    }
}

/// A DNS name (underscores allowed, as in service names) or an IP address.
fn valid_host(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_ok() || super::is_host_name(host, true)
}

/// Reverse: serve the key, pipe each connection to `host:port`.
async fn reverse(
    node: Node,
    keypair: KeyPair,
    args: BindArgs,
    allow: Vec<PublicKey>,
    reporter: Reporter,
) -> anyhow::Result<()> {
    let port = args.port.unwrap_or_default();
    let target = format!("{}:{port}", args.host);
    let allowed: Vec<[u8; 32]> = allow.iter().map(|k| *k.as_bytes()).collect();
    let refused = Refusals::default();
    let firewall = Arc::new(move |k: &[u8; 32], _| {
        let ok = allowed.is_empty() || allowed.contains(k);
        if !ok {
            refused.report(&reporter, PublicKey::from_bytes(*k));
        }
        ok
    });
    let mut server = node.listen(&keypair, firewall).await;
    let key = keypair.public_key();
    reporter.say(format_args!("serving {target} under {key}"));
    if let Some(link) = args.share.link(&key) {
        reporter.say(format_args!("share: {link}"));
    }
    let stop = shutdown_signal();
    reporter.event(Event::listening(
        Some(key.to_string()),
        Some(args.host.clone()),
        Some(port),
    ));
    tunnel::reverse(&mut server, target, show_tunnels(reporter), stop).await;
    server.close().await;
    node.close_connections();
    Ok(())
}

/// Refused clients, each reported once a minute at most (one attempt reaches the
/// firewall through several relays, and a client retries).
#[derive(Default)]
struct Refusals {
    last: std::sync::Mutex<std::collections::HashMap<PublicKey, Instant>>,
}

impl Refusals {
    fn report(&self, reporter: &Reporter, key: PublicKey) {
        let now = Instant::now();
        {
            let mut last = crate::swarm::lock(&self.last);
            last.retain(|_, at| now.duration_since(*at) < Duration::from_secs(60));
            if last.insert(key, now).is_some() {
                return;
            }
        }
        let when = std::time::SystemTime::now();
        reporter.say(format_args!(
            "REFUSED {key} (not in --allow) at {}",
            httpdate::fmt_http_date(when)
        ));
        let secs = when
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        reporter.event(Event::Refused {
            remote_key: key.to_string(),
            time: secs,
        });
    }
}

/// Forward: listen locally, connect each accepted socket to `remote`.
async fn forward(
    node: Node,
    keypair: KeyPair,
    remote: PublicKey,
    args: BindArgs,
    reporter: Reporter,
) -> anyhow::Result<()> {
    let addr = format!("{}:{}", args.listen, args.port.unwrap_or(0));
    let listener = TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    let stop = shutdown_signal();
    reporter.say(format_args!("listening on {local}, forwarding to {remote}"));
    reporter.event(Event::listening(
        None,
        Some(local.ip().to_string()),
        Some(local.port()),
    ));
    let patience = Duration::from_secs(args.connect_timeout);
    super::forward_until(listener, node, remote, keypair, patience, reporter, stop).await;
    Ok(())
}
