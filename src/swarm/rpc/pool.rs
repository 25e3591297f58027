//! Extra sockets of a node (hyperdht's socket pool): each is bound on its own port of
//! the node's UDX instance, so UDX streams can ride on it, and dht-rpc requests sent
//! from it get their replies back on it. A NAT maps each socket separately, which is
//! what holepunching needs: the mapping a socket got is sampled by pinging DHT nodes
//! from it, then both peers aim their probes at each other's mappings.
//!
//! Datagrams of one byte or less are holepunch probes (hyperdht `socket-pool.js`):
//! they are handed to the owner through [`PoolSocket::take_probes`], everything longer
//! goes through the node's normal datagram handling.

use std::io;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::Weak;

use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::io::{Outgoing, Reply, RequestError};
use super::node::{DhtNode, Inner};
use super::socket::RpcSocket;
use crate::swarm::udx::Socket;

/// The holepunch probe: one zero byte.
const PROBE: [u8; 1] = [0];
/// The TTL of a "low TTL" probe: enough to open our own NAT's mapping, meant to die
/// before it reaches the peer's NAT (which could take it for an attack).
pub const LOW_TTL: u32 = 5;
/// The normal TTL.
const DEFAULT_TTL: u32 = 64;
/// Probes waiting to be read beyond this are dropped.
const PROBE_QUEUE: usize = 256;

/// A socket of the pool. Dropping it stops reading it; the UDP socket itself stays
/// open while a UDX stream connected on it lives.
pub struct PoolSocket {
    socket: RpcSocket,
    probes: std::sync::Mutex<Option<mpsc::Receiver<SocketAddrV4>>>,
    reader: AbortHandle,
}

impl std::fmt::Debug for PoolSocket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PoolSocket")
            .field("local", &self.socket.local_addr())
            .finish()
    }
}

impl Drop for PoolSocket {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl PoolSocket {
    /// The UDX socket (for connecting a stream on it).
    pub fn udx_socket(&self) -> &Socket {
        self.socket.udx_socket()
    }

    /// The bound local address.
    pub fn local_addr(&self) -> SocketAddr {
        self.socket.local_addr()
    }

    /// Sends one holepunch probe to `to`; `low_ttl` lets it die a few hops out.
    /// A full socket buffer drops it, as UDP would.
    pub fn probe(&self, to: SocketAddrV4, low_ttl: bool) {
        let ttl = if low_ttl { LOW_TTL } else { DEFAULT_TTL };
        if let Err(e) = self
            .udx_socket()
            .try_send_to_with_ttl(&PROBE, SocketAddr::V4(to), ttl)
        {
            tracing::trace!(%to, error = %e, "holepunch probe not sent");
        }
    }

    /// The probes arriving on this socket, by sender (once: the first caller gets them).
    pub fn take_probes(&self) -> Option<mpsc::Receiver<SocketAddrV4>> {
        crate::swarm::lock(&self.probes).take()
    }
}

impl DhtNode {
    /// Binds a new pool socket on a free port of the node's host.
    pub fn pool_socket(&self) -> io::Result<PoolSocket> {
        let host = match self.local_addr() {
            SocketAddr::V4(a) => *a.ip(),
            SocketAddr::V6(_) => std::net::Ipv4Addr::UNSPECIFIED,
        };
        let udx_socket = self
            .udx()
            .bind_now(SocketAddr::V4(SocketAddrV4::new(host, 0)))?;
        let socket = RpcSocket::from_udx(udx_socket);
        let (tx, probes) = mpsc::channel(PROBE_QUEUE);
        let reader = tokio::spawn(read_pool_socket(self.weak(), socket.clone(), tx)).abort_handle();
        Ok(PoolSocket {
            socket,
            probes: std::sync::Mutex::new(Some(probes)),
            reader,
        })
    }

    /// Sends a request from `socket` (without our id: the NAT mapping is what the
    /// other side learns) and waits for its reply on that socket.
    pub async fn request_from(
        &self,
        socket: &PoolSocket,
        to: SocketAddrV4,
        out: Outgoing,
    ) -> Result<Reply, RequestError> {
        self.io().request(&socket.socket, to, None, out).await
    }

    /// PINGs `to` once from `socket`; the address it saw the socket at.
    pub async fn ping_from(
        &self,
        socket: &PoolSocket,
        to: SocketAddrV4,
        timeout: std::time::Duration,
    ) -> Option<SocketAddrV4> {
        let out = Outgoing {
            command: super::messages::internal::PING,
            internal: true,
            retries: Some(0),
            timeout: Some(timeout),
            ..Outgoing::default()
        };
        let reply = self.request_from(socket, to, out).await.ok()?;
        (reply.from == to).then_some(reply.response.to)
    }
}

impl super::IncomingRequest {
    /// [`IncomingRequest::relay`](super::IncomingRequest::relay) sent from a pool
    /// socket, so the next hop sees that socket's NAT mapping as the sender.
    pub fn relay_via(&self, value: Option<Vec<u8>>, to: SocketAddrV4, via: &PoolSocket) {
        self.relay_on(&via.socket, value, to);
    }
}

/// Reads one pool socket until it closes or its owner goes away.
async fn read_pool_socket(
    node: Weak<Inner>,
    socket: RpcSocket,
    probes: mpsc::Sender<SocketAddrV4>,
) {
    loop {
        let Ok((buf, from)) = socket.recv().await else {
            return;
        };
        if buf.len() <= 1 {
            if let SocketAddr::V4(from) = from {
                let _ = probes.try_send(from);
            }
            continue;
        }
        let Some(inner) = node.upgrade() else { return };
        DhtNode::from_inner(inner).on_datagram(&socket, &buf, from);
    }
}
