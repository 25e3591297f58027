//! One core replicated with one peer over a `hypercore/alpha` channel, as Node's
//! `Peer` does it (`reference/wire/hypercore-replication.md` §4–6): the capability
//! check at open, `sync` both ways, upgrades and block requests as a reader, proofs as a
//! writer, `range` announcements, and `noData` for what cannot be served.
//!
//! Sans-IO: feed [`Peer::on_open`] and [`Peer::on_message`], call [`Peer::flush`] once
//! what arrived together has been fed (the answers received are stored in one commit),
//! take the encoded messages from [`Peer::poll_message`] and what changed from
//! [`Peer::poll_event`], and ask [`Peer::timed_out`] with the current time. The core's
//! storage is called directly (one journaled commit per flush).
//!
//! Everything received is verified before it is stored ([`Core::apply`]); a peer that
//! sends a bad proof, a bad capability or too many invalid requests gets an error, and
//! the caller drops it. A peer on a later fork (its writer truncated) is asked to prove
//! it — dropped if the proof fails — and then followed ([`reorg`]). Memory per peer is bounded: [`MAX_INFLIGHT`] requests, at most
//! [`MAX_RANGES`] remembered ranges of the peer's blocks, [`MAX_PENDING_BYTES`] of
//! answers waiting to be stored.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::swarm::codec::{DecodeError, Reader, Writer};
use crate::swarm::crypto::Key32;

use super::caps::replication_capability;
use super::messages::{Data, Message, NoDataReason, Request, Span, Sync};
use super::proof::{BlockRequest, ProofError, ProofRequest, UpgradeRequest};
use super::storage::{Core, StorageError};

/// The protomux protocol name of a core's channel (its id is the discovery key).
pub const PROTOCOL: &str = "hypercore/alpha";

/// Requests in flight to one peer.
pub const MAX_INFLIGHT: usize = 32;

/// Ranges of the peer's blocks remembered beyond its contiguous prefix.
pub const MAX_RANGES: usize = 1024;

/// Invalid requests tolerated from a peer before it is dropped (Node's limit).
const MAX_INVALID_REQUESTS: u32 = 64;

/// Bytes of received blocks held before they are stored: past it, a peer's answers are
/// stored at once instead of with the rest of the wake-up.
pub const MAX_PENDING_BYTES: usize = 8 * 1024 * 1024;

/// How long a request may wait for its answer before the peer counts as dead.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The handshake flag saying the sender serves seek requests (Node always sets it).
const HANDSHAKE_SEEKS: u64 = 1;

/// Why a peer must be dropped.
#[derive(Debug, thiserror::Error)]
pub enum ReplicateError {
    /// The open's handshake is malformed.
    #[error("malformed hypercore handshake: {0}")]
    Handshake(DecodeError),
    /// The peer does not know the core's key (or replays another connection's proof).
    #[error("the peer's capability for this core is wrong")]
    Capability,
    /// A message that does not decode.
    #[error("malformed hypercore message: {0}")]
    Message(DecodeError),
    /// The peer sent a proof that does not verify.
    #[error("the peer sent invalid data: {0}")]
    InvalidData(ProofError),
    /// A block over the size any writer may append.
    #[error("the peer sent a block of {0} bytes, over the {limit}-byte limit", limit = super::storage::MAX_BLOCK_SIZE)]
    Oversized(usize),
    /// Too many requests we could not serve because they were invalid.
    #[error("the peer sent over {MAX_INVALID_REQUESTS} invalid requests")]
    InvalidRequests,
    /// The core's storage failed.
    #[error(transparent)]
    Storage(StorageError),
}

impl ReplicateError {
    /// A failure to apply what the peer sent: a proof that does not verify is the
    /// peer's fault, anything else our storage's.
    fn from_applying(e: StorageError) -> ReplicateError {
        match e {
            StorageError::Proof(e) => ReplicateError::InvalidData(e),
            e => ReplicateError::Storage(e),
        }
    }
}

/// What replication changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerEvent {
    /// A peer opened the core's channel (reported by the session).
    Opened,
    /// That channel closed (reported by the session).
    Closed,
    /// The core's verified length grew to this.
    Upgraded(u64),
    /// This block arrived and was stored.
    Downloaded(u64),
    /// The peer proved that the writer truncated the core: it is on a later fork, of
    /// this length, which the core now follows.
    Forked {
        /// The peer's fork.
        fork: u64,
        /// Its length there.
        length: u64,
    },
}

/// What one of our requests asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Upgrade,
    Block(u64),
    /// A proof of the peer's later fork (an upgrade from 0 on it).
    Fork(u64),
    /// A node of that fork's tree (with its sibling), while looking for where it
    /// leaves ours.
    ForkHash(u64),
}

/// What we know of the peer.
#[derive(Debug, Default)]
struct Remote {
    synced: bool,
    fork: u64,
    length: u64,
    can_upgrade: bool,
    uploading: bool,
    /// Blocks `[0, contiguous)` the peer announced.
    contiguous: u64,
    /// Other announced runs: start → end (exclusive).
    ranges: BTreeMap<u64, u64>,
    /// The later fork of the peer we asked to prove (asked once per fork).
    fork_checked: Option<u64>,
}

impl Remote {
    fn has(&self, block: u64) -> bool {
        block < self.contiguous
            || self
                .ranges
                .range(..=block)
                .next_back()
                .is_some_and(|(_, end)| block < *end)
    }

    fn add(&mut self, span: Span, drop: bool) {
        let end = span.start.saturating_add(span.length);
        if drop {
            if span.start < self.contiguous {
                self.contiguous = span.start;
            }
            self.ranges.retain(|s, _| *s < span.start || *s >= end);
            return;
        }
        if span.start <= self.contiguous {
            self.contiguous = self.contiguous.max(end);
            // Runs now inside the prefix are forgotten.
            self.ranges.retain(|_, e| *e > self.contiguous);
        } else if self.ranges.len() < MAX_RANGES {
            let e = self.ranges.entry(span.start).or_insert(end);
            *e = (*e).max(end);
        }
    }
}

/// One core's replication state with one peer.
pub struct Peer {
    core: Arc<Core>,
    /// Follow the peer's length.
    live: bool,
    /// Fetch every block the peer has.
    download: bool,
    remote: Remote,
    inflight: BTreeMap<u64, (Asked, Instant)>,
    free_ids: Vec<u64>,
    invalid_requests: u32,
    /// The next block worth trying, so scans do not restart at 0.
    cursor: u64,
    /// The length and fork our last `sync` told the peer.
    announced: u64,
    announced_fork: u64,
    /// Following the peer onto its later fork.
    reorg: Option<reorg::Reorg>,
    /// Answers received and not yet stored (their requests stay in flight until then):
    /// [`Peer::flush`] stores them all in one commit.
    pending: Vec<(u64, Data)>,
    out: VecDeque<Message>,
    events: VecDeque<PeerEvent>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("core", &self.core)
            .field("remote_length", &self.remote.length)
            .field("inflight", &self.inflight.len())
            .finish()
    }
}

/// The bytes of our open's handshake: `uint flags ‖ fixed32 capability`.
pub fn handshake(key: &Key32, is_initiator: bool, handshake_hash: &[u8]) -> Vec<u8> {
    let mut w = Writer::with_capacity(33);
    w.uint(HANDSHAKE_SEEKS)
        .bytes(&replication_capability(is_initiator, key, handshake_hash));
    w.into_vec()
}

impl Peer {
    /// A peer for `core`; `live` follows the peer's length, `download` fetches every
    /// block the peer has (a seeder does both; a writer that only serves, neither).
    pub fn new(core: Arc<Core>, live: bool, download: bool) -> Peer {
        Peer {
            core,
            live,
            download,
            remote: Remote::default(),
            inflight: BTreeMap::new(),
            free_ids: Vec::new(),
            invalid_requests: 0,
            cursor: 0,
            announced: 0,
            announced_fork: 0,
            reorg: None,
            pending: Vec::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// The core.
    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// The peer's length, as its last `sync` said.
    pub fn remote_length(&self) -> u64 {
        self.remote.length
    }

    /// Checks the peer's open handshake (the capability it computed for our key and
    /// this connection) and starts: `sync`, and `range` when we hold blocks.
    pub fn on_open(
        &mut self,
        remote_handshake: &[u8],
        is_initiator: bool,
        handshake_hash: &[u8],
    ) -> Result<(), ReplicateError> {
        let mut r = Reader::new(remote_handshake);
        let _flags = r.uint().map_err(ReplicateError::Handshake)?;
        let capability: Key32 = r.fixed().map_err(ReplicateError::Handshake)?;
        let expected = replication_capability(!is_initiator, self.core.key(), handshake_hash);
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            &capability[..],
            &expected[..],
        )) {
            return Err(ReplicateError::Capability);
        }
        self.send_sync()?;
        if self.core.contiguous_length() > 0 {
            self.announce_contiguous();
        }
        Ok(())
    }

    /// `range {0, contiguous length}`: every block we hold from the start.
    fn announce_contiguous(&mut self) {
        self.out.push_back(Message::Range {
            span: Span {
                start: 0,
                length: self.core.contiguous_length(),
            },
            drop: false,
        });
    }

    fn send_sync(&mut self) -> Result<(), ReplicateError> {
        let length = self.core.length();
        let fork = self.core.fork();
        // Before the peer's first sync its fork and length count as 0, as in Node.
        let same_fork = self.remote.fork == fork;
        let theirs = if same_fork { self.remote.length } else { 0 };
        let can_upgrade = same_fork
            && (theirs == 0
                || (theirs < length
                    && self
                        .core
                        .has_roots(theirs)
                        .map_err(ReplicateError::Storage)?));
        self.announced = length;
        self.announced_fork = fork;
        self.out.push_back(Message::Sync(Sync {
            fork,
            length,
            remote_length: theirs,
            can_upgrade,
            uploading: true,
            downloading: self.live || self.download,
            has_manifest: self.core.shares_manifest(),
            allow_push: false,
        }));
        Ok(())
    }

    /// Our core grew (we appended): tell the peer.
    pub fn on_append(&mut self) -> Result<(), ReplicateError> {
        self.announce_contiguous();
        self.send_sync()
    }

    /// The core changed under us (an append, a proof or a reorg from another
    /// connection): announce a longer core or a new fork, and fetch what became
    /// fetchable.
    pub fn on_local_change(&mut self, now: Instant) -> Result<(), ReplicateError> {
        if self.core.length() > self.announced || self.core.fork() != self.announced_fork {
            self.on_append()?;
        }
        self.schedule(now)
    }

    /// Handles one message of the channel (`uint type ‖ payload`).
    pub fn on_message(&mut self, bytes: &[u8], now: Instant) -> Result<(), ReplicateError> {
        let message = Message::decode(bytes).map_err(ReplicateError::Message)?;
        tracing::trace!(core = %hex::encode(self.core.key()), ?message, "received");
        match message {
            Message::Sync(s) => self.on_sync(s)?,
            Message::Request(r) => self.on_request(r)?,
            Message::Data(d) => {
                self.on_data(*d, now)?;
                let held: usize = self
                    .pending
                    .iter()
                    .map(|(_, d)| d.proof.block.as_ref().map_or(0, |b| b.value.len()))
                    .sum();
                if held > MAX_PENDING_BYTES {
                    self.flush(now)?;
                }
            }
            Message::NoData { request, .. } => match self.release(request) {
                Some((Asked::Block(b), _)) => {
                    // The peer does not have it after all: forget that it said so.
                    self.remote.add(
                        Span {
                            start: b,
                            length: 1,
                        },
                        true,
                    );
                }
                // The walk cannot go on with this peer: its fork stays unfollowed.
                Some((Asked::ForkHash(_), _)) => self.reorg = None,
                _ => {}
            },
            Message::Want { span, .. } => self.on_want(span)?,
            Message::Range { span, drop } => self.remote.add(span, drop),
            Message::Bitfield { start, words } => {
                for (i, word) in words.iter().enumerate() {
                    for bit in 0..32 {
                        if word & (1 << bit) != 0 {
                            let block = start.saturating_add(32 * i as u64 + bit);
                            self.remote.add(
                                Span {
                                    start: block,
                                    length: 1,
                                },
                                false,
                            );
                        }
                    }
                }
            }
            // Nothing of ours depends on these.
            Message::Cancel { .. } | Message::Unwant { .. } | Message::Extension { .. } => {}
        }
        self.schedule(now)
    }

    fn on_sync(&mut self, s: Sync) -> Result<(), ReplicateError> {
        let ours = self.core.length();
        let fork = self.core.fork();
        self.remote.synced = true;
        self.remote.fork = s.fork;
        self.remote.length = s.length;
        self.remote.can_upgrade = s.can_upgrade;
        self.remote.uploading = s.uploading;
        // We are ahead of the peer: tell it our length (Node does the same).
        if s.fork == fork && ours > s.length {
            self.send_sync()?;
        }
        Ok(())
    }

    fn on_request(&mut self, r: Request) -> Result<(), ReplicateError> {
        let fork = self.core.fork();
        let has_block = match r.proof.block {
            Some(b) => self.core.has(b.index).map_err(ReplicateError::Storage)?,
            None => true,
        };
        if r.fork != fork || !has_block {
            let manifest = (r.manifest && self.core.shares_manifest())
                .then(|| self.core.manifest())
                .flatten();
            self.out.push_back(match manifest {
                Some(m) => Message::Data(Box::new(Data {
                    request: r.id,
                    proof: super::proof::Proof {
                        fork: r.fork,
                        ..Default::default()
                    },
                    manifest: Some(m),
                })),
                None => Message::NoData {
                    request: r.id,
                    reason: NoDataReason::NOT_AVAILABLE,
                },
            });
            return Ok(());
        }
        match self.core.proof(&r.proof) {
            Ok(proof) => {
                let manifest = (r.manifest && self.core.shares_manifest())
                    .then(|| self.core.manifest())
                    .flatten();
                self.out.push_back(Message::Data(Box::new(Data {
                    request: r.id,
                    proof,
                    manifest,
                })));
            }
            Err(StorageError::Proof(_)) => {
                self.invalid_requests += 1;
                if self.invalid_requests > MAX_INVALID_REQUESTS {
                    return Err(ReplicateError::InvalidRequests);
                }
                self.out.push_back(Message::NoData {
                    request: r.id,
                    reason: NoDataReason::INVALID_REQUEST,
                });
            }
            Err(e) => return Err(ReplicateError::Storage(e)),
        }
        Ok(())
    }

    fn release(&mut self, id: u64) -> Option<(Asked, Instant)> {
        let asked = self.inflight.remove(&id)?;
        self.free_ids.push(id);
        Some(asked)
    }

    fn on_data(&mut self, d: Data, now: Instant) -> Result<(), ReplicateError> {
        if let Some(b) = d.proof.block.as_ref() {
            if b.value.len() > super::storage::MAX_BLOCK_SIZE {
                return Err(ReplicateError::Oversized(b.value.len()));
            }
        }
        // Unknown ids (and id 0, conflict and push traffic) are dropped, as in Node.
        let Some(&(asked, _)) = self.inflight.get(&d.request) else {
            return Ok(());
        };
        let matches = match asked {
            Asked::Block(b) => d.proof.block.as_ref().is_some_and(|p| p.index == b),
            Asked::Upgrade => d.proof.upgrade.is_some(),
            Asked::Fork(fork) => d.proof.fork == fork && d.proof.upgrade.is_some(),
            Asked::ForkHash(i) => d.proof.hash.as_ref().is_some_and(|h| h.index == i),
        };
        if !matches {
            // An answer to something else: treated as "not available".
            self.release(d.request);
            return Ok(());
        }
        // A fork's proofs are checked at once: they wait for no commit.
        match asked {
            Asked::Fork(_) => {
                self.release(d.request);
                return self.on_fork_proof(d, now);
            }
            Asked::ForkHash(i) => {
                self.release(d.request);
                return self.on_fork_hash(i, d, now);
            }
            Asked::Block(_) | Asked::Upgrade => {}
        }
        if self.pending.iter().any(|(id, _)| *id == d.request) {
            return Ok(());
        }
        self.pending.push((d.request, d));
        Ok(())
    }

    /// Verifies and stores every answer received since the last flush, in one commit;
    /// then announces what changed and asks for more. Call it after handing over what
    /// arrived (a session does, once per wake-up).
    pub fn flush(&mut self, now: Instant) -> Result<(), ReplicateError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let mut proofs = Vec::with_capacity(pending.len());
        let fork = self.core.fork();
        for (id, d) in pending {
            self.release(id);
            // Asked before a reorg moved the core to a later fork: void, not invalid.
            if d.proof.fork == fork {
                proofs.push((d.proof, d.manifest));
            }
        }
        let (results, error) = self.core.apply_batch(proofs);
        let mut upgraded = false;
        let mut downloaded = false;
        for applied in results {
            if let Some(length) = applied.upgraded_to {
                self.events.push_back(PeerEvent::Upgraded(length));
                upgraded = true;
            }
            if let Some(block) = applied.block {
                self.events.push_back(PeerEvent::Downloaded(block));
                downloaded = true;
            }
        }
        if upgraded {
            self.send_sync()?;
        }
        if downloaded && self.core.contiguous_length() == self.core.length() {
            self.announce_contiguous();
        }
        match error {
            Some(e) => Err(ReplicateError::from_applying(e)),
            None => self.schedule(now),
        }
    }

    fn on_want(&mut self, span: Span) -> Result<(), ReplicateError> {
        let contiguous = self.core.contiguous_length();
        if span.start.saturating_add(span.length) <= contiguous || contiguous == self.core.length()
        {
            if contiguous > 0 {
                self.announce_contiguous();
            }
            return Ok(());
        }
        // A sparse core: announce the held runs inside the wanted span, boundedly.
        let end = span
            .start
            .saturating_add(span.length.min(1 << 16))
            .min(self.core.length());
        let mut run: Option<u64> = None;
        let mut sent = 0;
        for b in span.start..end {
            let held = self.core.has(b).map_err(ReplicateError::Storage)?;
            match (held, run) {
                (true, None) => run = Some(b),
                (false, Some(s)) => {
                    self.out.push_back(Message::Range {
                        span: Span {
                            start: s,
                            length: b - s,
                        },
                        drop: false,
                    });
                    run = None;
                    sent += 1;
                    if sent >= MAX_RANGES {
                        return Ok(());
                    }
                }
                _ => {}
            }
        }
        if let Some(s) = run {
            self.out.push_back(Message::Range {
                span: Span {
                    start: s,
                    length: end - s,
                },
                drop: false,
            });
        }
        Ok(())
    }

    fn next_id(&mut self) -> u64 {
        self.free_ids
            .pop()
            .unwrap_or(self.inflight.len() as u64 + self.free_ids.len() as u64 + 1)
    }

    fn ask(&mut self, asked: Asked, proof: ProofRequest, manifest: bool, now: Instant) {
        let id = self.next_id();
        self.inflight.insert(id, (asked, now));
        self.out.push_back(Message::Request(Request {
            id,
            fork: self.remote.fork,
            proof,
            manifest,
            priority: 0,
        }));
    }

    /// Sends the requests that are due: an upgrade when the peer is ahead, then blocks;
    /// or, when the peer is on a later fork, one request for the proof of it.
    fn schedule(&mut self, now: Instant) -> Result<(), ReplicateError> {
        let fork = self.core.fork();
        if !self.remote.synced || !self.remote.uploading {
            return Ok(());
        }
        if self.remote.fork > fork {
            // Node asks for the same proof, then follows the fork (see `reorg`).
            let theirs = self.remote.fork;
            if self.live
                && self.remote.length > 0
                && self.reorg.is_none()
                && self.remote.fork_checked != Some(theirs)
                && self.inflight.len() < MAX_INFLIGHT
            {
                self.remote.fork_checked = Some(theirs);
                self.ask(
                    Asked::Fork(theirs),
                    ProofRequest {
                        upgrade: Some(UpgradeRequest {
                            start: 0,
                            length: self.remote.length,
                        }),
                        ..ProofRequest::default()
                    },
                    !self.core.shares_manifest() && self.core.manifest().is_none(),
                    now,
                );
            }
            return Ok(());
        }
        if self.remote.fork != fork {
            return Ok(());
        }
        let length = self.core.length();
        let upgrading = self.inflight.values().any(|(a, _)| *a == Asked::Upgrade);
        if self.live
            && !upgrading
            && self.remote.length > length
            && self.remote.can_upgrade
            && self.inflight.len() < MAX_INFLIGHT
        {
            self.ask(
                Asked::Upgrade,
                ProofRequest {
                    upgrade: Some(UpgradeRequest {
                        start: length,
                        length: self.remote.length - length,
                    }),
                    ..ProofRequest::default()
                },
                !self.core.shares_manifest() && self.core.manifest().is_none(),
                now,
            );
        }
        if !self.download {
            return Ok(());
        }
        self.cursor = self.cursor.max(self.core.contiguous_length());
        let mut b = self.cursor;
        while b < length && self.inflight.len() < MAX_INFLIGHT {
            let asked = self.inflight.values().any(|(a, _)| *a == Asked::Block(b));
            if !asked && self.remote.has(b) && !self.core.has(b).map_err(ReplicateError::Storage)? {
                let nodes = self
                    .core
                    .missing_nodes(b)
                    .map_err(ReplicateError::Storage)?;
                self.ask(
                    Asked::Block(b),
                    ProofRequest {
                        block: Some(BlockRequest { index: b, nodes }),
                        ..ProofRequest::default()
                    },
                    false,
                    now,
                );
            }
            b += 1;
        }
        Ok(())
    }

    /// Whether a request has waited longer than [`REQUEST_TIMEOUT`] at `now`: the peer
    /// is gone or stuck, drop it.
    pub fn timed_out(&self, now: Instant) -> bool {
        self.inflight
            .values()
            .any(|(_, at)| now.saturating_duration_since(*at) > REQUEST_TIMEOUT)
    }

    /// Whether nothing is in flight.
    pub fn idle(&self) -> bool {
        self.inflight.is_empty()
    }

    /// The next message to send on the channel, encoded.
    pub fn poll_message(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front().map(|m| m.encode())
    }

    /// The next thing that changed.
    pub fn poll_event(&mut self) -> Option<PeerEvent> {
        self.events.pop_front()
    }
}

mod reorg;
#[cfg(test)]
mod tests;
