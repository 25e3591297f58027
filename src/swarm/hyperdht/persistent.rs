//! What a persistent HyperDHT node stores for others (hyperdht `lib/persistent.js`):
//! signed announcements by topic, servers' self-announcements (as router forwards),
//! refresh secrets, and mutable and immutable records.
//!
//! Every write is checked before it is kept: announcements and mutable records must
//! carry a valid Ed25519 signature bound to this node's id and the requester's token,
//! immutable values must hash to their target. Invalid writes get no reply.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::{Signature, VerifyingKey};

use super::messages::{
    announce_signable, encode_lookup_reply, mutable_signable, Announce, MutableGet, MutablePut,
    PeerRecord,
};
use super::router::{Forward, Router};
use super::store::{RecordCache, TtlCache};
use super::{commands, errors, NS_ANNOUNCE, NS_MUTABLE_PUT, NS_UNANNOUNCE};
use crate::swarm::codec::Reader;
use crate::swarm::crypto::{hash, Key32};
use crate::swarm::lock;
use crate::swarm::rpc::IncomingRequest;

const MAX_SIZE: usize = 65_536;
const RECORD_AGE: Duration = Duration::from_secs(20 * 60);
const VALUE_AGE: Duration = Duration::from_secs(48 * 60 * 60);
/// Records per LOOKUP reply.
const LOOKUP_MAX: usize = 20;
/// Relay addresses kept per record.
const MAX_RELAY_ADDRESSES: usize = 3;
/// How far in the future a bump may lie (ms).
const MAX_BUMP_DRIFT: u64 = 60_000;

/// A remembered refresh secret: what to re-add when its preimage is announced.
#[derive(Debug, Clone)]
struct Refresh {
    target: Key32,
    record: Vec<u8>,
    announce_self: bool,
}

/// Everything a node stores for others.
pub struct Storage {
    records: RecordCache,
    bumps: TtlCache<Key32, u64>,
    refreshes: TtlCache<Key32, Refresh>,
    mutables: TtlCache<Key32, Vec<u8>>,
    immutables: TtlCache<Key32, Vec<u8>>,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            records: RecordCache::new(MAX_SIZE, RECORD_AGE),
            bumps: TtlCache::new(MAX_SIZE, RECORD_AGE),
            refreshes: TtlCache::new(MAX_SIZE, RECORD_AGE),
            mutables: TtlCache::new(MAX_SIZE / 2, VALUE_AGE),
            immutables: TtlCache::new(MAX_SIZE / 2, VALUE_AGE),
        }
    }
}

/// Verifies a detached Ed25519 signature; any malformed part is a failure.
pub fn verify(public_key: &Key32, message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}

/// Dispatches one storage command.
pub fn on_request(storage: &Mutex<Storage>, router: &Mutex<Router>, req: IncomingRequest) {
    let Some(target) = req.req.target else { return };
    let mut st = lock(storage);
    match req.req.command {
        commands::FIND_PEER => {
            let record = lock(router).get(&target).map(|f| f.record);
            req.reply(record, true, true);
        }
        commands::LOOKUP => {
            let mut records = st.records.get(&target, LOOKUP_MAX);
            if records.len() < LOOKUP_MAX {
                if let Some(f) = lock(router).get(&target) {
                    records.push(f.record);
                }
            }
            let bump = st.bumps.get(&target).copied().unwrap_or(0);
            let value = (!records.is_empty()).then(|| {
                let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
                encode_lookup_reply(&refs, bump)
            });
            req.reply(value, true, true);
        }
        commands::ANNOUNCE => on_announce(&mut st, router, target, req),
        commands::UNANNOUNCE => on_unannounce(&mut st, router, target, req),
        commands::MUTABLE_GET => {
            let Some(min_seq) = req
                .req
                .value
                .as_deref()
                .and_then(|v| Reader::new(v).uint().ok())
            else {
                return;
            };
            let value = st.mutables.get(&target).cloned();
            let value = value.filter(|v| Reader::new(v).uint().is_ok_and(|seq| seq >= min_seq));
            req.reply(value, true, true);
        }
        commands::MUTABLE_PUT => on_mutable_put(&mut st, target, req),
        commands::IMMUTABLE_GET => {
            let value = st.immutables.get(&target).cloned();
            req.reply(value, true, true);
        }
        commands::IMMUTABLE_PUT => {
            let (Some(_), Some(value)) = (req.req.token, req.req.value.as_ref()) else {
                return;
            };
            if hash(&[value]) != target {
                return;
            }
            st.immutables.set(target, value.clone());
            req.reply(None, true, true);
        }
        _ => {}
    }
}

/// The token, our id and the decoded announce of an (UN)ANNOUNCE: everything its
/// signature is checked against. `None` when any is missing.
fn announce_parts(req: &IncomingRequest) -> Option<(Key32, Key32, Announce)> {
    Some((
        req.req.token?,
        req.our_id()?,
        req.value_as(Announce::decode)?,
    ))
}

fn on_announce(st: &mut Storage, router: &Mutex<Router>, target: Key32, req: IncomingRequest) {
    let Some((token, id, ann)) = announce_parts(&req) else {
        return;
    };
    let Some(mut peer) = ann.peer.clone() else {
        if let Some(refresh) = ann.refresh {
            on_refresh(st, router, refresh, req);
        }
        return;
    };
    let signable = announce_signable(
        &NS_ANNOUNCE,
        &target,
        &id,
        &token,
        &peer,
        ann.refresh.as_ref(),
    );
    let Some(signature) = ann.signature else {
        return;
    };
    if !verify(&peer.public_key, &signable, &signature) {
        return;
    }
    peer.relay_addresses.truncate(MAX_RELAY_ADDRESSES);
    let record = peer.encode();
    let announce_self = hash(&[&peer.public_key]) == target;
    store_record(
        st,
        router,
        target,
        &peer,
        record.clone(),
        announce_self,
        &req,
    );
    if !announce_self {
        let current = st.bumps.get(&target).copied().unwrap_or(0);
        if ann.bump > current && ann.bump <= now_ms() + MAX_BUMP_DRIFT {
            st.bumps.set(target, ann.bump);
        }
    }
    if let Some(refresh) = ann.refresh {
        st.refreshes.set(
            refresh,
            Refresh {
                target,
                record,
                announce_self,
            },
        );
    }
    req.reply(None, false, false);
}

/// Keeps a record: a server's own announcement becomes a router forward (so
/// handshakes reach it); anything else is a topic record.
fn store_record(
    st: &mut Storage,
    router: &Mutex<Router>,
    target: Key32,
    peer: &PeerRecord,
    record: Vec<u8>,
    announce_self: bool,
    req: &IncomingRequest,
) {
    if announce_self {
        lock(router).set(
            target,
            Forward {
                relay: req.from,
                record,
            },
        );
        st.records.remove(&target, &peer.public_key);
    } else {
        st.records.add(target, peer.public_key, record);
    }
}

/// A refresh-only announce: `hash(refresh)` names a remembered record to re-add.
fn on_refresh(st: &mut Storage, router: &Mutex<Router>, refresh: Key32, req: IncomingRequest) {
    let active = hash(&[&refresh]);
    let Some(r) = st.refreshes.get(&active).cloned() else {
        return;
    };
    let Ok(peer) = PeerRecord::decode(&r.record) else {
        return;
    };
    store_record(
        st,
        router,
        r.target,
        &peer,
        r.record.clone(),
        r.announce_self,
        &req,
    );
    st.refreshes.remove(&active);
    st.refreshes.set(refresh, r);
    req.reply(None, false, false);
}

fn on_unannounce(st: &mut Storage, router: &Mutex<Router>, target: Key32, req: IncomingRequest) {
    let Some((token, id, ann)) = announce_parts(&req) else {
        return;
    };
    let (Some(peer), Some(signature)) = (&ann.peer, &ann.signature) else {
        return;
    };
    let signable = announce_signable(
        &NS_UNANNOUNCE,
        &target,
        &id,
        &token,
        peer,
        ann.refresh.as_ref(),
    );
    if !verify(&peer.public_key, &signable, signature) {
        return;
    }
    if hash(&[&peer.public_key]) == target {
        lock(router).remove(&target);
    }
    st.records.remove(&target, &peer.public_key);
    req.reply(None, false, false);
}

fn on_mutable_put(st: &mut Storage, target: Key32, req: IncomingRequest) {
    if req.req.token.is_none() {
        return;
    }
    let Some(put) = req.value_as(MutablePut::decode) else {
        return;
    };
    if hash(&[&put.public_key]) != target {
        return;
    }
    let signable = mutable_signable(&NS_MUTABLE_PUT, put.seq, &put.value);
    if !verify(&put.public_key, &signable, &put.signature) {
        return;
    }
    if let Some(existing) = st
        .mutables
        .get(&target)
        .and_then(|v| MutableGet::decode(v).ok())
    {
        if existing.seq == put.seq && existing.value != put.value {
            req.error(errors::SEQ_REUSED);
            return;
        }
        if put.seq < existing.seq {
            req.error(errors::SEQ_TOO_LOW);
            return;
        }
    }
    let stored = MutableGet {
        seq: put.seq,
        value: put.value,
        signature: put.signature,
    };
    st.mutables.set(target, stored.encode());
    req.reply(None, true, true);
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
