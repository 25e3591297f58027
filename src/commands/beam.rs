//! `spork beam`: an end-to-end encrypted pipe between two machines, keyed by a
//! passphrase and compatible with npm `hyperbeam@3` in both roles.
//!
//! stdin goes to the peer and the peer's bytes to stdout, both at once; everything for
//! a person (and `--json` events) goes to stderr, so stdout carries only data. The
//! side without a passphrase makes one and waits for the other (open-ended unless
//! `--timeout`); each attempt inside that wait has its own timeouts.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{interruptible, join_network, GlobalArgs, Interrupted};
use crate::beam::Passphrase;
use crate::swarm::node::{Connection, Node};
use crate::tunnel::Moved;
use crate::ui::{Event, EventStream, Reporter, UsageError};

/// Open an encrypted pipe: stdin here → stdout there, and back.
///
/// Run `spork beam` on one machine: it makes a passphrase, prints it and waits. Run
/// `spork beam PASSPHRASE` on the other: the two find each other through the HyperDHT,
/// punch through NATs if they must, and pipe stdin to the other side's stdout, both
/// ways at once, end-to-end encrypted. Only someone holding the passphrase can join.
/// Works with `hyperbeam` (npm hyperbeam@3) on the other end.
///
///   echo hello | spork beam           # prints a passphrase, waits
///   spork beam PASSPHRASE > out.txt   # on the other machine
#[derive(Debug, Args)]
#[command(
    verbatim_doc_comment,
    after_help = "Examples:\n  \
    tar cz photos/ | spork beam                    # prints a passphrase, waits\n  \
    spork beam PASSPHRASE | tar xz                 # on the other machine\n  \
    spork beam -r PASSPHRASE                       # restart the waiting side"
)]
pub struct BeamArgs {
    /// The passphrase the other side printed [default: make one and wait]
    pub passphrase: Option<String>,
    /// Wait for the other side even though a passphrase is given (restart the waiting
    /// side with the same passphrase)
    #[arg(short = 'r', long)]
    pub reuse: bool,
    /// Give up if the other side has not connected after SECS [default: wait forever]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,
    /// Also show the passphrase as a QR code (on stderr)
    #[arg(long)]
    pub qr: bool,
}

/// Copy buffer per direction.
const CHUNK: usize = 64 * 1024;

/// Runs `spork beam` until both directions of the pipe are done.
pub async fn run(global: GlobalArgs, args: BeamArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stderr);
    super::check_bootstrap(&global)?;
    let (passphrase, made) = match args.passphrase.as_deref() {
        Some(text) => (
            Passphrase::parse(text).map_err(|e| UsageError::new(e.to_string()))?,
            false,
        ),
        None => (Passphrase::generate(), true),
    };
    let announce = made || args.reuse;
    if made {
        reporter.say("Run the following command to connect:");
        reporter.say(format_args!("  spork beam {passphrase}"));
        reporter
            .say("To restart this side of the pipe with the same passphrase add -r to the above");
    } else if !announce {
        reporter.say("Connecting pipe...");
    }
    if args.qr {
        reporter.say(crate::ui::qr_code(&passphrase.to_string())?);
    }

    let waiting = async {
        let node = join_network(&global).await?;
        match node.dht().node().public_addr() {
            Some(addr) => reporter.say(format_args!("Joined the DHT - remote address is {addr}")),
            None => reporter.say("Joined the DHT - could not detect the remote address"),
        }
        let conn = if announce {
            wait_for_peer(&node, &passphrase, &reporter).await?
        } else {
            reach_peer(&node, &passphrase, &reporter).await?
        };
        anyhow::Ok((node, conn))
    };
    let bounded = async {
        match args.timeout {
            Some(secs) => tokio::time::timeout(Duration::from_secs(secs), waiting)
                .await
                .map_err(|_| anyhow::anyhow!("the other side did not connect within {secs} s"))?,
            None => waiting.await,
        }
    };
    let (_node, conn) = interruptible(bounded).await?;

    let remote_key = crate::keys::PublicKey::from_bytes(*conn.remote_public_key());
    reporter.say("Success! Encrypted tunnel established to remote peer");
    reporter.event(Event::Connect {
        remote_key: remote_key.to_string(),
        id: 0,
    });
    let started = Instant::now();
    let moved = pipe_stdio(conn, &remote_key, &reporter).await?;
    reporter.say(summary(moved, started.elapsed()));
    reporter.event(Event::Close {
        remote_key: remote_key.to_string(),
        id: 0,
        bytes_in: moved.from_peer,
        bytes_out: moved.to_peer,
    });
    Ok(())
}

/// The announcing side: says it listens (the passphrase's key), then waits.
async fn wait_for_peer(
    node: &Node,
    passphrase: &Passphrase,
    reporter: &Reporter,
) -> anyhow::Result<Connection> {
    reporter.event(Event::Listening {
        public_key: Some(passphrase.keypair().public_key().to_string()),
        host: None,
        port: None,
        passphrase: Some(passphrase.to_string()),
    });
    reporter.say("Waiting for the other side...");
    Ok(crate::beam::wait_for_peer(node, passphrase).await?)
}

/// The connecting side: retries until the other side is there, saying why not yet.
async fn reach_peer(
    node: &Node,
    passphrase: &Passphrase,
    reporter: &Reporter,
) -> anyhow::Result<Connection> {
    Ok(crate::beam::reach_peer(node, passphrase, |status| reporter.say(status)).await?)
}

/// Pipes stdin to the peer and the peer to stdout until both directions end. EOF on
/// stdin, or a first SIGINT, half-closes (the peer still finishes sending); a SIGINT
/// after that gives up at once.
async fn pipe_stdio(
    mut conn: Connection,
    remote_key: &crate::keys::PublicKey,
    reporter: &Reporter,
) -> anyhow::Result<Moved> {
    let lost = |e: std::io::Error| lost_peer(remote_key, e);
    let sent = Arc::new(AtomicU64::new(0));
    let received = Arc::new(AtomicU64::new(0));
    let progress = Progress::start(reporter, sent.clone(), received.clone());
    let (mut from_peer, mut to_peer) = tokio::io::split(&mut conn);
    let stop_sending = tokio::sync::Notify::new();
    let sending_done = std::sync::atomic::AtomicBool::new(false);
    let upload = async {
        let mut stdin = tokio::io::stdin();
        tokio::select! {
            r = copy_counting(&mut stdin, &mut to_peer, &sent) => match r {
                Err(Copy::Read(e)) => return Err(anyhow::Error::new(e).context("reading stdin")),
                Err(Copy::Write(e)) => return Err(lost(e)),
                Ok(()) => {}
            },
            () = stop_sending.notified() => {}
        }
        sending_done.store(true, Ordering::SeqCst);
        to_peer.shutdown().await.map_err(lost)?;
        anyhow::Ok(())
    };
    let download = async {
        let mut stdout = tokio::io::stdout();
        match copy_counting(&mut from_peer, &mut stdout, &received).await {
            Err(Copy::Read(e)) => return Err(lost(e)),
            Err(Copy::Write(e)) => return Err(anyhow::Error::new(e).context("writing stdout")),
            Ok(()) => {}
        }
        stdout.flush().await.context("writing stdout")?;
        anyhow::Ok(())
    };
    let interrupts = async {
        loop {
            let _ = tokio::signal::ctrl_c().await;
            if sending_done.load(Ordering::SeqCst) {
                return;
            }
            stop_sending.notify_one();
        }
    };
    tokio::select! {
        r = async { tokio::try_join!(upload, download) } => { r?; }
        () = interrupts => return Err(Interrupted.into()),
    }
    drop(progress);
    let conn = from_peer.unsplit(to_peer);
    // Our last bytes and END must reach the peer before the process exits.
    let _ = tokio::time::timeout(Duration::from_secs(10), conn.get_ref().flushed()).await;
    Ok(Moved {
        to_peer: sent.load(Ordering::Relaxed),
        from_peer: received.load(Ordering::Relaxed),
    })
}

/// The error of a pipe to or from the peer names the peer, and says "stopped
/// answering" for a connection that timed out (keepalives unanswered).
fn lost_peer(remote_key: &crate::keys::PublicKey, e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::TimedOut {
        let secs = crate::swarm::node::PEER_TIMEOUT.as_secs();
        anyhow::anyhow!(
            "lost the connection to {remote_key}: the peer stopped answering ({secs} s)"
        )
    } else {
        anyhow::anyhow!("lost the connection to {remote_key}: {e}")
    }
}

/// Which side of a copy failed.
enum Copy {
    Read(std::io::Error),
    Write(std::io::Error),
}

/// Copies until EOF, counting bytes as they go.
async fn copy_counting<R, W>(from: &mut R, to: &mut W, count: &AtomicU64) -> Result<(), Copy>
where
    R: AsyncRead + Unpin + ?Sized,
    W: AsyncWrite + Unpin + ?Sized,
{
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = from.read(&mut buf).await.map_err(Copy::Read)?;
        if n == 0 {
            return Ok(());
        }
        to.write_all(&buf[..n]).await.map_err(Copy::Write)?;
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// A live progress line on a terminal (nothing otherwise).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    ticker: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    fn start(reporter: &Reporter, sent: Arc<AtomicU64>, received: Arc<AtomicU64>) -> Progress {
        if reporter.json() || !std::io::stderr().is_terminal() || !super::use_color() {
            return Progress {
                bar: None,
                ticker: None,
            };
        }
        let bar = indicatif::ProgressBar::new_spinner();
        let started = Instant::now();
        let shown = bar.clone();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(250));
            loop {
                every.tick().await;
                let secs = started.elapsed().as_secs_f64().max(0.001);
                let (s, r) = (
                    sent.load(Ordering::Relaxed),
                    received.load(Ordering::Relaxed),
                );
                shown.set_message(format!(
                    "sent {} ({}/s)  received {} ({}/s)",
                    indicatif::HumanBytes(s),
                    indicatif::HumanBytes((s as f64 / secs) as u64),
                    indicatif::HumanBytes(r),
                    indicatif::HumanBytes((r as f64 / secs) as u64),
                ));
                shown.tick();
            }
        });
        Progress {
            bar: Some(bar),
            ticker: Some(ticker),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(t) = self.ticker.take() {
            t.abort();
        }
        if let Some(b) = self.bar.take() {
            b.finish_and_clear();
        }
    }
}

/// One line saying what moved, for the end.
fn summary(moved: Moved, took: Duration) -> String {
    format!(
        "Pipe closed: sent {}, received {} in {:.1} s",
        indicatif::HumanBytes(moved.to_peer),
        indicatif::HumanBytes(moved.from_peer),
        took.as_secs_f64()
    )
}
