//! Golden vectors of the encrypted channel, produced by the real Node packages
//! (noise-handshake@4.2.0 + noise-curve-ed@2.1.0, @hyperswarm/secret-stream@6.9.2,
//! hyperdht@6.34.0), checked byte for byte: Ed25519 DH, the IK handshake with its
//! step-by-step trace, the XX handshake, secret-stream header and data frames (both
//! directions of the crypto), the datagram channel, and hostile handshake input.
//! The JSON files in `tests/vectors/` are verbatim copies of `reference/wire/vectors/`.

use serde_json::Value;

use spork::swarm::noise::{
    dh, holepunch_secret, stream_id, Handshake, HandshakeResult, Initiator, Keypair, NoiseError,
    Pattern, Responder, SymmetricState,
};
use spork::swarm::secretstream::datagram::{datagram_key, DatagramBox};
use spork::swarm::secretstream::sodium::State;
use spork::swarm::secretstream::{encode_frame, header_message, SecretStream};

fn load(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))).unwrap()
}

fn b32(v: &Value) -> [u8; 32] {
    unhex(v).try_into().unwrap()
}

fn b64(v: &Value) -> [u8; 64] {
    unhex(v).try_into().unwrap()
}

fn kp(seed: &Value) -> Keypair {
    Keypair::from_seed(b32(seed))
}

#[test]
fn ed25519_dh_vectors() {
    let v = load("noise-dh.json");
    for case in v["cases"].as_array().unwrap() {
        let (l, r) = (&case["local"], &case["remote"]);
        let (lk, rk) = (kp(&l["seed"]), kp(&r["seed"]));
        for (k, j) in [(&lk, l), (&rk, r)] {
            assert_eq!(k.public().to_vec(), unhex(&j["publicKey"]));
            assert_eq!(k.secret_key().to_vec(), unhex(&j["secretKey"]));
            assert_eq!(k.scalar().to_vec(), unhex(&j["scalar"]));
        }
        let want = unhex(&case["dh"]);
        assert_eq!(lk.dh(rk.public()).unwrap().to_vec(), want);
        assert_eq!(rk.dh(lk.public()).unwrap().to_vec(), want);
    }
}

#[test]
fn dh_rejects_what_libsodium_rejects() {
    let k = Keypair::from_seed([7; 32]);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let mut order2 = [0xffu8; 32]; // y = -1: p - 1 = 0x7fff..ffec
    order2[0] = 0xec;
    order2[31] = 0x7f;
    let mut noncanonical = [0xffu8; 32]; // y = p + 2 >= p
    noncanonical[0] = 0xef;
    noncanonical[31] = 0x7f;
    // A valid point plus a torsion component (order 2): fails the subgroup check.
    let p = curve25519_dalek::edwards::CompressedEdwardsY(*k.public())
        .decompress()
        .unwrap();
    let t2 = curve25519_dalek::edwards::CompressedEdwardsY(order2)
        .decompress()
        .unwrap();
    let mixed = (p + t2).compress().to_bytes();
    for bad in [[0u8; 32], identity, order2, noncanonical, mixed] {
        assert_eq!(k.dh(&bad), Err(NoiseError::InvalidPublicKey), "{bad:02x?}");
    }
    assert_eq!(dh(&[0; 32], k.public()), Err(NoiseError::InvalidPublicKey));
}

struct Ik {
    v: Value,
    init: Initiator,
    resp: Responder,
}

fn ik() -> Ik {
    let v = load("noise-ik.json");
    let (i, r) = (&v["initiator"], &v["responder"]);
    let prologue = unhex(&v["prologue"]);
    let rs = *kp(&r["static_seed"]).public();
    let init = Initiator::new(
        kp(&i["static_seed"]),
        rs,
        &prologue,
        Some(kp(&i["ephemeral_seed"])),
    );
    let resp = Responder::new(
        kp(&r["static_seed"]),
        &prologue,
        Some(kp(&r["ephemeral_seed"])),
    );
    Ik { v, init, resp }
}

#[test]
fn ik_handshake_matches_node_byte_for_byte() {
    let Ik {
        v,
        mut init,
        mut resp,
    } = ik();
    let st = init.handshake().symmetric();
    let s0 = &v["initial_state_after_prologue_and_rs"];
    assert_eq!(st.h.to_vec(), unhex(&s0["h"]));
    assert_eq!(st.ck.to_vec(), unhex(&s0["ck"]));

    let p1 = unhex(&v["message1"]["payload_plaintext"]);
    // Too large for a Noise message (96 bytes of keys and tags + payload > 65535): an
    // error that leaves the state untouched, so the next message is still exact.
    assert_eq!(
        init.write_message1(&vec![0; 65_500]),
        Err(NoiseError::MessageTooLarge)
    );
    let m1 = init.write_message1(&p1).unwrap();
    assert_eq!(m1, unhex(&v["message1"]["bytes"]));
    let (rs, got1) = resp.read_message1(&m1).unwrap();
    assert_eq!(got1, p1);
    assert_eq!(
        rs.to_vec(),
        unhex(&v["result"]["responder_sees_remote_publicKey"])
    );

    let p2 = unhex(&v["message2"]["payload_plaintext"]);
    let (m2, rres) = resp.write_message2(&p2).unwrap();
    assert_eq!(m2, unhex(&v["message2"]["bytes"]));
    let (got2, ires) = init.read_message2(&m2).unwrap();
    assert_eq!(got2, p2);

    let r = &v["result"];
    let hash = b64(&r["handshake_hash"]);
    assert_eq!(ires.hash, hash);
    assert_eq!(rres.hash, hash);
    assert_eq!(ires.tx, b32(&r["initiator_tx"]));
    assert_eq!(ires.rx, b32(&r["initiator_rx"]));
    assert_eq!(rres.tx, b32(&r["responder_tx"]));
    assert_eq!(rres.rx, b32(&r["responder_rx"]));
    assert!(ires.is_initiator && !rres.is_initiator);
    assert_eq!(
        ires.remote_public_key,
        *kp(&v["responder"]["static_seed"]).public()
    );
    assert_eq!(holepunch_secret(&hash), b32(&r["holepunchSecret"]));
    assert_eq!(stream_id(&hash, true), b32(&r["stream_id_initiator"]));
    assert_eq!(stream_id(&hash, false), b32(&r["stream_id_responder"]));
    // Done: no more messages either way.
    assert_eq!(init.write_message1(b""), Err(NoiseError::WrongState));
}

/// Replays the recorded initiator trace with the symmetric-state primitives.
#[test]
fn ik_initiator_trace() {
    let v = load("noise-ik.json");
    let mut st = SymmetricState::new(v["protocol_name"].as_str().unwrap().as_bytes());
    st.mix_hash(&unhex(&v["prologue"]));
    st.mix_hash(kp(&v["responder"]["static_seed"]).public());
    let mut dhs = Vec::new();
    for step in v["initiator_trace"].as_array().unwrap() {
        match step["op"].as_str().unwrap() {
            "MixHash" => st.mix_hash(&unhex(&step["input"])),
            "MixKey(DH)" => {
                let d = unhex(&step["dh"]);
                st.mix_key(&d);
                assert_eq!(st.ck.to_vec(), unhex(&step["ck"]));
                assert_eq!(st.key().unwrap().to_vec(), unhex(&step["k"]));
                dhs.push(d);
                continue;
            }
            "EncryptAndHash" => {
                let mut out = Vec::new();
                st.encrypt_and_hash(&unhex(&step["plaintext"]), &mut out);
                assert_eq!(out, unhex(&step["ciphertext"]));
            }
            "DecryptAndHash" => {
                let p = st.decrypt_and_hash(&unhex(&step["ciphertext"])).unwrap();
                assert_eq!(p, unhex(&step["plaintext"]));
            }
            op => panic!("unknown op {op}"),
        }
        assert_eq!(st.h.to_vec(), unhex(&step["h"]), "h after {}", step["op"]);
    }
    // The DH inputs of the trace are the ones our keys give: es, ss, ee, se.
    let (i, r) = (&v["initiator"], &v["responder"]);
    let (is, ie) = (kp(&i["static_seed"]), kp(&i["ephemeral_seed"]));
    let (rs, re) = (kp(&r["static_seed"]), kp(&r["ephemeral_seed"]));
    let ours = [
        ie.dh(rs.public()).unwrap(),
        is.dh(rs.public()).unwrap(),
        ie.dh(re.public()).unwrap(),
        is.dh(re.public()).unwrap(),
    ];
    for (a, b) in dhs.iter().zip(ours) {
        assert_eq!(a, &b.to_vec());
    }
}

#[test]
fn ik_rejects_hostile_messages() {
    let Ik {
        v,
        mut init,
        mut resp,
    } = ik();
    let m1 = init.write_message1(b"x").unwrap();
    let mut r2 = ik().resp;
    for n in [0, 31, 32, 79, 95] {
        assert_eq!(
            r2.read_message1(&m1[..n]).unwrap_err(),
            NoiseError::ShortMessage,
            "len {n}"
        );
    }
    let mut bad = m1.clone();
    bad[40] ^= 1;
    assert_eq!(resp.read_message1(&bad).unwrap_err(), NoiseError::Decrypt);
    // An invalid ephemeral key fails DH.
    let mut bad = m1.clone();
    bad[..32].copy_from_slice(&[0; 32]);
    let mut r3 = ik().resp;
    assert_eq!(
        r3.read_message1(&bad).unwrap_err(),
        NoiseError::InvalidPublicKey
    );
    // The genuine message still works after failed attempts on fresh states.
    let mut r4 = ik().resp;
    r4.read_message1(&m1).unwrap();
    let (m2, _) = r4.write_message2(b"y").unwrap();
    let mut tampered = m2.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 0x80;
    assert_eq!(
        init.read_message2(&tampered).unwrap_err(),
        NoiseError::Decrypt
    );
    let _ = v;
}

#[test]
fn xx_handshake_matches_node() {
    let v = load("noise-xx-secretstream.json");
    let (i, r) = (&v["initiator"], &v["responder"]);
    let mut a = Handshake::new(
        Pattern::XX,
        true,
        kp(&i["static_seed"]),
        b"",
        None,
        Some(kp(&i["ephemeral_seed"])),
    )
    .unwrap();
    let mut b = Handshake::new(
        Pattern::XX,
        false,
        kp(&r["static_seed"]),
        b"",
        None,
        Some(kp(&r["ephemeral_seed"])),
    )
    .unwrap();
    let msgs: Vec<Vec<u8>> = v["messages_unframed"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let m1 = a.write_message(b"").unwrap();
    assert_eq!(m1, msgs[0]);
    assert!(b.read_message(&m1).unwrap().is_empty());
    let m2 = b.write_message(b"").unwrap();
    assert_eq!(m2, msgs[1]);
    assert!(a.read_message(&m2).unwrap().is_empty());
    let m3 = a.write_message(b"").unwrap();
    assert_eq!(m3, msgs[2]);
    assert!(b.read_message(&m3).unwrap().is_empty());
    let (ra, rb) = (a.result().unwrap(), b.result().unwrap());
    assert_eq!(ra.hash, b64(&v["handshake_hash"]));
    assert_eq!(rb.hash, ra.hash);
    assert_eq!(ra.tx, b32(&v["initiator_tx"]));
    assert_eq!(ra.rx, b32(&v["initiator_rx"]));
    assert_eq!((rb.tx, rb.rx), (ra.rx, ra.tx));
    assert_eq!(ra.remote_public_key, *kp(&r["static_seed"]).public());
    assert_eq!(rb.remote_public_key, *kp(&i["static_seed"]).public());
    for (m, framed) in [&m1, &m2, &m3]
        .iter()
        .zip(v["messages_framed"].as_array().unwrap())
    {
        let mut f = (m.len() as u32).to_le_bytes()[..3].to_vec();
        f.extend_from_slice(m);
        assert_eq!(f, unhex(framed));
    }
}

fn frames_result(v: &Value, initiator: bool) -> HandshakeResult {
    let (itx, rtx) = (b32(&v["initiator_tx"]), b32(&v["responder_tx"]));
    HandshakeResult {
        tx: if initiator { itx } else { rtx },
        rx: if initiator { rtx } else { itx },
        hash: b64(&v["handshake_hash"]),
        remote_public_key: [9; 32],
        is_initiator: initiator,
    }
}

#[test]
fn secretstream_frames_encrypt_and_decrypt_like_node() {
    let v = load("secretstream-frames.json");
    let hash = b64(&v["handshake_hash"]);
    let ih: [u8; 24] = unhex(&v["initiator_secretstream_header"])
        .try_into()
        .unwrap();
    let rh: [u8; 24] = unhex(&v["responder_secretstream_header"])
        .try_into()
        .unwrap();
    let ichunks: Vec<Vec<u8>> = v["initiator_wire_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let rchunks: Vec<Vec<u8>> = v["responder_wire_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    assert_eq!(
        header_message(&stream_id(&hash, true), &ih).to_vec(),
        ichunks[0]
    );
    assert_eq!(
        header_message(&stream_id(&hash, false), &rh).to_vec(),
        rchunks[0]
    );

    let (itx, rtx) = (b32(&v["initiator_tx"]), b32(&v["responder_tx"]));
    let mut push = State::new(&itx, &ih);
    let mut pull = State::new(&itx, &ih);
    let received: Vec<&str> = v["received_by_responder"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for (msg, chunk) in received.iter().zip(&ichunks[1..]) {
        let mut out = Vec::new();
        encode_frame(&mut push, msg.as_bytes(), &mut out);
        assert_eq!(&out, chunk, "frame {msg:?}");
        let mut body = chunk[3..].to_vec();
        assert_eq!(pull.pull_in_place(&mut body), Ok(0));
        assert_eq!(&body[1..body.len() - 16], msg.as_bytes());
    }
    let mut push = State::new(&rtx, &rh);
    let mut out = Vec::new();
    encode_frame(&mut push, b"hi back", &mut out);
    assert_eq!(out, rchunks[1]);
    let mut pull = State::new(&rtx, &rh);
    let mut bad = rchunks[1][3..].to_vec();
    bad[5] ^= 1;
    assert!(pull.pull_in_place(&mut bad).is_err());
    let mut body = rchunks[1][3..].to_vec();
    assert_eq!(
        pull.pull_in_place(&mut body),
        Ok(0),
        "state unchanged by a failure"
    );
    assert_eq!(&body[1..body.len() - 16], b"hi back");
}

#[test]
fn secretstream_datagram_like_node() {
    let v = load("secretstream-frames.json");
    let u = &v["unordered_message"];
    let hash = b64(&v["handshake_hash"]);
    assert_eq!(datagram_key(&hash, true), b32(&u["initiator_send_key"]));
    let ctr = |k: &str| u64::from_le_bytes(unhex(&u[k]).try_into().unwrap());
    let a = DatagramBox::new(&hash, true, ctr("initiator_initial_counter"));
    let b = DatagramBox::new(&hash, false, ctr("responder_initial_counter"));
    let wire = a.seal(b"datagram").unwrap();
    let rec = unhex(&u["wire"]);
    // The recorded bytes were captured after the receiver opened the datagram in
    // place (JS `_onmessage` writes the plaintext over bytes 8..len-16), so bytes
    // 8..16 hold the plaintext; the counter and the last 16 bytes are the real wire.
    assert_eq!(wire.len(), rec.len());
    assert_eq!(wire[..8], rec[..8]);
    assert_eq!(&rec[8..16], b"datagram");
    assert_eq!(wire[16..], rec[16..]);
    assert_eq!(b.open(&wire).unwrap(), b"datagram");
    assert!(a.open(&wire).is_none(), "own key does not open");
    let mut bad = wire.clone();
    bad[20] ^= 1;
    assert!(b.open(&bad).is_none());
    assert!(b.open(&wire[..23]).is_none());
}

/// The whole stream over an in-memory pipe, with the fixed headers: the wire bytes the
/// initiator writes are exactly Node's, and Node's reply frame reads back.
#[tokio::test]
async fn secretstream_wire_bytes_over_a_pipe() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let v = load("secretstream-frames.json");
    let ih: [u8; 24] = unhex(&v["initiator_secretstream_header"])
        .try_into()
        .unwrap();
    let ichunks: Vec<Vec<u8>> = v["initiator_wire_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let rchunks: Vec<Vec<u8>> = v["responder_wire_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let (a, mut raw) = tokio::io::duplex(1 << 16);
    raw.write_all(&rchunks[0]).await.unwrap();
    let res = frames_result(&v, true);
    let mut s = SecretStream::with_header(a, &res, &ih).await.unwrap();
    s.write_all(b"hello").await.unwrap();
    s.write_all(b"The quick brown fox").await.unwrap();
    s.flush().await.unwrap();
    let mut got = vec![0u8; ichunks[0].len() + ichunks[1].len()];
    raw.read_exact(&mut got).await.unwrap();
    assert_eq!(got, [ichunks[0].clone(), ichunks[1].clone()].concat());
    // Frame 3 of the vector follows an empty frame (counter 2); ours is the 2nd frame,
    // so only its length matches.
    let mut f = vec![0u8; ichunks[3].len()];
    raw.read_exact(&mut f).await.unwrap();
    assert_eq!(f[..3], ichunks[3][..3]);
    // Node's empty frame is dropped, "hi back" delivered, then EOF.
    raw.write_all(&rchunks[1]).await.unwrap();
    raw.shutdown().await.unwrap();
    let mut back = Vec::new();
    s.read_to_end(&mut back).await.unwrap();
    assert_eq!(back, b"hi back");
}

#[tokio::test]
async fn secretstream_rejects_a_wrong_stream_id() {
    use tokio::io::AsyncWriteExt;
    let v = load("secretstream-frames.json");
    let rchunks: Vec<Vec<u8>> = v["responder_wire_chunks"]
        .as_array()
        .unwrap()
        .iter()
        .map(unhex)
        .collect();
    let (a, mut raw) = tokio::io::duplex(1 << 16);
    let mut hdr = rchunks[0].clone();
    hdr[10] ^= 1;
    raw.write_all(&hdr).await.unwrap();
    let err = SecretStream::new(a, &frames_result(&v, true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    let (a, mut raw) = tokio::io::duplex(1 << 16);
    raw.write_all(&[0x37, 0, 0]).await.unwrap();
    raw.write_all(&[0; 55]).await.unwrap();
    let err = SecretStream::new(a, &frames_result(&v, true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
}
