//! Piping a p2p connection to and from a TCP socket: what `bind` does on both sides
//! (and, later, the host's remote access); and counting what a stream carries.
//!
//! Both directions run at once; an end of stream on one side becomes a half-close on
//! the other, so request/response protocols that close their write side work.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Bytes moved by a finished tunnel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Moved {
    /// From the TCP socket to the peer.
    pub to_peer: u64,
    /// From the peer to the TCP socket.
    pub from_peer: u64,
}

/// Copies both ways between a local socket and a peer connection until both
/// directions have ended. Returns what moved, or the first I/O error.
pub async fn pipe<L, P>(local: &mut L, peer: &mut P) -> std::io::Result<Moved>
where
    L: AsyncRead + AsyncWrite + Unpin + ?Sized,
    P: AsyncRead + AsyncWrite + Unpin + ?Sized,
{
    let (to_peer, from_peer) = tokio::io::copy_bidirectional(local, peer).await?;
    Ok(Moved { to_peer, from_peer })
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
