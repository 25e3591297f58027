//! Relaying PEER_HANDSHAKE and PEER_HOLEPUNCH (hyperdht `lib/router.js`): a client
//! reaches a server through the node the server announced itself to; that node keeps a
//! "forward" (the server's address) and passes envelopes along, and the last hop
//! answers the client directly with the original transaction id.
//!
//! Relays never look inside the Noise or holepunch payloads; a server listening on
//! this node ([`LocalServer`]) answers for its own target.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddrV4;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::messages::{mode, Handshake, Holepunch};
use super::store::TtlCache;
use crate::swarm::crypto::Key32;
use crate::swarm::lock;
use crate::swarm::rpc::{IncomingRequest, PoolSocket};

/// How many forwards a node keeps, and for how long.
const MAX_FORWARDS: usize = 65_536;
const FORWARD_AGE: Duration = Duration::from_secs(20 * 60);

/// A server that announced its own key here.
#[derive(Debug, Clone)]
pub struct Forward {
    /// Where the server announced from: handshakes for it are relayed there.
    pub relay: SocketAddrV4,
    /// Its encoded peer record (FIND_PEER and LOOKUP answer with it).
    pub record: Vec<u8>,
}

/// A local server's answer, and the pool socket to send it from (`None`: the socket
/// the request came in on). Answers sent from a holepunch socket show the relay, and
/// through it the client, where that socket's NAT mapping is.
#[derive(Clone)]
pub struct ServerReply {
    /// The Noise message 2 or the sealed holepunch payload.
    pub payload: Vec<u8>,
    /// The socket to send from.
    pub via: Option<Arc<PoolSocket>>,
}

/// An answer that may take a while (a holepunch waits for the NAT analysis).
pub type PendingReply = Pin<Box<dyn Future<Output = Option<ServerReply>> + Send>>;

/// A server listening on this node: it answers handshakes and holepunch messages for
/// its target itself instead of forwarding them.
pub trait LocalServer: Send + Sync + 'static {
    /// Noise message 1 from a client at `client` (as the relaying node, or we, saw it;
    /// `direct` when the client sent it to us without a relay) → message 2, or `None`
    /// to stay silent (firewalled, malformed).
    fn on_handshake(&self, noise: &[u8], client: SocketAddrV4, direct: bool)
        -> Option<ServerReply>;
    /// A sealed holepunch payload for handshake slot `id`, from the client at `client`,
    /// relayed by the node at `relay` → the sealed answer.
    fn on_holepunch(
        self: Arc<Self>,
        id: u64,
        payload: Vec<u8>,
        client: SocketAddrV4,
        relay: SocketAddrV4,
    ) -> PendingReply;
}

/// Relays `value` onward from the socket a local server chose.
fn relay_reply(req: &IncomingRequest, value: Vec<u8>, to: SocketAddrV4, via: Option<&PoolSocket>) {
    match via {
        Some(socket) => req.relay_via(Some(value), to, socket),
        None => req.relay(Some(value), to),
    }
}

/// The forwards a node holds, by target (`hash(server public key)`), and the servers
/// listening here.
pub struct Router {
    forwards: TtlCache<Key32, Forward>,
    servers: HashMap<Key32, Arc<dyn LocalServer>>,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            forwards: TtlCache::new(MAX_FORWARDS, FORWARD_AGE),
            servers: HashMap::new(),
        }
    }
}

impl Router {
    /// The forward for `target`.
    pub fn get(&mut self, target: &Key32) -> Option<Forward> {
        self.forwards.get(target).cloned()
    }

    /// Stores (or refreshes) the forward for `target`.
    pub fn set(&mut self, target: Key32, forward: Forward) {
        self.forwards.set(target, forward);
    }

    /// Forgets the forward for `target`.
    pub fn remove(&mut self, target: &Key32) {
        self.forwards.remove(target);
    }

    /// Routes handshakes for `target` to a server listening here.
    pub fn add_server(&mut self, target: Key32, server: Arc<dyn LocalServer>) {
        self.servers.insert(target, server);
    }

    /// Stops routing `target` to a local server.
    pub fn remove_server(&mut self, target: &Key32) {
        self.servers.remove(target);
    }

    fn server(&self, target: Option<Key32>) -> Option<Arc<dyn LocalServer>> {
        self.servers.get(&target?).cloned()
    }
}

/// PEER_HANDSHAKE at the server's own node: answer directly, or back through the
/// relay(s) the message came by.
fn server_handshake(server: &dyn LocalServer, hs: Handshake, req: &IncomingRequest) {
    match hs.mode {
        mode::FROM_CLIENT => {
            if let Some(answer) = server.on_handshake(&hs.noise, req.from, true) {
                let env = Handshake {
                    mode: mode::REPLY,
                    noise: answer.payload,
                    peer_address: None,
                    relay_address: None,
                };
                req.reply(Some(env.encode()), false, false);
            }
        }
        mode::FROM_RELAY | mode::FROM_SECOND_RELAY => {
            let Some(client) = hs.peer_address else {
                return;
            };
            let back = if hs.mode == mode::FROM_RELAY {
                req.from
            } else if let Some(relay) = hs.relay_address {
                relay
            } else {
                return;
            };
            if let Some(answer) = server.on_handshake(&hs.noise, client, false) {
                let env = Handshake {
                    mode: mode::FROM_SERVER,
                    noise: answer.payload,
                    peer_address: Some(client),
                    relay_address: None,
                };
                relay_reply(req, env.encode(), back, answer.via.as_deref());
            }
        }
        _ => {}
    }
}

/// Handles PEER_HANDSHAKE at a node that is not the server itself.
pub fn on_peer_handshake(router: &Mutex<Router>, req: IncomingRequest) {
    let Some(hs) = req.value_as(Handshake::decode) else {
        return;
    };
    if let Some(server) = lock(router).server(req.req.target) {
        server_handshake(server.as_ref(), hs, &req);
        return;
    }
    let relay = req
        .req
        .target
        .and_then(|t| lock(router).get(&t))
        .map(|f| f.relay);
    match hs.mode {
        mode::FROM_CLIENT => match hs.relay_address.or(relay) {
            // No route known: help the client walk closer instead.
            None => req.reply(None, false, true),
            Some(to) => {
                let env = Handshake {
                    mode: mode::FROM_RELAY,
                    noise: hs.noise,
                    peer_address: Some(req.from),
                    relay_address: None,
                };
                req.relay(Some(env.encode()), to);
            }
        },
        mode::FROM_RELAY => {
            if let Some(to) = relay {
                let env = Handshake {
                    mode: mode::FROM_SECOND_RELAY,
                    noise: hs.noise,
                    peer_address: hs.peer_address,
                    relay_address: Some(req.from),
                };
                req.relay(Some(env.encode()), to);
            }
        }
        mode::FROM_SERVER => {
            if let Some(client) = hs.peer_address {
                let env = Handshake {
                    mode: mode::REPLY,
                    noise: hs.noise,
                    peer_address: Some(req.from),
                    relay_address: None,
                };
                req.reply_to(Some(env.encode()), client);
            }
        }
        _ => {}
    }
}

/// Handles PEER_HOLEPUNCH at a node that is not the server itself.
pub fn on_peer_holepunch(router: &Mutex<Router>, req: IncomingRequest) {
    let Some(hp) = req.value_as(Holepunch::decode) else {
        return;
    };
    let server = lock(router).server(req.req.target);
    match hp.mode {
        mode::FROM_RELAY => {
            let (Some(server), Some(client)) = (server, hp.peer_address) else {
                return;
            };
            let pending = server.on_holepunch(hp.id, hp.payload, client, req.from);
            tokio::spawn(async move {
                if let Some(answer) = pending.await {
                    let env = Holepunch {
                        mode: mode::FROM_SERVER,
                        id: 0,
                        payload: answer.payload,
                        peer_address: Some(client),
                    };
                    relay_reply(&req, env.encode(), req.from, answer.via.as_deref());
                }
            });
        }
        mode::FROM_CLIENT => {
            let relay = req
                .req
                .target
                .and_then(|t| lock(router).get(&t))
                .map(|f| f.relay);
            if let Some(to) = hp.peer_address.or(relay) {
                let env = Holepunch {
                    mode: mode::FROM_RELAY,
                    id: hp.id,
                    payload: hp.payload,
                    peer_address: Some(req.from),
                };
                req.relay(Some(env.encode()), to);
            }
        }
        mode::FROM_SERVER => {
            let env = Holepunch {
                mode: mode::REPLY,
                id: hp.id,
                payload: hp.payload,
                peer_address: Some(req.from),
            };
            let client = hp.peer_address.unwrap_or(req.from);
            req.reply_to(Some(env.encode()), client);
        }
        _ => {}
    }
}

/// What a PEER_HANDSHAKE round trip told the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandshakeReply {
    /// Noise message 2.
    pub noise: Vec<u8>,
    /// True when the server answered through a relay (not its own node).
    pub relayed: bool,
    /// The server's address (as the relay saw it, or the node we asked).
    pub server_address: SocketAddrV4,
    /// Our address as the responding node saw it.
    pub client_address: SocketAddrV4,
}

/// Why a handshake or holepunch round trip failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoundTripError {
    /// The node did not answer in time.
    #[error("the node did not answer: {0}")]
    NoAnswer(#[from] crate::swarm::rpc::RequestError),
    /// The answer was not a valid reply from the node asked.
    #[error("invalid reply from the relaying node")]
    BadReply,
}

/// Sends Noise message 1 for `target` to `to` (a node holding the server's
/// announcement, or the server's own node) and waits for message 2.
pub async fn peer_handshake(
    dht: &super::HyperDht,
    target: Key32,
    noise: Vec<u8>,
    to: SocketAddrV4,
) -> Result<HandshakeReply, RoundTripError> {
    let value = Handshake {
        mode: mode::FROM_CLIENT,
        noise,
        peer_address: None,
        relay_address: None,
    }
    .encode();
    let out = crate::swarm::rpc::Outgoing {
        command: super::commands::PEER_HANDSHAKE,
        target: Some(target),
        value: Some(value),
        ..Default::default()
    };
    let reply = dht.node().request(to, out).await?;
    let hs = reply
        .response
        .value
        .as_deref()
        .and_then(|v| Handshake::decode(v).ok())
        .filter(|hs| hs.mode == mode::REPLY && reply.from == to)
        .ok_or(RoundTripError::BadReply)?;
    Ok(HandshakeReply {
        noise: hs.noise,
        relayed: hs.peer_address.is_some(),
        server_address: hs.peer_address.unwrap_or(to),
        client_address: reply.response.to,
    })
}

/// What a PEER_HOLEPUNCH round trip brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HolepunchReply {
    /// The server's sealed payload.
    pub payload: Vec<u8>,
    /// The server's (holepunch socket's) address as the relay saw it.
    pub peer_address: SocketAddrV4,
    /// The relay that answered.
    pub from: SocketAddrV4,
    /// Our socket's address as the relay saw it (a NAT sample).
    pub to: SocketAddrV4,
}

/// Sends a sealed holepunch payload for handshake slot `id` from `via` through `to`
/// (one of the server's relays), naming `peer_address` (the server) as the next hop.
pub async fn peer_holepunch(
    dht: &super::HyperDht,
    via: &PoolSocket,
    target: Key32,
    id: u64,
    payload: Vec<u8>,
    peer_address: SocketAddrV4,
    to: SocketAddrV4,
) -> Result<HolepunchReply, RoundTripError> {
    let value = Holepunch {
        mode: mode::FROM_CLIENT,
        id,
        payload,
        peer_address: Some(peer_address),
    }
    .encode();
    let out = crate::swarm::rpc::Outgoing {
        command: super::commands::PEER_HOLEPUNCH,
        target: Some(target),
        value: Some(value),
        ..Default::default()
    };
    let reply = dht.node().request_from(via, to, out).await?;
    let hp = reply
        .response
        .value
        .as_deref()
        .and_then(|v| Holepunch::decode(v).ok())
        .filter(|hp| hp.mode == mode::REPLY && reply.from == to)
        .ok_or(RoundTripError::BadReply)?;
    Ok(HolepunchReply {
        payload: hp.payload,
        peer_address: hp.peer_address.unwrap_or(to),
        from: reply.from,
        to: reply.response.to,
    })
}
