//! `spork dht`: run a persistent HyperDHT node that serves others.

use clap::Args;

use super::GlobalArgs;

/// Run a HyperDHT node: route, store announcements and records, relay handshakes.
#[derive(Debug, Args)]
pub struct DhtArgs {
    /// Address to bind the UDP socket to
    #[arg(long, default_value = "0.0.0.0")]
    pub host: String,
    /// UDP port to bind
    #[arg(long, default_value_t = 49737)]
    pub port: u16,
}

/// Runs the node until SIGINT/SIGTERM.
pub async fn run(_global: GlobalArgs, _args: DhtArgs) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
