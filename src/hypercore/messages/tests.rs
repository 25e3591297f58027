use serde_json::Value;

use super::*;
use crate::hypercore::test_vectors::{bytes as h, nodes};

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

fn manifest(v: &Value) -> Option<Manifest> {
    (!v.is_null()).then(|| {
        let signer = &v["signers"][0];
        assert_eq!(v["signers"].as_array().unwrap().len(), 1);
        let mut m = Manifest::single_signer(h(&signer["publicKey"]).try_into().unwrap());
        m.signers[0].namespace = h(&signer["namespace"]).try_into().unwrap();
        m.version = u(&v["version"]);
        m.quorum = u(&v["quorum"]);
        m
    })
}

/// The message the vectors' `fields` describe.
fn message_of(name: &str, f: &Value) -> Message {
    let opt2 = |v: &Value, a: &str, b: &str| (!v.is_null()).then(|| (u(&v[a]), u(&v[b])));
    match name {
        "sync" => Message::Sync(Sync {
            fork: u(&f["fork"]),
            length: u(&f["length"]),
            remote_length: u(&f["remoteLength"]),
            can_upgrade: f["canUpgrade"].as_bool().unwrap(),
            uploading: f["uploading"].as_bool().unwrap(),
            downloading: f["downloading"].as_bool().unwrap(),
            has_manifest: f["hasManifest"].as_bool().unwrap(),
            allow_push: f["allowPush"].as_bool().unwrap(),
        }),
        "range" => Message::Range {
            span: Span {
                start: u(&f["start"]),
                length: u(&f["length"]),
            },
            drop: f["drop"].as_bool().unwrap(),
        },
        "request" => Message::Request(Request {
            id: u(&f["id"]),
            fork: u(&f["fork"]),
            proof: ProofRequest {
                block: opt2(&f["block"], "index", "nodes")
                    .map(|(index, nodes)| BlockRequest { index, nodes }),
                hash: opt2(&f["hash"], "index", "nodes")
                    .map(|(index, nodes)| HashRequest { index, nodes }),
                seek: opt2(&f["seek"], "bytes", "padding")
                    .map(|(bytes, padding)| SeekRequest { bytes, padding }),
                upgrade: opt2(&f["upgrade"], "start", "length")
                    .map(|(start, length)| UpgradeRequest { start, length }),
            },
            manifest: f["manifest"].as_bool().unwrap(),
            priority: u(&f["priority"]),
        }),
        "data" => {
            let (b, hh, s, up) = (&f["block"], &f["hash"], &f["seek"], &f["upgrade"]);
            Message::Data(Box::new(Data {
                request: u(&f["request"]),
                proof: Proof {
                    fork: u(&f["fork"]),
                    block: (!b.is_null()).then(|| BlockProof {
                        index: u(&b["index"]),
                        value: h(&b["value"]),
                        nodes: nodes(&b["nodes"]),
                    }),
                    hash: (!hh.is_null()).then(|| HashProof {
                        index: u(&hh["index"]),
                        nodes: nodes(&hh["nodes"]),
                    }),
                    seek: (!s.is_null()).then(|| SeekProof {
                        bytes: u(&s["bytes"]),
                        nodes: nodes(&s["nodes"]),
                    }),
                    upgrade: (!up.is_null()).then(|| UpgradeProof {
                        start: u(&up["start"]),
                        length: u(&up["length"]),
                        nodes: nodes(&up["nodes"]),
                        additional_nodes: nodes(&up["additionalNodes"]),
                        signature: h(&up["signature"]),
                    }),
                },
                manifest: manifest(&f["manifest"]),
            }))
        }
        other => panic!("no vector mapping for {other}"),
    }
}

fn check(bytes: &[u8], want: &Message, what: &str) {
    assert_eq!(Message::decode(bytes).as_ref(), Ok(want), "{what}");
    assert_eq!(hex::encode(want.encode()), hex::encode(bytes), "{what}");
}

#[test]
fn every_recorded_channel_message_matches_node() {
    let v: Value = crate::hypercore::test_vectors::replication();
    let mut checked = 0;
    for scenario in ["scenario_one", "scenario_three"] {
        for frame in v[scenario]["frames"].as_array().unwrap() {
            for m in frame["messages"].as_array().unwrap() {
                let Some(name) = m["name"].as_str() else {
                    continue; // protomux control messages (open, close, reject)
                };
                let bytes = match m.get("batch_entry_bytes") {
                    Some(b) => h(b),
                    None => {
                        // A single frame: the channel id, then the message.
                        let all = h(&frame["hex"]);
                        let mut r = Reader::new(&all);
                        assert_eq!(r.uint().unwrap(), u(&m["channel"]));
                        r.remaining().to_vec()
                    }
                };
                let what = format!("{scenario} frame {} {name}", frame["n"]);
                check(&bytes, &message_of(name, &m["fields"]), &what);
                assert_eq!(Message::decode(&bytes).unwrap().kind().0, u(&m["type"]));
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "only {checked} messages checked");
}

#[test]
fn every_proof_vector_request_and_data_encode_as_node() {
    let v: Value = crate::hypercore::test_vectors::proofs();
    for case in v["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        for (kind, part) in [
            ("request", MessageType::REQUEST),
            ("data", MessageType::DATA),
        ] {
            let mut bytes = vec![part.0 as u8];
            bytes.extend(h(&case[kind]["encoded"]));
            check(&bytes, &message_of(kind, &case[kind]["fields"]), name);
        }
    }
}

#[test]
fn the_reference_examples_and_the_other_messages() {
    let examples: [(&str, Message); 7] = [
        (
            "040000",
            Message::NoData {
                request: 0,
                reason: NoDataReason::NONE,
            },
        ),
        (
            "04070101",
            Message::NoData {
                request: 7,
                reason: NoDataReason::NOT_AVAILABLE,
            },
        ),
        (
            "0200fe00002000",
            Message::Want {
                span: Span {
                    start: 0,
                    length: 2_097_152,
                },
                any: false,
            },
        ),
        (
            "06050a01",
            Message::Unwant {
                span: Span {
                    start: 5,
                    length: 10,
                },
                any: true,
            },
        ),
        (
            "072002ff00000001000080",
            Message::Bitfield {
                start: 32,
                words: vec![0xff, 0x8000_0001],
            },
        ),
        (
            "080309",
            Message::Range {
                span: Span {
                    start: 9,
                    length: 1,
                },
                drop: true,
            },
        ),
        (
            "09086879706572626565010203",
            Message::Extension {
                name: "hyperbee".into(),
                message: vec![1, 2, 3],
            },
        ),
    ];
    for (i, (hexed, msg)) in examples.iter().enumerate() {
        let mut bytes = hex::decode(hexed).unwrap();
        if i == 2 {
            // `want` is type 5.
            bytes[0] = 5;
        }
        check(&bytes, msg, hexed);
    }
    // A missing noData flags field and want flags read as 0, as in Node.
    assert_eq!(
        Message::decode(&[4, 3]),
        Ok(Message::NoData {
            request: 3,
            reason: NoDataReason::NONE
        })
    );
    assert_eq!(
        Message::decode(&[5, 0, 32]),
        Ok(Message::Want {
            span: Span {
                start: 0,
                length: 32
            },
            any: false
        })
    );
    assert_eq!(Message::decode(&[10]), Err(DecodeError::Invalid));
    assert_eq!(Message::decode(&[]), Err(DecodeError::OutOfBounds));
    // A bitfield claiming a million words but carrying none allocates nothing.
    assert_eq!(
        Message::decode(&[7, 0, 0xfe, 0, 0, 0x0f, 0]),
        Err(DecodeError::OutOfBounds)
    );
}

proptest::proptest! {
    #[test]
    fn decoding_never_panics_and_reencodes_stably(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
        if let Ok(m) = Message::decode(&bytes) {
            // What we accept we can write, and read back the same.
            proptest::prop_assert_eq!(Message::decode(&m.encode()), Ok(m));
        }
    }
}
