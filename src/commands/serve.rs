//! `spork serve`: a folder as a website, on a local port and on the DHT under a key,
//! the same bytes both ways (one router answers both).

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use super::{identity, join_network_serving, show_tunnels, shutdown_signal, GlobalArgs, ShareArgs};
use crate::gateway::{server, static_files};
use crate::tunnel::{self, Counted};
use crate::ui::{Event, EventStream, Reporter};

/// Serve a folder as a website, locally and peer to peer.
///
/// `spork serve ./site` serves the folder on 127.0.0.1 (a free port, printed) and on
/// the DHT under your key: anyone can open it through a `spork gateway` at
/// http://KEY.localhost:8080/ (or `spork bind KEY -p 8080` and http://localhost:8080/);
/// `--gateway-domain` prints the link for a public gateway you run.
/// index.html, directory listings, ranges, caching headers and compression included;
/// dotfiles stay hidden and nothing outside the folder is ever served.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork serve ./site -k site.json     # a stable address across restarts\n  \
    spork serve . -p 8000 --qr          # this folder, on port 8000, key as QR")]
pub struct ServeArgs {
    /// The folder to serve
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// The local port [default: a free port, printed]
    #[arg(short, long)]
    pub port: Option<u16>,
    /// The local address to listen on (widen with 0.0.0.0 to share on your network)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// Keyfile with your identity (created 0600 if missing) [default: a fresh key]
    #[arg(short, long, value_name = "FILE")]
    pub keyfile: Option<PathBuf>,
    /// Also show the share link as a QR code (on stderr)
    #[arg(long)]
    pub qr: bool,
    /// `--gateway-domain`, shared with the other servers.
    #[command(flatten)]
    pub share: ShareArgs,
}

/// Runs `spork serve` until SIGINT/SIGTERM.
pub async fn run(global: GlobalArgs, args: ServeArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let site = static_files::router(args.path.clone())
        .with_context(|| format!("cannot serve {}", args.path.display()))?;
    let addr = (args.listen, args.port.unwrap_or(0));
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {}:{}", addr.0, addr.1))?;
    let local = listener.local_addr()?;
    super::check_bootstrap(&global)?;
    let keypair = identity(args.keyfile.as_deref(), &reporter)?;
    let node = join_network_serving(&global, reporter).await?;
    let mut p2p = node
        .listen(&keypair, Arc::new(|_: &[u8; 32], _| true))
        .await;
    let key = keypair.public_key();
    let share = args.share.link(&key);
    reporter.say(format_args!("serving {} under {key}", args.path.display()));
    reporter.say(format_args!("local: http://{local}/"));
    if let Some(share) = &share {
        reporter.say(format_args!("share: {share}"));
    }
    if args.qr {
        // Without a gateway domain the key is what a visitor needs.
        let shown = share.unwrap_or_else(|| key.to_string());
        reporter.say(crate::ui::qr_code(&shown)?);
    }
    let stop = shutdown_signal();
    reporter.event(Event::listening(
        Some(key.to_string()),
        Some(local.ip().to_string()),
        Some(local.port()),
    ));

    let service = server::router_service(site);
    let local_service = service.clone();
    let tcp = tokio::spawn(server::serve_tcp(listener, move |_| local_service.clone()));
    let report = show_tunnels(reporter);
    tunnel::accept_peers(&mut p2p, report, stop, |conn| {
        let service = service.clone();
        async move {
            let conn = Counted::new(conn);
            let counters = conn.counters();
            server::serve_connection(conn, service).await;
            counters.moved()
        }
    })
    .await;
    tcp.abort();
    p2p.close().await;
    node.close_connections();
    Ok(())
}
