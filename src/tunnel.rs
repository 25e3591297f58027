//! Tunnels between p2p connections and TCP: the loops `bind` runs on both sides (and,
//! later, the host's remote access) — [`forward`] accepts local sockets and reaches a
//! peer for each, [`reverse`] accepts peers and connects each to a local port, both on
//! [`accept_peers`]'s accounting — plus reaching a peer with retries, piping, and
//! counting what a stream carries. The loops never print: they [`Report`] to the
//! command, which decides what to show.
//!
//! Both directions run at once; an end of stream on one side becomes a half-close on
//! the other, so request/response protocols that close their write side work. A peer
//! that fails (reset, or silent past the connection's peer timeout) resets the local
//! TCP socket, so the program behind it sees an error and not a clean end of data.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use crate::keys::{KeyPair, PublicKey};
use crate::swarm::node::{ConnectError, Connection, Node, Server};

/// What the tunnel loops tell the command that runs them.
#[derive(Debug)]
pub enum Report<'a> {
    /// A p2p connection is up (`id` counts connections in this process).
    Connected {
        /// The peer.
        remote: &'a PublicKey,
        /// The connection's number.
        id: u64,
    },
    /// It ended, having moved this much.
    Closed {
        /// The peer.
        remote: &'a PublicKey,
        /// The connection's number.
        id: u64,
        /// Bytes each way.
        moved: Moved,
    },
    /// A forward connection's peer could not be reached (the local socket is closed).
    Unreachable {
        /// The peer.
        remote: &'a PublicKey,
        /// The last reason.
        error: &'a Unreachable,
    },
    /// A reverse connection's local target could not be reached.
    TargetDown {
        /// `HOST:PORT`.
        target: &'a str,
        /// Why.
        error: &'a std::io::Error,
    },
}

/// Where the loops send their [`Report`]s.
pub type ReportFn = Arc<dyn Fn(Report<'_>) + Send + Sync>;

/// How long connecting to a reverse tunnel's local target may take.
const TARGET_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts p2p connections on `server` until `stop` resolves (or the server closes),
/// each in its own task: `Connected`, then `handle`, then `Closed` with what `handle`
/// says it moved. What `bind` and `serve` do with a connection differs; how they
/// account for it does not.
pub async fn accept_peers<F, Fut>(
    server: &mut Server,
    report: ReportFn,
    stop: impl Future<Output = ()>,
    handle: F,
) where
    F: Fn(Connection) -> Fut,
    Fut: Future<Output = Moved> + Send + 'static,
{
    tokio::pin!(stop);
    let mut next_id = 0u64;
    loop {
        let conn = tokio::select! {
            c = server.accept() => match c { Some(c) => c, None => break },
            () = &mut stop => break,
        };
        let id = next_id;
        next_id += 1;
        let remote = PublicKey::from_bytes(*conn.remote_public_key());
        report(Report::Connected {
            remote: &remote,
            id,
        });
        let work = handle(conn);
        let report = report.clone();
        tokio::spawn(async move {
            let moved = work.await;
            report(Report::Closed {
                remote: &remote,
                id,
                moved,
            });
        });
    }
}

/// Reverse: pipes every p2p connection `server` accepts to `target` (`HOST:PORT`)
/// until `stop` resolves.
pub async fn reverse(
    server: &mut Server,
    target: String,
    report: ReportFn,
    stop: impl Future<Output = ()>,
) {
    let target = Arc::new(target);
    let for_each = report.clone();
    accept_peers(server, report, stop, move |mut conn| {
        let (target, report) = (target.clone(), for_each.clone());
        async move {
            let tcp = tokio::time::timeout(TARGET_CONNECT_TIMEOUT, TcpStream::connect(&*target))
                .await
                .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()));
            match tcp {
                Ok(tcp) => pipe_tcp(tcp, &mut conn).await.moved,
                Err(error) => {
                    report(Report::TargetDown {
                        target: &target,
                        error: &error,
                    });
                    Moved::default()
                }
            }
        }
    })
    .await;
}

/// Forward: pipes every TCP connection `listener` accepts to the peer `remote`
/// (reached with [`reach`], retrying for up to `patience`) until `stop` resolves.
pub async fn forward(
    listener: TcpListener,
    node: Node,
    remote: PublicKey,
    keypair: KeyPair,
    patience: Duration,
    report: ReportFn,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let keypair = Arc::new(keypair);
    let mut next_id = 0u64;
    loop {
        let tcp = tokio::select! {
            a = listener.accept() => match a {
                Ok((tcp, _)) => tcp,
                // Out of file descriptors and the like: wait, don't spin, don't quit.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => return,
        };
        let id = next_id;
        next_id += 1;
        let (node, keypair, report) = (node.clone(), keypair.clone(), report.clone());
        tokio::spawn(async move {
            let mut conn = match reach(&node, &remote, &keypair, patience).await {
                Ok(conn) => conn,
                Err(error) => {
                    report(Report::Unreachable {
                        remote: &remote,
                        error: &error,
                    });
                    return;
                }
            };
            report(Report::Connected {
                remote: &remote,
                id,
            });
            let moved = pipe_tcp(tcp, &mut conn).await.moved;
            report(Report::Closed {
                remote: &remote,
                id,
                moved,
            });
        });
    }
}

/// Why [`reach`] gave up: the last real reason an attempt failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(pub ConnectError);

/// Connects to `remote`, retrying with backoff (0.5 s doubling to 8 s) for up to
/// `patience`. An attempt cut short by the deadline says less than the one before it,
/// so the error is the last complete attempt's reason; with none, the DHT was
/// unreachable, or the peer did not answer (a server that refuses our key never
/// answers, so as not to reveal that it is online).
pub async fn reach(
    node: &Node,
    remote: &PublicKey,
    keypair: &KeyPair,
    patience: Duration,
) -> Result<Connection, Unreachable> {
    let start = Instant::now();
    let mut backoff = Duration::from_millis(500);
    let mut last: Option<ConnectError> = None;
    loop {
        let left = patience.saturating_sub(start.elapsed());
        let err = match tokio::time::timeout(left, node.connect(remote, keypair)).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(e)) => e,
            Err(_) => last.take().unwrap_or(if node.is_joined() {
                ConnectError::NoAnswer
            } else {
                ConnectError::Isolated
            }),
        };
        if start.elapsed() + backoff >= patience {
            return Err(Unreachable(err));
        }
        tracing::info!(%err, "peer unreachable, retrying");
        last = Some(err);
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(8));
    }
}

/// Bytes moved by a finished tunnel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    /// From the TCP socket to the peer.
    pub to_peer: u64,
    /// From the peer to the TCP socket.
    pub from_peer: u64,
}

/// How a tunnel ended: what moved either way, and the first I/O error, if any.
#[derive(Debug, Default)]
pub struct Piped {
    /// Bytes moved, counted up to the error if there was one.
    pub moved: Moved,
    /// Why the tunnel ended early; `None` when both directions ended cleanly.
    pub error: Option<std::io::Error>,
}

/// Copies both ways between a local socket and a peer connection until both
/// directions have ended or one side fails.
pub async fn pipe<L, P>(local: &mut L, peer: &mut P) -> Piped
where
    L: AsyncRead + AsyncWrite + Unpin + ?Sized,
    P: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let mut counted = Counted::new(peer);
    let counters = counted.counters();
    let error = tokio::io::copy_bidirectional(local, &mut counted)
        .await
        .err();
    Piped {
        moved: counters.moved(),
        error,
    }
}

/// [`pipe`] for a local TCP socket: when the tunnel fails, the socket is reset
/// (RST) rather than closed, so its program learns that data was cut short.
pub async fn pipe_tcp<P>(mut local: TcpStream, peer: &mut P) -> Piped
where
    P: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let piped = pipe(&mut local, peer).await;
    if piped.error.is_some() {
        // Linger 0 makes the close below a reset.
        let _ = socket2::SockRef::from(&local).set_linger(Some(std::time::Duration::ZERO));
    }
    piped
}

/// A stream that counts the bytes read from and written to it (for the `close`
/// events of servers that hand the stream to someone else, like an HTTP server).
pub struct Counted<T> {
    inner: T,
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
}

impl<T> Counted<T> {
    /// Wraps `inner`; the counters can be read while it is in use, through
    /// [`Counted::counters`].
    pub fn new(inner: T) -> Self {
        Counted {
            inner,
            read: Arc::default(),
            written: Arc::default(),
        }
    }

    /// A handle on the counters: bytes read, bytes written.
    pub fn counters(&self) -> Counters {
        Counters {
            read: self.read.clone(),
            written: self.written.clone(),
        }
    }
}

/// The counters of a [`Counted`] stream.
#[derive(Debug, Clone)]
pub struct Counters {
    read: Arc<AtomicU64>,
    written: Arc<AtomicU64>,
}

impl Counters {
    /// Bytes read from the stream so far.
    pub fn read(&self) -> u64 {
        self.read.load(Ordering::Relaxed)
    }

    /// Bytes written to the stream so far.
    pub fn written(&self) -> u64 {
        self.written.load(Ordering::Relaxed)
    }

    /// What moved so far, for a counted peer connection: written is to the peer, read
    /// is from it.
    pub fn moved(&self) -> Moved {
        Moved {
            to_peer: self.written(),
            from_peer: self.read(),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Counted<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        let n = buf.filled().len() - before;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Counted<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(n)) = &r {
            self.written.fetch_add(*n as u64, Ordering::Relaxed);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
