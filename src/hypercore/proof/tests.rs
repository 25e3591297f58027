use std::collections::BTreeMap;

use serde_json::Value;

use crate::hypercore::test_vectors::nodes as nodes_of;

use super::*;
use crate::hypercore::manifest::{Manifest, Verifier};
use crate::hypercore::tree::Roots;
use crate::hypercore::verify::verify;
use crate::keys::KeyPair;

/// A writer's whole tree in memory.
struct MemTree {
    nodes: BTreeMap<u64, Node>,
    blocks: Vec<Vec<u8>>,
    roots: Roots,
    signature: Vec<u8>,
    roots_at: Vec<Roots>,
}

impl ProofSource for MemTree {
    type Error = ProofError;

    fn node(&mut self, index: u64) -> Result<Option<Node>, ProofError> {
        Ok(self.nodes.get(&index).copied())
    }

    fn block(&mut self, index: u64) -> Result<Option<Vec<u8>>, ProofError> {
        Ok(usize::try_from(index)
            .ok()
            .and_then(|i| self.blocks.get(i))
            .cloned())
    }
}

impl MemTree {
    fn new(blocks: &[Vec<u8>], pair: &KeyPair, verifier: &Verifier) -> MemTree {
        let mut roots = Roots::new();
        let mut made = Vec::new();
        let mut roots_at = vec![Roots::new()];
        for b in blocks {
            roots.append(b, &mut made);
            roots_at.push(roots.clone());
        }
        let signature = verifier
            .sign(pair, &roots.hash(), roots.length(), 0)
            .unwrap();
        MemTree {
            nodes: made.into_iter().map(|n| (n.index, n)).collect(),
            blocks: blocks.to_vec(),
            roots,
            signature,
            roots_at,
        }
    }

    fn prove(&mut self, req: &ProofRequest) -> Result<Proof, ProofError> {
        let (roots, signature) = (self.roots.clone(), self.signature.clone());
        build(
            self,
            WriterHead {
                fork: 0,
                roots: &roots,
                signature: &signature,
            },
            req,
        )
    }
}

fn vectors() -> (Value, Value) {
    (
        crate::hypercore::test_vectors::tree(),
        crate::hypercore::test_vectors::proofs(),
    )
}

fn request_of(f: &Value) -> ProofRequest {
    let pair = |v: &Value, a: &str, b: &str| {
        (!v.is_null()).then(|| (v[a].as_u64().unwrap(), v[b].as_u64().unwrap()))
    };
    ProofRequest {
        block: pair(&f["block"], "index", "nodes")
            .map(|(index, nodes)| BlockRequest { index, nodes }),
        hash: pair(&f["hash"], "index", "nodes").map(|(index, nodes)| HashRequest { index, nodes }),
        seek: pair(&f["seek"], "bytes", "padding")
            .map(|(bytes, padding)| SeekRequest { bytes, padding }),
        upgrade: pair(&f["upgrade"], "start", "length")
            .map(|(start, length)| UpgradeRequest { start, length }),
    }
}

fn proof_of(f: &Value) -> Proof {
    let b = &f["block"];
    let h = &f["hash"];
    let s = &f["seek"];
    let u = &f["upgrade"];
    Proof {
        fork: f["fork"].as_u64().unwrap(),
        block: (!b.is_null()).then(|| BlockProof {
            index: b["index"].as_u64().unwrap(),
            value: hex::decode(b["value"].as_str().unwrap()).unwrap(),
            nodes: nodes_of(&b["nodes"]),
        }),
        hash: (!h.is_null()).then(|| HashProof {
            index: h["index"].as_u64().unwrap(),
            nodes: nodes_of(&h["nodes"]),
        }),
        seek: (!s.is_null()).then(|| SeekProof {
            bytes: s["bytes"].as_u64().unwrap(),
            nodes: nodes_of(&s["nodes"]),
        }),
        upgrade: (!u.is_null()).then(|| UpgradeProof {
            start: u["start"].as_u64().unwrap(),
            length: u["length"].as_u64().unwrap(),
            nodes: nodes_of(&u["nodes"]),
            additional_nodes: nodes_of(&u["additionalNodes"]),
            signature: hex::decode(u["signature"].as_str().unwrap()).unwrap(),
        }),
    }
}

fn writer() -> (Vec<Vec<u8>>, KeyPair, Verifier) {
    let (tree, _) = vectors();
    let seed: [u8; 32] = hex::decode(tree["keyPair"]["seed"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let pair = KeyPair::from_seed(&seed);
    let manifest = Manifest::single_signer(*pair.public_key().as_bytes());
    let verifier = Verifier::new(manifest.hash(), manifest).unwrap();
    let blocks = tree["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| hex::decode(b["hex"].as_str().unwrap()).unwrap())
        .collect();
    (blocks, pair, verifier)
}

#[test]
fn proofs_match_what_node_builds_and_verify_as_node_did() {
    let (_, proofs) = vectors();
    let (blocks, pair, verifier) = writer();
    assert_eq!(hex::encode(verifier.key()), proofs["key"].as_str().unwrap());
    for case in proofs["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let n = case["writer_length"].as_u64().unwrap() as usize;
        let mut tree = MemTree::new(&blocks[..n], &pair, &verifier);
        let req = request_of(&case["request"]["fields"]);
        let want = proof_of(&case["data"]["fields"]);
        let got = tree.prove(&req).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, want, "{name}");

        let before = case["reader_before"]["length"].as_u64().unwrap() as usize;
        let reader_roots = tree.roots_at[before].clone();
        let verified =
            verify(got, 0, &reader_roots, &verifier).unwrap_or_else(|e| panic!("{name}: {e}"));
        let after = &case["reader_after"];
        match &verified.upgrade {
            Some((roots, signature)) => {
                assert_eq!(roots.nodes(), &nodes_of(&after["roots"])[..], "{name}");
                assert_eq!(
                    hex::encode(roots.hash()),
                    after["tree_hash"].as_str().unwrap()
                );
                assert_eq!(signature, &tree.signature);
            }
            None => assert_eq!(reader_roots.length(), after["length"].as_u64().unwrap()),
        }
        // Whatever the proof hangs on instead of a signature is in the writer's tree.
        if let Some(anchor) = verified.anchor {
            assert_eq!(tree.nodes.get(&anchor.index), Some(&anchor), "{name}");
            assert!(
                verified.upgrade.is_none(),
                "{name}: an upgrade covers its block"
            );
        }
        for node in &verified.nodes {
            assert_eq!(tree.nodes.get(&node.index), Some(node), "{name}");
        }
    }
}

#[test]
fn tampered_proofs_are_refused() {
    let (blocks, pair, verifier) = writer();
    let mut tree = MemTree::new(&blocks, &pair, &verifier);
    let req = ProofRequest {
        block: Some(BlockRequest { index: 1, nodes: 0 }),
        upgrade: Some(UpgradeRequest {
            start: 0,
            length: 5,
        }),
        ..ProofRequest::default()
    };
    let good = tree.prove(&req).unwrap();
    let empty = Roots::new();
    assert!(verify(good.clone(), 0, &empty, &verifier).is_ok());

    let mut p = good.clone();
    p.block.as_mut().unwrap().value = b"block-X".to_vec();
    assert_eq!(
        verify(p, 0, &empty, &verifier).unwrap_err(),
        ProofError::InvalidSignature
    );

    let mut p = good.clone();
    p.upgrade.as_mut().unwrap().nodes[0].hash[0] ^= 1;
    assert_eq!(
        verify(p, 0, &empty, &verifier).unwrap_err(),
        ProofError::InvalidSignature
    );

    let mut p = tree
        .prove(&ProofRequest {
            upgrade: Some(UpgradeRequest {
                start: 0,
                length: 5,
            }),
            ..ProofRequest::default()
        })
        .unwrap();
    assert_eq!(p.upgrade.as_ref().unwrap().nodes.len(), 2);
    p.upgrade.as_mut().unwrap().nodes.reverse();
    assert!(matches!(
        verify(p, 0, &empty, &verifier).unwrap_err(),
        ProofError::UnexpectedNode { .. }
    ));

    let mut p = good.clone();
    p.upgrade.as_mut().unwrap().signature[10] ^= 1;
    assert_eq!(
        verify(p, 0, &empty, &verifier).unwrap_err(),
        ProofError::InvalidSignature
    );

    let mut p = good.clone();
    p.upgrade.as_mut().unwrap().nodes.pop();
    assert!(matches!(
        verify(p, 0, &empty, &verifier).unwrap_err(),
        ProofError::UnexpectedNode { got: None, .. }
    ));

    assert_eq!(
        verify(good.clone(), 1, &empty, &verifier).unwrap_err(),
        ProofError::WrongFork {
            expected: 1,
            got: 0
        }
    );

    // Another core's verifier refuses the signature.
    let other = Verifier::compat(*pair.public_key().as_bytes());
    assert_eq!(
        verify(good, 0, &empty, &other).unwrap_err(),
        ProofError::InvalidSignature
    );
}

#[test]
fn bad_requests_are_errors() {
    let (blocks, pair, verifier) = writer();
    let mut tree = MemTree::new(&blocks, &pair, &verifier);
    let up = |start, length| ProofRequest {
        upgrade: Some(UpgradeRequest { start, length }),
        ..ProofRequest::default()
    };
    assert_eq!(
        tree.prove(&up(0, 6)).unwrap_err(),
        ProofError::InvalidUpgrade
    );
    assert_eq!(
        tree.prove(&up(5, 0)).unwrap_err(),
        ProofError::InvalidUpgrade
    );
    assert_eq!(
        tree.prove(&up(u64::MAX, u64::MAX)).unwrap_err(),
        ProofError::InvalidUpgrade
    );
    let block = |index, nodes| ProofRequest {
        block: Some(BlockRequest { index, nodes }),
        ..ProofRequest::default()
    };
    // Block 0 of 5: its root is 3, two levels up; three climbs out of the tree.
    assert!(tree.prove(&block(0, 2)).is_ok());
    assert_eq!(
        tree.prove(&block(0, 3)).unwrap_err(),
        ProofError::NodesOutOfBounds
    );
    assert_eq!(
        tree.prove(&block(0, u64::MAX)).unwrap_err(),
        ProofError::NodesOutOfBounds
    );
    assert_eq!(
        tree.prove(&block(5, 0)).unwrap_err(),
        ProofError::NodesOutOfBounds
    );
    assert_eq!(
        tree.prove(&block(u64::MAX, 0)).unwrap_err(),
        ProofError::NodesOutOfBounds
    );
    let hash = ProofRequest {
        hash: Some(HashRequest {
            index: 1 << 60,
            nodes: 0,
        }),
        ..ProofRequest::default()
    };
    assert_eq!(tree.prove(&hash).unwrap_err(), ProofError::NodesOutOfBounds);
    let seek = ProofRequest {
        seek: Some(SeekRequest {
            bytes: 1000,
            padding: 0,
        }),
        upgrade: Some(UpgradeRequest {
            start: 0,
            length: 5,
        }),
        ..ProofRequest::default()
    };
    assert!(
        tree.prove(&seek).is_ok(),
        "a seek past the end proves nothing, like Node"
    );
    // An empty writer proves nothing.
    let mut empty = MemTree::new(&[], &pair, &verifier);
    empty.signature.clear();
    assert_eq!(empty.prove(&up(0, 1)).unwrap(), Proof::default());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Whatever a reader at any length asks of a writer at any greater length, the
    /// writer's proof verifies and leaves the reader with the writer's roots.
    #[test]
    fn every_built_proof_verifies(
        writer_len in 1usize..70,
        reader_frac in 0.0f64..1.0,
        block_frac in 0.0f64..1.0,
        upgrade_frac in 0.0f64..1.0,
        want_block in proptest::bool::ANY,
    ) {
        let blocks: Vec<Vec<u8>> = (0..writer_len).map(|i| vec![i as u8; i % 7 + 1]).collect();
        let pair = KeyPair::from_seed(&[3; 32]);
        let manifest = Manifest::single_signer(*pair.public_key().as_bytes());
        let verifier = Verifier::new(manifest.hash(), manifest).unwrap();
        let mut tree = MemTree::new(&blocks, &pair, &verifier);
        let reader_len = ((writer_len as f64) * reader_frac) as u64;
        let upgrade_to = reader_len + 1 + ((writer_len as u64 - reader_len - 1) as f64 * upgrade_frac) as u64;
        let block = ((upgrade_to as f64) * block_frac) as u64;
        let reader_roots = tree.roots_at[reader_len as usize].clone();
        // What the reader stores: its roots only (the worst case), so block.nodes
        // climbs to the root holding the block, or to the top of the upgrade.
        let nodes = if block < reader_len {
            let root = reader_roots.nodes().iter().find(|r| flat::is_under(2 * block, r.index)).unwrap();
            (flat::depth(root.index)) as u64
        } else {
            0
        };
        let req = ProofRequest {
            block: want_block.then_some(BlockRequest { index: block, nodes }),
            upgrade: Some(UpgradeRequest { start: reader_len, length: upgrade_to - reader_len }),
            ..ProofRequest::default()
        };
        let proof = tree.prove(&req).unwrap();
        let verified = verify(proof, 0, &reader_roots, &verifier).unwrap();
        let (roots, _) = verified.upgrade.unwrap();
        proptest::prop_assert_eq!(&roots, &tree.roots);
        if let Some(anchor) = verified.anchor {
            proptest::prop_assert!(reader_roots.nodes().contains(&anchor));
        }
        for node in &verified.nodes {
            proptest::prop_assert_eq!(tree.nodes.get(&node.index), Some(node));
        }
        if want_block {
            proptest::prop_assert_eq!(verified.block.unwrap().1, blocks[block as usize].clone());
        }
    }
}
