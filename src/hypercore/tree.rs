//! The merkle tree's nodes and hashes: leaves over blocks, parents over pairs, and the
//! tree hash over a log's roots, which is what a writer signs
//! (`reference/wire/hypercore.md` §2, §8; `hypercore-crypto@3.7.0`).
//!
//! Every hash is BLAKE2b-256 over a one-byte type tag, the subtree's byte size as
//! `u64le` and the content, so a leaf can never be passed off as a parent. A parent's
//! left child is the one with the lower flat index whatever order the children came in:
//! swapping them would give a different, unverifiable hash.
//!
//! Nothing here stores or signs; [`Roots`] is the in-memory frontier an append grows.

use crate::swarm::codec::{self, Reader, Writer};
use crate::swarm::crypto::{self, Key32};

use super::flat;

/// The type tag of a leaf hash.
const LEAF_TYPE: u8 = 0;
/// The type tag of a parent hash.
const PARENT_TYPE: u8 = 1;
/// The type tag of the tree hash over the roots.
const ROOT_TYPE: u8 = 2;

/// A tree node: its flat index, the byte length of the blocks under it, and its hash.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// The flat index (block `i` is node `2i`).
    pub index: u64,
    /// The total byte length of the blocks under the node.
    pub size: u64,
    /// BLAKE2b-256 of the node's content (see the module docs).
    pub hash: Key32,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Node({} size {} {})",
            self.index,
            self.size,
            &hex::encode(self.hash)[..16]
        )
    }
}

impl Node {
    /// The leaf of block number `block` holding `data`.
    pub fn leaf(block: u64, data: &[u8]) -> Node {
        let size = data.len() as u64;
        Node {
            index: 2 * block,
            size,
            hash: crypto::hash(&[&[LEAF_TYPE], &size.to_le_bytes(), data]),
        }
    }

    /// The parent of two sibling nodes, in either order.
    pub fn parent(a: &Node, b: &Node) -> Node {
        let (left, right) = if a.index <= b.index { (a, b) } else { (b, a) };
        let size = left.size + right.size;
        Node {
            index: flat::parent(left.index),
            size,
            hash: crypto::hash(&[&[PARENT_TYPE], &size.to_le_bytes(), &left.hash, &right.hash]),
        }
    }

    /// Writes the wire form: `uint index ‖ uint size ‖ fixed32 hash`.
    pub fn encode(&self, w: &mut Writer) {
        w.uint(self.index).uint(self.size).bytes(&self.hash);
    }

    /// Reads the wire form.
    pub fn decode(r: &mut Reader<'_>) -> codec::Result<Node> {
        Ok(Node {
            index: r.uint()?,
            size: r.uint()?,
            hash: r.fixed()?,
        })
    }
}

/// The tree hash of a log whose roots are `roots`, left to right.
pub fn tree_hash(roots: &[Node]) -> Key32 {
    let mut input = Vec::with_capacity(1 + roots.len() * 48);
    input.push(ROOT_TYPE);
    for r in roots {
        input.extend_from_slice(&r.hash);
        input.extend_from_slice(&r.index.to_le_bytes());
        input.extend_from_slice(&r.size.to_le_bytes());
    }
    crypto::hash(&[&input])
}

/// The roots of a log: one full subtree per set bit of its length, left to right. Also
/// tells the log's length and byte length, which follow from them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roots {
    nodes: Vec<Node>,
}

impl Roots {
    /// The roots of an empty log.
    pub fn new() -> Roots {
        Roots::default()
    }

    /// Trusts `nodes` as the roots of a log; `None` unless their indexes are exactly
    /// the full roots of some length.
    pub fn from_nodes(nodes: Vec<Node>) -> Option<Roots> {
        let length = nodes
            .last()
            .map(|n| (flat::right_span(n.index) + 2) / 2)
            .unwrap_or(0);
        let expected = flat::full_roots(length);
        (expected.len() == nodes.len() && expected.iter().zip(&nodes).all(|(e, n)| *e == n.index))
            .then_some(Roots { nodes })
    }

    /// The root nodes, left to right.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// How many blocks the log holds.
    pub fn length(&self) -> u64 {
        self.nodes
            .last()
            .map(|n| (flat::right_span(n.index) + 2) / 2)
            .unwrap_or(0)
    }

    /// The byte length of the log: the sum of the roots' sizes.
    pub fn byte_length(&self) -> u64 {
        self.nodes.iter().map(|n| n.size).sum()
    }

    /// The hash a writer signs for this log.
    pub fn hash(&self) -> Key32 {
        tree_hash(&self.nodes)
    }

    /// Appends block `data` as the next leaf: the leaf becomes a root, then the last two
    /// roots merge while they are siblings. Every node made (the leaf first, then each
    /// new parent) is pushed onto `made`, for the caller to store.
    pub fn append(&mut self, data: &[u8], made: &mut Vec<Node>) {
        let leaf = Node::leaf(self.length(), data);
        self.push_node(leaf, made);
    }

    /// Pushes `node` as the new rightmost root and merges upwards as [`Roots::append`]
    /// does. `node` must start right after the current last root.
    pub(super) fn push_node(&mut self, node: Node, made: &mut Vec<Node>) {
        made.push(node);
        self.nodes.push(node);
        while let [.., left, right] = self.nodes[..] {
            if flat::sibling(left.index) != right.index || left.index > right.index {
                break;
            }
            let parent = Node::parent(&left, &right);
            self.nodes.truncate(self.nodes.len() - 2);
            self.nodes.push(parent);
            made.push(parent);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hypercore::test_vectors::{blocks, node as node_of, tree as vectors};

    #[test]
    fn leaves_and_parents_match_node() {
        let v = vectors();
        let blocks = blocks(&v);
        for leaf in v["leaf_nodes"].as_array().unwrap() {
            let i = leaf["block"].as_u64().unwrap();
            let node = Node::leaf(i, &blocks[i as usize]);
            assert_eq!(node.index, leaf["flat_index"].as_u64().unwrap());
            assert_eq!(node.size, leaf["size"].as_u64().unwrap());
            assert_eq!(hex::encode(node.hash), leaf["hash"].as_str().unwrap());
        }
        let stored: Vec<Node> = v["stored_tree_nodes_at_length_5"]
            .as_array()
            .unwrap()
            .iter()
            .map(node_of)
            .collect();
        for p in v["parent_nodes"].as_array().unwrap() {
            let find = |k: &str| {
                *stored
                    .iter()
                    .find(|n| n.index == p[k].as_u64().unwrap())
                    .unwrap()
            };
            let (l, r) = (find("left"), find("right"));
            // Argument order must not matter.
            for node in [Node::parent(&l, &r), Node::parent(&r, &l)] {
                assert_eq!(node.index, p["flat_index"].as_u64().unwrap());
                assert_eq!(node.size, p["size"].as_u64().unwrap());
                assert_eq!(hex::encode(node.hash), p["hash"].as_str().unwrap());
            }
        }
    }

    #[test]
    fn appends_give_nodes_roots_and_tree_hashes() {
        let v = vectors();
        let mut roots = Roots::new();
        let mut made = Vec::new();
        for (i, (block, expect)) in blocks(&v)
            .iter()
            .zip(v["per_length"].as_array().unwrap())
            .enumerate()
        {
            roots.append(block, &mut made);
            assert_eq!(roots.length(), i as u64 + 1);
            assert_eq!(roots.byte_length(), expect["byteLength"].as_u64().unwrap());
            let want: Vec<Node> = expect["roots"]
                .as_array()
                .unwrap()
                .iter()
                .map(node_of)
                .collect();
            assert_eq!(roots.nodes(), &want[..]);
            let mut input = vec![ROOT_TYPE];
            for r in &want {
                input.extend_from_slice(&r.hash);
                input.extend_from_slice(&r.index.to_le_bytes());
                input.extend_from_slice(&r.size.to_le_bytes());
            }
            assert_eq!(
                hex::encode(&input),
                expect["tree_hash_input"].as_str().unwrap()
            );
            assert_eq!(
                hex::encode(roots.hash()),
                expect["tree_hash"].as_str().unwrap()
            );
            assert_eq!(Roots::from_nodes(want).as_ref(), Some(&roots));
        }
        let mut stored: Vec<Node> = v["stored_tree_nodes_at_length_5"]
            .as_array()
            .unwrap()
            .iter()
            .map(node_of)
            .collect();
        stored.sort_by_key(|n| n.index);
        made.sort_by_key(|n| n.index);
        assert_eq!(made, stored);
    }

    #[test]
    fn roots_must_be_the_full_roots_of_a_length() {
        let n = |index| Node {
            index,
            size: 1,
            hash: [0; 32],
        };
        assert!(Roots::from_nodes(vec![n(3), n(8)]).is_some());
        assert!(Roots::from_nodes(vec![n(8)]).is_none());
        assert!(Roots::from_nodes(vec![n(1), n(3)]).is_none());
        assert_eq!(Roots::from_nodes(vec![]).map(|r| r.length()), Some(0));
        assert_eq!(
            hex::encode(tree_hash(&[])),
            hex::encode(crypto::hash(&[&[2]]))
        );
    }

    #[test]
    fn nodes_round_trip_on_the_wire() {
        let node = Node {
            index: 300,
            size: 70_000,
            hash: [7; 32],
        };
        let mut w = Writer::new();
        node.encode(&mut w);
        let bytes = w.into_vec();
        assert_eq!(&bytes[..4], &[0xfd, 0x2c, 0x01, 0xfe]);
        assert_eq!(Node::decode(&mut Reader::new(&bytes)), Ok(node));
        assert!(Node::decode(&mut Reader::new(&bytes[..bytes.len() - 1])).is_err());
    }
}
