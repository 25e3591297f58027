//! The public face of the stack: one node per process, sharing its sockets between
//! the DHT and every connection. `listen` serves a keypair (a firewall sees each
//! client's key first); `connect` reaches a server by its public key. A
//! [`Connection`] is a tokio `AsyncRead + AsyncWrite` with half-close and the peer's
//! public key.
//!
//! Joining: a one-shot command fails with [`JoinError::Unreachable`] when no bootstrap
//! node answers (a few seconds, not a misleading "peer not found" later); a server
//! starts anyway and [`keep_joining`] retries with backoff, saying what happens, as a
//! daemon under systemd must.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

pub use super::hyperdht::connect::ConnectError;
pub use super::hyperdht::server::{
    Connection, Firewall, Server, CONNECTION_KEEPALIVE, PEER_TIMEOUT,
};
use super::hyperdht::HyperDht;
use super::noise::Keypair;
use super::rpc::{DhtNode, NodeConfig, RateLimits};
use crate::keys::{KeyPair, PublicKey};

/// Why a node could not join the DHT.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// The UDP socket could not be bound.
    #[error("cannot bind UDP port {port}: {source}")]
    Bind {
        /// The port asked for (0: any).
        port: u16,
        /// Why.
        source: std::io::Error,
    },
    /// No bootstrap node (nor any node they named) answered.
    #[error("no DHT node answered (bootstrap {})", list(bootstrap))]
    Unreachable {
        /// The nodes tried.
        bootstrap: Vec<SocketAddrV4>,
    },
}

/// What a server's node reports while it joins in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinEvent {
    /// No node answered; the next attempt is in `retry`.
    Unreachable {
        /// The nodes tried.
        bootstrap: Vec<SocketAddrV4>,
        /// Until the next attempt.
        retry: Duration,
    },
    /// The node knows `nodes` DHT nodes after an earlier attempt had failed.
    Joined {
        /// Nodes in the routing table.
        nodes: usize,
    },
}

/// `a:p, b:q` for messages.
pub fn list(addrs: &[SocketAddrV4]) -> String {
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Pause before the second attempt to join; doubles up to [`JOIN_RETRY_MAX`].
const JOIN_RETRY_MIN: Duration = Duration::from_secs(5);
/// The longest pause between attempts to join.
const JOIN_RETRY_MAX: Duration = Duration::from_secs(60);

/// Joins `node` to the DHT: one attempt now; if no node answers, `report` hears it and
/// the attempts go on in the background with backoff (5 s doubling to 60 s) until some
/// node answers, which `report` hears too. A node with no bootstrap list (a network's
/// first node) has nothing to join.
pub async fn keep_joining<F>(node: &DhtNode, report: F)
where
    F: Fn(JoinEvent) + Send + 'static,
{
    if node.bootstrap_nodes().is_empty() || node.bootstrap().await > 0 {
        return;
    }
    let node = node.clone();
    let mut pause = JOIN_RETRY_MIN;
    let unreachable = |node: &DhtNode, retry| JoinEvent::Unreachable {
        bootstrap: node.bootstrap_nodes().to_vec(),
        retry,
    };
    report(unreachable(&node, pause));
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(JOIN_RETRY_MAX);
            let nodes = node.bootstrap().await;
            if nodes > 0 {
                report(JoinEvent::Joined { nodes });
                return;
            }
            report(unreachable(&node, pause));
        }
    });
}

/// A node joined to the DHT.
#[derive(Clone)]
pub struct Node {
    dht: HyperDht,
}

impl Node {
    /// Binds a node on `port` (0: any) and joins the network through `bootstrap`;
    /// fails if no node answers (for commands that do one thing and exit).
    pub async fn join(bootstrap: Vec<SocketAddrV4>, port: u16) -> Result<Node, JoinError> {
        let node = Node::bind(bootstrap, port).await?;
        let dht = node.dht.node();
        if dht.bootstrap().await == 0 && !dht.bootstrap_nodes().is_empty() {
            return Err(JoinError::Unreachable {
                bootstrap: dht.bootstrap_nodes().to_vec(),
            });
        }
        Ok(node)
    }

    /// Binds a node on `port` (0: any) and joins through `bootstrap`, going on in the
    /// background if no node answers yet ([`keep_joining`]): for servers, which must
    /// start either way.
    pub async fn join_in_background<F>(
        bootstrap: Vec<SocketAddrV4>,
        port: u16,
        report: F,
    ) -> Result<Node, JoinError>
    where
        F: Fn(JoinEvent) + Send + 'static,
    {
        let node = Node::bind(bootstrap, port).await?;
        keep_joining(node.dht.node(), report).await;
        Ok(node)
    }

    async fn bind(bootstrap: Vec<SocketAddrV4>, port: u16) -> Result<Node, JoinError> {
        let dht = HyperDht::bind(NodeConfig {
            host: Ipv4Addr::UNSPECIFIED,
            port,
            bootstrap,
            persistent: false,
            limits: RateLimits::default(),
        })
        .await
        .map_err(|source| JoinError::Bind { port, source })?;
        Ok(Node { dht })
    }

    /// Whether any DHT node is known (false: cut off from the network).
    pub fn is_joined(&self) -> bool {
        self.dht.node().table_len() > 0
    }

    /// The HyperDHT node underneath.
    pub fn dht(&self) -> &HyperDht {
        &self.dht
    }

    /// Resets every open connection (a process that is shutting down calls this, so
    /// its peers, a gateway's pool for one, see the connections end at once).
    pub fn close_connections(&self) {
        self.dht.node().udx().destroy_all();
    }

    /// Serves `keypair`: clients that `firewall` admits become [`Connection`]s.
    pub async fn listen(&self, keypair: &KeyPair, firewall: Firewall) -> Server {
        self.dht.listen(noise_keypair(keypair), firewall).await
    }

    /// Connects to the server with public key `remote`, as `keypair`.
    pub async fn connect(
        &self,
        remote: &PublicKey,
        keypair: &KeyPair,
    ) -> Result<Connection, ConnectError> {
        self.dht
            .connect(*remote.as_bytes(), &noise_keypair(keypair))
            .await
    }
}

impl Node {
    /// Announces `keypair`'s public key under `topic`, reachable through
    /// `relay_addresses` (a [`Server`]'s): how a hyperswarm peer joins a topic as a
    /// server. Returns the number of nodes that stored it.
    pub async fn announce_topic(
        &self,
        topic: [u8; 32],
        keypair: &KeyPair,
        relay_addresses: &[SocketAddrV4],
    ) -> Result<usize, super::hyperdht::client::PutError> {
        self.dht
            .announce(topic, keypair.signing_key(), relay_addresses)
            .await
    }

    /// The public keys announced under `topic` (each once).
    pub async fn lookup_topic(&self, topic: [u8; 32]) -> Vec<PublicKey> {
        let mut keys: Vec<PublicKey> = Vec::new();
        for found in self.dht.lookup(topic).await {
            let key = PublicKey::from_bytes(found.peer.public_key);
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        keys
    }
}

fn noise_keypair(kp: &KeyPair) -> Keypair {
    let secret = kp.secret_key();
    let mut seed = [0u8; 32];
    seed.copy_from_slice(&secret[..32]);
    Keypair::from_seed(seed)
}
