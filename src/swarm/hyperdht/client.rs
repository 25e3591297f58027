//! The client side of HyperDHT's storage commands (hyperdht `index.js`): finding a
//! server's record, looking up and announcing under a topic, and putting and getting
//! mutable and immutable records.
//!
//! Each is an iterative dht-rpc query toward the target; writes then "commit" to the k
//! closest nodes that answered, each with the token it handed out (and, for announces,
//! a signature bound to that node's id and token).

use std::net::SocketAddrV4;

use ed25519_dalek::{Signer, SigningKey};

use super::messages::{
    announce_signable, decode_lookup_reply, mutable_signable, Announce, MutableGet, MutablePut,
    PeerRecord,
};
use super::persistent::verify;
use super::{commands, errors, HyperDht, NS_ANNOUNCE, NS_MUTABLE_PUT, NS_UNANNOUNCE};
use crate::swarm::codec::Writer;
use crate::swarm::crypto::{hash, Key32};
use crate::swarm::rpc::query::{query, QueryResult, QuerySpec, DEFAULT_CONCURRENCY};
use crate::swarm::rpc::{Outgoing, Reply};

/// Why a write reached no node.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PutError {
    /// The query found no node that could take the write.
    #[error("too few nodes responded")]
    NoNodes,
    /// Every node refused: a record with this seq but another value is stored.
    #[error("a different value is already stored under this seq")]
    SeqReused,
    /// Every node refused: a newer record is stored.
    #[error("a newer record is already stored (seq too low)")]
    SeqTooLow,
    /// No node answered the commit.
    #[error("no node accepted the write")]
    NotStored,
}

/// A server or topic record and the node that returned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPeer {
    /// The node that holds the record (it relays handshakes to the peer).
    pub from: SocketAddrV4,
    /// The record.
    pub peer: PeerRecord,
}

/// A verified mutable record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutableRecord {
    /// Version number.
    pub seq: u64,
    /// The stored bytes.
    pub value: Vec<u8>,
    /// The writer's signature.
    pub signature: [u8; 64],
}

/// The public key of a signing key.
fn public_key(kp: &SigningKey) -> Key32 {
    kp.verifying_key().to_bytes()
}

impl HyperDht {
    /// Runs a HyperDHT query (application command `command`) toward `target`.
    pub(super) async fn run(
        &self,
        command: u64,
        target: Key32,
        value: Option<Vec<u8>>,
    ) -> QueryResult {
        query(
            self.node(),
            QuerySpec {
                command,
                internal: false,
                target,
                value,
                concurrency: DEFAULT_CONCURRENCY,
            },
        )
        .await
    }

    /// Sends `command` with `value` to every closest node of `result`, each with its
    /// token; returns the replies that came back.
    async fn commit(
        &self,
        result: &QueryResult,
        target: Key32,
        command: u64,
        value: impl Fn(&Reply) -> Option<Vec<u8>>,
    ) -> Result<Vec<Reply>, PutError> {
        let mut set = tokio::task::JoinSet::new();
        for reply in result.closest.iter().filter(|r| r.response.token.is_some()) {
            let Some(value) = value(reply) else { continue };
            let node = self.node().clone();
            let out = Outgoing {
                command,
                internal: false,
                target: Some(target),
                token: reply.response.token,
                value: Some(value),
                ..Outgoing::default()
            };
            let to = reply.from;
            set.spawn(async move { node.request(to, out).await });
        }
        if set.is_empty() {
            return Err(PutError::NoNodes);
        }
        let mut answers = Vec::new();
        while let Some(done) = set.join_next().await {
            if let Ok(Ok(reply)) = done {
                answers.push(reply);
            }
        }
        Ok(answers)
    }

    /// The records a server announced for its own key, one per node holding it.
    pub async fn find_peer(&self, public_key: &Key32) -> Vec<FoundPeer> {
        let result = self
            .run(commands::FIND_PEER, hash(&[public_key]), None)
            .await;
        result
            .replies
            .iter()
            .filter_map(|r| {
                let peer = PeerRecord::decode(r.response.value.as_deref()?).ok()?;
                Some(FoundPeer { from: r.from, peer })
            })
            .collect()
    }

    /// The records announced under `topic`, as each node returned them (deduplicate by
    /// public key).
    pub async fn lookup(&self, topic: Key32) -> Vec<FoundPeer> {
        let result = self.run(commands::LOOKUP, topic, None).await;
        let mut out = Vec::new();
        for r in &result.replies {
            let Some(Ok((peers, _bump))) = r.response.value.as_deref().map(decode_lookup_reply)
            else {
                continue;
            };
            out.extend(
                peers
                    .into_iter()
                    .map(|peer| FoundPeer { from: r.from, peer }),
            );
        }
        out
    }

    /// Announces `keypair`'s public key under `topic` at the closest nodes, reachable
    /// through `relay_addresses`. Returns the number of nodes that stored it.
    pub async fn announce(
        &self,
        topic: Key32,
        keypair: &SigningKey,
        relay_addresses: &[SocketAddrV4],
    ) -> Result<usize, PutError> {
        let peer = PeerRecord {
            public_key: public_key(keypair),
            relay_addresses: relay_addresses.to_vec(),
        };
        let result = self.run(commands::LOOKUP, topic, None).await;
        let answers = self
            .commit(&result, topic, commands::ANNOUNCE, |reply| {
                signed_announce(&NS_ANNOUNCE, topic, reply, keypair, peer.clone())
            })
            .await?;
        stored(&answers)
    }

    /// Removes `keypair`'s announcement under `topic` from the closest nodes.
    pub async fn unannounce(&self, topic: Key32, keypair: &SigningKey) -> Result<usize, PutError> {
        let peer = PeerRecord {
            public_key: public_key(keypair),
            relay_addresses: Vec::new(),
        };
        let result = self.run(commands::LOOKUP, topic, None).await;
        let answers = self
            .commit(&result, topic, commands::UNANNOUNCE, |reply| {
                signed_announce(&NS_UNANNOUNCE, topic, reply, keypair, peer.clone())
            })
            .await?;
        stored(&answers)
    }

    /// Stores `value` under its hash; returns the hash.
    pub async fn immutable_put(&self, value: &[u8]) -> Result<Key32, PutError> {
        let target = hash(&[value]);
        let result = self.run(commands::IMMUTABLE_GET, target, None).await;
        let answers = self
            .commit(&result, target, commands::IMMUTABLE_PUT, |_| {
                Some(value.to_vec())
            })
            .await?;
        stored(&answers)?;
        Ok(target)
    }

    /// The value stored under `target`, checked against its hash.
    pub async fn immutable_get(&self, target: Key32) -> Option<Vec<u8>> {
        let result = self.run(commands::IMMUTABLE_GET, target, None).await;
        result
            .replies
            .into_iter()
            .filter_map(|r| r.response.value)
            .find(|v| hash(&[v]) == target)
    }

    /// Signs and stores `value` as version `seq` of `keypair`'s mutable record.
    pub async fn mutable_put(
        &self,
        keypair: &SigningKey,
        value: &[u8],
        seq: u64,
    ) -> Result<(), PutError> {
        let public_key = public_key(keypair);
        let target = hash(&[&public_key]);
        let signature = keypair
            .sign(&mutable_signable(&NS_MUTABLE_PUT, seq, value))
            .to_bytes();
        let put = MutablePut {
            public_key,
            seq,
            value: value.to_vec(),
            signature,
        }
        .encode();
        let result = self.run(commands::MUTABLE_GET, target, Some(uint(0))).await;
        let answers = self
            .commit(&result, target, commands::MUTABLE_PUT, |_| {
                Some(put.clone())
            })
            .await?;
        stored(&answers).map(|_| ())
    }

    /// `public_key`'s mutable record with a valid signature and seq ≥ `min_seq`: the
    /// highest seq found, or with `latest` false the first valid one.
    pub async fn mutable_get(
        &self,
        public_key: &Key32,
        min_seq: u64,
        latest: bool,
    ) -> Option<MutableRecord> {
        let target = hash(&[public_key]);
        let result = self
            .run(commands::MUTABLE_GET, target, Some(uint(min_seq)))
            .await;
        let mut best: Option<MutableRecord> = None;
        for r in result.replies {
            let Some(Ok(got)) = r.response.value.as_deref().map(MutableGet::decode) else {
                continue;
            };
            let signable = mutable_signable(&NS_MUTABLE_PUT, got.seq, &got.value);
            if got.seq < min_seq || !verify(public_key, &signable, &got.signature) {
                continue;
            }
            if best.as_ref().is_some_and(|b| b.seq >= got.seq) {
                continue;
            }
            let record = MutableRecord {
                seq: got.seq,
                value: got.value,
                signature: got.signature,
            };
            if !latest {
                return Some(record);
            }
            best = Some(record);
        }
        best
    }
}

/// An (UN)ANNOUNCE value for one node: `peer` signed over that node's id and token
/// (namespace `ns`: NS_ANNOUNCE or NS_UNANNOUNCE). `None` if the reply lacks either.
pub(super) fn signed_announce(
    ns: &Key32,
    target: Key32,
    reply: &Reply,
    keypair: &SigningKey,
    peer: PeerRecord,
) -> Option<Vec<u8>> {
    let (id, token) = (reply.from_id?, reply.response.token?);
    let signable = announce_signable(ns, &target, &id, &token, &peer, None);
    Some(
        Announce {
            peer: Some(peer),
            refresh: None,
            signature: Some(keypair.sign(&signable).to_bytes()),
            bump: 0,
        }
        .encode(),
    )
}

/// How many commits were accepted; when none was, why.
fn stored(answers: &[Reply]) -> Result<usize, PutError> {
    let ok = answers.iter().filter(|r| r.response.error == 0).count();
    if ok > 0 {
        return Ok(ok);
    }
    let refused = |code| answers.iter().any(|r| r.response.error == code);
    Err(if refused(errors::SEQ_TOO_LOW) {
        PutError::SeqTooLow
    } else if refused(errors::SEQ_REUSED) {
        PutError::SeqReused
    } else {
        PutError::NotStored
    })
}

fn uint(v: u64) -> Vec<u8> {
    let mut w = Writer::new();
    w.uint(v);
    w.into_vec()
}
