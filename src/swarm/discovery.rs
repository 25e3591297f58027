//! Meeting peers by topic, as hyperswarm does: one keypair serves every topic we join
//! (announced under each topic), each topic is looked up now and then, and every peer
//! found is connected once. Incoming and outgoing connections come out of one channel,
//! each with the peer's public key; what runs on them is the caller's business.
//!
//! At most one connection per peer key is opened by us (a peer may still connect to us
//! while we connect to it: both are handed out). Lookups run at join and then every
//! [`LOOKUP_EVERY`]; announcements are refreshed every [`ANNOUNCE_EVERY`], well within
//! the records' lifetime. Every connect attempt has a deadline ([`CONNECT_TIMEOUT`]).

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, Notify};

use super::crypto::Key32;
use super::node::{Connection, Firewall, Node};
use crate::keys::{KeyPair, PublicKey};

/// How often each joined topic is looked up again.
pub const LOOKUP_EVERY: Duration = Duration::from_secs(15);
/// How often our announcements are renewed.
pub const ANNOUNCE_EVERY: Duration = Duration::from_secs(10 * 60);
/// How long one connect attempt may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection and who is on the other end.
pub struct Peer {
    /// The connection.
    pub connection: Connection,
    /// The peer's public key.
    pub remote: PublicKey,
}

struct State {
    topics: HashSet<Key32>,
    /// Peers with a live connection we know of.
    connected: HashSet<PublicKey>,
}

/// The topics joined and the connections made; dropping it stops lookups and accepts.
pub struct Discovery {
    state: Arc<Mutex<State>>,
    refresh: Arc<Notify>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Discovery {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn lock(m: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Discovery {
    /// Serves `keypair` on `node` (peers `firewall` admits) and returns the handle and
    /// the stream of connections. Join topics with [`Discovery::join`].
    pub async fn start(
        node: Node,
        keypair: KeyPair,
        firewall: Firewall,
    ) -> (Discovery, mpsc::Receiver<Peer>) {
        let (tx, rx) = mpsc::channel(64);
        let state = Arc::new(Mutex::new(State {
            topics: HashSet::new(),
            connected: HashSet::new(),
        }));
        let refresh = Arc::new(Notify::new());
        let mut server = node.listen(&keypair, firewall).await;
        let relays = server.relay_addresses();
        let accept = {
            let (tx, state) = (tx.clone(), state.clone());
            tokio::spawn(async move {
                while let Some(connection) = server.accept().await {
                    let remote = PublicKey::from_bytes(*connection.remote_public_key());
                    lock(&state).connected.insert(remote);
                    if tx.send(Peer { connection, remote }).await.is_err() {
                        return;
                    }
                }
            })
        };
        let look = {
            let (state, refresh) = (state.clone(), refresh.clone());
            tokio::spawn(async move {
                let mut announced: Option<tokio::time::Instant> = None;
                let mut announced_topics: HashSet<Key32> = HashSet::new();
                loop {
                    let topics: Vec<Key32> = lock(&state).topics.iter().copied().collect();
                    let renew = announced.is_none_or(|t| t.elapsed() >= ANNOUNCE_EVERY);
                    for topic in &topics {
                        if renew || !announced_topics.contains(topic) {
                            let stored = node.announce_topic(*topic, &keypair, &relays).await;
                            tracing::debug!(topic = %hex::encode(topic), ?stored, "announced");
                            announced_topics.insert(*topic);
                        }
                    }
                    if renew {
                        announced = Some(tokio::time::Instant::now());
                    }
                    for topic in &topics {
                        let found = node.lookup_topic(*topic).await;
                        tracing::debug!(topic = %hex::encode(topic), found = ?found.iter().map(|k| k.to_hex()).collect::<Vec<_>>(), "looked up");
                        for remote in found {
                            if remote == keypair.public_key() {
                                continue;
                            }
                            if !lock(&state).connected.insert(remote) {
                                continue;
                            }
                            let (node, keypair, tx, state) =
                                (node.clone(), keypair.clone(), tx.clone(), state.clone());
                            tokio::spawn(async move {
                                let attempt = tokio::time::timeout(
                                    CONNECT_TIMEOUT,
                                    node.connect(&remote, &keypair),
                                )
                                .await;
                                match attempt {
                                    Ok(Ok(connection)) => {
                                        let _ = tx.send(Peer { connection, remote }).await;
                                    }
                                    failed => {
                                        tracing::debug!(%remote, ?failed, "connect failed");
                                        lock(&state).connected.remove(&remote);
                                    }
                                }
                            });
                        }
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(LOOKUP_EVERY) => {}
                        _ = refresh.notified() => {}
                    }
                }
            })
        };
        (
            Discovery {
                state,
                refresh,
                tasks: vec![accept, look],
            },
            rx,
        )
    }

    /// Joins `topic`: announced and looked up from now on (at once).
    pub fn join(&self, topic: Key32) {
        if lock(&self.state).topics.insert(topic) {
            self.refresh.notify_one();
        }
    }

    /// Stops looking up and announcing `topic` (announcements expire on their own).
    pub fn leave(&self, topic: &Key32) {
        lock(&self.state).topics.remove(topic);
    }

    /// The connection with `remote` ended: it may be connected again.
    pub fn disconnected(&self, remote: &PublicKey) {
        lock(&self.state).connected.remove(remote);
    }

    /// How many peers are connected.
    pub fn peers(&self) -> usize {
        lock(&self.state).connected.len()
    }
}
