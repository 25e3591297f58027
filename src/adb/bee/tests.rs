//! The vectors of `reference/wire/vectors/hyperbee.json`, written and read back.

use serde_json::Value;

use super::*;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../../../tests/vectors/hyperbee.json")).unwrap()
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

/// The vector's blocks, rebuilt by replaying its operations.
fn replay() -> Vec<Vec<u8>> {
    let v = vectors();
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let ops = v["blocks"].as_array().unwrap();
    let mut i = 1;
    while i < ops.len() {
        let op = &ops[i]["op"];
        let name = op["op"].as_str().unwrap();
        let key = op["stored_key"]
            .as_str()
            .or(op["key"].as_str())
            .unwrap()
            .replace("\\u0000", "\0");
        let bee = Bee::new(blocks.clone());
        let new = if name.starts_with("batch.put") {
            let next = &ops[i + 1]["op"];
            let mut batch = bee.batch();
            batch
                .put(key.as_bytes(), &json_bytes(&op["value"]))
                .unwrap();
            batch
                .put(
                    next["key"].as_str().unwrap().as_bytes(),
                    &json_bytes(&next["value"]),
                )
                .unwrap();
            i += 1;
            batch.finish()
        } else if name == "del" {
            bee.del(key.as_bytes()).unwrap()
        } else {
            bee.put(key.as_bytes(), &json_bytes(&op["value"])).unwrap()
        };
        blocks.extend(new);
        i += 1;
    }
    blocks
}

#[test]
fn every_block_of_the_vector_is_written_byte_for_byte() {
    let v = vectors();
    let blocks = replay();
    let expected = v["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), expected.len());
    for (seq, (ours, theirs)) in blocks.iter().zip(expected).enumerate() {
        assert_eq!(
            hex::encode(ours),
            theirs["bytes"].as_str().unwrap(),
            "block {seq}: {}",
            theirs["op"]
        );
    }
}

fn record_json(r: &Record, strip: usize) -> Value {
    serde_json::json!({
        "seq": r.seq,
        "key": String::from_utf8_lossy(&r.key[strip..]),
        "value": serde_json::from_slice::<Value>(&r.value).unwrap(),
    })
}

#[test]
fn every_read_of_the_vector_gives_nodes_answer() {
    let v = vectors();
    let blocks: Vec<Vec<u8>> = v["blocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| hex::decode(b["bytes"].as_str().unwrap()).unwrap())
        .collect();
    let bee = Bee::new(blocks);
    assert!(bee.is_bee().unwrap());
    for read in v["reads"].as_array().unwrap() {
        let name = read["name"].as_str().unwrap();
        let args = &read["args"];
        let prefix = args["sub"]
            .as_str()
            .map(|s| format!("{s}\0").into_bytes())
            .unwrap_or_default();
        let bound = |k: &str| args[k].as_str().map(|s| s.as_bytes().to_vec());
        let got = if name.contains("get") {
            let key = [&prefix[..], args["key"].as_str().unwrap().as_bytes()].concat();
            match bee.get(&key).unwrap() {
                Some(r) => record_json(&r, prefix.len()),
                None => Value::Null,
            }
        } else {
            let range = Range {
                gt: bound("gt"),
                gte: bound("gte"),
                lt: bound("lt"),
                lte: bound("lte"),
                reverse: args["reverse"].as_bool().unwrap_or(false),
                limit: args["limit"].as_u64().map(|l| l as usize),
            };
            let range = if prefix.is_empty() {
                range
            } else {
                sub_range(&prefix, &range)
            };
            let records = bee.range(&range).unwrap();
            Value::Array(
                records
                    .iter()
                    .map(|r| record_json(r, prefix.len()))
                    .collect(),
            )
        };
        assert_eq!(got, read["result"], "{name}");
    }
}

/// Found by the `hyperbee_blocks` fuzz target: a tree node with fewer children than
/// its keys need made a write index past their end.
#[test]
fn hostile_blocks_give_errors_not_panics() {
    let input = hex::decode(concat!(
        "1a010000000000000800080800080000000000000000000000000000000000000000000000000041",
        "cd0000000000000000000000001202000a32000a0a020202000a0202000a00000000002152210000",
        "00000000ff0000000adc0040101a1a010000000000000000000808001e0800080800080000000000",
        "00000000000000100000000000000000000000000000000000000000000000000000000000000000",
        "00000000001210000000000000000000000002000a00000a0a020202000a0202320a000000000021",
        "522100000000000202000a210202000a000000000021522100000000000000000adc0040101a1a01",
        "0000000000000000000808001e0800080800080000000000000000a9000000100000000000000000",
        "00000000000000000000000000000000000000000000000000000000001210000000000000000000",
        "000002000a00000a0a0202020000001202000a31000a0a0000000adc0040101a1a0100000a00000a",
        "0a020202000a0202000a00000012000af6000000000a00000002000000600030000000000a0a0000",
        "0002000000a1ff00000a00000a0000002d000a00000000000a0000000a00000000000a0000000000",
        "0000000000600000000a00000a0a00000002000000600000000a00000a000000d9000a0000000000",
        "00000000d9000a00000000000a0000000a000000000000000000001a010000000000000000000000",
        "00000000001210000000000000000000000002000a00000a0a020202000a0202000a000000000021",
        "522a00000000000202000a0202000a000000000021522100000000000000000adc0040101a1a0100",
        "000000002e0000000808001e08000808001a010000000000000000000808001e0800080800080000",
        "02000a1a001a0000001a0000000a00001202000a0a020202000a0000000000000000000000000000",
        "00f1ffffff0000000000000000000000",
    ))
    .unwrap();
    let mut blocks = vec![proto::Header::hyperbee().encode()];
    blocks.extend(input.chunks(input.len() / 4 + 1).map(<[u8]>::to_vec));
    let bee = Bee::new(blocks);
    let _ = bee.get(b"key");
    let _ = bee.range(&Range::default());
    let _ = bee.put(b"key", b"value");
    let _ = bee.del(b"key");
}

mod model {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::super::*;

    #[derive(Debug, Clone)]
    enum Op {
        Put(u8, u8),
        Del(u8),
        Batch(Vec<(u8, Option<u8>)>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => (0..60u8, any::<u8>()).prop_map(|(k, v)| Op::Put(k, v)),
            2 => (0..60u8).prop_map(Op::Del),
            1 => proptest::collection::vec((0..60u8, proptest::option::of(any::<u8>())), 1..6)
                .prop_map(Op::Batch),
        ]
    }

    fn key(k: u8) -> Vec<u8> {
        format!("k{k:02}").into_bytes()
    }

    fn bound(b: Option<u8>) -> Option<Vec<u8>> {
        b.map(key)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn a_bee_behaves_as_a_sorted_map(
            ops in proptest::collection::vec(op(), 1..120),
            lo in proptest::option::of(0..60u8),
            hi in proptest::option::of(0..60u8),
            inclusive in any::<bool>(),
            reverse in any::<bool>(),
            limit in proptest::option::of(0..20usize),
        ) {
            let mut blocks: Vec<Vec<u8>> = Vec::new();
            let mut model: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for op in &ops {
                let bee = Bee::new(blocks.clone());
                let new = match op {
                    Op::Put(k, v) => {
                        model.insert(key(*k), vec![*v]);
                        bee.put(&key(*k), &[*v]).unwrap()
                    }
                    Op::Del(k) => {
                        model.remove(&key(*k));
                        bee.del(&key(*k)).unwrap()
                    }
                    Op::Batch(writes) => {
                        let mut batch = bee.batch();
                        for (k, v) in writes {
                            match v {
                                Some(v) => {
                                    model.insert(key(*k), vec![*v]);
                                    batch.put(&key(*k), &[*v]).unwrap();
                                }
                                None => {
                                    model.remove(&key(*k));
                                    batch.del(&key(*k)).unwrap();
                                }
                            }
                        }
                        batch.finish()
                    }
                };
                blocks.extend(new);
            }
            let bee = Bee::new(blocks);
            for k in 0..60u8 {
                let got = bee.get(&key(k)).unwrap().map(|r| r.value.to_vec());
                prop_assert_eq!(got, model.get(&key(k)).cloned(), "key {}", k);
            }
            let range = Range {
                gt: if inclusive { None } else { bound(lo) },
                gte: if inclusive { bound(lo) } else { None },
                lt: if inclusive { None } else { bound(hi) },
                lte: if inclusive { bound(hi) } else { None },
                reverse,
                limit,
            };
            let got: Vec<(Vec<u8>, Vec<u8>)> = bee
                .range(&range)
                .unwrap()
                .into_iter()
                .map(|r| (r.key.to_vec(), r.value.to_vec()))
                .collect();
            let mut want: Vec<(Vec<u8>, Vec<u8>)> = model
                .iter()
                .filter(|(k, _)| range.above_low(k) && range.below_high(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            if reverse {
                want.reverse();
            }
            if let Some(l) = limit {
                want.truncate(l);
            }
            prop_assert_eq!(got, want);
        }
    }
}
