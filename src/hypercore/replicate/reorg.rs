//! Following a peer onto a later fork (its writer truncated), as Node's ReorgBatch
//! does: the peer proves the new head (an upgrade from 0 on its fork), then the last
//! block both trees share is found by walking the new tree's roots and, below the
//! first that differs from ours, one level per hash request (each answer proves a node
//! and its sibling under a node already proven); the core then moves onto the new head
//! from that block ([`Core::reorg`]) and replication goes on as usual.
//!
//! Nothing of the new tree is believed before it is proven, and nothing of ours is
//! dropped above what the walk showed to differ (a node we do not hold counts as
//! different: that only costs a re-download).

use std::collections::HashMap;
use std::time::Instant;

use super::{Asked, Peer, PeerEvent, ReplicateError};
use crate::hypercore::flat;
use crate::hypercore::messages::Data;
use crate::hypercore::proof::{HashRequest, ProofError, ProofRequest};
use crate::hypercore::storage::ForkHead;
use crate::hypercore::tree::{Node, Roots};
use crate::hypercore::verify::verify;

/// A reorg in progress with one peer.
pub(super) struct Reorg {
    head: ForkHead,
    /// Nodes of the new tree proven so far, by flat index.
    known: HashMap<u64, Node>,
    /// Blocks `[0, ancestor)` are the same in both trees.
    ancestor: u64,
}

/// Blocks `[start, end)` under node `index`.
fn blocks_under(index: u64) -> (u64, u64) {
    (flat::left_span(index) / 2, flat::right_span(index) / 2 + 1)
}

impl Peer {
    /// The answer to our fork-proof request: verified, it starts the walk.
    pub(super) fn on_fork_proof(&mut self, d: Data, now: Instant) -> Result<(), ReplicateError> {
        let head = self
            .core
            .verify_fork(d.proof, d.manifest)
            .map_err(ReplicateError::from_applying)?;
        self.events.push_back(PeerEvent::Forked {
            fork: head.fork,
            length: head.length(),
        });
        let known = head.roots.nodes().iter().map(|n| (n.index, *n)).collect();
        let reorg = Reorg {
            head,
            known,
            ancestor: 0,
        };
        self.walk(reorg, None, now)
    }

    /// The answer to a hash request of the walk: `asked`'s node and its sibling, under
    /// their parent, which must be a node already proven.
    pub(super) fn on_fork_hash(
        &mut self,
        asked: u64,
        d: Data,
        now: Instant,
    ) -> Result<(), ReplicateError> {
        let Some(mut reorg) = self.reorg.take() else {
            return Ok(());
        };
        let parent = flat::parent(asked);
        let verified = verify(
            d.proof,
            reorg.head.fork,
            &Roots::default(),
            reorg.head.verifier(),
        )
        .map_err(ReplicateError::InvalidData)?;
        let proven = reorg.known.get(&parent).copied();
        if verified.anchor.is_none() || verified.anchor != proven {
            return Err(ReplicateError::InvalidData(ProofError::InvalidChecksum(
                parent,
            )));
        }
        for n in verified.nodes {
            reorg.known.insert(n.index, n);
        }
        self.walk(reorg, Some(parent), now)
    }

    /// Whether we hold `node`, hash for hash.
    fn same(&self, node: &Node) -> Result<bool, ReplicateError> {
        let ours = self
            .core
            .tree_node(node.index)
            .map_err(ReplicateError::Storage)?;
        Ok(ours.as_ref() == Some(node))
    }

    /// One step: below `from` (a node proven to differ, whose children are now known)
    /// or along the roots, find the next node to compare; ask for its children, or
    /// finish when the answer is known.
    fn walk(
        &mut self,
        mut reorg: Reorg,
        from: Option<u64>,
        now: Instant,
    ) -> Result<(), ReplicateError> {
        let ours = self.core.length();
        let differing = match from.and_then(flat::children) {
            Some((left, right)) => {
                let left_node = reorg.known.get(&left).copied();
                match left_node {
                    Some(l) if self.same(&l)? => {
                        reorg.ancestor = blocks_under(left).1;
                        Some(right)
                    }
                    _ => Some(left),
                }
            }
            None => {
                let mut first = None;
                for root in reorg.head.roots.nodes().to_vec() {
                    if self.same(&root)? {
                        reorg.ancestor = blocks_under(root.index).1;
                    } else {
                        first = Some(root.index);
                        break;
                    }
                }
                first
            }
        };
        // Below a differing node, only a node that has children and overlaps our
        // blocks is worth a question.
        let descend = differing.filter(|i| flat::depth(*i) > 0 && blocks_under(*i).0 < ours);
        match descend {
            Some(node) if self.inflight.len() < super::MAX_INFLIGHT => {
                let (left, _) = flat::children(node).unwrap_or((node, node));
                self.reorg = Some(reorg);
                self.ask(
                    Asked::ForkHash(left),
                    ProofRequest {
                        hash: Some(HashRequest {
                            index: left,
                            nodes: 1,
                        }),
                        ..ProofRequest::default()
                    },
                    false,
                    now,
                );
                Ok(())
            }
            _ => self.finish(reorg),
        }
    }

    fn finish(&mut self, reorg: Reorg) -> Result<(), ReplicateError> {
        let nodes: Vec<Node> = reorg.known.values().copied().collect();
        let moved = self
            .core
            .reorg(reorg.head, reorg.ancestor, &nodes)
            .map_err(ReplicateError::Storage)?;
        if moved {
            // Our requests on the old fork are void; say where we are now.
            self.inflight.clear();
            self.free_ids.clear();
            self.cursor = 0;
            if self.core.contiguous_length() > 0 {
                self.announce_contiguous();
            }
            self.send_sync()?;
        }
        Ok(())
    }
}
