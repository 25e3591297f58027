//! Following a writer that truncated. A peer on a later fork proves its head (an
//! upgrade from 0, signed by the writer: [`Core::verify_fork`]); replication finds the
//! last block both trees share and [`Core::reorg`] moves the core onto the new head:
//! the blocks and nodes below that point stay (they are the same in both trees), the
//! rest goes, in one durable commit. A reopen checks the new head's signature over the
//! stored roots as for any head.
//!
//! Nothing here talks to peers; it must never drop a block below the ancestor the
//! caller proved.

use redb::ReadableDatabase;

use super::journal::Put;
use super::{decode_node, lock, Core, Head, StorageError, BLOCKS, NODES};
use crate::hypercore::flat;
use crate::hypercore::manifest::{Manifest, Verifier};
use crate::hypercore::proof::{Proof, ProofError};
use crate::hypercore::tree::{Node, Roots};
use crate::hypercore::verify::verify;

/// A later fork's head, verified against the writer's signature.
#[derive(Debug, Clone)]
pub struct ForkHead {
    /// The fork.
    pub fork: u64,
    /// Its roots (they give its length).
    pub roots: Roots,
    /// The writer's signature over them.
    pub signature: Vec<u8>,
    verifier: Verifier,
}

impl ForkHead {
    /// The fork's length.
    pub fn length(&self) -> u64 {
        self.roots.length()
    }

    /// The verifier of the core's signatures.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }
}

impl Core {
    /// Checks a peer's proof that the writer moved to a later fork: an upgrade from 0
    /// on `proof.fork` (with the manifest, for a core that has none yet). Nothing is
    /// stored.
    pub fn verify_fork(
        &self,
        proof: Proof,
        manifest: Option<Manifest>,
    ) -> Result<ForkHead, StorageError> {
        let fork = proof.fork;
        if fork <= self.fork() || proof.upgrade.as_ref().is_none_or(|u| u.start != 0) {
            return Err(ProofError::InvalidUpgrade.into());
        }
        let verifier = self.verifier_with(manifest)?;
        let verified = verify(proof, fork, &Roots::default(), &verifier)?;
        let (roots, signature) = verified.upgrade.ok_or(ProofError::InvalidUpgrade)?;
        Ok(ForkHead {
            fork,
            roots,
            signature,
            verifier,
        })
    }

    /// Truncates a core we write to `length` blocks on the next fork, as Node's
    /// `core.truncate(length)` does (readers follow it); nothing if it is not longer.
    pub fn truncate(&self, length: u64) -> Result<(), StorageError> {
        let not_writable = || StorageError::NotWritable(hex::encode(self.key));
        let pair = self.signer.as_ref().ok_or_else(not_writable)?;
        let verifier = lock(&self.verifier).clone().ok_or_else(not_writable)?;
        let fork = {
            let head = lock(&self.head);
            if length >= head.roots.length() {
                return Ok(());
            }
            head.fork + 1
        };
        let nodes = flat::full_roots(length)
            .into_iter()
            .map(|i| {
                self.tree_node(i)?.ok_or_else(|| {
                    self.shared
                        .corrupt(&self.key, &format!("tree node {i} is missing"))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let roots = Roots::from_nodes(nodes).ok_or(ProofError::InvalidUpgrade)?;
        let signature = verifier
            .sign(pair, &roots.hash(), roots.length(), fork)
            .ok_or_else(not_writable)?;
        let head = ForkHead {
            fork,
            roots,
            signature,
            verifier,
        };
        self.reorg(head, length, &[]).map(drop)
    }

    /// The tree node at flat index `index`, if this store holds it.
    pub fn tree_node(&self, index: u64) -> Result<Option<Node>, StorageError> {
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        let got = nodes.get((self.id, index)).map_err(|e| self.io(&e))?;
        Ok(got.and_then(|v| decode_node(index, v.value())))
    }

    /// Moves the core onto the later fork `head`, keeping blocks `[0, ancestor)` and the
    /// nodes over them, dropping every other block and node, and storing `nodes` (more
    /// of the new tree, verified by the caller). The caller must have proved that both
    /// trees agree below `ancestor`. False if the core is on that fork or a later one
    /// already (another connection got there first).
    pub fn reorg(
        &self,
        head: ForkHead,
        ancestor: u64,
        nodes: &[Node],
    ) -> Result<bool, StorageError> {
        let mut current = lock(&self.head);
        if head.fork <= current.fork {
            return Ok(false);
        }
        let ancestor = ancestor
            .min(current.roots.length())
            .min(head.roots.length());
        let (gone, gone_bytes) = self.blocks_from(ancestor)?;
        let next = Head {
            fork: head.fork,
            roots: head.roots.clone(),
            signature: head.signature.clone(),
            contiguous: current.contiguous.min(ancestor),
            held: current.held.saturating_sub(gone),
            held_bytes: current.held_bytes.saturating_sub(gone_bytes),
        };
        // Nodes from flat index 2·ancestor on cover a dropped block; so do the parents
        // of that leaf below it that start before it (a node starting at 0 is the last:
        // its parents' indexes are past 2·ancestor).
        let first_leaf = ancestor.saturating_mul(2);
        let mut crossing = Vec::new();
        let mut it = flat::Iter::new(first_leaf);
        for _ in 0..64 {
            it.parent();
            if it.index < first_leaf {
                crossing.push(it.index);
            }
            if flat::left_span(it.index) == 0 {
                break;
            }
        }
        let verifier = lock(&self.verifier).clone().unwrap_or(head.verifier);
        let mut puts: Vec<Put<'static>> = head
            .roots
            .nodes()
            .iter()
            .chain(nodes)
            .map(|n| self.node_put(n))
            .collect();
        puts.push(self.head_put(&next, Some(&verifier)));
        self.shared
            .rewrite(self.id, first_leaf, &crossing, ancestor, &puts)?;
        lock(&self.verifier).get_or_insert(verifier);
        *current = next;
        drop(current);
        self.changed();
        Ok(true)
    }

    /// How many blocks from `from` on this store holds, and their bytes.
    fn blocks_from(&self, from: u64) -> Result<(u64, u64), StorageError> {
        let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let mut count = 0;
        let mut bytes = 0;
        for entry in blocks
            .range((self.id, from)..=(self.id, u64::MAX))
            .map_err(|e| self.io(&e))?
        {
            let (_, value) = entry.map_err(|e| self.io(&e))?;
            count += 1;
            bytes += value.value().len() as u64;
        }
        Ok((count, bytes))
    }
}
