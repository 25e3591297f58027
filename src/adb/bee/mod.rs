//! Hyperbee 2 in Rust: the append-only B-tree Node's `hyperbee@2` keeps in a hypercore,
//! byte for byte (`reference/wire/hyperbee.md`). Block 0 is a header; every later block
//! is one write — its key, its value (none for a deletion) and the B-tree nodes it
//! changed — and unchanged subtrees are pointers into older blocks, so a reader needs
//! only the last block to find the root and fetches the rest as its walk goes.
//!
//! Sans-IO over a [`Blocks`] source: reads ([`Bee::get`], [`Bee::range`]) load the
//! blocks they walk through (decoded blocks are cached); writes ([`Bee::put`],
//! [`Bee::del`], [`Batch`]) return the encoded blocks to append, which the caller
//! appends in one go (one signature) — the core, not this module, makes them durable.
//! Keys are compared bytewise, as Node does; values are opaque bytes.
//!
//! It must never trust a block: every pointer is checked, a bad one is an error naming
//! the block, never a panic or an endless walk.

pub mod proto;
mod write;

use std::collections::HashMap;

use bytes::Bytes;
use std::sync::{Arc, Mutex};

use proto::{Entry, EntryRef, Header, Level, ProtoError, YoloIndex};

pub use write::Batch;

/// The largest B-tree node: 8 keys (Node's `T = 5`).
const MAX_KEYS: usize = 8;
/// The fewest keys a node other than the root keeps.
const MIN_KEYS: usize = 4;
/// How many decoded blocks a bee keeps.
const CACHE_BLOCKS: usize = 4096;
/// How many keys a bee keeps apart from their blocks: a walk compares against a key
/// per level and each key lives in its own block, so without them every get would
/// decode a dozen blocks for one value. A key costs its bytes plus ~50.
const CACHE_KEYS: usize = 1 << 17;
/// How many blocks' tree nodes a bee keeps apart from their values: the inner nodes
/// and leaves a walk passes through, without the value each block also carries.
const CACHE_NODES: usize = 1 << 16;
/// The deepest walk a bee of any size needs (8-key nodes: 2^64 keys fit in far fewer).
const MAX_DEPTH: usize = 64;

/// Why a bee could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum BeeError {
    /// A block does not decode.
    #[error("block {seq}: {source}")]
    Malformed {
        /// The block.
        seq: u64,
        /// What is wrong.
        source: ProtoError,
    },
    /// A tree pointer leads nowhere (a level or block that does not exist).
    #[error("block {seq}: a tree pointer to block {to}, level {offset} leads nowhere")]
    BadPointer {
        /// The block holding the pointer.
        seq: u64,
        /// The block pointed to.
        to: u64,
        /// The level pointed to.
        offset: u64,
    },
    /// A tree node whose children do not match its keys.
    #[error(
        "block {seq}, level {offset}: a tree node with children must have one more than its keys"
    )]
    BadNode {
        /// The block.
        seq: u64,
        /// The level.
        offset: u64,
    },
    /// The tree is deeper than any real bee.
    #[error("the tree is deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// Block 0 is not a hyperbee header.
    #[error("the core is not a hyperbee")]
    NotABee,
    /// The block source failed, or does not have the block.
    #[error("block {seq}: {message}")]
    Source {
        /// The block.
        seq: u64,
        /// What failed.
        message: String,
    },
}

/// Where a bee's blocks come from: a hypercore, or anything that holds the same blocks.
pub trait Blocks {
    /// How many blocks there are (the bee's version).
    fn length(&self) -> u64;
    /// Block `seq`.
    fn block(&self, seq: u64) -> Result<Vec<u8>, BeeError>;
    /// Blocks `seqs`, in order: one read where the source can (a scan asks a node's
    /// keys at once).
    fn blocks(&self, seqs: &[u64]) -> Result<Vec<Vec<u8>>, BeeError> {
        seqs.iter().map(|&seq| self.block(seq)).collect()
    }
}

impl Blocks for Vec<Vec<u8>> {
    fn length(&self) -> u64 {
        self.len() as u64
    }

    fn block(&self, seq: u64) -> Result<Vec<u8>, BeeError> {
        self.get(seq as usize).cloned().ok_or(BeeError::Source {
            seq,
            message: "no such block".into(),
        })
    }
}

/// One decoded block.
#[derive(Debug)]
struct Block {
    key: Arc<[u8]>,
    value: Option<Vec<u8>>,
    levels: Arc<Vec<Level>>,
}

/// What a read returns: the key, its value, and the block that wrote them. Key and
/// value are views into the block as read (no copies: a scan hands out every record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The block.
    pub seq: u64,
    /// The key.
    pub key: Bytes,
    /// The value.
    pub value: Bytes,
}

/// Bounds and order of a range read (raw keys; see [`sub_range`] for a sub-bee).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Range {
    /// Keys greater than this…
    pub gt: Option<Vec<u8>>,
    /// …or greater than or equal to this.
    pub gte: Option<Vec<u8>>,
    /// Keys less than this…
    pub lt: Option<Vec<u8>>,
    /// …or less than or equal to this.
    pub lte: Option<Vec<u8>>,
    /// Largest key first.
    pub reverse: bool,
    /// At most this many (`None`: all).
    pub limit: Option<usize>,
}

impl Range {
    fn above_low(&self, key: &[u8]) -> bool {
        match (&self.gt, &self.gte) {
            (Some(gt), _) => key > &gt[..],
            (None, Some(gte)) => key >= &gte[..],
            (None, None) => true,
        }
    }

    fn below_high(&self, key: &[u8]) -> bool {
        match (&self.lt, &self.lte) {
            (Some(lt), _) => key < &lt[..],
            (None, Some(lte)) => key <= &lte[..],
            (None, None) => true,
        }
    }
}

/// `range` inside the sub-bee of `prefix` (`name ‖ sep`, nested ones concatenated), as
/// Node's `bee.sub(name).createReadStream(range)` bounds it: given bounds are
/// prefixed; a missing lower bound is `gt prefix ‖ 0x00`, a missing upper one `lt` the
/// prefix with its last byte incremented. Returned keys keep the prefix.
pub fn sub_range(prefix: &[u8], range: &Range) -> Range {
    let with = |k: &Option<Vec<u8>>| k.as_ref().map(|k| [prefix, k].concat());
    let mut out = Range {
        gt: with(&range.gt),
        gte: with(&range.gte),
        lt: with(&range.lt),
        lte: with(&range.lte),
        reverse: range.reverse,
        limit: range.limit,
    };
    if out.gt.is_none() && out.gte.is_none() {
        out.gt = Some([prefix, &[0]].concat());
    }
    if out.lt.is_none() && out.lte.is_none() {
        let mut end = prefix.to_vec();
        if let Some(last) = end.last_mut() {
            *last = last.wrapping_add(1);
        }
        out.lt = Some(end);
    }
    out
}

/// A cache of at most `cap` entries by block seq that starts over when full.
struct Bounded<V> {
    cap: usize,
    map: Mutex<HashMap<u64, V>>,
}

impl<V: Clone> Bounded<V> {
    fn new(cap: usize) -> Bounded<V> {
        Bounded {
            cap,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, V>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, seq: u64) -> Option<V> {
        self.lock().get(&seq).cloned()
    }

    fn insert(&self, seq: u64, value: V) {
        let mut map = self.lock();
        if map.len() >= self.cap {
            map.clear();
        }
        map.insert(seq, value);
    }
}

/// A node's key, and its block when it had to be read for the key.
struct Slot {
    seq: u64,
    key: Arc<[u8]>,
    raw: Option<Vec<u8>>,
}

/// The record in block `seq`'s bytes.
fn record_from(seq: u64, bytes: Vec<u8>) -> Result<Record, BeeError> {
    let bytes = Bytes::from(bytes);
    let entry = EntryRef::decode(&bytes).map_err(|source| BeeError::Malformed { seq, source })?;
    Ok(Record {
        seq,
        key: bytes.slice_ref(entry.key),
        value: entry.value.map(|v| bytes.slice_ref(v)).unwrap_or_default(),
    })
}

/// A bee over `B`'s blocks.
pub struct Bee<B> {
    blocks: B,
    cache: Bounded<Arc<Block>>,
    keys: Bounded<Arc<[u8]>>,
    nodes: Bounded<Arc<Vec<Level>>>,
}

impl<B: Blocks> Bee<B> {
    /// A bee over `blocks`.
    pub fn new(blocks: B) -> Bee<B> {
        Bee {
            blocks,
            cache: Bounded::new(CACHE_BLOCKS),
            keys: Bounded::new(CACHE_KEYS),
            nodes: Bounded::new(CACHE_NODES),
        }
    }

    /// The block source.
    pub fn blocks(&self) -> &B {
        &self.blocks
    }

    /// The version: the number of blocks (≤ 1: empty).
    pub fn version(&self) -> u64 {
        self.blocks.length()
    }

    /// Whether block 0 says this is a hyperbee (an empty core is not yet one).
    pub fn is_bee(&self) -> Result<bool, BeeError> {
        if self.blocks.length() == 0 {
            return Ok(false);
        }
        let header = Header::decode(&self.blocks.block(0)?)
            .map_err(|source| BeeError::Malformed { seq: 0, source })?;
        Ok(header.protocol == "hyperbee")
    }

    /// Block `seq`, decoded; its key and tree nodes are cached apart from it too.
    fn load(&self, seq: u64) -> Result<Arc<Block>, BeeError> {
        if let Some(b) = self.cache.get(seq) {
            return Ok(b);
        }
        if seq == 0 {
            return Err(BeeError::NotABee);
        }
        let bytes = self.blocks.block(seq)?;
        let malformed = |source| BeeError::Malformed { seq, source };
        let entry = Entry::decode(&bytes).map_err(malformed)?;
        let levels = Arc::new(YoloIndex::decode(&entry.index).map_err(malformed)?.levels);
        let block = Arc::new(Block {
            key: entry.key.into(),
            value: entry.value,
            levels,
        });
        self.keys.insert(seq, block.key.clone());
        if !block.levels.is_empty() {
            self.nodes.insert(seq, block.levels.clone());
        }
        self.cache.insert(seq, block.clone());
        Ok(block)
    }

    /// Level `offset` of block `seq`, named by block `from`.
    fn level(&self, from: u64, seq: u64, offset: u64) -> Result<Level, BeeError> {
        let bad = BeeError::BadPointer {
            seq: from,
            to: seq,
            offset,
        };
        if seq == 0 || seq >= self.blocks.length() {
            return Err(bad);
        }
        let levels = match self.nodes.get(seq) {
            Some(levels) => levels,
            None => self.load(seq)?.levels.clone(),
        };
        let level = usize::try_from(offset)
            .ok()
            .and_then(|o| levels.get(o))
            .cloned()
            .ok_or(bad)?;
        // A B-tree node has no children or one more than its keys; a walk over any
        // other shape would index past its end.
        if !level.children.is_empty() && level.children.len() != level.keys.len() + 1 {
            return Err(BeeError::BadNode { seq, offset });
        }
        Ok(level)
    }

    /// The key block `seq` wrote.
    fn key_of(&self, seq: u64) -> Result<Arc<[u8]>, BeeError> {
        if let Some(k) = self.keys.get(seq) {
            return Ok(k);
        }
        if seq == 0 || seq >= self.blocks.length() {
            return Err(BeeError::BadPointer {
                seq,
                to: seq,
                offset: 0,
            });
        }
        Ok(self.load(seq)?.key.clone())
    }

    /// The record block `seq` wrote: from the block cache, else read and decoded for its
    /// key and value only (a read needs neither its tree nodes nor a cache entry).
    fn record(&self, seq: u64) -> Result<Record, BeeError> {
        if let Some(block) = self.cache.get(seq) {
            return Ok(Record {
                seq,
                key: Bytes::copy_from_slice(&block.key),
                value: block.value.clone().map(Bytes::from).unwrap_or_default(),
            });
        }
        if seq == 0 {
            return Err(BeeError::NotABee);
        }
        record_from(seq, self.blocks.block(seq)?)
    }

    /// The keys of `seqs` (a node's), with the blocks that had to be read for them:
    /// the keys not cached are read in one go.
    fn slots(&self, seqs: &[u64]) -> Result<Vec<Slot>, BeeError> {
        let mut out = Vec::with_capacity(seqs.len());
        let mut missing = Vec::new();
        for (i, &seq) in seqs.iter().enumerate() {
            let key = self.keys.get(seq);
            if key.is_none() {
                if seq == 0 || seq >= self.blocks.length() {
                    return Err(BeeError::BadPointer {
                        seq,
                        to: seq,
                        offset: 0,
                    });
                }
                missing.push(i);
            }
            out.push(Slot {
                seq,
                key: key.unwrap_or_else(|| Arc::from(&[][..])),
                raw: None,
            });
        }
        if !missing.is_empty() {
            let wanted: Vec<u64> = missing.iter().map(|&i| seqs[i]).collect();
            for (i, bytes) in missing.into_iter().zip(self.blocks.blocks(&wanted)?) {
                let seq = seqs[i];
                let entry = EntryRef::decode(&bytes)
                    .map_err(|source| BeeError::Malformed { seq, source })?;
                let key: Arc<[u8]> = entry.key.into();
                self.keys.insert(seq, key.clone());
                out[i].key = key;
                out[i].raw = Some(bytes);
            }
        }
        Ok(out)
    }

    /// The root: level 0 of the last block, with that block's seq.
    fn root(&self) -> Result<Option<(u64, Level)>, BeeError> {
        let length = self.blocks.length();
        if length < 2 {
            return Ok(None);
        }
        let seq = length - 1;
        let root = self.level(seq, seq, 0)?;
        Ok(Some((seq, root)))
    }

    /// The value of `key`, with the block that wrote it.
    pub fn get(&self, key: &[u8]) -> Result<Option<Record>, BeeError> {
        let Some((mut seq, mut node)) = self.root()? else {
            return Ok(None);
        };
        for _ in 0..MAX_DEPTH {
            let (found, i) = self.search(&node, key)?;
            if let Some(at) = found {
                return self.record(at).map(Some);
            }
            let Some(&(child, offset)) = node.children.get(i) else {
                return Ok(None);
            };
            node = self.level(seq, child, offset)?;
            seq = child;
        }
        Err(BeeError::TooDeep)
    }

    /// Binary search of `key` in `node`: the seq of its block if found, else the
    /// insertion point.
    fn search(&self, node: &Level, key: &[u8]) -> Result<(Option<u64>, usize), BeeError> {
        let (mut s, mut e) = (0, node.keys.len());
        while s < e {
            let mid = (s + e) / 2;
            match key.cmp(&self.key_of(node.keys[mid])?[..]) {
                std::cmp::Ordering::Equal => return Ok((Some(node.keys[mid]), mid)),
                std::cmp::Ordering::Less => e = mid,
                std::cmp::Ordering::Greater => s = mid + 1,
            }
        }
        Ok((None, s))
    }

    /// The records within `range`, in key order (or reversed), at most `limit`.
    pub fn range(&self, range: &Range) -> Result<Vec<Record>, BeeError> {
        let mut out = Vec::new();
        self.range_each(range, |r| {
            out.push(r);
            true
        })?;
        Ok(out)
    }

    /// Hands each record within `range` to `each`, in order, until `each` says false or
    /// `limit` is reached: a listing of any size without holding it.
    pub fn range_each<F>(&self, range: &Range, mut each: F) -> Result<(), BeeError>
    where
        F: FnMut(Record) -> bool,
    {
        if let Some((seq, root)) = self.root()? {
            let mut taken = 0;
            self.walk(seq, &root, range, &mut each, &mut taken, 0)?;
        }
        Ok(())
    }

    /// In-order (or reverse) walk of `node`, skipping subtrees outside `range`; false
    /// once the limit is reached.
    fn walk<F>(
        &self,
        seq: u64,
        node: &Level,
        range: &Range,
        each: &mut F,
        taken: &mut usize,
        depth: usize,
    ) -> Result<bool, BeeError>
    where
        F: FnMut(Record) -> bool,
    {
        if depth > MAX_DEPTH {
            return Err(BeeError::TooDeep);
        }
        let mut read = self.slots(&node.keys)?;
        let in_range = |k: &[u8]| range.above_low(k) && range.below_high(k);
        // The values this node will give that are not read yet: one read for them all.
        let need: Vec<usize> = (0..read.len())
            .filter(|&k| {
                let s = &read[k];
                s.raw.is_none() && in_range(&s.key) && self.cache.get(s.seq).is_none()
            })
            .collect();
        if !need.is_empty() {
            let seqs: Vec<u64> = need.iter().map(|&k| read[k].seq).collect();
            for (k, bytes) in need.into_iter().zip(self.blocks.blocks(&seqs)?) {
                read[k].raw = Some(bytes);
            }
        }
        let keys: Vec<Arc<[u8]>> = read.iter().map(|s| s.key.clone()).collect();
        let n = keys.len();
        let slots: Box<dyn Iterator<Item = usize>> = if range.reverse {
            Box::new((0..=n).rev())
        } else {
            Box::new(0..=n)
        };
        let full = |taken: usize| range.limit.is_some_and(|l| taken >= l);
        for slot in slots {
            // Child `slot` holds the keys between keys[slot - 1] and keys[slot].
            if let Some(&(child, offset)) = node.children.get(slot) {
                let low_ok = slot == n || range.above_low(&keys[slot]);
                let high_ok = slot == 0 || range.below_high(&keys[slot - 1]);
                if low_ok && high_ok {
                    let level = self.level(seq, child, offset)?;
                    if !self.walk(child, &level, range, each, taken, depth + 1)? {
                        return Ok(false);
                    }
                }
            }
            // After child `slot` comes key `slot` (before it, reversed).
            let key_slot = if range.reverse {
                slot.checked_sub(1)
            } else {
                (slot < n).then_some(slot)
            };
            if let Some(k) = key_slot {
                if range.above_low(&keys[k]) && range.below_high(&keys[k]) {
                    if full(*taken) {
                        return Ok(false);
                    }
                    *taken += 1;
                    let record = match read[k].raw.take() {
                        Some(bytes) => record_from(read[k].seq, bytes)?,
                        None => self.record(read[k].seq)?,
                    };
                    if !each(record) {
                        return Ok(false);
                    }
                }
            }
        }
        Ok(!full(*taken))
    }
}

#[cfg(test)]
mod tests;
