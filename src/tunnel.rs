//! Piping a p2p connection to and from a TCP socket: what `bind` does on both sides
//! (and, later, `serve` and the host's remote access).
//!
//! Both directions run at once; an end of stream on one side becomes a half-close on
//! the other, so request/response protocols that close their write side work.

use tokio::io::{AsyncRead, AsyncWrite};

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
