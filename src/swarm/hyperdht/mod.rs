//! HyperDHT (wire-compatible with npm `hyperdht@6`): the commands a node serves for
//! others on top of dht-rpc.
//!
//! - [`messages`]: the payloads carried in dht-rpc values;
//! - [`payload`]: the Noise handshake payload and the encrypted holepunch payload;
//! - [`store`]: bounded, expiring storage;
//! - [`persistent`]: LOOKUP, FIND_PEER, (UN)ANNOUNCE, MUTABLE_* and IMMUTABLE_*;
//! - [`announcer`]: a server keeping its own key announced (and withdrawing it);
//! - [`client`]: the same commands from the asking side (lookup, announce, put, get);
//! - [`server`] and [`connect`]: encrypted connections by public key (listen, connect);
//! - [`nat`] and [`holepuncher`]: classifying our NAT and punching through two NATs;
//!   [`lan`]: the shortcut for two peers behind the same NAT;
//! - [`router`]: relaying PEER_HANDSHAKE and PEER_HOLEPUNCH between a client and the
//!   server that announced itself here.
//!
//! [`HyperDht`] is a dht-rpc node with these handlers installed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;

use crate::swarm::crypto::Key32;
use crate::swarm::lock;
use crate::swarm::rpc::{DhtNode, IncomingRequest, NodeConfig, RequestHandler};

pub mod announcer;
pub mod client;
pub mod connect;
pub mod holepuncher;
pub mod lan;
pub mod messages;
pub mod nat;
pub mod payload;
pub mod persistent;
pub mod router;
pub mod server;
pub mod store;

/// HyperDHT's command numbers (the non-internal dht-rpc command space).
pub mod commands {
    /// Relay a Noise handshake to a server.
    pub const PEER_HANDSHAKE: u64 = 0;
    /// Relay a holepunch exchange.
    pub const PEER_HOLEPUNCH: u64 = 1;
    /// The record of a server that announced its own key.
    pub const FIND_PEER: u64 = 2;
    /// The records announced under a topic.
    pub const LOOKUP: u64 = 3;
    /// Store a signed record.
    pub const ANNOUNCE: u64 = 4;
    /// Remove a signed record.
    pub const UNANNOUNCE: u64 = 5;
    /// Store a signed, versioned value.
    pub const MUTABLE_PUT: u64 = 6;
    /// Fetch a signed, versioned value.
    pub const MUTABLE_GET: u64 = 7;
    /// Store a value under its hash.
    pub const IMMUTABLE_PUT: u64 = 8;
    /// Fetch a value by its hash.
    pub const IMMUTABLE_GET: u64 = 9;
    /// Application plugins (not served).
    pub const PLUGIN: u64 = 10;
}

/// dht-rpc error codes HyperDHT adds for MUTABLE_PUT.
pub mod errors {
    /// Same seq, different value.
    pub const SEQ_REUSED: u64 = 16;
    /// Older than what is stored.
    pub const SEQ_TOO_LOW: u64 = 17;
}

/// HyperDHT's namespace for command `id`.
fn ns(id: u8) -> Key32 {
    crate::swarm::crypto::namespace(b"hyperswarm/dht", id)
}

/// Namespace of announce signatures.
pub static NS_ANNOUNCE: LazyLock<Key32> = LazyLock::new(|| ns(commands::ANNOUNCE as u8));
/// Namespace of unannounce signatures.
pub static NS_UNANNOUNCE: LazyLock<Key32> = LazyLock::new(|| ns(commands::UNANNOUNCE as u8));
/// Namespace of mutable-record signatures.
pub static NS_MUTABLE_PUT: LazyLock<Key32> = LazyLock::new(|| ns(commands::MUTABLE_PUT as u8));
/// The Noise prologue of peer handshakes.
pub static NS_PEER_HANDSHAKE: LazyLock<Key32> =
    LazyLock::new(|| ns(commands::PEER_HANDSHAKE as u8));
/// hyperdht firewall classes (what a peer says about reaching it).
pub mod firewall {
    /// Not known yet.
    pub const UNKNOWN: u64 = 0;
    /// Reachable at its public address.
    pub const OPEN: u64 = 1;
    /// Behind a NAT that keeps one mapping for every destination.
    pub const CONSISTENT: u64 = 2;
    /// Behind a NAT that maps each destination to a new port.
    pub const RANDOM: u64 = 3;
}

/// Error codes of Noise and holepunch payloads.
pub mod error {
    /// No error.
    pub const NONE: u64 = 0;
    /// The side gave up.
    pub const ABORTED: u64 = 1;
    /// Unknown payload version.
    pub const VERSION_MISMATCH: u64 = 2;
    /// Random-NAT punching is rate limited: come back later.
    pub const TRY_LATER: u64 = 3;
}

/// Input of the holepunch secret.
pub static NS_PEER_HOLEPUNCH: LazyLock<Key32> =
    LazyLock::new(|| ns(commands::PEER_HOLEPUNCH as u8));

/// A HyperDHT node: dht-rpc plus the HyperDHT commands.
#[derive(Clone)]
pub struct HyperDht {
    node: DhtNode,
    service: Arc<Service>,
}

impl HyperDht {
    /// Binds a node and installs the HyperDHT handlers. Call [`DhtNode::bootstrap`]
    /// (through [`HyperDht::node`]) to join the network.
    pub async fn bind(config: NodeConfig) -> std::io::Result<Self> {
        let node = DhtNode::bind(config).await?;
        let service = Arc::new(Service::default());
        node.set_handler(service.clone());
        Ok(HyperDht { node, service })
    }

    /// The underlying dht-rpc node.
    pub fn node(&self) -> &DhtNode {
        &self.node
    }

    /// Answers handshakes for `target` (a server's `hash(public key)`) here.
    pub fn add_local_server(&self, target: Key32, server: Arc<dyn router::LocalServer>) {
        lock(&self.service.router).add_server(target, server);
    }

    /// Stops answering handshakes for `target`.
    pub fn remove_local_server(&self, target: &Key32) {
        lock(&self.service.router).remove_server(target);
    }

    /// Random-NAT punches running in this process.
    pub(crate) fn random_punches(&self) -> &AtomicUsize {
        &self.service.random_punches
    }

    /// When the last random-NAT punch succeeded.
    pub(crate) fn last_random_punch(&self) -> &Mutex<Option<Instant>> {
        &self.service.last_random_punch
    }

    /// True when another random-NAT punch must wait: one runs already, or the last
    /// ended less than 20 s ago (hyperdht's limits; they keep a process from
    /// spraying the network).
    pub(crate) fn random_punch_busy(&self) -> bool {
        use holepuncher::{RANDOM_PUNCH_INTERVAL, RANDOM_PUNCH_LIMIT};
        self.random_punches().load(Ordering::SeqCst) >= RANDOM_PUNCH_LIMIT
            || lock(self.last_random_punch()).is_some_and(|t| t.elapsed() < RANDOM_PUNCH_INTERVAL)
    }
}

/// The state behind the handlers.
#[derive(Default)]
struct Service {
    router: Mutex<router::Router>,
    storage: Mutex<persistent::Storage>,
    random_punches: AtomicUsize,
    last_random_punch: Mutex<Option<Instant>>,
}

impl RequestHandler for Service {
    fn on_request(&self, req: IncomingRequest) -> Result<(), Box<IncomingRequest>> {
        use commands::*;
        match req.req.command {
            PEER_HANDSHAKE => router::on_peer_handshake(&self.router, req),
            PEER_HOLEPUNCH => router::on_peer_holepunch(&self.router, req),
            // Storage is served only by persistent nodes, whose ids others can verify.
            _ if !req.node().is_persistent() => return Err(Box::new(req)),
            FIND_PEER | LOOKUP | ANNOUNCE | UNANNOUNCE | MUTABLE_PUT | MUTABLE_GET
            | IMMUTABLE_PUT | IMMUTABLE_GET => {
                persistent::on_request(&self.storage, &self.router, req)
            }
            PLUGIN => {}
            _ => return Err(Box::new(req)),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaces_match_hyperdht() {
        assert_eq!(
            hex::encode(*NS_ANNOUNCE),
            "36386adddf9f6fd60db83a6f42fc159d1146aa8644037664230aaa1f0179d497"
        );
        assert_eq!(
            hex::encode(*NS_PEER_HANDSHAKE),
            "14d6d4b49214ab1033ed204976caa258bae9e1e8543b9ad1fd996a910b0c4e3a"
        );
        assert_eq!(
            hex::encode(*NS_MUTABLE_PUT),
            "668e823edd5ce7f5338d68bf1161f4a3c28ce437ee2ab49efd30d99366039b1e"
        );
    }
}
