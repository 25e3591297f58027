//! The public face of the stack: one node per process, sharing its sockets between
//! the DHT and every connection. `listen` serves a keypair (a firewall sees each
//! client's key first); `connect` reaches a server by its public key. A
//! [`Connection`] is a tokio `AsyncRead + AsyncWrite` with half-close and the peer's
//! public key.

use std::net::{Ipv4Addr, SocketAddrV4};

pub use super::hyperdht::connect::ConnectError;
pub use super::hyperdht::server::{Connection, Firewall, Server};
use super::hyperdht::HyperDht;
use super::noise::Keypair;
use super::rpc::{NodeConfig, RateLimits};
use crate::keys::KeyPair;

/// A node joined to the DHT.
#[derive(Clone)]
pub struct Node {
    dht: HyperDht,
}

impl Node {
    /// Binds a node on `port` (0: any) and joins the network through `bootstrap`.
    pub async fn join(bootstrap: Vec<SocketAddrV4>, port: u16) -> std::io::Result<Node> {
        let dht = HyperDht::bind(NodeConfig {
            host: Ipv4Addr::UNSPECIFIED,
            port,
            bootstrap,
            persistent: false,
            limits: RateLimits::default(),
        })
        .await?;
        dht.node().bootstrap().await;
        Ok(Node { dht })
    }

    /// The HyperDHT node underneath.
    pub fn dht(&self) -> &HyperDht {
        &self.dht
    }

    /// Serves `keypair`: clients that `firewall` admits become [`Connection`]s.
    pub async fn listen(&self, keypair: &KeyPair, firewall: Firewall) -> Server {
        self.dht.listen(noise_keypair(keypair), firewall).await
    }

    /// Connects to the server with public key `remote`, as `keypair`.
    pub async fn connect(
        &self,
        remote: [u8; 32],
        keypair: &KeyPair,
    ) -> Result<Connection, ConnectError> {
        self.dht.connect(remote, &noise_keypair(keypair)).await
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
    pub async fn lookup_topic(&self, topic: [u8; 32]) -> Vec<[u8; 32]> {
        let mut keys: Vec<[u8; 32]> = Vec::new();
        for found in self.dht.lookup(topic).await {
            if !keys.contains(&found.peer.public_key) {
                keys.push(found.peer.public_key);
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
