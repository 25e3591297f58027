//! The fixed 32-byte namespaces hypercore hashes into what it signs, derives and
//! proves (`hypercore@11/lib/caps.js`, `reference/wire/hypercore.md` §3), and the
//! corestore derivation of a named core's key pair from a store's primary key (§5).
//!
//! Each namespace is `BLAKE2b(BLAKE2b("hypercore") ‖ byte(i))`; they are computed once.
//! A wrong constant here makes every key, signature and capability differ from Node's,
//! so the golden vectors pin all of them.

use std::sync::LazyLock;

use crate::keys::KeyPair;
use crate::swarm::crypto::{self, Key32};

/// The namespace positions of `namespace("hypercore", 6)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespace(u8);

impl Namespace {
    /// The first 32 bytes of every signable.
    pub const TREE: Namespace = Namespace(0);
    /// The replication capability of the Noise initiator.
    pub const REPLICATE_INITIATOR: Namespace = Namespace(1);
    /// The replication capability of the Noise responder.
    pub const REPLICATE_RESPONDER: Namespace = Namespace(2);
    /// The prefix of a manifest's hash.
    pub const MANIFEST: Namespace = Namespace(3);
    /// A manifest signer's namespace unless one is given.
    pub const DEFAULT_NAMESPACE: Namespace = Namespace(4);
    /// Block encryption (not implemented).
    pub const DEFAULT_ENCRYPTION: Namespace = Namespace(5);

    /// The namespace's 32 bytes.
    pub fn bytes(self) -> &'static Key32 {
        static ALL: LazyLock<[Key32; 6]> =
            LazyLock::new(|| std::array::from_fn(|i| crypto::namespace(b"hypercore", i as u8)));
        &ALL[usize::from(self.0)]
    }
}

/// The capability a peer sends when it opens a core's replication channel: proof that
/// it knows the core `key`, bound to this connection's Noise `handshake_hash` so it
/// cannot be replayed elsewhere. Each side sends its own (`is_initiator` is the Noise
/// initiator flag) and checks the other's.
pub fn replication_capability(is_initiator: bool, key: &Key32, handshake_hash: &[u8]) -> Key32 {
    let ns = if is_initiator {
        Namespace::REPLICATE_INITIATOR
    } else {
        Namespace::REPLICATE_RESPONDER
    };
    let mut message = [0u8; 64];
    message[..32].copy_from_slice(ns.bytes());
    message[32..].copy_from_slice(key);
    crypto::keyed_hash(handshake_hash, &message)
}

/// The key pair corestore gives the core `name` in the store namespace `namespace` (32
/// zero bytes by default) of a store whose primary key is `primary_key`.
pub fn named_key_pair(primary_key: &Key32, namespace: &Key32, name: &[u8]) -> KeyPair {
    static CORESTORE: LazyLock<Key32> = LazyLock::new(|| crypto::namespace(b"corestore", 0));
    let mut message = Vec::with_capacity(64 + name.len());
    message.extend_from_slice(&*CORESTORE);
    message.extend_from_slice(namespace);
    message.extend_from_slice(name);
    KeyPair::from_seed(&crypto::keyed_hash(primary_key, &message))
}

/// The store namespace `store.namespace(name)` makes under `parent`.
pub fn child_namespace(parent: &Key32, name: &[u8]) -> Key32 {
    crypto::hash(&[parent, name])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn namespaces_and_named_cores_match_node() {
        let v: Value =
            serde_json::from_str(include_str!("../../tests/vectors/hypercore-tree.json")).unwrap();
        let ns = &v["namespaces"];
        for (key, want) in [
            ("TREE_0", Namespace::TREE),
            ("REPLICATE_INITIATOR_1", Namespace::REPLICATE_INITIATOR),
            ("REPLICATE_RESPONDER_2", Namespace::REPLICATE_RESPONDER),
            ("MANIFEST_3", Namespace::MANIFEST),
            ("DEFAULT_NAMESPACE_4", Namespace::DEFAULT_NAMESPACE),
            ("DEFAULT_ENCRYPTION_5", Namespace::DEFAULT_ENCRYPTION),
        ] {
            assert_eq!(
                hex::encode(want.bytes()),
                ns[key].as_str().unwrap(),
                "{key}"
            );
        }
        let r: Value = crate::hypercore::test_vectors::replication();
        let hs = hex::decode(r["handshake_hash"].as_str().unwrap()).unwrap();
        let key: Key32 = hex::decode(v["manifest_v1_default"]["key"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let caps = &r["scenario_one"]["capabilities"];
        assert_eq!(
            hex::encode(replication_capability(true, &key, &hs)),
            caps["initiator_sends"].as_str().unwrap()
        );
        assert_eq!(
            hex::encode(replication_capability(false, &key, &hs)),
            caps["responder_sends"].as_str().unwrap()
        );
        let c = &v["corestore_named_core"];
        let h = |k: &str| -> Key32 {
            hex::decode(c[k].as_str().unwrap())
                .unwrap()
                .try_into()
                .unwrap()
        };
        let pair = named_key_pair(
            &h("primaryKey"),
            &h("store_namespace"),
            c["name"].as_str().unwrap().as_bytes(),
        );
        assert_eq!(pair.public_key().to_hex(), c["publicKey"].as_str().unwrap());
    }
}
