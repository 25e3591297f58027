use super::*;
use crate::hypercore::proof::{BlockRequest, ProofError, ProofRequest, UpgradeRequest};
use crate::hypercore::test_vectors::{h32, key_pair as vector_pair, tree as tree_vectors};
use std::os::unix::fs::PermissionsExt;

/// Replicates `writer` into `reader` the way a peer would: an upgrade to the writer's
/// length, then every block with the `nodes` the reader lacks.
fn replicate(writer: &Core, reader: &Core) {
    let start = reader.length();
    let length = writer.length() - start;
    if length > 0 {
        let req = ProofRequest {
            upgrade: Some(UpgradeRequest { start, length }),
            ..ProofRequest::default()
        };
        let manifest = writer.manifest();
        let applied = reader.apply(writer.proof(&req).unwrap(), manifest).unwrap();
        assert_eq!(applied.upgraded_to, Some(writer.length()));
    }
    for i in 0..reader.length() {
        if reader.has(i).unwrap() {
            continue;
        }
        let nodes = reader.missing_nodes(i).unwrap();
        let req = ProofRequest {
            block: Some(BlockRequest { index: i, nodes }),
            ..ProofRequest::default()
        };
        let applied = reader.apply(writer.proof(&req).unwrap(), None).unwrap();
        assert_eq!(applied.block, Some(i));
    }
}

#[test]
fn named_cores_and_signatures_match_node() {
    let v = tree_vectors();
    let dir = tempfile::tempdir().unwrap();
    let c = &v["corestore_named_core"];
    let store =
        Corestore::open_with(&dir.path().join("cores.redb"), Some(h32(&c["primaryKey"]))).unwrap();
    let named = store.named(c["name"].as_str().unwrap()).unwrap();
    assert_eq!(hex::encode(named.key()), c["key"].as_str().unwrap());
    assert_eq!(
        hex::encode(named.discovery_key()),
        c["discovery_key"].as_str().unwrap()
    );
    assert!(named.writable());

    let core = store.with_key_pair(&vector_pair(&v)).unwrap();
    assert_eq!(
        hex::encode(core.key()),
        v["manifest_v1_default"]["key"].as_str().unwrap()
    );
    for (i, b) in v["blocks"].as_array().unwrap().iter().enumerate() {
        assert_eq!(
            core.append(&[b["utf8"].as_str().unwrap()]).unwrap(),
            i as u64 + 1
        );
    }
    assert_eq!(core.byte_length(), 35);
    let proof = core
        .proof(&ProofRequest {
            upgrade: Some(UpgradeRequest {
                start: 0,
                length: 5,
            }),
            ..ProofRequest::default()
        })
        .unwrap();
    assert_eq!(
        hex::encode(proof.upgrade.unwrap().signature),
        v["manifest_v1_default"]["signature_stored_at_length_5"]
            .as_str()
            .unwrap()
    );
}

#[test]
fn cores_survive_a_reopen_and_a_tampered_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cores.redb");
    let key = {
        let store = Corestore::open(&path).unwrap();
        let core = store.named("log").unwrap();
        let blocks: Vec<Vec<u8>> = (0..1000u32).map(|i| i.to_le_bytes().to_vec()).collect();
        core.append(&blocks[..500]).unwrap();
        core.append(&blocks[500..]).unwrap();
        assert!(core.append(&[vec![0; MAX_BLOCK_SIZE + 1]]).is_err());
        *core.key()
    };
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    {
        let store = Corestore::open(&path).unwrap();
        let core = store.named("log").unwrap();
        assert_eq!(core.key(), &key);
        assert_eq!(core.length(), 1000);
        assert_eq!((core.blocks_held(), core.bytes_held()), (1000, 4000));
        assert_eq!(core.get(777).unwrap(), Some(777u32.to_le_bytes().to_vec()));
        assert_eq!(core.get(1000).unwrap(), None);
        // The same core, found as a peer finds it.
        let found = store
            .by_discovery_key(core.discovery_key())
            .unwrap()
            .unwrap();
        assert_eq!(
            (found.key(), found.length(), found.writable()),
            (&key, 1000, true)
        );
        assert!(store.by_discovery_key(&[0; 32]).unwrap().is_none());
        // Another namespace gives another core.
        assert_ne!(store.namespace("app").named("log").unwrap().key(), &key);
    }
    // Change one root's hash behind the store's back: the head no longer verifies.
    {
        let db = Database::create(&path).unwrap();
        let txn = db.begin_write().unwrap();
        {
            let mut nodes = txn.open_table(NODES).unwrap();
            let root = super::super::flat::full_roots(1000)[0];
            let mut bytes = nodes.get((0, root)).unwrap().unwrap().value().to_vec();
            let last = bytes.len() - 1;
            bytes[last] ^= 1;
            nodes.insert((0, root), &bytes[..]).unwrap();
        }
        txn.commit().unwrap();
    }
    let store = Corestore::open(&path).unwrap();
    let err = store.named("log").unwrap_err();
    assert!(
        err.to_string()
            .contains("signature does not match its tree"),
        "{err}"
    );
}

#[test]
fn a_reader_replicates_a_writer_block_by_block_and_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let writer_store = Corestore::open(&dir.path().join("w.redb")).unwrap();
    let reader_path = dir.path().join("r.redb");
    let reader_store = Corestore::open(&reader_path).unwrap();
    let writer = writer_store.named("feed").unwrap();
    let blocks: Vec<String> = (0..37).map(|i| format!("block number {i}")).collect();
    writer.append(&blocks[..20]).unwrap();
    let reader = reader_store.get(writer.key()).unwrap();
    assert!(!reader.writable());
    assert!(reader.append(&["nope"]).is_err());
    replicate(&writer, &reader);
    // Live: more appends, then the reader catches up from where it was.
    writer.append(&blocks[20..]).unwrap();
    replicate(&writer, &reader);
    assert_eq!(reader.length(), 37);
    assert_eq!(reader.contiguous_length(), 37);
    assert_eq!(writer.contiguous_length(), 37);
    assert!(reader.shares_manifest() && reader.has_roots(20).unwrap());
    assert_eq!(reader.byte_length(), writer.byte_length());
    drop(reader);
    drop(reader_store);
    let reader = Corestore::open(&reader_path)
        .unwrap()
        .get(writer.key())
        .unwrap();
    assert_eq!(reader.length(), 37);
    assert_eq!(reader.manifest(), writer.manifest());
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(reader.get(i as u64).unwrap().as_deref(), Some(b.as_bytes()));
    }
    // The reader can serve what it replicated (a proof from it verifies elsewhere).
    let third = Corestore::open(&dir.path().join("t.redb"))
        .unwrap()
        .get(writer.key())
        .unwrap();
    replicate(&reader, &third);
    assert_eq!(
        third.get(36).unwrap().as_deref(),
        Some(blocks[36].as_bytes())
    );
}

#[test]
fn bad_proofs_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, reader) =
        crate::hypercore::test_vectors::writer_and_reader(dir.path(), &["a", "b", "c", "d", "e"]);
    let up = ProofRequest {
        upgrade: Some(UpgradeRequest {
            start: 0,
            length: 5,
        }),
        ..ProofRequest::default()
    };
    // Without the manifest, a non-compat key cannot be verified.
    let err = reader.apply(writer.proof(&up).unwrap(), None).unwrap_err();
    assert!(
        matches!(err, StorageError::Proof(ProofError::InvalidSignature)),
        "{err}"
    );
    // Someone else's manifest is refused.
    let err = reader
        .apply(
            writer.proof(&up).unwrap(),
            Some(Manifest::single_signer([1; 32])),
        )
        .unwrap_err();
    assert!(matches!(err, StorageError::WrongManifest(_)), "{err}");
    let mut bad = writer.proof(&up).unwrap();
    bad.upgrade.as_mut().unwrap().nodes[0].size += 1;
    assert!(reader.apply(bad, writer.manifest()).is_err());
    assert_eq!(reader.length(), 0);

    reader
        .apply(writer.proof(&up).unwrap(), writer.manifest())
        .unwrap();
    // A block whose value was swapped fails against the stored root.
    let req = ProofRequest {
        block: Some(BlockRequest { index: 4, nodes: 0 }),
        ..ProofRequest::default()
    };
    let mut bad = writer.proof(&req).unwrap();
    bad.block.as_mut().unwrap().value = b"E".to_vec();
    let err = reader.apply(bad, None).unwrap_err();
    assert!(
        matches!(err, StorageError::Proof(ProofError::InvalidChecksum(8))),
        "{err}"
    );
    assert_eq!(reader.get(4).unwrap(), None);
    reader.apply(writer.proof(&req).unwrap(), None).unwrap();
    assert_eq!(reader.get(4).unwrap().as_deref(), Some(&b"e"[..]));
    assert_eq!(
        reader.contiguous_length(),
        0,
        "block 4 is not contiguous from 0"
    );
    for i in 0..4 {
        let req = ProofRequest {
            block: Some(BlockRequest {
                index: i,
                nodes: reader.missing_nodes(i).unwrap(),
            }),
            ..ProofRequest::default()
        };
        reader.apply(writer.proof(&req).unwrap(), None).unwrap();
    }
    assert_eq!(
        reader.contiguous_length(),
        5,
        "the out-of-order block joined the run"
    );
}

#[test]
fn one_core_is_one_object_and_changes_are_announced() {
    let dir = tempfile::tempdir().unwrap();
    let store = Corestore::open(&dir.path().join("s.redb")).unwrap();
    let mut changes = store.subscribe();
    let a = store.named("same").unwrap();
    let b = store.get(a.key()).unwrap();
    let c = store.by_discovery_key(a.discovery_key()).unwrap().unwrap();
    assert!(Arc::ptr_eq(&a, &b) && Arc::ptr_eq(&a, &c));
    assert!(!changes.has_changed().unwrap());
    a.append(&["x"]).unwrap();
    assert!(changes.has_changed().unwrap());
    changes.mark_unchanged();
    assert_eq!(b.length(), 1, "every handle sees the append");
    // Once every handle is gone, the core is loaded again from the file.
    drop((a, b, c));
    assert_eq!(store.named("same").unwrap().length(), 1);
}

#[test]
fn a_batch_may_hang_on_its_own_earlier_proofs_and_stops_at_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, reader) =
        crate::hypercore::test_vectors::writer_and_reader(dir.path(), &["a", "b", "c", "d", "e"]);
    let up = ProofRequest {
        upgrade: Some(UpgradeRequest {
            start: 0,
            length: 5,
        }),
        ..ProofRequest::default()
    };
    reader
        .apply(writer.proof(&up).unwrap(), writer.manifest())
        .unwrap();
    let block = |index, nodes| ProofRequest {
        block: Some(BlockRequest { index, nodes }),
        ..ProofRequest::default()
    };
    // Block 0 brings leaf 2 (its uncle); block 1's proof has no nodes and hangs on it.
    let first = writer.proof(&block(0, 2)).unwrap();
    let second = writer.proof(&block(1, 0)).unwrap();
    assert!(second.block.as_ref().unwrap().nodes.is_empty());
    let (results, error) = reader.apply_batch(vec![(first, None), (second, None)]);
    assert!(error.is_none(), "{error:?}");
    assert_eq!(results.len(), 2);
    assert_eq!(reader.contiguous_length(), 2);
    // A bad proof in the middle: what came before it is kept, nothing after.
    let mut bad = writer.proof(&block(3, 1)).unwrap();
    bad.block.as_mut().unwrap().value = b"X".to_vec();
    let (results, error) = reader.apply_batch(vec![
        (writer.proof(&block(2, 1)).unwrap(), None),
        (bad, None),
        (writer.proof(&block(4, 0)).unwrap(), None),
    ]);
    assert_eq!(results.len(), 1);
    assert!(matches!(error, Some(StorageError::Proof(_))), "{error:?}");
    assert_eq!(
        (
            reader.has(2).unwrap(),
            reader.has(3).unwrap(),
            reader.has(4).unwrap()
        ),
        (true, false, false)
    );
    assert_eq!(reader.contiguous_length(), 3);
}

#[test]
fn a_truncate_signs_what_node_signs_and_survives_a_reopen() {
    let v = tree_vectors();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cores.redb");
    let blocks = crate::hypercore::test_vectors::blocks(&v);
    let t = &v["truncate_to_3_fork_1"];
    let key = {
        let store = Corestore::open(&path).unwrap();
        let core = store.with_key_pair(&vector_pair(&v)).unwrap();
        core.append(&blocks).unwrap();
        core.truncate(9).unwrap(); // not shorter: nothing happens
        assert_eq!((core.length(), core.fork()), (5, 0));
        core.truncate(3).unwrap();
        assert_eq!((core.length(), core.fork()), (3, 1));
        assert_eq!(core.byte_length(), t["byteLength"].as_u64().unwrap());
        let req = ProofRequest {
            upgrade: Some(UpgradeRequest {
                start: 0,
                length: 3,
            }),
            ..ProofRequest::default()
        };
        let proof = core.proof(&req).unwrap();
        assert_eq!(proof.fork, 1);
        assert_eq!(
            hex::encode(proof.upgrade.unwrap().signature),
            t["signature_stored"].as_str().unwrap()
        );
        *core.key()
    };
    let store = Corestore::open(&path).unwrap();
    let core = store.get(&key).unwrap();
    assert_eq!((core.length(), core.fork()), (3, 1));
    assert_eq!((core.blocks_held(), core.contiguous_length()), (3, 3));
    assert_eq!(core.get(2).unwrap(), Some(blocks[2].clone()));
    assert_eq!(core.get(3).unwrap(), None);
    // Appends go on, on the new fork.
    core.append(&[b"again"]).unwrap();
    assert_eq!((core.length(), core.fork()), (4, 1));
}

#[test]
fn a_snapshot_is_the_store_as_acknowledged_and_writable_where_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let store = Corestore::open(&dir.path().join("cores.redb")).unwrap();
    let core = store.named("db").unwrap();
    core.append(&["a", "b", "c"]).unwrap();
    let copy = dir.path().join("copy.redb");
    assert_eq!(store.snapshot_to(&copy).unwrap(), 3);
    core.append(&["after"]).unwrap();
    let mode = std::fs::metadata(&copy).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    drop((core, store));
    let restored = Corestore::open(&copy).unwrap();
    let core = restored.named("db").unwrap();
    assert_eq!(core.length(), 3);
    assert_eq!(core.get(2).unwrap().as_deref(), Some(&b"c"[..]));
    assert!(core.writable());
    assert_eq!(core.append(&["d"]).unwrap(), 4);
}

#[test]
fn the_cache_is_a_sixteenth_of_the_ram_within_bounds() {
    let meminfo = "MemTotal:        4030000 kB\nMemFree:          100000 kB\n";
    assert_eq!(super::mem_total(meminfo), Some(4_030_000 * 1024));
    assert_eq!(super::mem_total("MemFree: 1 kB\n"), None);
    assert_eq!(super::mem_total("MemTotal: lots\n"), None);
    let cache = super::cache_bytes();
    assert!((super::CACHE_MIN..=super::CACHE_MAX).contains(&cache));
}
