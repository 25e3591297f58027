//! The Kademlia routing table (`kademlia-routing-table@1.0.6` semantics): 256 rows by
//! shared-prefix length with our id, at most k = 20 nodes a row, each row sorted by id.
//!
//! `closest` walks rows exactly as the JS table does (from the target's row toward row
//! 0, then upward), not by strict XOR order, so closer-node lists match Node's.

use std::net::SocketAddrV4;

use crate::swarm::crypto::Key32;

/// Nodes per row (and per closer-nodes reply).
pub const K: usize = 20;

/// What the table remembers of a node. Times are in maintenance ticks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    /// The node's id, `BLAKE2b(ipv4Address)`.
    pub id: Key32,
    /// Where it answers.
    pub addr: SocketAddrV4,
    /// Tick it was added.
    pub added: u64,
    /// Tick we last pinged it for a health check.
    pub pinged: u64,
    /// Tick we last heard from it.
    pub seen: u64,
    /// DOWN_HINTs received about it since it was last seen.
    pub down_hints: u32,
}

/// Outcome of [`RoutingTable::add`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// Inserted, or an existing entry refreshed.
    Yes,
    /// The row is full; the oldest-pinged node of the row is returned as the
    /// candidate to re-check before evicting.
    RowFull(NodeEntry),
    /// The id is our own.
    IsSelf,
}

/// The routing table.
#[derive(Debug, Clone)]
pub struct RoutingTable {
    id: Key32,
    rows: Vec<Vec<NodeEntry>>,
    len: usize,
}

impl RoutingTable {
    /// An empty table around `id`.
    pub fn new(id: Key32) -> Self {
        RoutingTable {
            id,
            rows: vec![Vec::new(); 256],
            len: 0,
        }
    }

    /// Our id.
    pub fn id(&self) -> &Key32 {
        &self.id
    }

    /// How many nodes the table holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the table holds no node.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The row index for `id`: the index of the first bit where it differs from ours.
    fn row_of(&self, id: &Key32) -> Option<usize> {
        self.id
            .iter()
            .zip(id.iter())
            .enumerate()
            .find(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| i * 8 + (a ^ b).leading_zeros() as usize)
    }

    /// Adds or refreshes a node (an existing entry's timestamps are replaced).
    pub fn add(&mut self, node: NodeEntry) -> Added {
        let Some(i) = self.row_of(&node.id) else {
            return Added::IsSelf;
        };
        let row = &mut self.rows[i];
        match row.binary_search_by(|n| n.id.cmp(&node.id)) {
            Ok(at) => {
                row[at] = node;
                Added::Yes
            }
            Err(_) if row.len() >= K => Added::RowFull(oldest_pinged(row).clone()),
            Err(at) => {
                row.insert(at, node);
                self.len += 1;
                Added::Yes
            }
        }
    }

    /// Removes a node; true if it was there.
    pub fn remove(&mut self, id: &Key32) -> bool {
        let Some(i) = self.row_of(id) else {
            return false;
        };
        let row = &mut self.rows[i];
        match row.binary_search_by(|n| n.id.cmp(id)) {
            Ok(at) => {
                row.remove(at);
                self.len -= 1;
                true
            }
            Err(_) => false,
        }
    }

    /// The entry for `id`, if known.
    pub fn get(&self, id: &Key32) -> Option<&NodeEntry> {
        let row = &self.rows[self.row_of(id)?];
        row.binary_search_by(|n| n.id.cmp(id))
            .ok()
            .map(|at| &row[at])
    }

    /// Mutable access to the entry for `id`.
    pub fn get_mut(&mut self, id: &Key32) -> Option<&mut NodeEntry> {
        let i = self.row_of(id)?;
        let row = &mut self.rows[i];
        row.binary_search_by(|n| n.id.cmp(id))
            .ok()
            .map(move |at| &mut row[at])
    }

    /// Up to `k` nodes near `target`, in the JS table's order.
    pub fn closest(&self, target: &Key32, k: usize) -> Vec<&NodeEntry> {
        let mut out = Vec::with_capacity(k.min(self.len));
        let d = self.row_of(target).unwrap_or(255);
        let order = (0..=d).rev().chain(d + 1..256);
        for i in order {
            if out.len() >= k {
                break;
            }
            let missing = (k - out.len()).min(self.rows[i].len());
            out.extend(self.rows[i].iter().take(missing));
        }
        out
    }

    /// Every node, nearest rows first.
    pub fn nodes(&self) -> impl Iterator<Item = &NodeEntry> {
        self.rows.iter().rev().flatten()
    }

    /// A random node, for refresh queries.
    pub fn random(&self) -> Option<&NodeEntry> {
        if self.len == 0 {
            return None;
        }
        let n = rand::random::<usize>() % self.len;
        self.rows.iter().flatten().nth(n)
    }

    /// Rebuilds the table around a new id, keeping every node that still fits.
    pub fn rebuild(&mut self, id: Key32) {
        let old = std::mem::replace(self, RoutingTable::new(id));
        for row in old.rows {
            for node in row {
                let _ = self.add(node);
            }
        }
    }
}

/// The node of a full row to re-check: oldest ping first, then oldest addition.
fn oldest_pinged(row: &[NodeEntry]) -> &NodeEntry {
    row.iter()
        .min_by_key(|n| (n.pinged, n.added))
        .unwrap_or(&row[0])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::rpc::messages::node_id;

    fn entry(port: u16) -> NodeEntry {
        let addr = SocketAddrV4::new([10, 0, 0, 1].into(), port);
        NodeEntry {
            id: node_id(addr),
            addr,
            added: 0,
            pinged: 0,
            seen: 0,
            down_hints: 0,
        }
    }

    #[test]
    fn add_get_remove() {
        let mut t = RoutingTable::new([0; 32]);
        let n = entry(1000);
        assert_eq!(t.add(n.clone()), Added::Yes);
        assert_eq!(t.add(n.clone()), Added::Yes);
        assert_eq!(t.len(), 1);
        assert_eq!(t.get(&n.id), Some(&n));
        assert!(t.remove(&n.id));
        assert!(t.is_empty());
        assert_eq!(t.add(NodeEntry { id: [0; 32], ..n }), Added::IsSelf);
    }

    #[test]
    fn rows_cap_at_k_and_closest_returns_k() {
        let mut t = RoutingTable::new([0; 32]);
        let mut full = 0;
        for port in 1..2000 {
            if let Added::RowFull(_) = t.add(entry(port)) {
                full += 1;
            }
        }
        assert!(full > 0, "top rows must fill up");
        assert!(t.rows.iter().all(|r| r.len() <= K));
        assert_eq!(t.closest(&[0xff; 32], K).len(), K);
        // Like the JS table, closest starts in the target's own row (in row order).
        let known = t.nodes().last().unwrap().id;
        let first = t.closest(&known, 1)[0].id;
        assert_eq!(t.row_of(&first), t.row_of(&known));
    }
}
