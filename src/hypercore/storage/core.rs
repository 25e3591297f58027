//! One core of a store: its head in memory, reads straight from redb, and writes —
//! appends and verified proofs — as one journaled commit each (see the store's
//! durability notes in [`super`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use redb::ReadableDatabase;

use crate::keys::KeyPair;
use crate::swarm::crypto::Key32;

use super::journal::{Put, Table};
use super::{
    decode_node, encode_node, lock, Head, Record, Shared, StorageError, BLOCKS, MAX_BLOCK_SIZE,
    NODES,
};
use crate::hypercore::flat;
use crate::hypercore::manifest::{Manifest, Verifier};
use crate::hypercore::proof::{self, Proof, ProofError, ProofRequest, ProofSource, WriterHead};
use crate::hypercore::tree::Node;
use crate::hypercore::verify::verify;

/// One core in a store.
pub struct Core {
    pub(super) shared: Arc<Shared>,
    pub(super) id: u64,
    pub(super) key: Key32,
    pub(super) discovery_key: Key32,
    /// Known once a manifest is (our own cores, or one that came in a proof).
    pub(super) verifier: Mutex<Option<Verifier>>,
    pub(super) signer: Option<KeyPair>,
    pub(super) head: Mutex<Head>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("key", &hex::encode(self.key))
            .field("writable", &self.signer.is_some())
            .finish()
    }
}

/// What a verified proof changed in a core.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The block it stored, if any.
    pub block: Option<u64>,
    /// The new length, if the proof upgraded the core.
    pub upgraded_to: Option<u64>,
}

/// Node and block lookups inside one read transaction.
struct TxnSource<'a> {
    id: u64,
    nodes: &'a redb::ReadOnlyTable<(u64, u64), &'static [u8]>,
    blocks: &'a redb::ReadOnlyTable<(u64, u64), &'static [u8]>,
    path: &'a Path,
}

impl ProofSource for TxnSource<'_> {
    type Error = StorageError;

    fn node(&mut self, index: u64) -> Result<Option<Node>, StorageError> {
        let got = self
            .nodes
            .get((self.id, index))
            .map_err(|e| StorageError::Io {
                path: self.path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(got.and_then(|v| decode_node(index, v.value())))
    }

    fn block(&mut self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let got = self
            .blocks
            .get((self.id, index))
            .map_err(|e| StorageError::Io {
                path: self.path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(got.map(|v| v.value().to_vec()))
    }
}

impl Core {
    pub(super) fn io(&self, e: &dyn std::fmt::Display) -> StorageError {
        self.shared.io(e)
    }

    pub(super) fn changed(&self) {
        self.shared.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// The core's key.
    pub fn key(&self) -> &Key32 {
        &self.key
    }

    /// The core's discovery key (its swarm topic).
    pub fn discovery_key(&self) -> &Key32 {
        &self.discovery_key
    }

    /// Whether this store can append to the core.
    pub fn writable(&self) -> bool {
        self.signer.is_some()
    }

    /// The verified length.
    pub fn length(&self) -> u64 {
        lock(&self.head).roots.length()
    }

    /// The verified byte length.
    pub fn byte_length(&self) -> u64 {
        lock(&self.head).roots.byte_length()
    }

    /// The fork.
    pub fn fork(&self) -> u64 {
        lock(&self.head).fork
    }

    /// How many blocks from 0 this store holds without a gap.
    pub fn contiguous_length(&self) -> u64 {
        lock(&self.head).contiguous
    }

    /// How many blocks this store holds.
    pub fn blocks_held(&self) -> u64 {
        lock(&self.head).held
    }

    /// How many bytes of blocks this store holds.
    pub fn bytes_held(&self) -> u64 {
        lock(&self.head).held_bytes
    }

    /// Whether the core has a manifest to send peers (a non-compat core whose manifest
    /// is known).
    pub fn shares_manifest(&self) -> bool {
        lock(&self.verifier)
            .as_ref()
            .is_some_and(|v| !v.is_compat())
    }

    /// Whether this store holds every root of length `length` (so it can prove an
    /// upgrade from there).
    pub fn has_roots(&self, length: u64) -> Result<bool, StorageError> {
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        for index in flat::full_roots(length) {
            if nodes
                .get((self.id, index))
                .map_err(|e| self.io(&e))?
                .is_none()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The manifest, once known.
    pub fn manifest(&self) -> Option<Manifest> {
        lock(&self.verifier).as_ref().map(|v| v.manifest().clone())
    }

    /// Appends `blocks` in one signed step and returns the new length; durable when it
    /// returns.
    pub fn append<B: AsRef<[u8]>>(&self, blocks: &[B]) -> Result<u64, StorageError> {
        let Some(pair) = &self.signer else {
            return Err(StorageError::NotWritable(hex::encode(self.key)));
        };
        if let Some(big) = blocks
            .iter()
            .map(|b| b.as_ref().len())
            .find(|n| *n > MAX_BLOCK_SIZE)
        {
            return Err(StorageError::BlockTooLarge(big));
        }
        let verifier = lock(&self.verifier).clone();
        let Some(verifier) = verifier else {
            return Err(StorageError::NotWritable(hex::encode(self.key)));
        };
        let mut head = lock(&self.head);
        if blocks.is_empty() {
            return Ok(head.roots.length());
        }
        let mut roots = head.roots.clone();
        let first = roots.length();
        let mut made = Vec::with_capacity(blocks.len() * 2);
        for b in blocks {
            roots.append(b.as_ref(), &mut made);
        }
        let signature = verifier
            .sign(pair, &roots.hash(), roots.length(), head.fork)
            .ok_or_else(|| StorageError::NotWritable(hex::encode(self.key)))?;
        let next = Head {
            fork: head.fork,
            contiguous: if head.contiguous == first {
                roots.length()
            } else {
                head.contiguous
            },
            roots,
            signature,
            held: head.held + blocks.len() as u64,
            held_bytes: head.held_bytes
                + blocks.iter().map(|b| b.as_ref().len() as u64).sum::<u64>(),
        };
        let mut puts = Vec::with_capacity(made.len() + blocks.len() + 1);
        puts.extend(made.iter().map(|n| self.node_put(n)));
        puts.extend(blocks.iter().enumerate().map(|(i, b)| Put {
            table: Table::BLOCKS,
            id: self.id,
            index: first + i as u64,
            value: Cow::Borrowed(b.as_ref()),
        }));
        puts.push(self.head_put(&next, Some(&verifier)));
        self.shared.commit(&puts)?;
        *head = next;
        let length = head.roots.length();
        drop(head);
        self.changed();
        Ok(length)
    }

    pub(super) fn node_put(&self, n: &Node) -> Put<'static> {
        Put {
            table: Table::NODES,
            id: self.id,
            index: n.index,
            value: Cow::Owned(encode_node(n)),
        }
    }

    /// The put that stores `head` (with the manifest and our seed) as the record.
    pub(super) fn head_put(&self, head: &Head, verifier: Option<&Verifier>) -> Put<'static> {
        let record = Record {
            key: self.key,
            // A compat core's manifest is implied by its key: not stored.
            manifest: verifier
                .filter(|v| !v.is_compat())
                .map(|v| v.manifest().clone()),
            seed: self.signer.as_ref().map(|p| p.signing_key().to_bytes()),
            fork: head.fork,
            length: head.roots.length(),
            signature: head.signature.clone(),
            contiguous: head.contiguous,
            held: head.held,
            held_bytes: head.held_bytes,
        };
        Put {
            table: Table::HEADS,
            id: self.id,
            index: 0,
            value: Cow::Owned(record.encode()),
        }
    }

    /// Block `index`, if this store holds it.
    pub fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let got = blocks.get((self.id, index)).map_err(|e| self.io(&e))?;
        Ok(got.map(|v| v.value().to_vec()))
    }

    /// Blocks `indexes`, in one read (`None` for one this store does not hold).
    pub fn get_many(&self, indexes: &[u64]) -> Result<Vec<Option<Vec<u8>>>, StorageError> {
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        indexes
            .iter()
            .map(|&index| {
                let got = blocks.get((self.id, index)).map_err(|e| self.io(&e))?;
                Ok(got.map(|v| v.value().to_vec()))
            })
            .collect()
    }

    /// Whether this store holds block `index`.
    pub fn has(&self, index: u64) -> Result<bool, StorageError> {
        // Replication asks this for every candidate block: look, do not copy.
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let found = blocks.get((self.id, index)).map_err(|e| self.io(&e))?;
        Ok(found.is_some())
    }

    /// How many tree levels above block `index`'s leaf (the leaf included) this store
    /// lacks, below the first stored ancestor: the `nodes` of a block request.
    pub fn missing_nodes(&self, index: u64) -> Result<u64, StorageError> {
        let head = 2 * self.length();
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        let mut it = flat::Iter::new(index.saturating_mul(2));
        let mut count = 0;
        while flat::right_span(it.index) < head
            && nodes
                .get((self.id, it.index))
                .map_err(|e| self.io(&e))?
                .is_none()
            && count < proof::MAX_DEPTH as u64
        {
            count += 1;
            it.parent();
        }
        Ok(count)
    }

    /// The proof answering `req` from what this store holds.
    pub fn proof(&self, req: &ProofRequest) -> Result<Proof, StorageError> {
        let head = lock(&self.head).clone();
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let mut src = TxnSource {
            id: self.id,
            nodes: &nodes,
            blocks: &blocks,
            path: &self.shared.path,
        };
        proof::build(
            &mut src,
            WriterHead {
                fork: head.fork,
                roots: &head.roots,
                signature: &head.signature,
            },
            req,
        )
    }

    /// Verifies `proof` (with the `manifest` that came with it, for a core that has
    /// none yet) and stores what it proves, in one durable step.
    pub fn apply(&self, proof: Proof, manifest: Option<Manifest>) -> Result<Applied, StorageError> {
        let (mut applied, error) = self.apply_batch(vec![(proof, manifest)]);
        match error {
            Some(e) => Err(e),
            None => Ok(applied.pop().unwrap_or_default()),
        }
    }

    /// Verifies and stores `proofs` in order as one journal record and one commit
    /// (replication applies what one wake-up brought at once). A proof may hang on the
    /// nodes of an earlier one in the batch. At the first proof that fails, the ones
    /// before it are stored and the error is returned with their results.
    pub fn apply_batch(
        &self,
        proofs: Vec<(Proof, Option<Manifest>)>,
    ) -> (Vec<Applied>, Option<StorageError>) {
        let mut head = lock(&self.head);
        let before = head.clone();
        let mut next = head.clone();
        let mut results = Vec::with_capacity(proofs.len());
        let mut puts: Vec<Put<'static>> = Vec::new();
        // What this batch wrote and redb does not have yet.
        let mut new_nodes: HashMap<u64, Node> = HashMap::new();
        let mut new_blocks: HashSet<u64> = HashSet::new();
        let mut verifier_used = None;
        let mut error = None;
        let read = || -> Result<_, redb::Error> {
            let txn = self.shared.db.begin_read()?;
            Ok((txn.open_table(NODES)?, txn.open_table(BLOCKS)?))
        };
        let (nodes, blocks) = match read() {
            Ok(t) => t,
            Err(e) => return (results, Some(self.io(&e))),
        };
        let stored_block = |i: u64, new: &HashSet<u64>| -> Result<bool, StorageError> {
            Ok(new.contains(&i) || blocks.get((self.id, i)).map_err(|e| self.io(&e))?.is_some())
        };
        for (proof, manifest) in proofs {
            let step = (|| -> Result<Applied, StorageError> {
                let verifier = match &verifier_used {
                    Some(v) => Clone::clone(v),
                    None => self.verifier_with(manifest)?,
                };
                let verified = verify(proof, next.fork, &next.roots, &verifier)?;
                if let Some(anchor) = verified.anchor {
                    let stored = match new_nodes.get(&anchor.index) {
                        Some(n) => Some(*n),
                        None => nodes
                            .get((self.id, anchor.index))
                            .map_err(|e| self.io(&e))?
                            .and_then(|v| decode_node(anchor.index, v.value())),
                    };
                    if stored != Some(anchor) {
                        return Err(ProofError::InvalidChecksum(anchor.index).into());
                    }
                }
                let mut applied = Applied::default();
                if let Some((roots, signature)) = verified
                    .upgrade
                    .filter(|(roots, _)| roots.length() > next.roots.length())
                {
                    next.roots = roots;
                    next.signature = signature;
                    applied.upgraded_to = Some(next.roots.length());
                }
                for n in &verified.nodes {
                    new_nodes.insert(n.index, *n);
                    puts.push(self.node_put(n));
                }
                if let Some((index, value)) = verified.block {
                    if !stored_block(index, &new_blocks)? {
                        next.held += 1;
                        next.held_bytes += value.len() as u64;
                    }
                    new_blocks.insert(index);
                    applied.block = Some(index);
                    puts.push(Put {
                        table: Table::BLOCKS,
                        id: self.id,
                        index,
                        value: Cow::Owned(value),
                    });
                }
                // Blocks that arrived out of order may now join the contiguous run.
                while next.contiguous < next.roots.length()
                    && stored_block(next.contiguous, &new_blocks)?
                {
                    next.contiguous += 1;
                }
                verifier_used = Some(verifier);
                Ok(applied)
            })();
            match step {
                Ok(applied) => results.push(applied),
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if puts.is_empty() {
            return (results, error);
        }
        let upgraded = next.roots.length() > before.roots.length();
        if upgraded || next.contiguous != before.contiguous || next.held != before.held {
            puts.push(self.head_put(&next, verifier_used.as_ref()));
        }
        if let Err(e) = self.shared.commit(&puts) {
            // Nothing of the batch was stored: no result stands.
            return (Vec::new(), Some(e));
        }
        if upgraded {
            *lock(&self.verifier) = verifier_used;
        }
        *head = next;
        drop(head);
        self.changed();
        (results, error)
    }

    /// The verifier to check a proof with: ours, else the manifest that came with it
    /// (it must hash to the key), else the default manifest of a compat key.
    pub(super) fn verifier_with(
        &self,
        manifest: Option<Manifest>,
    ) -> Result<Verifier, StorageError> {
        if let Some(v) = lock(&self.verifier).as_ref() {
            return Ok(v.clone());
        }
        match manifest {
            Some(m) => Verifier::new(self.key, m)
                .map_err(|_| StorageError::WrongManifest(hex::encode(self.key))),
            None => Ok(Verifier::compat(self.key)),
        }
    }
}
