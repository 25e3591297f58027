use serde_json::Value;

use super::*;
use crate::hypercore::storage::Corestore;
use crate::hypercore::test_vectors::bytes as h;
use crate::keys::KeyPair;

const HASH: [u8; 64] = [9; 64];

fn open_both(w: &mut Peer, r: &mut Peer) {
    let key = *w.core().key();
    w.on_open(&handshake(&key, false, &HASH), true, &HASH)
        .unwrap();
    r.on_open(&handshake(&key, true, &HASH), false, &HASH)
        .unwrap();
}

#[test]
fn a_reader_follows_a_writer_live() {
    let dir = tempfile::tempdir().unwrap();
    let writer = Corestore::open(&dir.path().join("w.redb"))
        .unwrap()
        .named("log")
        .unwrap();
    let blocks: Vec<String> = (0..300).map(|i| format!("entry {i}")).collect();
    writer.append(&blocks[..100]).unwrap();
    let reader = Corestore::open(&dir.path().join("r.redb"))
        .unwrap()
        .get(writer.key())
        .unwrap();
    let (mut w, mut r) = (
        Peer::new(writer.clone(), false, false),
        Peer::new(reader.clone(), true, true),
    );
    let now = Instant::now();
    open_both(&mut w, &mut r);
    pump(&mut w, &mut r, now);
    assert_eq!(reader.length(), 100);
    assert_eq!(reader.contiguous_length(), 100);
    let events: Vec<PeerEvent> = std::iter::from_fn(|| r.poll_event()).collect();
    assert_eq!(events[0], PeerEvent::Upgraded(100));
    assert_eq!(events.len(), 101);
    // Live appends reach the reader.
    for chunk in blocks[100..].chunks(70) {
        writer.append(chunk).unwrap();
        w.on_append().unwrap();
        pump(&mut w, &mut r, now);
        assert_eq!(reader.length(), writer.length());
    }
    assert_eq!(reader.contiguous_length(), 300);
    for i in [0u64, 150, 299] {
        assert_eq!(reader.get(i).unwrap(), writer.get(i).unwrap());
    }
    assert!(r.idle() && !r.timed_out(now + REQUEST_TIMEOUT * 2));
}

/// Our writer answers Node's recorded reader (scenario one of
/// hypercore-replication.json) with exactly the bytes Node's writer sent.
#[test]
fn our_writer_answers_nodes_reader_byte_for_byte() {
    let v: Value = crate::hypercore::test_vectors::replication();
    let tree: Value = crate::hypercore::test_vectors::tree();
    let seed: [u8; 32] = h(&tree["keyPair"]["seed"]).try_into().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let core = Corestore::open(&dir.path().join("w.redb"))
        .unwrap()
        .with_key_pair(&KeyPair::from_seed(&seed))
        .unwrap();
    for i in 0..5 {
        core.append(&[format!("block-{i}")]).unwrap();
    }
    let hash = h(&v["handshake_hash"]);
    let mut peer = Peer::new(core.clone(), true, true);
    let frames = v["scenario_one"]["frames"].as_array().unwrap();
    // The writer was the Noise responder; the reader's open carries its capability.
    let reader_open = &frames[0]["messages"][0]["fields"]["handshake"];
    let mut remote_hs = vec![1];
    remote_hs.extend(h(&reader_open["capability"]));
    peer.on_open(&remote_hs, false, &hash).unwrap();
    assert_eq!(
        hex::encode(handshake(core.key(), false, &hash)),
        format!(
            "01{}",
            frames[1]["messages"][0]["fields"]["handshake"]["capability"]
                .as_str()
                .unwrap()
        )
    );

    let message_bytes = |frame: &Value, m: &Value| -> Vec<u8> {
        match m.get("batch_entry_bytes") {
            Some(b) => h(b),
            None => h(&frame["hex"])[1..].to_vec(),
        }
    };
    let now = Instant::now();
    let mut expected = Vec::new();
    let mut ours = Vec::new();
    let mut appended = false;
    for frame in &frames[2..] {
        let from_writer = frame["from"] == "writer";
        if from_writer && frame["phase"] == "ii.append" && !appended {
            core.append(&["block-5", "block-6"]).unwrap();
            peer.on_append().unwrap();
            appended = true;
        }
        for m in frame["messages"].as_array().unwrap() {
            if m["type"].is_null() {
                continue; // protomux control
            }
            let bytes = message_bytes(frame, m);
            if from_writer {
                expected.push(hex::encode(&bytes));
            } else {
                peer.on_message(&bytes, now).unwrap();
            }
        }
        while let Some(out) = peer.poll_message() {
            ours.push(hex::encode(out));
        }
    }
    assert!(expected.len() > 12, "{}", expected.len());
    assert_eq!(ours, expected);
}

#[test]
fn a_wrong_capability_or_a_bad_proof_drops_the_peer() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, reader) =
        crate::hypercore::test_vectors::writer_and_reader(dir.path(), &["x", "y", "z"]);
    let mut r = Peer::new(reader.clone(), true, true);
    // A capability for another connection (or another key) is refused.
    let err = r
        .on_open(&handshake(writer.key(), true, &[1; 64]), false, &HASH)
        .unwrap_err();
    assert!(matches!(err, ReplicateError::Capability), "{err}");
    let err = r.on_open(&[1, 2, 3], false, &HASH).unwrap_err();
    assert!(matches!(err, ReplicateError::Handshake(_)), "{err}");

    let mut w = Peer::new(writer.clone(), false, false);
    let now = Instant::now();
    open_both(&mut w, &mut r);
    // Let the reader ask for the upgrade, then corrupt the writer's answer.
    while let Some(m) = w.poll_message() {
        r.on_message(&m, now).unwrap();
    }
    while let Some(m) = r.poll_message() {
        w.on_message(&m, now).unwrap();
    }
    // The upgrade request is in flight: unanswered, it times out.
    assert!(!r.idle());
    assert!(!r.timed_out(now + REQUEST_TIMEOUT));
    assert!(r.timed_out(now + REQUEST_TIMEOUT + Duration::from_secs(1)));
    let mut dropped = false;
    while let Some(m) = w.poll_message() {
        let mut msg = Message::decode(&m).unwrap();
        if let Message::Data(d) = &mut msg {
            if let Some(u) = d.proof.upgrade.as_mut() {
                u.signature[5] ^= 1;
            }
        }
        match r.on_message(&msg.encode(), now).and_then(|()| r.flush(now)) {
            Err(ReplicateError::InvalidData(_)) => dropped = true,
            other => other.unwrap(),
        }
    }
    assert!(dropped);
    assert_eq!(reader.length(), 0);
}

#[test]
fn a_writer_refuses_what_it_cannot_prove() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, _) =
        crate::hypercore::test_vectors::writer_and_reader(dir.path(), &["x", "y", "z"]);
    let mut w = Peer::new(writer.clone(), false, false);
    w.on_open(&handshake(writer.key(), false, &HASH), true, &HASH)
        .unwrap();
    while w.poll_message().is_some() {}
    let now = Instant::now();
    let request = |id, block: u64, fork| {
        Message::Request(Request {
            id,
            fork,
            proof: ProofRequest {
                block: Some(BlockRequest {
                    index: block,
                    nodes: 9,
                }),
                ..ProofRequest::default()
            },
            manifest: false,
            priority: 0,
        })
        .encode()
    };
    w.on_message(&request(1, 7, 0), now).unwrap();
    assert_eq!(
        Message::decode(&w.poll_message().unwrap()),
        Ok(Message::NoData {
            request: 1,
            reason: NoDataReason::NOT_AVAILABLE
        })
    );
    w.on_message(&request(2, 0, 3), now).unwrap();
    assert_eq!(
        Message::decode(&w.poll_message().unwrap()),
        Ok(Message::NoData {
            request: 2,
            reason: NoDataReason::NOT_AVAILABLE
        })
    );
    // `nodes` 9 climbs out of a 3-block tree: invalid, and too many of those drop it.
    let mut last = Ok(());
    for i in 0..=MAX_INVALID_REQUESTS as u64 {
        last = w.on_message(&request(3 + i, 0, 0), now);
        if last.is_err() {
            break;
        }
        assert_eq!(
            Message::decode(&w.poll_message().unwrap()),
            Ok(Message::NoData {
                request: 3 + i,
                reason: NoDataReason::INVALID_REQUEST
            })
        );
    }
    assert!(matches!(last, Err(ReplicateError::InvalidRequests)));
}

#[test]
fn an_oversized_block_drops_the_peer() {
    let dir = tempfile::tempdir().unwrap();
    let reader = Corestore::open(&dir.path().join("r.redb"))
        .unwrap()
        .get(&[5; 32])
        .unwrap();
    let mut r = Peer::new(reader.clone(), true, true);
    let huge = Message::Data(Box::new(Data {
        request: 1,
        proof: crate::hypercore::proof::Proof {
            fork: 0,
            block: Some(crate::hypercore::proof::BlockProof {
                index: 0,
                value: vec![0; crate::hypercore::storage::MAX_BLOCK_SIZE + 1],
                nodes: vec![],
            }),
            ..Default::default()
        },
        manifest: None,
    }));
    let err = r.on_message(&huge.encode(), Instant::now()).unwrap_err();
    assert!(matches!(err, ReplicateError::Oversized(_)), "{err}");
    assert_eq!(reader.blocks_held(), 0);
}

/// The vectors' core truncated to 3 blocks (fork 1, signed by Node), as a peer on that
/// fork proves it: the upgrade from 0 with its roots.
fn fork_1_proof(tree: &Value, flip: bool) -> Data {
    use crate::hypercore::proof::{Proof, UpgradeProof};
    let t = &tree["truncate_to_3_fork_1"];
    let mut signature = h(&t["signature_stored"]);
    if flip {
        signature[9] ^= 1;
    }
    let manifest = crate::hypercore::manifest::Manifest::single_signer(
        *crate::hypercore::test_vectors::key_pair(tree)
            .public_key()
            .as_bytes(),
    );
    Data {
        request: 1,
        proof: Proof {
            fork: 1,
            upgrade: Some(UpgradeProof {
                start: 0,
                length: 3,
                nodes: crate::hypercore::test_vectors::nodes(&t["roots"]),
                additional_nodes: Vec::new(),
                signature,
            }),
            ..Proof::default()
        },
        manifest: Some(manifest),
    }
}

#[test]
fn a_later_fork_is_proven_then_followed() {
    let tree = crate::hypercore::test_vectors::tree();
    let key = crate::hypercore::manifest::Manifest::single_signer(
        *crate::hypercore::test_vectors::key_pair(&tree)
            .public_key()
            .as_bytes(),
    )
    .hash();
    let now = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let store = Corestore::open(&dir.path().join("r.redb")).unwrap();
    let reader = store.get(&key).unwrap();
    // A peer that says it is on fork 1 at length 3 is asked, once, to prove it.
    let start = || {
        let mut r = Peer::new(reader.clone(), true, true);
        r.on_open(&handshake(&key, true, &HASH), false, &HASH)
            .unwrap();
        while r.poll_message().is_some() {}
        let sync = Message::Sync(Sync {
            fork: 1,
            length: 3,
            remote_length: 0,
            can_upgrade: false,
            uploading: true,
            downloading: true,
            has_manifest: true,
            allow_push: false,
        });
        r.on_message(&sync.encode(), now).unwrap();
        let asked = Message::decode(&r.poll_message().unwrap()).unwrap();
        let Message::Request(req) = asked else {
            panic!("{asked:?}")
        };
        assert_eq!((req.id, req.fork, req.manifest), (1, 1, true));
        assert_eq!(
            req.proof.upgrade,
            Some(UpgradeRequest {
                start: 0,
                length: 3
            })
        );
        r.on_message(&sync.encode(), now).unwrap();
        assert!(r.poll_message().is_none(), "asked twice");
        r
    };
    // A fork the peer cannot prove (a bad signature) drops it, and nothing is stored.
    let mut r = start();
    let forged = Message::Data(Box::new(fork_1_proof(&tree, true))).encode();
    let err = r.on_message(&forged, now).unwrap_err();
    assert!(matches!(err, ReplicateError::InvalidData(_)), "{err}");
    assert_eq!((reader.length(), reader.fork()), (0, 0));
    // A proven one (Node's own signature) is reported and followed.
    let mut r = start();
    let proven = Message::Data(Box::new(fork_1_proof(&tree, false))).encode();
    r.on_message(&proven, now).unwrap();
    assert_eq!(
        r.poll_event(),
        Some(PeerEvent::Forked { fork: 1, length: 3 })
    );
    assert_eq!((reader.length(), reader.fork()), (3, 1));
    assert_eq!(reader.blocks_held(), 0);
    assert!(reader.manifest().is_some());
    // We tell the peer we are on its fork now.
    let told = Message::decode(&r.poll_message().unwrap()).unwrap();
    assert!(
        matches!(
            told,
            Message::Sync(Sync {
                fork: 1,
                length: 3,
                ..
            })
        ),
        "{told:?}"
    );
}

/// Moves messages between two peers until both are quiet; how many hash requests
/// `r` sent.
fn pump(w: &mut Peer, r: &mut Peer, now: Instant) -> usize {
    let mut hashes = 0;
    loop {
        let mut moved = false;
        while let Some(m) = w.poll_message() {
            r.on_message(&m, now).unwrap();
            r.flush(now).unwrap();
            moved = true;
        }
        while let Some(m) = r.poll_message() {
            if let Ok(Message::Request(req)) = Message::decode(&m) {
                hashes += usize::from(req.proof.hash.is_some());
            }
            w.on_message(&m, now).unwrap();
            w.flush(now).unwrap();
            moved = true;
        }
        if !moved {
            return hashes;
        }
    }
}

#[test]
fn a_reader_follows_a_writer_that_truncated_and_wrote_on() {
    let dir = tempfile::tempdir().unwrap();
    let old: Vec<String> = (0..40).map(|i| format!("block {i}")).collect();
    let old: Vec<&str> = old.iter().map(String::as_str).collect();
    let (writer, reader) = crate::hypercore::test_vectors::writer_and_reader(dir.path(), &old);
    let now = Instant::now();
    {
        let mut w = Peer::new(writer.clone(), false, false);
        let mut r = Peer::new(reader.clone(), true, true);
        open_both(&mut w, &mut r);
        pump(&mut w, &mut r, now);
    }
    assert_eq!((reader.contiguous_length(), reader.fork()), (40, 0));
    // The writer cuts the log at 21 and writes other blocks: 21..40 differ now.
    writer.truncate(21).unwrap();
    let new: Vec<String> = (21..40).map(|i| format!("fork-1 block {i}")).collect();
    writer.append(&new).unwrap();
    assert_eq!((writer.length(), writer.fork()), (40, 1));
    let mut w = Peer::new(writer.clone(), false, false);
    let mut r = Peer::new(reader.clone(), true, true);
    open_both(&mut w, &mut r);
    let hashes = pump(&mut w, &mut r, now);
    // The walk went down the root over [0, 32) to block 21: a question per level.
    assert!((1..=5).contains(&hashes), "{hashes} hash requests");
    assert_eq!((reader.length(), reader.fork()), (40, 1));
    assert_eq!(reader.contiguous_length(), 40);
    for i in 0..40u64 {
        let want = if i < 21 {
            format!("block {i}")
        } else {
            format!("fork-1 block {i}")
        };
        assert_eq!(reader.get(i).unwrap(), Some(want.into_bytes()), "block {i}");
    }
    let events: Vec<PeerEvent> = std::iter::from_fn(|| r.poll_event()).collect();
    assert!(events.contains(&PeerEvent::Forked {
        fork: 1,
        length: 40
    }));
    // Blocks below the fork point were kept, not fetched again.
    let fetched = events
        .iter()
        .filter(|e| matches!(e, PeerEvent::Downloaded(_)))
        .count();
    assert_eq!(fetched, 19);
}
