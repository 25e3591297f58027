//! `spork connect NAME|KEY [-p PORT]`: a local HTTP port tunnelled to a paired home
//! cloud under this device's key — `http://localhost:PORT/` for the dashboard,
//! `http://ID.localhost:PORT/` for a service. The same forward loop as `spork bind KEY`
//! (`tunnel::forward`): each local connection reaches the host afresh, with backoff,
//! so a restarted host or a changed network needs nothing from the user.

use std::net::IpAddr;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use super::{join_network, shutdown_signal, GlobalArgs};
use crate::device::DeviceDir;
use crate::keys::PublicKey;
use crate::ui::{Event, EventStream, HintedError, Reporter};

/// Reach a paired home cloud from this device: a local port tunnelled to it.
///
/// NAME is a host paired with `spork pair` (or its public key). Open the printed URL;
/// services are at http://ID.localhost:PORT/.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  spork connect home               # http://localhost:8035/\n  spork connect home -p 9000"
)]
pub struct ConnectArgs {
    /// The paired host's name (spork pair --list), or its public key
    pub host: String,
    /// The local port (0: a free one) [default: 8035]
    #[arg(short, long, default_value_t = 8035)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// Seconds to keep trying to reach the host for one connection
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub connect_timeout: u64,
}

/// `spork connect`.
pub async fn run(global: GlobalArgs, args: ConnectArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let dir = DeviceDir::default_root().context("this system has no config folder")?;
    let hosts = dir.hosts()?;
    let remote: PublicKey = match hosts.get(&args.host) {
        Some(h) => h.public_key.parse().context("hosts.json holds a bad key")?,
        None => args.host.parse().map_err(|_| {
            anyhow::Error::new(HintedError {
                message: format!("no paired host {}", args.host),
                hint: "spork pair --list shows them; spork pair --name NAME pairs one".into(),
            })
        })?,
    };
    super::check_bootstrap(&global)?;
    let keypair = dir.keypair()?;
    let listener = TcpListener::bind((args.listen, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.listen, args.port))?;
    let local = listener.local_addr()?;
    let node = join_network(&global).await?;
    reporter.say(format_args!(
        "{} at http://localhost:{}/ (services: http://ID.localhost:{}/)",
        args.host,
        local.port(),
        local.port()
    ));
    reporter.event(Event::listening(
        Some(remote.to_string()),
        Some(local.ip().to_string()),
        Some(local.port()),
    ));
    let patience = Duration::from_secs(args.connect_timeout.max(1));
    let stop = shutdown_signal();
    super::forward_until(listener, node, remote, keypair, patience, reporter, stop).await;
    Ok(())
}
