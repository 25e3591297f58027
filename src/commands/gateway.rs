//! `spork gateway`: an HTTP server that reaches peers by the key in the Host,
//! `{key}.localhost` or `{key}.DOMAIN` for the domains it is given.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use tokio::net::TcpListener;

use super::{join_network_serving, shutdown_signal, GlobalArgs};
use crate::gateway::{Gateway, RequestLog};
use crate::keys::KeyPair;
use crate::ui::{Event, EventStream, Reporter, UsageError};

/// Reach websites served peer to peer, by key, from any browser.
///
/// `spork gateway` listens on http://127.0.0.1:8080/ and sends a request for
/// http://KEY.localhost:8080/ to the peer with that key (`spork serve`, `spork bind
/// -p`, or any HyperDHT server speaking HTTP), over one kept-alive encrypted
/// connection per peer. `--domain example.org` also answers http://KEY.example.org/
/// (point a wildcard DNS record here; put TLS in a reverse proxy in front).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork gateway                       # http://KEY.localhost:8080/\n  \
    spork gateway --domain example.org --listen 0.0.0.0 -p 80")]
pub struct GatewayArgs {
    /// The local port
    #[arg(short, long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// A domain whose subdomains are keys (repeatable) [default: localhost only]
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Seconds to reach a peer before answering 504
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub connect_timeout: u64,
}

/// Runs `spork gateway` until SIGINT/SIGTERM.
pub async fn run(global: GlobalArgs, args: GatewayArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let domains = args
        .domains
        .iter()
        .map(|d| check_domain(d))
        .collect::<Result<Vec<_>, _>>()?;
    if args.connect_timeout == 0 {
        return Err(UsageError::new("--connect-timeout must be at least 1 second").into());
    }
    let listener = TcpListener::bind((args.listen, args.port))
        .await
        .with_context(|| format!("cannot listen on {}:{}", args.listen, args.port))?;
    let local = listener.local_addr()?;
    let node = join_network_serving(&global, reporter).await?;
    let log_to = reporter;
    let gateway = Gateway::new(
        node.clone(),
        KeyPair::generate(),
        domains.clone(),
        Duration::from_secs(args.connect_timeout),
    )
    .on_request(Arc::new(move |r: &RequestLog| {
        log_to.say(format_args!(
            "{} {}{} {} {} ms",
            r.method, r.host, r.path, r.status, r.ms
        ));
        log_to.event(Event::Request {
            method: r.method.clone(),
            host: r.host.clone(),
            path: r.path.clone(),
            status: r.status,
            ms: r.ms,
        });
    }));
    let stop = shutdown_signal();
    match domains.first() {
        Some(domain) => reporter.say(format_args!(
            "gateway on http://{local}/ — open http://KEY.localhost:{}/ or https://KEY.{domain}/",
            local.port()
        )),
        None => reporter.say(format_args!(
            "gateway on http://{local}/ — open http://KEY.localhost:{}/",
            local.port()
        )),
    }
    reporter.event(Event::listening(
        None,
        Some(local.ip().to_string()),
        Some(local.port()),
    ));
    tokio::select! {
        () = Arc::new(gateway).serve(listener) => {}
        _ = stop => {}
    }
    node.close_connections();
    Ok(())
}

/// A domain as typed: lowercased, without a leading `*.` or trailing dot; anything
/// that cannot be a host name is a usage error.
fn check_domain(d: &str) -> Result<String, UsageError> {
    let d = d
        .trim()
        .trim_start_matches("*.")
        .trim_end_matches('.')
        .to_ascii_lowercase();
    if super::is_host_name(&d, false) {
        Ok(d)
    } else {
        Err(UsageError::new(format!(
            "invalid --domain {d:?}: expected a host name like example.org"
        )))
    }
}
