//! The golden vectors of `reference/wire/` (copied into `tests/vectors/`), the few
//! readers every hypercore unit test needs, and the writer/reader pair most tests start
//! from, so each test says what it checks and not how to set it up.

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

/// A writer core of `blocks` in `dir/w.redb` and an empty reader of it in `dir/r.redb`:
/// the two stores most tests start from.
pub fn writer_and_reader(
    dir: &std::path::Path,
    blocks: &[&str],
) -> (
    std::sync::Arc<super::storage::Core>,
    std::sync::Arc<super::storage::Core>,
) {
    use super::storage::Corestore;
    let writer = Corestore::open(&dir.join("w.redb"))
        .unwrap()
        .named("w")
        .unwrap();
    writer.append(blocks).unwrap();
    let reader = Corestore::open(&dir.join("r.redb"))
        .unwrap()
        .get(writer.key())
        .unwrap();
    (writer, reader)
}
