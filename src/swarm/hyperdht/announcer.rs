//! A server's presence on the DHT (hyperdht `lib/announcer.js`): it announces its own
//! key at the 3 nodes closest to `hash(public key)`, which then relay handshakes to it;
//! it pings them every 3 s, re-announces every ~5 minutes or as soon as too few
//! answer, and unannounces from nodes it no longer uses — and from all of them when
//! stopped, so a restarted server leaves no stale record that costs clients a timeout.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ed25519_dalek::SigningKey;

use super::client::signed_announce;
use super::messages::PeerRecord;
use super::{commands, HyperDht, NS_ANNOUNCE, NS_UNANNOUNCE};
use crate::swarm::crypto::{hash, Key32};
use crate::swarm::lock;
use crate::swarm::rpc::{Outgoing, Reply};

/// Nodes a server announces itself to.
const RELAYS: usize = 3;
/// Interval of the liveness pings to the relays.
const PING_EVERY: Duration = Duration::from_secs(3);
/// Pings between full re-announces (~5 minutes).
const PINGS_PER_CYCLE: usize = 100;

/// A node that holds our announcement, and our address as it sees us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relay {
    /// The node (clients reach us through it).
    pub relay_address: SocketAddrV4,
    /// Our address as that node saw it.
    pub peer_address: SocketAddrV4,
}

/// What the announcer currently has in place.
#[derive(Debug, Default, Clone)]
struct Placed {
    relays: Vec<Relay>,
}

/// A running announcement; [`Announcer::stop`] withdraws it.
pub struct Announcer {
    dht: HyperDht,
    keypair: SigningKey,
    placed: Arc<Mutex<Placed>>,
    task: tokio::task::JoinHandle<()>,
}

impl HyperDht {
    /// Announces `keypair`'s public key as a server: returns once the first round of
    /// announces finished, and keeps it fresh in the background.
    pub async fn announce_server(&self, keypair: SigningKey) -> Announcer {
        let placed = Arc::new(Mutex::new(Placed::default()));
        update(self, &keypair, &placed).await;
        let task = tokio::spawn(background(self.clone(), keypair.clone(), placed.clone()));
        Announcer {
            dht: self.clone(),
            keypair,
            placed,
            task,
        }
    }
}

impl Announcer {
    /// The nodes holding the announcement now.
    pub fn relays(&self) -> Vec<Relay> {
        lock(&self.placed).relays.clone()
    }

    /// The addresses a client can reach us through: our own when we are reachable,
    /// then the relays (at most 3 in all).
    pub fn relay_addresses(&self) -> Vec<SocketAddrV4> {
        let node = self.dht.node();
        let own = (!node.is_firewalled())
            .then(|| node.public_addr())
            .flatten();
        own.into_iter()
            .chain(self.relays().into_iter().map(|r| r.relay_address))
            .take(RELAYS)
            .collect()
    }

    /// Stops refreshing and removes the announcement from every node holding it.
    pub async fn stop(self) {
        self.task.abort();
        let relays = std::mem::take(&mut lock(&self.placed).relays);
        let mut set = tokio::task::JoinSet::new();
        for r in relays {
            let (dht, kp) = (self.dht.clone(), self.keypair.clone());
            set.spawn(async move { unannounce_at(&dht, &kp, r.relay_address).await });
        }
        while set.join_next().await.is_some() {}
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The record a server announces: its key and no relays (the nodes are the relays).
fn own_record(keypair: &SigningKey) -> PeerRecord {
    PeerRecord {
        public_key: keypair.verifying_key().to_bytes(),
        relay_addresses: Vec::new(),
    }
}

fn signed(ns: &Key32, target: Key32, reply: &Reply, keypair: &SigningKey) -> Option<Vec<u8>> {
    signed_announce(ns, target, reply, keypair, own_record(keypair))
}

/// One round: find the closest nodes, announce to the best 3, unannounce from nodes
/// that held it before but no longer do.
async fn update(dht: &HyperDht, keypair: &SigningKey, placed: &Mutex<Placed>) {
    let target = hash(&[keypair.verifying_key().as_bytes()]);
    let result = dht.run(commands::FIND_PEER, target, None).await;
    let mut set = tokio::task::JoinSet::new();
    for reply in result.closest.iter().take(RELAYS) {
        let Some(value) = signed(&NS_ANNOUNCE, target, reply, keypair) else {
            continue;
        };
        let (node, reply) = (dht.node().clone(), reply.clone());
        set.spawn(async move {
            let out = Outgoing {
                command: commands::ANNOUNCE,
                target: Some(target),
                token: reply.response.token,
                value: Some(value),
                ..Outgoing::default()
            };
            let ok = node
                .request(reply.from, out)
                .await
                .is_ok_and(|r| r.response.error == 0);
            ok.then_some(Relay {
                relay_address: reply.from,
                peer_address: reply.response.to,
            })
        });
    }
    let mut relays = Vec::new();
    while let Some(done) = set.join_next().await {
        if let Ok(Some(r)) = done {
            relays.push(r);
        }
    }
    let dropped: Vec<Relay> = {
        let mut p = lock(placed);
        let old = std::mem::replace(&mut p.relays, relays);
        let keep: HashMap<SocketAddrV4, ()> =
            p.relays.iter().map(|r| (r.relay_address, ())).collect();
        old.into_iter()
            .filter(|r| !keep.contains_key(&r.relay_address))
            .collect()
    };
    for r in dropped {
        unannounce_at(dht, keypair, r.relay_address).await;
    }
}

/// Withdraws the announcement at one node: FIND_PEER for a fresh token, then a signed
/// UNANNOUNCE.
async fn unannounce_at(dht: &HyperDht, keypair: &SigningKey, at: SocketAddrV4) {
    let target = hash(&[keypair.verifying_key().as_bytes()]);
    let find = Outgoing {
        command: commands::FIND_PEER,
        target: Some(target),
        ..Outgoing::default()
    };
    let Ok(reply) = dht.node().request(at, find).await else {
        return;
    };
    let Some(value) = signed(&NS_UNANNOUNCE, target, &reply, keypair) else {
        return;
    };
    let unannounce = Outgoing {
        command: commands::UNANNOUNCE,
        target: Some(target),
        token: reply.response.token,
        value: Some(value),
        ..Outgoing::default()
    };
    let _ = dht.node().request(at, unannounce).await;
}

/// Pings the relays every 3 s; re-announces after ~5 minutes or when fewer than
/// min(3, n) answer.
async fn background(dht: HyperDht, keypair: SigningKey, placed: Arc<Mutex<Placed>>) {
    loop {
        for i in 0..PINGS_PER_CYCLE {
            tokio::time::sleep(PING_EVERY).await;
            let relays = lock(&placed).relays.clone();
            let mut set = tokio::task::JoinSet::new();
            for r in &relays {
                let node = dht.node().clone();
                let to = r.relay_address;
                set.spawn(async move { node.ping(to).await.is_ok() });
            }
            let mut alive = 0;
            while let Some(done) = set.join_next().await {
                alive += usize::from(done.unwrap_or(false));
            }
            // No relay at all: try again every 30 s rather than wait out the cycle.
            let lonely = relays.is_empty() && i % 10 == 9;
            if lonely || alive < relays.len().min(RELAYS) {
                break;
            }
        }
        update(&dht, &keypair, &placed).await;
    }
}
