//! The golden vectors of `reference/wire/` (copied into `tests/vectors/`) and the few
//! readers every hypercore unit test needs, so each test says what it checks and not
//! how to parse JSON.

use serde_json::Value;

use super::tree::Node;
use crate::keys::KeyPair;
use crate::swarm::crypto::Key32;

/// `hypercore-tree.json`: the 5-block core, its keys, hashes and signatures.
pub fn tree() -> Value {
    serde_json::from_str(include_str!("../../tests/vectors/hypercore-tree.json")).unwrap()
}

/// `hypercore-proofs.json`: request/data pairs Node built and verified.
pub fn proofs() -> Value {
    serde_json::from_str(include_str!("../../tests/vectors/hypercore-proofs.json")).unwrap()
}

/// `hypercore-replication.json`: two recorded sessions, frame by frame.
pub fn replication() -> Value {
    serde_json::from_str(include_str!(
        "../../tests/vectors/hypercore-replication.json"
    ))
    .unwrap()
}

/// The bytes of a hex string.
pub fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// 32 bytes from a hex string.
pub fn h32(v: &Value) -> Key32 {
    bytes(v).try_into().unwrap()
}

/// A `{index, size, hash}` node.
pub fn node(v: &Value) -> Node {
    Node {
        index: v["index"].as_u64().unwrap(),
        size: v["size"].as_u64().unwrap(),
        hash: h32(&v["hash"]),
    }
}

/// An array of nodes.
pub fn nodes(v: &Value) -> Vec<Node> {
    v.as_array().unwrap().iter().map(node).collect()
}

/// The vectors' writer key pair (seed 0x80..0x9f).
pub fn key_pair(tree: &Value) -> KeyPair {
    KeyPair::from_seed(&h32(&tree["keyPair"]["seed"]))
}

/// The 5 blocks `block-0` … `block-4`.
pub fn blocks(tree: &Value) -> Vec<Vec<u8>> {
    tree["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| bytes(&b["hex"]))
        .collect()
}
