//! Connecting to a server by public key (hyperdht `lib/connect.js`): find the nodes
//! holding its announcement, send Noise message 1 through one of them, and open the
//! UDX stream on the path the answer allows, then the encrypted stream over it.
//!
//! Paths: the server's own node answered (connect there), the server is reachable
//! (connect to its address), we are reachable (the server connects to us), or both
//! sides are behind NATs and punch a hole ([`punch`]).

mod punch;

use std::net::{SocketAddr, SocketAddrV4};
use std::time::Duration;

use super::payload::{NoisePayload, UdxInfo};
use super::router::peer_handshake;
use super::server::{new_stream, open_connection, own_addresses, Connection};
use super::{firewall, HyperDht, NS_PEER_HANDSHAKE};
use crate::swarm::crypto::{hash, Key32};
use crate::swarm::noise::{Initiator, Keypair};

/// How long we wait for the server's first packet, or for the encrypted stream's
/// header exchange.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// Why a connection could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// No node holds an announcement for the key.
    #[error("peer not found: no node holds an announcement for this key")]
    PeerNotFound,
    /// Nodes hold the announcement but the server never answered: it is gone, or its
    /// firewall refused our key (a refused client gets no answer at all).
    #[error("the peer did not answer or refused our key")]
    NoAnswer,
    /// No DHT node answered at all: we are cut off from the network, which says
    /// nothing about the peer.
    #[error("no DHT node answered (check the bootstrap nodes and the network)")]
    Isolated,
    /// The server answered with an error or an unusable handshake.
    #[error("the peer refused the connection ({0})")]
    Refused(&'static str),
    /// Both sides are behind NATs and the server offers no way to punch through.
    #[error("the peer is behind a NAT and cannot be holepunched")]
    CannotHolepunch,
    /// Both sides are behind NATs and punching through them failed.
    #[error("holepunching failed: {0}")]
    Holepunch(&'static str),
    /// The stream did not come up.
    #[error("the connection timed out")]
    TimedOut,
    /// Local resources (socket, stream ids).
    #[error("local error: {0}")]
    Local(String),
}

impl HyperDht {
    /// Connects to the server listening on `remote`, as `keypair`.
    pub async fn connect(
        &self,
        remote: Key32,
        keypair: &Keypair,
    ) -> Result<Connection, ConnectError> {
        let target = hash(&[&remote]);
        let holders = self.find_peer(&remote).await;
        if holders.is_empty() {
            return Err(if self.node().table_len() == 0 {
                ConnectError::Isolated
            } else {
                ConnectError::PeerNotFound
            });
        }
        let stream =
            new_stream(self).ok_or_else(|| ConnectError::Local("no free stream id".into()))?;
        let open = !self.node().is_firewalled();
        let payload = NoisePayload {
            firewall: if open {
                firewall::OPEN
            } else {
                firewall::UNKNOWN
            },
            addresses4: own_addresses(self),
            udx: Some(UdxInfo {
                version: 1,
                reusable_socket: false,
                id: u64::from(stream.id()),
                seq: 0,
            }),
            secret_stream: Some(1),
            ..NoisePayload::default()
        };
        let mut initiator = Initiator::new(keypair.clone(), remote, &NS_PEER_HANDSHAKE[..], None);
        let msg1 = initiator
            .write_message1(&payload.encode())
            .map_err(|e| ConnectError::Local(e.to_string()))?;

        let mut answer = None;
        for holder in holders.iter().map(|h| h.from) {
            if let Ok(reply) = peer_handshake(self, target, msg1.clone(), holder).await {
                answer = Some((holder, reply));
                break;
            }
        }
        let (holder, reply) = answer.ok_or(ConnectError::NoAnswer)?;
        let (server_payload, hs) = initiator
            .read_message2(&reply.noise)
            .map_err(|_| ConnectError::Refused("invalid handshake"))?;
        let server = NoisePayload::decode(&server_payload)
            .map_err(|_| ConnectError::Refused("invalid payload"))?;
        if server.version != 1 {
            return Err(ConnectError::Refused("incompatible version"));
        }
        if server.error != 0 {
            return Err(ConnectError::Refused("server error"));
        }
        let udx = server
            .udx
            .ok_or(ConnectError::Refused("no UDX stream offered"))?;
        let remote_id =
            u32::try_from(udx.id).map_err(|_| ConnectError::Refused("bad stream id"))?;

        let socket = self.node().server_socket().clone();
        if !reply.relayed {
            connect_to(&stream, &socket, remote_id, holder)?;
        } else if server.firewall == firewall::OPEN {
            let addr = server
                .addresses4
                .iter()
                .copied()
                .find(|a| !is_bogon(a))
                .unwrap_or(reply.server_address);
            connect_to(&stream, &socket, remote_id, addr)?;
        } else if open {
            // We are reachable: the server connects to us; its first packet shows the way.
            let (socket, from) = tokio::time::timeout(CONNECT_WAIT, stream.first_packet())
                .await
                .map_err(|_| ConnectError::TimedOut)?;
            stream
                .connect(&socket, remote_id, from)
                .map_err(|e| ConnectError::Local(e.to_string()))?;
        } else {
            let info = server
                .holepunch
                .as_ref()
                .filter(|h| !h.relays.is_empty())
                .ok_or(ConnectError::CannotHolepunch)?;
            let punch = punch::ClientPunch::new(self, target, &hs, info.id, server.firewall)?;
            let punched = punch.run(&info.relays, reply.server_address, holder);
            // Behind the same NAT as the server: its LAN address may answer first.
            let same_nat = reply.client_address.ip() == reply.server_address.ip();
            let lan = async {
                if same_nat {
                    self.lan_address(&server.addresses4).await
                } else {
                    None
                }
            };
            tokio::pin!(punched, lan);
            // Each future is awaited again only if the other branch finished first.
            let (socket, to) = tokio::select! {
                found = &mut lan => match found {
                    Some(addr) => (socket, addr),
                    None => punched.await?,
                },
                r = &mut punched => match r {
                    Ok(path) => path,
                    Err(e) => match lan.await {
                        Some(addr) => (socket, addr),
                        None => return Err(e),
                    },
                },
            };
            connect_to(&stream, &socket, remote_id, to)?;
        }
        open_connection(stream, &hs)
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::TimedOut => ConnectError::TimedOut,
                _ => ConnectError::Local(e.to_string()),
            })
    }
}

impl HyperDht {
    /// The server's LAN address that best matches one of ours and answers a PING, if
    /// any (the server's node answers on the socket our stream then connects to).
    async fn lan_address(&self, theirs: &[SocketAddrV4]) -> Option<SocketAddrV4> {
        let candidates: Vec<SocketAddrV4> = theirs
            .iter()
            .copied()
            .filter(super::lan::is_private)
            .collect();
        let SocketAddr::V4(bound) = self.node().local_addr() else {
            return None;
        };
        let ours = super::lan::local_addresses(bound);
        let addr = super::lan::best_match(&ours, &candidates).or(candidates.first().copied())?;
        let reply = self.node().ping(addr).await.ok()?;
        (reply.from == addr).then_some(addr)
    }
}

fn connect_to(
    stream: &crate::swarm::udx::Stream,
    socket: &crate::swarm::udx::Socket,
    remote_id: u32,
    to: SocketAddrV4,
) -> Result<(), ConnectError> {
    stream
        .connect(socket, remote_id, SocketAddr::V4(to))
        .map_err(|e| ConnectError::Local(e.to_string()))
}

/// Addresses no one on the internet can reach us at (hyperdht skips them when it
/// picks a server's public address).
fn is_bogon(a: &SocketAddrV4) -> bool {
    let ip = a.ip();
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
}
