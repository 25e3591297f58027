//! Relaying PEER_HANDSHAKE and PEER_HOLEPUNCH (hyperdht `lib/router.js`): a client
//! reaches a server through the node the server announced itself to; that node keeps a
//! "forward" (the server's address) and passes envelopes along, and the last hop
//! answers the client directly with the original transaction id.
//!
//! Relays never look inside the Noise or holepunch payloads.

use std::net::SocketAddrV4;
use std::sync::Mutex;
use std::time::Duration;

use super::messages::{mode, Handshake, Holepunch};
use super::store::TtlCache;
use crate::swarm::crypto::Key32;
use crate::swarm::rpc::io::lock;
use crate::swarm::rpc::IncomingRequest;

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

/// The forwards a node holds, by target (`hash(server public key)`).
pub struct Router {
    forwards: TtlCache<Key32, Forward>,
}

impl Default for Router {
    fn default() -> Self {
        Router {
            forwards: TtlCache::new(MAX_FORWARDS, FORWARD_AGE),
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
}

/// Handles PEER_HANDSHAKE at a node that is not the server itself.
pub fn on_peer_handshake(router: &Mutex<Router>, req: IncomingRequest) {
    let Some(hs) = req.value_as(Handshake::decode) else {
        return;
    };
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
    match hp.mode {
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
