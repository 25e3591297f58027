//! The datagram socket dht-rpc speaks through: a UDX socket, so that the node's
//! sockets also carry the UDX streams of its connections. dht-rpc sees only the
//! datagrams that are not stream packets.

use std::io;
use std::net::SocketAddr;

use bytes::Bytes;

use crate::swarm::udx::{Socket, Udx};

/// A bound socket shared by the tasks of one node.
#[derive(Debug, Clone)]
pub struct RpcSocket {
    inner: Socket,
    local: SocketAddr,
}

impl RpcSocket {
    /// Binds `addr` as a socket of the UDX instance `udx`.
    pub async fn bind(udx: &Udx, addr: SocketAddr) -> io::Result<Self> {
        let inner = udx.bind(addr).await?;
        let local = inner.local_addr();
        Ok(RpcSocket { inner, local })
    }

    /// Wraps a bound UDX socket.
    pub fn from_udx(inner: Socket) -> Self {
        let local = inner.local_addr();
        RpcSocket { inner, local }
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The UDX socket underneath (for streams riding on it).
    pub fn udx_socket(&self) -> &Socket {
        &self.inner
    }

    /// Sends without waiting; a full send buffer drops the datagram (UDP semantics).
    pub fn try_send(&self, buf: &[u8], to: SocketAddr) {
        if let Err(e) = self.inner.try_send_to(buf, to) {
            tracing::trace!(%to, error = %e, "datagram dropped on send");
        }
    }

    /// Receives the next datagram that is not a UDX stream packet. Fails with
    /// `NotConnected` once the socket is closed.
    pub async fn recv(&self) -> io::Result<(Bytes, SocketAddr)> {
        self.inner.recv_from().await
    }

    /// True if both handles are the same socket.
    pub fn same(&self, other: &RpcSocket) -> bool {
        self.local == other.local
    }

    /// Closes the socket.
    pub fn close(&self) {
        self.inner.close();
    }
}
