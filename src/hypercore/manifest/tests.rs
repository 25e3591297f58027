use super::*;
use crate::hypercore::test_vectors::{h32, key_pair as pair, tree as vectors};
use serde_json::Value;

#[test]
fn the_default_manifest_gives_nodes_key_and_discovery_key() {
    let v = vectors();
    let m = &v["manifest_v1_default"];
    let manifest = Manifest::single_signer(*pair(&v).public_key().as_bytes());
    assert_eq!(
        hex::encode(manifest.encode()),
        m["encoded"].as_str().unwrap()
    );
    assert_eq!(manifest.encode().len(), 70);
    assert_eq!(
        Manifest::decode(&hex::decode(m["encoded"].as_str().unwrap()).unwrap()),
        Ok(manifest.clone())
    );
    assert_eq!(hex::encode(manifest.hash()), m["key"].as_str().unwrap());
    assert_eq!(
        hex::encode(discovery_key(&manifest.hash())),
        m["discovery_key"].as_str().unwrap()
    );
    let c = &v["corestore_named_core"];
    let named = Manifest::single_signer(h32(&c["publicKey"]));
    assert_eq!(
        hex::encode(named.encode()),
        c["manifest_encoded"].as_str().unwrap()
    );
    assert_eq!(hex::encode(named.hash()), c["key"].as_str().unwrap());
    assert_eq!(
        hex::encode(discovery_key(&named.hash())),
        c["discovery_key"].as_str().unwrap()
    );
}

#[test]
fn signatures_match_node_for_every_length() {
    let v = vectors();
    let pair = pair(&v);
    let manifest = Manifest::single_signer(*pair.public_key().as_bytes());
    let verifier = Verifier::new(manifest.hash(), manifest).unwrap();
    assert!(!verifier.is_compat());
    let signer = &verifier.manifest().signers[0];
    let mut cases: Vec<&Value> = v["per_length"].as_array().unwrap().iter().collect();
    cases.push(&v["truncate_to_3_fork_1"]);
    for case in cases {
        let (tree_hash, length, fork) = (
            h32(&case["tree_hash"]),
            case["length"].as_u64().unwrap(),
            case["fork"].as_u64().unwrap(),
        );
        assert_eq!(
            hex::encode(verifier.signable(signer, &tree_hash, length, fork)),
            case["signable"].as_str().unwrap()
        );
        let stored = verifier.sign(&pair, &tree_hash, length, fork).unwrap();
        assert_eq!(
            hex::encode(&stored),
            case["signature_stored"].as_str().unwrap()
        );
        assert_eq!(
            &hex::encode(&stored)[4..132],
            case["signature_ed25519"].as_str().unwrap()
        );
        assert!(verifier.verify(&stored, &tree_hash, length, fork));
        // Any other length, fork or tree is refused.
        assert!(!verifier.verify(&stored, &tree_hash, length + 1, fork));
        assert!(!verifier.verify(&stored, &tree_hash, length, fork + 1));
        assert!(!verifier.verify(&stored, &[0; 32], length, fork));
        assert!(!verifier.verify(&stored[..67], &tree_hash, length, fork));
    }
}

#[test]
fn compat_cores_sign_the_short_signable_raw() {
    let v = vectors();
    let pair = pair(&v);
    let c = &v["compat_v10"];
    let verifier = Verifier::compat(*pair.public_key().as_bytes());
    assert_eq!(hex::encode(verifier.key()), c["key"].as_str().unwrap());
    assert_eq!(
        hex::encode(discovery_key(verifier.key())),
        c["discovery_key"].as_str().unwrap()
    );
    let tree_hash = h32(&c["tree_hash_at_length_5"]);
    let signer = &verifier.manifest().signers[0];
    assert_eq!(
        hex::encode(verifier.signable(signer, &tree_hash, 5, 0)),
        c["signable_at_length_5"].as_str().unwrap()
    );
    let sig = verifier.sign(&pair, &tree_hash, 5, 0).unwrap();
    assert_eq!(
        hex::encode(&sig),
        c["signature_at_length_5"].as_str().unwrap()
    );
    assert!(verifier.verify(&sig, &tree_hash, 5, 0));
    // The same manifest, given with the public key as the key, is compat too.
    let again = Verifier::new(*verifier.key(), verifier.manifest().clone()).unwrap();
    assert!(again.is_compat() && again.verify(&sig, &tree_hash, 5, 0));
}

#[test]
fn a_manifest_must_belong_to_its_key() {
    let manifest = Manifest::single_signer([9; 32]);
    assert_eq!(
        Verifier::new([1; 32], manifest).unwrap_err(),
        ManifestError::WrongKey
    );
}

#[test]
fn a_stranger_cannot_sign_and_quorum_needs_distinct_signers() {
    let a = KeyPair::from_seed(&[1; 32]);
    let b = KeyPair::from_seed(&[2; 32]);
    let mut manifest = Manifest::single_signer(*a.public_key().as_bytes());
    manifest.signers.push(ManifestSigner {
        namespace: *Namespace::DEFAULT_NAMESPACE.bytes(),
        public_key: *b.public_key().as_bytes(),
    });
    manifest.quorum = 2;
    let v = Verifier::new(manifest.hash(), manifest).unwrap();
    assert!(
        v.sign(&a, &[0; 32], 1, 0).is_none(),
        "multisig assembly is not ours"
    );
    let sig = |p: &KeyPair, i: usize| {
        p.signing_key()
            .sign(&v.signable(&v.manifest().signers[i], &[3; 32], 1, 0))
            .to_bytes()
    };
    let assemble = |proofs: &[(u64, [u8; 64])]| {
        let mut w = Writer::new();
        w.uint(proofs.len() as u64);
        for (signer, s) in proofs {
            w.uint(*signer).bytes(s).uint(0);
        }
        w.uint(0);
        w.into_vec()
    };
    let good = assemble(&[(0, sig(&a, 0)), (1, sig(&b, 1))]);
    assert!(v.verify(&good, &[3; 32], 1, 0));
    assert!(!v.verify(&assemble(&[(0, sig(&a, 0))]), &[3; 32], 1, 0));
    assert!(!v.verify(
        &assemble(&[(0, sig(&a, 0)), (0, sig(&a, 0))]),
        &[3; 32],
        1,
        0
    ));
    assert!(!v.verify(
        &assemble(&[(0, sig(&a, 0)), (2, sig(&b, 1))]),
        &[3; 32],
        1,
        0
    ));
    assert!(!v.verify(
        &assemble(&[(0, sig(&b, 1)), (1, sig(&a, 0))]),
        &[3; 32],
        1,
        0
    ));
}

#[test]
fn every_manifest_shape_round_trips() {
    let signer = |k| ManifestSigner {
        namespace: [k; 32],
        public_key: [k + 1; 32],
    };
    let shapes = [
        Manifest {
            version: 2,
            allow_patch: true,
            quorum: 2,
            signers: vec![signer(1), signer(3)],
            prologue: Some(Prologue {
                hash: [5; 32],
                length: 300,
            }),
            linked: Some(vec![[6; 32]]),
            user_data: Some(b"hello".to_vec()),
        },
        Manifest {
            version: 0,
            allow_patch: false,
            quorum: 1,
            signers: vec![signer(1)],
            prologue: None,
            linked: None,
            user_data: None,
        },
        Manifest {
            version: 0,
            allow_patch: true,
            quorum: 1,
            signers: vec![signer(1), signer(2)],
            prologue: None,
            linked: None,
            user_data: None,
        },
        Manifest {
            version: 0,
            allow_patch: false,
            quorum: 0,
            signers: vec![],
            prologue: Some(Prologue {
                hash: [8; 32],
                length: 0,
            }),
            linked: None,
            user_data: None,
        },
    ];
    for m in shapes {
        assert_eq!(Manifest::decode(&m.encode()), Ok(m));
    }
}

#[test]
fn hostile_manifests_are_errors() {
    assert_eq!(
        Manifest::decode(&[4]),
        Err(ManifestError::UnknownVersion(4))
    );
    assert_eq!(
        Manifest::decode(&[1, 0, 1]),
        Err(ManifestError::UnknownHash(1))
    );
    assert_eq!(
        Manifest::decode(&[0, 0, 3]),
        Err(ManifestError::UnknownType(3))
    );
    assert_eq!(
        Manifest::decode(&[1, 0, 0, 1, 1, 1]),
        Err(ManifestError::UnknownSignature(1))
    );
    assert!(matches!(
        Manifest::decode(&[1, 0, 0, 1, 0xfe, 0xff, 0xff, 0xff, 0x7f]),
        Err(ManifestError::Decode(_))
    ));
    assert!(matches!(
        Manifest::decode(&[]),
        Err(ManifestError::Decode(_))
    ));
}

proptest::proptest! {
    #[test]
    fn decoding_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
        let _ = Manifest::decode(&bytes);
        let _ = decode_multisig(&bytes);
    }
}
