//! Merkle proofs as a writer builds them: what a reader asks for (a block, a tree node,
//! a byte offset, a newer length) and the nodes and signature that answer it
//! (`reference/wire/hypercore.md` §9; `hypercore@11/lib/merkle-tree.js`,
//! `generateProof`). The walks follow Node's step for step, so a Node reader gets the
//! same nodes in the same order; [`super::verify`] is the reader's side.
//!
//! Sans-IO: the writer's tree is reached through [`ProofSource`], so the same code serves
//! from storage or from memory. A request the tree cannot answer — a bad range, a `nodes`
//! count that climbs out of the tree, a missing node — is a [`ProofError`] (the caller
//! answers `noData`), never a panic or an endless walk on hostile numbers.

use super::flat::{self, Iter};
use super::tree::Node;

/// The deepest a path can go: a log holds fewer than 2^54 blocks (the wire's `uint`).
pub(super) const MAX_DEPTH: usize = 64;

/// A block and the number of tree levels above its leaf (the leaf included) the reader
/// lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockRequest {
    /// The block number.
    pub index: u64,
    /// Levels the reader does not store, from the leaf up.
    pub nodes: u64,
}

/// A tree node (by flat index) and the levels above it the reader lacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashRequest {
    /// The flat index.
    pub index: u64,
    /// Levels the reader does not store, from the node up.
    pub nodes: u64,
}

/// The block holding byte `bytes` (with `padding` bytes per block not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeekRequest {
    /// The byte offset.
    pub bytes: u64,
    /// Per-block padding (encrypted cores); 0 otherwise.
    pub padding: u64,
}

/// Move the reader from length `start` to `start + length`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpgradeRequest {
    /// The reader's length.
    pub start: u64,
    /// How many blocks to add.
    pub length: u64,
}

/// What a reader asks a writer to prove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProofRequest {
    /// A block with its uncles.
    pub block: Option<BlockRequest>,
    /// A tree node with its uncles.
    pub hash: Option<HashRequest>,
    /// The nodes locating a byte offset.
    pub seek: Option<SeekRequest>,
    /// A newer, signed length.
    pub upgrade: Option<UpgradeRequest>,
}

/// A block, and the uncles tying its leaf to a node the reader trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockProof {
    /// The block number.
    pub index: u64,
    /// The block's bytes.
    pub value: Vec<u8>,
    /// Uncle nodes, bottom-up.
    pub nodes: Vec<Node>,
}

/// A tree node (first in `nodes`) and its uncles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashProof {
    /// The flat index asked for.
    pub index: u64,
    /// The node itself, then uncles bottom-up.
    pub nodes: Vec<Node>,
}

/// The nodes from the block holding a byte offset up to a root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeekProof {
    /// The byte offset asked for.
    pub bytes: u64,
    /// The located node, then uncles bottom-up.
    pub nodes: Vec<Node>,
}

/// The nodes that grow the reader's roots into the writer's, and the signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeProof {
    /// The reader's length the proof starts from.
    pub start: u64,
    /// How many blocks the requested upgrade adds.
    pub length: u64,
    /// Nodes up to `start + length`.
    pub nodes: Vec<Node>,
    /// Nodes from `start + length` to the writer's full length.
    pub additional_nodes: Vec<Node>,
    /// The writer's signature of its full length.
    pub signature: Vec<u8>,
}

/// A writer's answer to a [`ProofRequest`] (the proof parts of the `data` message).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proof {
    /// The fork the proof is about.
    pub fork: u64,
    /// The block part.
    pub block: Option<BlockProof>,
    /// The hash part.
    pub hash: Option<HashProof>,
    /// The seek part.
    pub seek: Option<SeekProof>,
    /// The upgrade part.
    pub upgrade: Option<UpgradeProof>,
}

/// Why a proof could not be built or was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The upgrade range is empty or beyond the writer's length.
    #[error("invalid upgrade range")]
    InvalidUpgrade,
    /// A `nodes` count that climbs above the root of the tree.
    #[error("nodes is out of bounds")]
    NodesOutOfBounds,
    /// A seek combined with a block or hash inside the upgrade.
    #[error("cannot both seek and prove a block or hash inside an upgrade")]
    SeekWithBlock,
    /// A seek to a byte offset outside the tree.
    #[error("invalid seek")]
    InvalidSeek,
    /// The block or hash asked for lies outside what the proof can cover.
    #[error("invalid block request")]
    InvalidBlockRequest,
    /// The writer lacks a tree node the proof needs.
    #[error("tree node {0} is not stored")]
    MissingNode(u64),
    /// The writer lacks the block asked for.
    #[error("block {0} is not stored")]
    MissingBlock(u64),
    /// The proof's fork is not the reader's.
    #[error("the proof is for fork {got}, not {expected}")]
    WrongFork {
        /// The reader's fork.
        expected: u64,
        /// The proof's.
        got: u64,
    },
    /// A node in a proof sits where another was due.
    #[error("expected node {expected}, got {got:?}")]
    UnexpectedNode {
        /// The index the walk needed.
        expected: u64,
        /// What came (`None`: the proof ran out).
        got: Option<u64>,
    },
    /// The proof's result differs from the node the reader stores.
    #[error("invalid checksum at node {0}")]
    InvalidChecksum(u64),
    /// The upgrade's signature does not verify.
    #[error("the proof's signature does not verify")]
    InvalidSignature,
    /// A proof deeper than any tree.
    #[error("the proof is deeper than any tree")]
    TooDeep,
}

/// The writer's tree as a proof needs it.
pub trait ProofSource {
    /// The error of a lookup; a missing node or block is [`ProofError`] too.
    type Error: From<ProofError>;

    /// The stored tree node at `index`, if any.
    fn node(&mut self, index: u64) -> Result<Option<Node>, Self::Error>;

    /// The stored block `index`, if any.
    fn block(&mut self, index: u64) -> Result<Option<Vec<u8>>, Self::Error>;

    /// The node at `index`, which must be stored.
    fn need(&mut self, index: u64) -> Result<Node, Self::Error> {
        self.node(index)?
            .ok_or_else(|| ProofError::MissingNode(index).into())
    }
}

/// What the writer proves from: its fork, length, roots and current signature.
#[derive(Debug, Clone, Copy)]
pub struct WriterHead<'a> {
    /// The writer's fork.
    pub fork: u64,
    /// The writer's roots (they give its length and byte length).
    pub roots: &'a super::tree::Roots,
    /// The signature of the writer's current length.
    pub signature: &'a [u8],
}

/// The block or hash a request names, normalised to a flat index.
#[derive(Debug, Clone, Copy)]
struct Indexed {
    has_value: bool,
    index: u64,
    nodes: u64,
    last_block: u64,
}

/// The parts of a proof as they are collected.
#[derive(Default)]
struct Pending {
    node: Option<Vec<Node>>,
    seek: Option<Vec<Node>>,
    upgrade: Option<Vec<Node>>,
    additional: Option<Vec<Node>>,
}

/// Builds the proof answering `req` from the writer's tree.
pub fn build<S: ProofSource>(
    src: &mut S,
    head: WriterHead<'_>,
    req: &ProofRequest,
) -> Result<Proof, S::Error> {
    let length = head.roots.length();
    let mut proof = Proof {
        fork: head.fork,
        ..Proof::default()
    };
    if length == 0 {
        // Nothing to prove from; Node answers with an empty proof too.
        return Ok(proof);
    }
    let tree_head = 2 * length;
    let from = req.upgrade.map_or(0, |u| u.start.saturating_mul(2));
    let to = req.upgrade.map_or(tree_head, |u| {
        from.saturating_add(u.length.saturating_mul(2))
    });
    let node = indexed(req);
    if from >= to || to > tree_head {
        return Err(ProofError::InvalidUpgrade.into());
    }
    if req.seek.is_some() && req.upgrade.is_some() && node.is_some_and(|n| n.index >= from) {
        return Err(ProofError::SeekWithBlock.into());
    }
    let mut sub_tree = tree_head;
    let mut p = Pending::default();
    let below_upgrade = |n: &Indexed| req.upgrade.is_none_or(|u| n.last_block < u.start);
    match node {
        Some(n) if below_upgrade(&n) => {
            sub_tree = nodes_to_root(n.index, n.nodes, to)?;
            let seek_root = match req.seek {
                Some(s) => seek_untrusted_tree(src, head, sub_tree, s)?,
                None => tree_head,
            };
            block_and_seek_proof(src, node, req.seek.is_some(), seek_root, sub_tree, &mut p)?;
        }
        _ if req.upgrade.is_some() => {
            if let Some(s) = req.seek {
                sub_tree = seek_from_head(src, to, s)?;
            } else if let Some(n) = node {
                sub_tree = n.index;
            }
        }
        _ => {}
    }
    if req.upgrade.is_some() {
        upgrade_proof(src, node, req.seek.is_some(), from, to, sub_tree, &mut p)?;
        if tree_head > to {
            p.additional = Some(roots_growing(src, to, tree_head)?);
        }
    }

    if let Some(b) = req.block {
        let nodes = p.node.take().ok_or(ProofError::InvalidBlockRequest)?;
        let value = src
            .block(b.index)?
            .ok_or(ProofError::MissingBlock(b.index))?;
        proof.block = Some(BlockProof {
            index: b.index,
            value,
            nodes,
        });
    } else if let Some(h) = req.hash {
        let nodes = p.node.take().ok_or(ProofError::InvalidBlockRequest)?;
        proof.hash = Some(HashProof {
            index: h.index,
            nodes,
        });
    }
    if let (Some(s), Some(nodes)) = (req.seek, p.seek) {
        proof.seek = Some(SeekProof {
            bytes: s.bytes,
            nodes,
        });
    }
    if let Some(u) = req.upgrade {
        proof.upgrade = Some(UpgradeProof {
            start: u.start,
            length: u.length,
            nodes: p.upgrade.unwrap_or_default(),
            additional_nodes: p.additional.unwrap_or_default(),
            signature: head.signature.to_vec(),
        });
    }
    Ok(proof)
}

fn indexed(req: &ProofRequest) -> Option<Indexed> {
    if let Some(b) = req.block {
        return Some(Indexed {
            has_value: true,
            index: b.index.saturating_mul(2),
            nodes: b.nodes,
            last_block: b.index,
        });
    }
    req.hash.map(|h| Indexed {
        has_value: false,
        index: h.index,
        nodes: h.nodes,
        last_block: flat::right_span(h.index) / 2,
    })
}

/// The node `nodes` levels above `index`, which must stay inside the tree of `head`.
fn nodes_to_root(index: u64, nodes: u64, head: u64) -> Result<u64, ProofError> {
    if nodes > MAX_DEPTH as u64 || index >= head {
        return Err(ProofError::NodesOutOfBounds);
    }
    let mut it = Iter::new(index);
    for _ in 0..nodes {
        it.parent();
        if it.contains(head) {
            return Err(ProofError::NodesOutOfBounds);
        }
    }
    Ok(it.index)
}

/// The nodes from `seek_root` up to (not including) `root`: the located node, then
/// each uncle.
fn seek_proof<S: ProofSource>(
    src: &mut S,
    seek_root: u64,
    root: u64,
    p: &mut Pending,
) -> Result<(), S::Error> {
    let mut it = Iter::new(seek_root);
    let mut nodes = vec![src.need(seek_root)?];
    while it.index != root {
        if nodes.len() > MAX_DEPTH {
            return Err(ProofError::TooDeep.into());
        }
        it.sibling();
        nodes.push(src.need(it.index)?);
        it.parent();
    }
    p.seek = Some(nodes);
    Ok(())
}

fn block_and_seek_proof<S: ProofSource>(
    src: &mut S,
    node: Option<Indexed>,
    seek: bool,
    seek_root: u64,
    root: u64,
    p: &mut Pending,
) -> Result<(), S::Error> {
    let Some(node) = node else {
        return seek_proof(src, seek_root, root, p);
    };
    let mut it = Iter::new(node.index);
    let mut nodes = Vec::new();
    if !node.has_value {
        nodes.push(src.need(it.index)?);
    }
    let mut steps = 0;
    while it.index != root {
        steps += 1;
        if steps > MAX_DEPTH {
            return Err(ProofError::TooDeep.into());
        }
        it.sibling();
        if seek && it.contains(seek_root) && it.index != seek_root {
            seek_proof(src, seek_root, it.index, p)?;
        } else {
            nodes.push(src.need(it.index)?);
        }
        it.parent();
    }
    p.node = Some(nodes);
    Ok(())
}

fn upgrade_proof<S: ProofSource>(
    src: &mut S,
    node: Option<Indexed>,
    seek: bool,
    from: u64,
    to: u64,
    sub_tree: u64,
    p: &mut Pending,
) -> Result<(), S::Error> {
    let mut nodes = (from == 0).then(Vec::new);
    let mut it = Iter::new(0);
    while it.full_root(to) {
        let root = it.index;
        // Roots the reader already has.
        if root + it.count_leaves() < from {
            it.next_tree();
            continue;
        }
        // The root that grows out of the reader's last root: the nodes right of its
        // last leaf, bottom-up.
        if nodes.is_none() && it.contains(from - 2) {
            let mut out = Vec::new();
            let target = from - 2;
            it.seek(target);
            while it.index != root {
                it.sibling();
                if it.index > target {
                    if p.node.is_none() && p.seek.is_none() && it.contains(sub_tree) {
                        block_and_seek_proof(src, node, seek, sub_tree, it.index, p)?;
                    } else {
                        out.push(src.need(it.index)?);
                    }
                }
                it.parent();
            }
            nodes = Some(out);
            it.next_tree();
            continue;
        }
        let out = nodes.get_or_insert_with(Vec::new);
        // A root holding the block asked for is computed from the block's path instead.
        if p.node.is_none() && p.seek.is_none() && it.contains(sub_tree) {
            block_and_seek_proof(src, node, seek, sub_tree, root, p)?;
        } else {
            out.push(src.need(root)?);
        }
        it.next_tree();
    }
    p.upgrade = Some(nodes.unwrap_or_default());
    Ok(())
}

/// The nodes that grow a tree of flat head `from` into one of flat head `to`: the
/// uncles right of the last leaf up to its new root, then every later root.
pub(super) fn roots_growing<S: ProofSource>(
    src: &mut S,
    from: u64,
    to: u64,
) -> Result<Vec<Node>, S::Error> {
    let mut out = Vec::new();
    let mut it = Iter::new(0);
    let mut joined = from == 0;
    while it.full_root(to) {
        let root = it.index;
        if root + it.count_leaves() < from {
            it.next_tree();
            continue;
        }
        if !joined && it.contains(from - 2) {
            joined = true;
            let target = from - 2;
            it.seek(target);
            while it.index != root {
                it.sibling();
                if it.index > target {
                    out.push(src.need(it.index)?);
                }
                it.parent();
            }
            it.next_tree();
            continue;
        }
        joined = true;
        out.push(src.need(root)?);
        it.next_tree();
    }
    Ok(out)
}

fn unpadded(node: &Node, padding: u64, leaves: u64) -> u64 {
    node.size.saturating_sub(padding.saturating_mul(leaves))
}

/// The root of `to`'s tree that holds byte `bytes`, narrowed to the node holding it.
fn seek_from_head<S: ProofSource>(src: &mut S, to: u64, s: SeekRequest) -> Result<u64, S::Error> {
    let mut bytes = s.bytes;
    for root in flat::full_roots(to / 2) {
        let Some(node) = src.node(root)? else {
            return Ok(to);
        };
        let size = unpadded(&node, s.padding, flat::count_leaves(root));
        if bytes == size {
            return Ok(root);
        }
        if bytes > size {
            bytes -= size;
            continue;
        }
        return seek_trusted_tree(src, root, bytes, s.padding);
    }
    Ok(to)
}

/// The node under `root` where byte `bytes` (counted from `root`'s start) begins.
fn seek_trusted_tree<S: ProofSource>(
    src: &mut S,
    root: u64,
    mut bytes: u64,
    padding: u64,
) -> Result<u64, S::Error> {
    if bytes == 0 {
        return Ok(root);
    }
    let mut it = Iter::new(root);
    for _ in 0..=MAX_DEPTH * 2 {
        if it.index & 1 == 0 {
            return Ok(it.index);
        }
        let left = it.left_child();
        match src.node(left)? {
            Some(l) => {
                let size = unpadded(&l, padding, it.count_leaves());
                if size == bytes {
                    return Ok(it.index);
                }
                if size > bytes {
                    continue;
                }
                bytes -= size;
                it.sibling();
            }
            None => {
                it.parent();
                return Ok(it.index);
            }
        }
    }
    Err(ProofError::TooDeep.into())
}

/// Like [`seek_trusted_tree`], but checks that `bytes` lies under `root` first.
fn seek_untrusted_tree<S: ProofSource>(
    src: &mut S,
    head: WriterHead<'_>,
    root: u64,
    s: SeekRequest,
) -> Result<u64, S::Error> {
    let padding_before = s.padding.saturating_mul(flat::left_span(root) / 2);
    let offset = byte_offset(src, head, root)?.saturating_sub(padding_before);
    if offset > s.bytes {
        return Err(ProofError::InvalidSeek.into());
    }
    if offset == s.bytes {
        return Ok(root);
    }
    let bytes = s.bytes - offset;
    let node = src.need(root)?;
    if unpadded(&node, s.padding, flat::count_leaves(root)) <= bytes {
        return Err(ProofError::InvalidSeek.into());
    }
    seek_trusted_tree(src, root, bytes, s.padding)
}

/// How many bytes come before the node `index` in the writer's log.
pub(super) fn byte_offset<S: ProofSource>(
    src: &mut S,
    head: WriterHead<'_>,
    index: u64,
) -> Result<u64, S::Error> {
    if index == 2 * head.roots.length() {
        return Ok(head.roots.byte_length());
    }
    let index = if index & 1 == 1 {
        flat::left_span(index)
    } else {
        index
    };
    let mut offset = 0;
    for root in head.roots.nodes() {
        if index > flat::right_span(root.index) {
            offset += root.size;
            continue;
        }
        let mut it = Iter::new(root.index);
        for _ in 0..=MAX_DEPTH {
            if it.index == index {
                return Ok(offset);
            }
            if index < it.index {
                it.left_child();
            } else {
                offset += src.need(it.left_child())?.size;
                it.sibling();
            }
        }
        return Err(ProofError::TooDeep.into());
    }
    Err(ProofError::InvalidSeek.into())
}

#[cfg(test)]
mod tests;
