//! One thin module per subcommand: each turns its flags into calls of the library and
//! the library's events into output. This layer, and only this layer, prints.
//!
//! Also here: the options every command shares ([`GlobalArgs`]) and the process
//! plumbing (runtime, logging, signals, exit codes).

use std::future::Future;

use clap::Args;

use crate::ui::{EventStream, Reporter, EXIT_INTERRUPTED};

pub mod dht;

/// The public HyperDHT bootstrap nodes, used when neither `--bootstrap` nor
/// `SPORK_BOOTSTRAP` names others. (`spork dht` never uses them.)
pub const DEFAULT_BOOTSTRAP: &str =
    "88.99.3.86@node1.hyperdht.org:49737,142.93.90.113@node2.hyperdht.org:49737,138.68.147.8@node3.hyperdht.org:49737";

/// Options every command accepts, before or after the subcommand name.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// DHT nodes to join, as HOST:PORT[,HOST:PORT…] [default: the public HyperDHT nodes]
    #[arg(long, global = true, env = "SPORK_BOOTSTRAP", value_name = "HOST:PORT,…")]
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
pub fn run_to_exit<F, Fut>(global: &GlobalArgs, command: F) -> i32
where
    F: FnOnce(GlobalArgs) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return reporter.fail(&anyhow::Error::new(e).context("cannot start runtime")),
    };
    let global = global.clone();
    runtime.block_on(async move {
        match command(global).await {
            Ok(()) => 0,
            Err(e) if e.downcast_ref::<Interrupted>().is_some() => EXIT_INTERRUPTED,
            Err(e) => reporter.fail(&e),
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
/// commands select on this to shut down cleanly with exit 0.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) {
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
