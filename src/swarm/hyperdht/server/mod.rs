//! A HyperDHT server (hyperdht `lib/server.js`): answers Noise handshakes for its key,
//! lets a firewall see the client's public key before answering, opens a UDX stream
//! per accepted client and hands out encrypted connections.
//!
//! Paths: the client reaching our node directly, a client that is itself reachable
//! (we connect to it), a reachable server (the client's first UDX packet finds our
//! stream and we adopt the address it came from), and both behind NATs: a holepunch
//! slot per handshake, answered in [`punch`].

mod punch;

use std::collections::HashMap;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::announcer::Announcer;
use super::payload::{HolepunchInfo, NoisePayload, RelayInfo, UdxInfo};
use super::router::{LocalServer, PendingReply, ServerReply};
use super::{error, firewall, HyperDht, NS_PEER_HANDSHAKE};
use crate::swarm::crypto::{hash, Key32};
use crate::swarm::lock;
use crate::swarm::noise::{Keypair, Responder};
use crate::swarm::secretstream::SecretStream;
use crate::swarm::udx::Stream;
use punch::{Slot, Slots};

/// An encrypted connection to a peer.
pub type Connection = SecretStream<Stream>;

/// Decides, from the client's public key and address, whether to answer it; `true`
/// lets it in. Rejected clients get no answer at all.
pub type Firewall = Arc<dyn Fn(&Key32, SocketAddrV4) -> bool + Send + Sync>;

/// How long a server waits for an accepted client's first UDX packet, and how long
/// an answered handshake is remembered (the same message 1 may arrive by several
/// relays and must get the same message 2).
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// A listening server. Dropping it without [`Server::close`] stops answering but leaves
/// the announcement to expire.
pub struct Server {
    dht: HyperDht,
    target: Key32,
    public_key: Key32,
    announcer: Option<Announcer>,
    incoming: mpsc::Receiver<Connection>,
    _handler: Arc<Handler>,
}

/// The answer already sent for a message 1, and when.
type Answered = HashMap<Vec<u8>, (ServerReply, Instant)>;

/// The part the router calls into.
struct Handler {
    dht: HyperDht,
    keypair: Keypair,
    firewall: Firewall,
    /// Relays of the current announcement (for the holepunch info we hand out).
    relays: Mutex<Vec<RelayInfo>>,
    relay_addresses: Mutex<Vec<SocketAddrV4>>,
    answered: Mutex<Answered>,
    /// Handshakes waiting for their client to punch through, by slot id.
    slots: Slots,
    accepted: mpsc::Sender<Connection>,
    me: Weak<Handler>,
}

impl HyperDht {
    /// Listens for connections to `keypair`'s public key: registers the server on this
    /// node and announces it. `firewall` sees each client's key first.
    pub async fn listen(&self, keypair: Keypair, firewall: Firewall) -> Server {
        let public_key = *keypair.public();
        let target = hash(&[&public_key]);
        let (tx, rx) = mpsc::channel(64);
        let handler = Arc::new_cyclic(|me| Handler {
            dht: self.clone(),
            keypair: keypair.clone(),
            firewall,
            relays: Mutex::new(Vec::new()),
            relay_addresses: Mutex::new(Vec::new()),
            answered: Mutex::new(HashMap::new()),
            slots: Slots::default(),
            accepted: tx,
            me: me.clone(),
        });
        self.add_local_server(target, handler.clone());
        let signing = ed25519_dalek::SigningKey::from_bytes(keypair.seed());
        let announcer = self.announce_server(signing).await;
        *lock(&handler.relays) = announcer
            .relays()
            .into_iter()
            .map(|r| RelayInfo {
                relay_address: r.relay_address,
                peer_address: r.peer_address,
            })
            .collect();
        *lock(&handler.relay_addresses) = announcer.relay_addresses();
        Server {
            dht: self.clone(),
            target,
            public_key,
            announcer: Some(announcer),
            incoming: rx,
            _handler: handler,
        }
    }
}

impl Server {
    /// The key clients connect to.
    pub fn public_key(&self) -> &Key32 {
        &self.public_key
    }

    /// The addresses clients can reach us through (for topic announcements).
    pub fn relay_addresses(&self) -> Vec<SocketAddrV4> {
        self.announcer
            .as_ref()
            .map(Announcer::relay_addresses)
            .unwrap_or_default()
    }

    /// The next accepted connection; `None` once the server is closed.
    pub async fn accept(&mut self) -> Option<Connection> {
        self.incoming.recv().await
    }

    /// Stops answering and withdraws the announcement, so clients do not wait on a
    /// stale record.
    pub async fn close(mut self) {
        self.dht.remove_local_server(&self.target);
        if let Some(a) = self.announcer.take() {
            a.stop().await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.dht.remove_local_server(&self.target);
    }
}

/// Our addresses a peer may try: the public one if known; then, while we are behind a
/// NAT, our LAN addresses (for a peer behind the same NAT, [`super::lan`]), or the
/// bound address when it names a specific interface.
pub(crate) fn own_addresses(dht: &HyperDht) -> Vec<SocketAddrV4> {
    let node = dht.node();
    let mut out: Vec<SocketAddrV4> = node
        .public_addr()
        .filter(|a| a.port() != 0)
        .into_iter()
        .collect();
    if let SocketAddr::V4(bound) = node.local_addr() {
        let local = if node.is_firewalled() {
            super::lan::local_addresses(bound)
        } else if !bound.ip().is_unspecified() {
            vec![bound]
        } else {
            Vec::new()
        };
        for a in local {
            if !out.contains(&a) {
                out.push(a);
            }
        }
    }
    out
}

impl Handler {
    fn answer(&self, noise: &[u8], client: SocketAddrV4, direct: bool) -> Option<ServerReply> {
        let mut responder = Responder::new(self.keypair.clone(), &NS_PEER_HANDSHAKE[..], None);
        let (remote_key, payload) = responder.read_message1(noise).ok()?;
        let client_payload = NoisePayload::decode(&payload).ok()?;
        if !(self.firewall)(&remote_key, client) {
            tracing::debug!(%client, "handshake refused by the firewall");
            return None;
        }
        let error = if client_payload.version != 1 {
            error::VERSION_MISMATCH
        } else if client_payload.udx.is_none() {
            error::ABORTED
        } else {
            error::NONE
        };
        let stream = if error == error::NONE {
            Some(new_stream(&self.dht)?)
        } else {
            None
        };
        let open = !self.dht.node().is_firewalled();
        let reachable = direct || client_payload.firewall == firewall::OPEN;
        // Both behind NATs: the client will need a holepunch slot.
        let slot_id = (stream.is_some() && !reachable && !open).then(|| self.slots.reserve());
        let reply = NoisePayload {
            error,
            firewall: if open {
                firewall::OPEN
            } else {
                firewall::UNKNOWN
            },
            holepunch: (!open).then(|| HolepunchInfo {
                id: slot_id.unwrap_or(0) as u64,
                relays: lock(&self.relays).clone(),
            }),
            addresses4: own_addresses(&self.dht),
            udx: Some(UdxInfo {
                version: 1,
                reusable_socket: false,
                id: stream.as_ref().map_or(0, |s| u64::from(s.id())),
                seq: 0,
            }),
            secret_stream: Some(1),
            relay_addresses: Some(lock(&self.relay_addresses).clone()),
            ..NoisePayload::default()
        };
        let (msg2, hs) = match responder.write_message2(&reply.encode()) {
            Ok(x) => x,
            Err(_) => {
                if let Some(id) = slot_id {
                    self.slots.release(id);
                }
                return None;
            }
        };
        let (Some(stream), Some(udx)) = (stream, client_payload.udx) else {
            return Some(ServerReply {
                payload: msg2,
                via: None,
            });
        };
        let slot = match slot_id {
            Some(id) => match Slot::open(&self.dht, &hs, client_payload.firewall) {
                Ok(slot) => Some(self.slots.fill(id, slot)),
                Err(e) => {
                    tracing::debug!(error = %e, "no holepunch socket");
                    self.slots.release(id);
                    return None;
                }
            },
            None => None,
        };
        let remote_id = u32::try_from(udx.id).ok()?;
        let via = slot.as_ref().map(|(_, s)| s.socket());
        let accepted = self.accepted.clone();
        let dht = self.dht.clone();
        let slots = self.slots.clone();
        tokio::spawn(async move {
            let conn = async {
                if reachable {
                    let socket = dht.node().server_socket();
                    stream
                        .connect(socket, remote_id, SocketAddr::V4(client))
                        .ok()?;
                } else {
                    let (socket, from) = match &slot {
                        Some((_, slot)) => tokio::select! {
                            first = stream.first_packet() => first,
                            () = slot.expired() => return None,
                        },
                        None => tokio::time::timeout(CONNECT_WAIT, stream.first_packet())
                            .await
                            .ok()?,
                    };
                    stream.connect(&socket, remote_id, from).ok()?;
                }
                open_connection(stream, &hs).await.ok()
            };
            let conn = conn.await;
            if let Some((id, slot)) = slot {
                slot.close();
                slots.clear_later(id, slot);
            }
            match conn {
                Some(conn) => {
                    let _ = accepted.send(conn).await;
                }
                None => tracing::debug!(%client, "accepted client never connected"),
            }
        });
        Some(ServerReply { payload: msg2, via })
    }
}

/// How often an idle connection sends a keepalive (hyperdht's `connectionKeepAlive`).
pub const CONNECTION_KEEPALIVE: Duration = Duration::from_secs(5);
/// A connection whose peer has been silent this long is dead: reads and writes fail
/// with "stream timed out". hyperdht only notices through six RTO expiries (about a
/// minute) and not at all while idle; a tunnel must free its local socket sooner.
pub const PEER_TIMEOUT: Duration = Duration::from_secs(15);

/// Turns a connected UDX stream into an encrypted connection with liveness: keepalives
/// every [`CONNECTION_KEEPALIVE`] and the [`PEER_TIMEOUT`], then the secret-stream
/// header exchange, which must finish within [`CONNECT_WAIT`].
pub(crate) async fn open_connection(
    stream: Stream,
    hs: &crate::swarm::noise::HandshakeResult,
) -> std::io::Result<Connection> {
    stream.set_keepalive(CONNECTION_KEEPALIVE);
    stream.set_peer_timeout(PEER_TIMEOUT);
    tokio::time::timeout(CONNECT_WAIT, SecretStream::new(stream, hs))
        .await
        .map_err(|_| std::io::ErrorKind::TimedOut)?
}

/// A UDX stream with a fresh random id on the node's instance.
pub(crate) fn new_stream(dht: &HyperDht) -> Option<Stream> {
    (0..16).find_map(|_| dht.node().udx().stream(rand::random()).ok())
}

impl LocalServer for Handler {
    fn on_handshake(
        &self,
        noise: &[u8],
        client: SocketAddrV4,
        direct: bool,
    ) -> Option<ServerReply> {
        // The same message 1 can arrive through several relays: answer each copy alike.
        {
            let mut answered = lock(&self.answered);
            answered.retain(|_, (_, at)| at.elapsed() < CONNECT_WAIT);
            if let Some((answer, _)) = answered.get(noise) {
                return Some(answer.clone());
            }
        }
        let _keep_alive = self.me.upgrade()?;
        let answer = self.answer(noise, client, direct)?;
        lock(&self.answered).insert(noise.to_vec(), (answer.clone(), Instant::now()));
        Some(answer)
    }

    fn on_holepunch(
        self: Arc<Self>,
        id: u64,
        payload: Vec<u8>,
        client: SocketAddrV4,
        relay: SocketAddrV4,
    ) -> PendingReply {
        Box::pin(async move {
            let slot = self.slots.get(id)?;
            let from_our_relay = lock(&self.relays).iter().any(|r| r.relay_address == relay);
            slot.on_holepunch(&self.dht, &payload, client, from_our_relay)
                .await
        })
    }
}
