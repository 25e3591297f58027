//! `spork dht`: run a persistent HyperDHT node that serves others.

use std::net::{Ipv4Addr, SocketAddrV4};

use anyhow::Context;
use clap::Args;

use super::{report_join, resolve_bootstrap, shutdown_signal, GlobalArgs};
use crate::swarm::hyperdht::HyperDht;
use crate::swarm::node::keep_joining;
use crate::swarm::rpc::{NodeConfig, RateLimits};
use crate::ui::{Event, EventStream, Reporter, UsageError};

/// Run a HyperDHT node for others: route queries, store announcements and records,
/// relay handshakes between clients and servers.
///
/// With no --bootstrap (or SPORK_BOOTSTRAP) the node starts a new network as its first
/// node; other nodes and peers then use `--bootstrap HOST:PORT` to join it. It never
/// joins the public network unless told to.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork dht --host 127.0.0.1 --port 49737          # a private network's first node\n  \
    spork dht --bootstrap 127.0.0.1:49737 --port 0   # another node joining it\n  \
    SPORK_BOOTSTRAP=127.0.0.1:49737 spork serve .    # peers using that network")]
pub struct DhtArgs {
    /// IPv4 address to bind the UDP socket to
    #[arg(long, default_value = "0.0.0.0")]
    pub host: String,
    /// UDP port to bind (--dht-port, if given, wins)
    #[arg(long, default_value_t = 49737)]
    pub port: u16,
    /// Requests per second accepted from one IP address (bursts of twice that);
    /// loopback is exempt
    #[arg(long, value_name = "N", default_value_t = RateLimits::default().requests_per_ip_per_sec)]
    pub max_requests_per_ip: u32,
}

/// Runs the node until SIGINT/SIGTERM, then exits cleanly.
pub async fn run(global: GlobalArgs, args: DhtArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let host: Ipv4Addr = args.host.parse().map_err(|_| {
        UsageError::new(format!(
            "invalid --host {:?}: expected an IPv4 address such as 0.0.0.0 or 127.0.0.1",
            args.host
        ))
    })?;
    let port = global.dht_port.unwrap_or(args.port);
    // Only an explicit list: `spork dht` never joins the public network by default.
    let bootstrap = match &global.bootstrap {
        Some(list) => resolve_bootstrap(list).await?,
        None => Vec::new(),
    };
    let dht = HyperDht::bind(NodeConfig {
        host,
        port,
        bootstrap,
        persistent: true,
        limits: RateLimits {
            requests_per_ip_per_sec: args.max_requests_per_ip,
            request_burst: args.max_requests_per_ip.saturating_mul(2),
            ..RateLimits::default()
        },
    })
    .await
    .with_context(|| format!("cannot bind UDP {}", SocketAddrV4::new(host, port)))?;
    let node = dht.node().clone();
    let local = node.local_addr();

    let stop = shutdown_signal();
    reporter.say(format_args!("listening on {local}"));
    reporter.event(Event::listening(
        None,
        Some(local.ip().to_string()),
        Some(local.port()),
    ));

    let joining = node.clone();
    tokio::spawn(async move {
        keep_joining(&joining, move |ev| report_join(&reporter, &ev)).await;
    });
    stop.await;
    node.close();
    Ok(())
}
