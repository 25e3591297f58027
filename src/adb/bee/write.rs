//! Writes, as Node's hyperbee makes them: the B-tree nodes a write touches are loaded
//! into an arena, changed there (insert and split, delete and rebalance), and the ones
//! marked changed are written into the new block's index, the root first, then in
//! pre-order; the others stay pointers into older blocks. Each step mirrors Node's
//! (which nodes count as changed, where a split puts its median, which sibling a delete
//! borrows from), because the bytes — and so the core's tree hash — must be the same.
//!
//! A [`Batch`] keeps its arena across writes and appends all its blocks at once; each
//! block keeps only the index entries it was the last to change, and only the last
//! holds the root, as Node's batches do.

use super::proto::{Entry, Header, Level, YoloIndex};
use super::{Bee, BeeError, Blocks, MAX_DEPTH, MAX_KEYS, MIN_KEYS};

/// A child pointer: level `offset` of block `seq`, and the node once loaded. Pointers
/// live in their own arena because a batch's blocks share them: a later write that
/// re-indexes a node re-points the same pointer, and that is how an earlier block
/// learns the node is no longer its to hold.
#[derive(Debug, Clone, Copy)]
struct Child {
    seq: u64,
    offset: u64,
    node: Option<usize>,
}

/// A B-tree node being written.
#[derive(Debug, Clone, Default)]
struct Node {
    /// Block seqs whose keys are this node's keys.
    keys: Vec<u64>,
    /// Pointer ids.
    children: Vec<usize>,
    changed: bool,
}

/// The blocks a batch has made and not yet appended.
struct Pending {
    key: std::sync::Arc<[u8]>,
    value: Option<Vec<u8>>,
    /// Its index: the pointers to the nodes it wrote (the root's first).
    index: Vec<Option<usize>>,
}

/// Writes to a bee, appended together: `put`s and `del`s, then [`Batch::finish`] for
/// the blocks (a header first if the core is empty). A bee written by one batch at a
/// time — `Bee::put` is a batch of one — is what Node writes.
pub struct Batch<'a, B> {
    bee: &'a Bee<B>,
    /// The core's length when the batch began, the header included.
    base: u64,
    header: bool,
    arena: Vec<Node>,
    links: Vec<Child>,
    root: Option<usize>,
    pending: Vec<Pending>,
}

impl<B: Blocks> Bee<B> {
    /// A batch of writes.
    pub fn batch(&self) -> Batch<'_, B> {
        let length = self.blocks.length();
        Batch {
            bee: self,
            base: length.max(1),
            header: length == 0,
            arena: Vec::new(),
            links: Vec::new(),
            root: None,
            pending: Vec::new(),
        }
    }

    /// The blocks that write `value` under `key`.
    pub fn put(&self, key: &[u8], value: &[u8]) -> Result<Vec<Vec<u8>>, BeeError> {
        let mut batch = self.batch();
        batch.put(key, value)?;
        Ok(batch.finish())
    }

    /// The blocks that delete `key` (none if it is not there).
    pub fn del(&self, key: &[u8]) -> Result<Vec<Vec<u8>>, BeeError> {
        let mut batch = self.batch();
        batch.del(key)?;
        Ok(batch.finish())
    }
}

impl<B: Blocks> Batch<'_, B> {
    fn seq(&self) -> u64 {
        self.base + self.pending.len() as u64
    }

    /// The key of block `seq` (one of ours, or the bee's).
    fn key(&self, seq: u64) -> Result<std::sync::Arc<[u8]>, BeeError> {
        match seq.checked_sub(self.base) {
            Some(i) if (i as usize) < self.pending.len() => {
                Ok(self.pending[i as usize].key.clone())
            }
            _ => self.bee.key_of(seq),
        }
    }

    fn new_node(&mut self, node: Node) -> usize {
        self.arena.push(node);
        self.arena.len() - 1
    }

    fn link(&mut self, seq: u64, offset: u64, node: Option<usize>) -> usize {
        self.links.push(Child { seq, offset, node });
        self.links.len() - 1
    }

    fn load(&mut self, from: u64, seq: u64, offset: u64) -> Result<usize, BeeError> {
        let level = self.bee.level(from, seq, offset)?;
        let children = level
            .children
            .into_iter()
            .map(|(seq, offset)| self.link(seq, offset, None))
            .collect();
        Ok(self.new_node(Node {
            keys: level.keys,
            children,
            changed: false,
        }))
    }

    /// The root as of the last write: the batch's, else the bee's, else a new one.
    fn root(&mut self) -> Result<Option<usize>, BeeError> {
        if self.root.is_some() {
            return Ok(self.root);
        }
        let length = self.bee.blocks.length();
        if length < 2 {
            return Ok(None);
        }
        let root = self.load(length - 1, length - 1, 0)?;
        self.root = Some(root);
        Ok(self.root)
    }

    /// Child `i` of `node`, loaded.
    fn child(&mut self, node: usize, i: usize) -> Result<usize, BeeError> {
        let l = self.arena[node].children[i];
        let c = self.links[l];
        if let Some(id) = c.node {
            return Ok(id);
        }
        let id = self.load(c.seq, c.seq, c.offset)?;
        self.links[l].node = Some(id);
        Ok(id)
    }

    /// Binary search of `key` among `node`'s keys: `Ok(i)` found at i, `Err(i)` the
    /// insertion point.
    fn search(&self, node: usize, key: &[u8]) -> Result<Result<usize, usize>, BeeError> {
        let keys = &self.arena[node].keys;
        let (mut s, mut e) = (0, keys.len());
        while s < e {
            let mid = (s + e) / 2;
            match key.cmp(&self.key(keys[mid])?[..]) {
                std::cmp::Ordering::Equal => return Ok(Ok(mid)),
                std::cmp::Ordering::Less => e = mid,
                std::cmp::Ordering::Greater => s = mid + 1,
            }
        }
        Ok(Err(s))
    }

    /// Inserts key `seq` (whose bytes are `key`) into `node`, with `right` as the child
    /// after it; false when the node is now too full.
    fn insert_key(
        &mut self,
        node: usize,
        seq: u64,
        key: &[u8],
        right: Option<usize>,
    ) -> Result<bool, BeeError> {
        match self.search(node, key)? {
            Ok(i) => {
                let n = &mut self.arena[node];
                n.keys[i] = seq;
                n.changed = true;
                Ok(true)
            }
            Err(i) => {
                let link = right.map(|r| self.link(0, 0, Some(r)));
                let n = &mut self.arena[node];
                n.keys.insert(i, seq);
                if let Some(l) = link {
                    n.children.insert(i + 1, l);
                }
                n.changed = true;
                Ok(n.keys.len() <= MAX_KEYS)
            }
        }
    }

    /// Splits a full `node`: it keeps the left half, the median goes up, a new right
    /// node takes the rest.
    fn split(&mut self, node: usize) -> (u64, usize) {
        let n = &mut self.arena[node];
        let half = n.keys.len() / 2;
        let right_keys = n.keys.split_off(n.keys.len() - half);
        let median = n.keys.pop().unwrap_or_default();
        let right_children = if n.children.is_empty() {
            Vec::new()
        } else {
            n.children.split_off(n.children.len() - (half + 1))
        };
        n.changed = true;
        let right = self.new_node(Node {
            keys: right_keys,
            children: right_children,
            changed: true,
        });
        (median, right)
    }

    /// Writes `value` under `key`.
    pub fn put(&mut self, key: &[u8], value: &[u8]) -> Result<(), BeeError> {
        let seq = self.seq();
        // The new block's key must be known before the walk compares against it.
        self.pending.push(Pending {
            key: key.into(),
            value: Some(value.to_vec()),
            index: Vec::new(),
        });
        let root = match self.root()? {
            Some(r) => r,
            None => self.new_node(Node {
                changed: true,
                ..Node::default()
            }),
        };
        let mut root = root;
        let mut stack = Vec::new();
        let mut node = root;
        while !self.arena[node].children.is_empty() {
            if stack.len() > MAX_DEPTH {
                return Err(BeeError::TooDeep);
            }
            stack.push(node);
            self.arena[node].changed = true;
            match self.search(node, key)? {
                Ok(i) => {
                    self.arena[node].keys[i] = seq;
                    return self.index(root, seq);
                }
                Err(i) => node = self.child(node, i)?,
            }
        }
        let mut split = !self.insert_key(node, seq, key, None)?;
        while split {
            let (median, right) = self.split(node);
            match stack.pop() {
                Some(parent) => {
                    let median_key = self.key(median)?;
                    split = !self.insert_key(parent, median, &median_key, Some(right))?;
                    node = parent;
                }
                None => {
                    let children = vec![self.link(0, 0, Some(node)), self.link(0, 0, Some(right))];
                    root = self.new_node(Node {
                        keys: vec![median],
                        children,
                        changed: true,
                    });
                    split = false;
                }
            }
        }
        self.index(root, seq)
    }

    /// Deletes `key`, if it is there.
    pub fn del(&mut self, key: &[u8]) -> Result<(), BeeError> {
        let Some(root) = self.root()? else {
            return Ok(());
        };
        let mut stack = vec![root];
        let mut node = root;
        loop {
            if stack.len() > MAX_DEPTH {
                return Err(BeeError::TooDeep);
            }
            match self.search(node, key)? {
                Ok(i) => {
                    if self.arena[node].children.is_empty() {
                        self.remove_key(node, i);
                    } else {
                        self.take_nearest_leaf_key(node, i, &mut stack)?;
                    }
                    for &n in &stack {
                        self.arena[n].changed = true;
                    }
                    let root = self.rebalance(stack)?;
                    let seq = self.seq();
                    self.pending.push(Pending {
                        key: key.into(),
                        value: None,
                        index: Vec::new(),
                    });
                    return self.index(root, seq);
                }
                Err(i) => {
                    if self.arena[node].children.is_empty() {
                        return Ok(());
                    }
                    node = self.child(node, i)?;
                    stack.push(node);
                }
            }
        }
    }

    fn remove_key(&mut self, node: usize, i: usize) {
        let n = &mut self.arena[node];
        n.keys.remove(i);
        if !n.children.is_empty() {
            // An earlier block of the batch may index the node behind it: it is freed.
            let freed = n.children.remove(i + 1);
            self.links[freed].seq = 0;
        }
        n.changed = true;
    }

    /// Keys in the leaf reached by always taking the first (`left`) or last child.
    fn leaf_size(&mut self, mut node: usize, left: bool) -> Result<usize, BeeError> {
        for _ in 0..MAX_DEPTH {
            let n = self.arena[node].children.len();
            if n == 0 {
                return Ok(self.arena[node].keys.len());
            }
            node = self.child(node, if left { 0 } else { n - 1 })?;
        }
        Err(BeeError::TooDeep)
    }

    /// Replaces key `i` of inner `node` by the nearest leaf key: the successor if its
    /// leaf has more keys than the predecessor's, else the predecessor.
    fn take_nearest_leaf_key(
        &mut self,
        node: usize,
        i: usize,
        stack: &mut Vec<usize>,
    ) -> Result<(), BeeError> {
        let left = self.child(node, i)?;
        let right = self.child(node, i + 1)?;
        let (ls, rs) = (self.leaf_size(left, false)?, self.leaf_size(right, true)?);
        let from_right = ls < rs;
        let mut at = if from_right { right } else { left };
        stack.push(at);
        // Pointers may loop in a hostile core: the walk down is bounded.
        for _ in 0..MAX_DEPTH {
            let Some(last) = self.arena[at].children.len().checked_sub(1) else {
                let leaf = &mut self.arena[at].keys;
                let key = if from_right {
                    (!leaf.is_empty()).then(|| leaf.remove(0))
                } else {
                    leaf.pop()
                };
                self.arena[node].keys[i] = key.unwrap_or_default();
                return Ok(());
            };
            at = self.child(at, if from_right { 0 } else { last })?;
            stack.push(at);
        }
        Err(BeeError::TooDeep)
    }

    /// Restores the minimum fill up the path; the root afterwards.
    fn rebalance(&mut self, mut stack: Vec<usize>) -> Result<usize, BeeError> {
        let root = stack[0];
        while stack.len() > 1 {
            let node = stack.pop().unwrap_or(root);
            let parent = *stack.last().unwrap_or(&root);
            if self.arena[node].keys.len() >= MIN_KEYS {
                return Ok(root);
            }
            let at = self.arena[parent]
                .children
                .iter()
                .position(|c| self.links[*c].node == Some(node))
                .ok_or(BeeError::TooDeep)?;
            let count = self.arena[parent].children.len();
            let left = if at > 0 {
                Some(self.child(parent, at - 1)?)
            } else {
                None
            };
            let right = if at + 1 < count {
                Some(self.child(parent, at + 1)?)
            } else {
                None
            };
            if let Some(l) = left.filter(|l| self.arena[*l].keys.len() > MIN_KEYS) {
                self.arena[l].changed = true;
                let separator = self.arena[parent].keys[at - 1];
                self.arena[node].keys.insert(0, separator);
                if let Some(c) = self.arena[l].children.pop() {
                    self.arena[node].children.insert(0, c);
                }
                let up = self.arena[l].keys.pop().unwrap_or_default();
                self.arena[parent].keys[at - 1] = up;
                return Ok(root);
            }
            if let Some(r) = right.filter(|r| self.arena[*r].keys.len() > MIN_KEYS) {
                self.arena[r].changed = true;
                let separator = self.arena[parent].keys[at];
                self.arena[node].keys.push(separator);
                if !self.arena[r].children.is_empty() {
                    let c = self.arena[r].children.remove(0);
                    self.arena[node].children.push(c);
                }
                let up = self.arena[r].keys.remove(0);
                self.arena[parent].keys[at] = up;
                return Ok(root);
            }
            let (into, from, separator_at) = match (left, right) {
                (Some(l), _) => (l, node, at - 1),
                (None, Some(r)) => (node, r, at),
                (None, None) => return Ok(root),
            };
            let separator = self.arena[parent].keys[separator_at];
            let (keys, children) = {
                let f = &mut self.arena[from];
                (std::mem::take(&mut f.keys), std::mem::take(&mut f.children))
            };
            let n = &mut self.arena[into];
            n.changed = true;
            n.keys.push(separator);
            n.keys.extend(keys);
            n.children.extend(children);
            self.remove_key(parent, separator_at);
        }
        if self.arena[root].keys.is_empty() && !self.arena[root].children.is_empty() {
            return self.child(root, 0);
        }
        Ok(root)
    }

    /// Gives the changed nodes under `root` their places in block `seq`'s index (root
    /// first, then pre-order) and makes `root` the batch's root.
    fn index(&mut self, root: usize, seq: u64) -> Result<(), BeeError> {
        let mut index = Vec::new();
        self.index_changes(root, seq, &mut index, 0)?;
        index[0] = Some(self.link(seq, 0, Some(root)));
        self.root = Some(root);
        if let Some(p) = self.pending.last_mut() {
            p.index = index;
        }
        Ok(())
    }

    fn index_changes(
        &mut self,
        node: usize,
        seq: u64,
        index: &mut Vec<Option<usize>>,
        depth: usize,
    ) -> Result<u64, BeeError> {
        if depth > MAX_DEPTH {
            return Err(BeeError::TooDeep);
        }
        let offset = index.len() as u64;
        index.push(None);
        self.arena[node].changed = false;
        for i in 0..self.arena[node].children.len() {
            let l = self.arena[node].children[i];
            let Some(child) = self.links[l].node.filter(|id| self.arena[*id].changed) else {
                continue;
            };
            let at = self.index_changes(child, seq, index, depth + 1)?;
            self.links[l].seq = seq;
            self.links[l].offset = at;
            index[at as usize] = Some(l);
        }
        Ok(offset)
    }

    /// The blocks to append, in order: a header if the core is empty, then one per
    /// write. Only the last block keeps the root; an earlier one keeps the nodes it was
    /// the last to write, renumbered (a node written again later is the later block's),
    /// moved as Node moves them, so the bytes are the same.
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(self.pending.len() + 1);
        if self.pending.is_empty() {
            return out;
        }
        if self.header {
            out.push(Header::hyperbee().encode());
        }
        let last = self.pending.len() - 1;
        let pending = std::mem::take(&mut self.pending);
        for (i, mut p) in pending.into_iter().enumerate() {
            let seq = self.base + i as u64;
            if i < last {
                p.index[0] = None;
                let mut j = 0;
                while j < p.index.len() {
                    match p.index[j] {
                        Some(l) if self.links[l].seq == seq => {
                            self.links[l].offset = j as u64;
                            j += 1;
                        }
                        _ if j == p.index.len() - 1 => {
                            p.index.pop();
                        }
                        _ => {
                            p.index[j] = p.index.pop().flatten();
                        }
                    }
                }
            }
            let levels = p
                .index
                .iter()
                .flatten()
                .filter_map(|l| self.links[*l].node)
                .map(|node| {
                    let n = &self.arena[node];
                    Level {
                        keys: n.keys.clone(),
                        children: n
                            .children
                            .iter()
                            .map(|c| (self.links[*c].seq, self.links[*c].offset))
                            .collect(),
                    }
                })
                .collect();
            out.push(
                Entry {
                    index: YoloIndex { levels }.encode(),
                    key: p.key.to_vec(),
                    value: p.value,
                }
                .encode(),
            );
        }
        out
    }
}
