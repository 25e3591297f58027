//! A reader's check of a [`Proof`]: fold the block or hash path into one node, grow the
//! reader's roots with the upgrade nodes, and verify the signature over the new tree
//! (`reference/wire/hypercore.md` §9.3; `hypercore@11/lib/merkle-tree.js`, `verifyTree`
//! and `verifyUpgrade`).
//!
//! Nothing from the proof is trusted until it is tied to the signature or to a node the
//! reader already stores: a proof without an upgrade yields an [`Verified::anchor`] that
//! the caller must find, hash for hash, in its storage before it keeps anything. Every
//! node must sit exactly where the walk expects it ([`ProofError::UnexpectedNode`]).
//! Sans-IO and total: hostile proofs give errors, never panics or long loops.

use super::flat::Iter;
use super::manifest::Verifier;
use super::proof::{Proof, ProofError, MAX_DEPTH};
use super::tree::{Node, Roots};

/// What a verified proof lets the reader store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The fork of the proof (the reader's).
    pub fork: u64,
    /// The block proved, with its number.
    pub block: Option<(u64, Vec<u8>)>,
    /// Every node the proof carried or implied, to store.
    pub nodes: Vec<Node>,
    /// The reader's new roots and the signature of their length, after an upgrade.
    pub upgrade: Option<(Roots, Vec<u8>)>,
    /// A node the proof hangs on instead of the signature: the reader must already
    /// store a node with this index and hash, or the proof is worthless.
    pub anchor: Option<Node>,
}

/// Nodes consumed in order, each at the index the walk expects; `extra` (a node
/// computed from a block path) may stand in for one of them.
struct NodeQueue<'a> {
    nodes: std::slice::Iter<'a, Node>,
    extra: Option<Node>,
}

impl NodeQueue<'_> {
    fn len(&self) -> usize {
        self.nodes.len() + usize::from(self.extra.is_some())
    }

    fn shift(&mut self, index: u64) -> Result<Node, ProofError> {
        if let Some(e) = self.extra.filter(|e| e.index == index) {
            self.extra = None;
            return Ok(e);
        }
        match self.nodes.next() {
            Some(n) if n.index == index => Ok(*n),
            got => Err(ProofError::UnexpectedNode {
                expected: index,
                got: got.map(|n| n.index),
            }),
        }
    }
}

/// Folds `first` and the uncles in `queue` into the node they prove, pushing every node
/// seen or computed onto `out`.
fn fold_path(
    mut it: Iter,
    first: Node,
    queue: &mut NodeQueue<'_>,
    out: &mut Vec<Node>,
) -> Result<Node, ProofError> {
    if queue.len() > MAX_DEPTH {
        return Err(ProofError::TooDeep);
    }
    let mut root = first;
    out.push(root);
    while queue.len() > 0 {
        let uncle = queue.shift(it.sibling())?;
        it.parent();
        root = Node::parent(&root, &uncle);
        out.push(uncle);
        out.push(root);
    }
    Ok(root)
}

/// The untrusted node the block/hash/seek parts of `proof` prove, if any.
fn verify_tree(proof: &Proof, out: &mut Vec<Node>) -> Result<Option<Node>, ProofError> {
    let mut root = None;
    if let Some(seek) = proof.seek.as_ref().filter(|s| !s.nodes.is_empty()) {
        let mut queue = NodeQueue {
            nodes: seek.nodes.iter(),
            extra: None,
        };
        let first = seek.nodes[0].index;
        let start = queue.shift(first)?;
        root = Some(fold_path(Iter::new(first), start, &mut queue, out)?);
    }
    let (index, value, nodes) = match (&proof.block, &proof.hash) {
        (Some(b), _) => (b.index.saturating_mul(2), Some(&b.value), &b.nodes),
        (None, Some(h)) => (h.index, None, &h.nodes),
        (None, None) => return Ok(root),
    };
    let mut queue = NodeQueue {
        nodes: nodes.iter(),
        extra: root,
    };
    let first = match value {
        Some(v) => Node::leaf(index / 2, v),
        None => queue.shift(index)?,
    };
    fold_path(Iter::new(index), first, &mut queue, out).map(Some)
}

/// The reader's roots as they grow, with every node added.
struct Growing {
    roots: Vec<Node>,
    nodes: Vec<Node>,
}

impl Growing {
    /// Appends `node` (the iterator is on it) as the last root and merges siblings,
    /// leaving the iterator on the last root.
    fn append_root(&mut self, node: Node, it: &mut Iter) {
        self.roots.push(node);
        self.nodes.push(node);
        while let [.., left, right] = self.roots[..] {
            if it.sibling() != left.index {
                it.sibling();
                break;
            }
            it.parent();
            let parent = Node::parent(&left, &right);
            self.nodes.push(parent);
            self.roots.truncate(self.roots.len() - 2);
            self.roots.push(parent);
        }
    }
}

/// Verifies `proof` for a reader on `fork` whose roots are `roots`, against the core's
/// `verifier`.
pub fn verify(
    proof: Proof,
    fork: u64,
    roots: &Roots,
    verifier: &Verifier,
) -> Result<Verified, ProofError> {
    if proof.fork != fork {
        return Err(ProofError::WrongFork {
            expected: fork,
            got: proof.fork,
        });
    }
    let mut nodes = Vec::new();
    let mut anchor = verify_tree(&proof, &mut nodes)?;
    let mut upgraded = None;
    if let Some(up) = &proof.upgrade {
        let mut grow = Growing {
            roots: roots.nodes().to_vec(),
            nodes,
        };
        let mut queue = NodeQueue {
            nodes: up.nodes.iter(),
            extra: anchor,
        };
        let to = up
            .start
            .checked_add(up.length)
            .and_then(|n| n.checked_mul(2))
            .filter(|to| *to < 1 << 55)
            .ok_or(ProofError::InvalidUpgrade)?;
        let mut kept = 0;
        let mut first_missing = !grow.roots.is_empty();
        let mut it = Iter::new(0);
        while it.full_root(to) {
            let root = it.index;
            if kept < roots.nodes().len() && roots.nodes()[kept].index == root {
                kept += 1;
                it.next_tree();
                continue;
            }
            if first_missing {
                first_missing = false;
                if kept < roots.nodes().len() {
                    // Grow the reader's last root up to this root.
                    let last = grow.roots.last().map_or(0, |n| n.index);
                    it.seek(last);
                    let mut steps = 0;
                    while it.index != root {
                        steps += 1;
                        if steps > MAX_DEPTH {
                            return Err(ProofError::TooDeep);
                        }
                        let uncle = queue.shift(it.sibling())?;
                        grow.append_root(uncle, &mut it);
                    }
                    it.next_tree();
                    continue;
                }
            }
            let node = queue.shift(root)?;
            grow.append_root(node, &mut it);
            it.next_tree();
        }
        let Some(last) = grow.roots.last() else {
            return Err(ProofError::InvalidUpgrade);
        };
        let mut it = Iter::new(last.index);
        let mut extra = up.additional_nodes.iter().peekable();
        while let Some(node) = extra.next_if(|n| n.index == it.sibling()) {
            grow.append_root(*node, &mut it);
        }
        for node in extra {
            while node.index != it.index {
                if it.is_leaf() {
                    return Err(ProofError::UnexpectedNode {
                        expected: it.index,
                        got: Some(node.index),
                    });
                }
                it.left_child();
            }
            grow.append_root(*node, &mut it);
            it.sibling();
        }
        let new_roots = Roots::from_nodes(grow.roots).ok_or(ProofError::InvalidUpgrade)?;
        if !verifier.verify(
            &up.signature,
            &new_roots.hash(),
            new_roots.length(),
            proof.fork,
        ) {
            return Err(ProofError::InvalidSignature);
        }
        // The block's node was consumed by the upgrade: the signature covers it.
        if queue.extra.is_none() {
            anchor = None;
        }
        nodes = grow.nodes;
        upgraded = Some((new_roots, up.signature.clone()));
    }
    Ok(Verified {
        fork: proof.fork,
        block: proof.block.map(|b| (b.index, b.value)),
        nodes,
        upgrade: upgraded,
        anchor,
    })
}
