//! The datagram socket dht-rpc speaks through: bind, non-blocking send, receive.
//!
//! A thin seam so the RPC layer does not care whether the socket is a plain UDP socket
//! or a UDX socket that also carries streams (non-stream datagrams reach RPC either
//! way).

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;

/// Largest datagram we read; longer ones are truncated and fail to decode.
pub const MAX_DATAGRAM: usize = 2048;

/// A bound UDP socket shared by the tasks of one node.
#[derive(Debug, Clone)]
pub struct RpcSocket {
    inner: Arc<UdpSocket>,
    local: SocketAddr,
}

impl RpcSocket {
    /// Binds `addr`.
    pub async fn bind(addr: SocketAddr) -> io::Result<Self> {
        let inner = UdpSocket::bind(addr).await?;
        let local = inner.local_addr()?;
        Ok(RpcSocket {
            inner: Arc::new(inner),
            local,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends without waiting; a full send buffer drops the datagram (UDP semantics).
    pub fn try_send(&self, buf: &[u8], to: SocketAddr) {
        if let Err(e) = self.inner.try_send_to(buf, to) {
            tracing::trace!(%to, error = %e, "datagram dropped on send");
        }
    }

    /// Receives the next datagram into `buf`.
    pub async fn recv_from(&self, buf: &mut [u8]) -> io::Result<(usize, SocketAddr)> {
        self.inner.recv_from(buf).await
    }

    /// True if both handles are the same socket.
    pub fn same(&self, other: &RpcSocket) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}
