//! `spork bind`: expose a local TCP port under a public key, or reach one.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use super::key::parse_key_arg;
use super::{closed, connected, identity, join_network, serve_peers, shutdown_signal, GlobalArgs};
use crate::keys::{KeyPair, PublicKey};
use crate::swarm::node::{Connection, Node};
use crate::tunnel;
use crate::ui::{EventStream, Reporter, UsageError};

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
    /// The domain of the share link https://KEY.DOMAIN/
    #[arg(long, env = "SPORK_GATEWAY_DOMAIN", default_value = "atek.app")]
    pub gateway_domain: String,
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
    if remote.is_none() && args.port.is_none() {
        return Err(UsageError::new("missing -p PORT: the local port to expose").into());
    }
    let keypair = identity(args.keyfile.as_deref(), &reporter)?;
    let node = join_network(&global).await?;
    match remote {
        None => reverse(node, keypair, args, allow, reporter).await,
        Some(remote) => forward(node, keypair, remote, args, reporter).await,
    }
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
    let firewall = Arc::new(move |k: &[u8; 32], _| allowed.is_empty() || allowed.contains(k));
    let mut server = node.listen(&keypair, firewall).await;
    let key = keypair.public_key();
    reporter.say(format_args!("serving {target} under {key}"));
    reporter.say(format_args!(
        "share: https://{key}.{}/",
        args.gateway_domain
    ));
    reporter.event(json!({
        "event": "listening", "public_key": key.to_string(), "host": args.host, "port": port
    }));
    serve_peers(&mut server, reporter, |conn| {
        let target = target.clone();
        async move {
            match connect_local(&target).await {
                Ok(mut tcp) => {
                    let mut conn = conn;
                    let moved = tunnel::pipe(&mut tcp, &mut conn).await.unwrap_or_default();
                    (moved.from_peer, moved.to_peer)
                }
                Err(e) => {
                    reporter.say(format_args!("error: cannot reach {target}: {e:#}"));
                    (0, 0)
                }
            }
        }
    })
    .await;
    server.close().await;
    Ok(())
}

async fn connect_local(target: &str) -> anyhow::Result<TcpStream> {
    tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(target))
        .await
        .context("timed out")?
        .map_err(Into::into)
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
    reporter.say(format_args!("listening on {local}, forwarding to {remote}"));
    reporter.event(json!({
        "event": "listening", "host": local.ip().to_string(), "port": local.port()
    }));
    let keypair = Arc::new(keypair);
    let patience = Duration::from_secs(args.connect_timeout);
    let ids = AtomicU64::new(0);
    loop {
        let (tcp, _) = tokio::select! {
            a = listener.accept() => a?,
            _ = shutdown_signal() => return Ok(()),
        };
        let id = ids.fetch_add(1, Ordering::Relaxed);
        let (node, keypair) = (node.clone(), keypair.clone());
        tokio::spawn(async move {
            let mut tcp = tcp;
            let Some(mut conn) = reach(&node, &remote, &keypair, patience, &reporter).await else {
                return;
            };
            connected(&reporter, &remote, id);
            let moved = tunnel::pipe(&mut tcp, &mut conn).await.unwrap_or_default();
            closed(&reporter, &remote, id, moved.from_peer, moved.to_peer);
        });
    }
}

/// Connects to `remote`, retrying with backoff (0.5 s doubling to 8 s) for up to
/// `patience`; prints one error line if it never succeeds.
async fn reach(
    node: &Node,
    remote: &PublicKey,
    keypair: &KeyPair,
    patience: Duration,
    reporter: &Reporter,
) -> Option<Connection> {
    let start = Instant::now();
    let mut backoff = Duration::from_millis(500);
    // An attempt cut short by the deadline says less than the one before it.
    let mut last_reason: Option<String> = None;
    loop {
        let left = patience.saturating_sub(start.elapsed());
        let err = match tokio::time::timeout(left, node.connect(*remote.as_bytes(), keypair)).await
        {
            Ok(Ok(conn)) => return Some(conn),
            Ok(Err(e)) => e.to_string(),
            Err(_) => last_reason
                .take()
                .unwrap_or_else(|| "timed out".to_string()),
        };
        last_reason = Some(err.clone());
        if start.elapsed() + backoff >= patience {
            reporter.say(format_args!("error: cannot reach {remote}: {err}"));
            reporter.event(
                json!({ "event": "error", "message": format!("cannot reach {remote}: {err}") }),
            );
            return None;
        }
        tracing::info!(%err, "peer unreachable, retrying");
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(8));
    }
}
