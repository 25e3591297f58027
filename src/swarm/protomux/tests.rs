use serde_json::Value;

use super::*;

fn vectors() -> Value {
    serde_json::from_str(include_str!(
        "../../../tests/vectors/hypercore-replication.json"
    ))
    .unwrap()
}

fn frame(v: &Value, scenario: &str, n: usize) -> Vec<u8> {
    let f = &v[scenario]["frames"][n];
    assert_eq!(f["n"].as_u64(), Some(n as u64));
    hex::decode(f["hex"].as_str().unwrap()).unwrap()
}

/// The handshake bytes of the `i`-th open recorded in frame `n`.
fn recorded_handshake(v: &Value, scenario: &str, n: usize, i: usize) -> Vec<u8> {
    let opens: Vec<&Value> = v[scenario]["frames"][n]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["control"] == "open")
        .collect();
    let hs = &opens[i]["fields"]["handshake"];
    let mut out = vec![u8::from(hs["seeks"].as_bool().unwrap())];
    out.extend(hex::decode(hs["capability"].as_str().unwrap()).unwrap());
    out
}

fn entry(v: &Value, scenario: &str, n: usize, i: usize) -> Vec<u8> {
    hex::decode(
        v[scenario]["frames"][n]["messages"][i]["batch_entry_bytes"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

fn events(mux: &mut Mux) -> Vec<Event> {
    std::iter::from_fn(|| mux.poll_event()).collect()
}

const HYPERCORE: &str = "hypercore/alpha";

#[test]
fn a_reader_session_frame_for_frame() {
    let v = vectors();
    let s = "scenario_one";
    let dk =
        hex::decode("17422d0a36950311ae147f38372e952392dea29079bc84df7ee6e69d4ce35740").unwrap();
    let mut mux = Mux::new();
    // The reader's corestore opens its core corked: a batch of one.
    mux.cork();
    assert_eq!(
        mux.open(HYPERCORE, &dk, &recorded_handshake(&v, s, 0, 0)),
        Some(1)
    );
    assert_eq!(
        mux.open(HYPERCORE, &dk, b""),
        None,
        "one channel per protocol and id"
    );
    mux.uncork();
    assert_eq!(mux.poll_transmit(), Some(frame(&v, s, 0)));
    assert_eq!(mux.poll_transmit(), None);
    // The writer's open pairs with ours; then its sync and range arrive.
    mux.receive(&frame(&v, s, 1)).unwrap();
    mux.receive(&frame(&v, s, 2)).unwrap();
    assert_eq!(
        events(&mut mux),
        vec![
            Event::Opened {
                local_id: 1,
                handshake: recorded_handshake(&v, s, 1, 0)
            },
            Event::Message {
                local_id: 1,
                message: entry(&v, s, 2, 0)
            },
            Event::Message {
                local_id: 1,
                message: entry(&v, s, 2, 1)
            },
        ]
    );
    // A single (unbatched) message: frame 4 is the writer's re-sync on channel 1.
    mux.receive(&frame(&v, s, 4)).unwrap();
    assert_eq!(
        events(&mut mux),
        vec![Event::Message {
            local_id: 1,
            message: frame(&v, s, 4)[1..].to_vec()
        }]
    );
    // Our own unbatched message, then our close, byte for byte.
    mux.send(1, frame(&v, s, 20)[1..].to_vec());
    assert_eq!(mux.poll_transmit(), Some(frame(&v, s, 20)));
    mux.close(1);
    assert_eq!(mux.poll_transmit(), Some(frame(&v, s, 29)));
    assert_eq!(
        events(&mut mux),
        vec![Event::Closed {
            local_id: 1,
            remote: false
        }]
    );
    // Messages for the closed channel are ignored; the id is free again.
    mux.receive(&frame(&v, s, 4)).unwrap();
    assert_eq!(events(&mut mux), vec![]);
    assert_eq!(mux.open(HYPERCORE, &dk, b""), Some(1));
}

#[test]
fn a_writer_answers_three_opens_in_one_batch() {
    let v = vectors();
    let s = "scenario_three";
    let mut mux = Mux::new();
    mux.receive(&frame(&v, s, 0)).unwrap();
    let opens = events(&mut mux);
    assert_eq!(opens.len(), 3);
    let ids: Vec<Vec<u8>> = opens
        .iter()
        .map(|e| match e {
            Event::RemoteOpen { protocol, id, .. } => {
                assert_eq!(protocol, HYPERCORE);
                id.clone()
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // The writer claims the first two (it stores them) and rejects the third.
    mux.cork();
    for (i, id) in ids[..2].iter().enumerate() {
        let local = mux
            .open(HYPERCORE, id, &recorded_handshake(&v, s, 1, i))
            .unwrap();
        assert_eq!(local, i as u64 + 1);
        mux.send(local, entry(&v, s, 1, 3 * i + 1));
        mux.send(local, entry(&v, s, 1, 3 * i + 2));
    }
    mux.reject(3);
    mux.uncork();
    assert_eq!(
        hex::encode(mux.poll_transmit().unwrap()),
        hex::encode(frame(&v, s, 1))
    );
    let paired = events(&mut mux);
    assert!(
        matches!(
            paired[..],
            [
                Event::Opened { local_id: 1, .. },
                Event::Opened { local_id: 2, .. }
            ]
        ),
        "{paired:?}"
    );
    // The reader's batch for both channels arrives as one frame; our replies while we
    // handle it go out batched.
    mux.receive(&frame(&v, s, 2)).unwrap();
    let got = events(&mut mux);
    assert_eq!(got.len(), 4);
    assert!(matches!(got[3], Event::Message { local_id: 2, .. }));
}

/// Frames from one muxer into another, until neither has anything to send.
fn exchange(a: &mut Mux, b: &mut Mux) {
    loop {
        let mut moved = false;
        while let Some(f) = a.poll_transmit() {
            b.receive(&f).unwrap();
            moved = true;
        }
        while let Some(f) = b.poll_transmit() {
            a.receive(&f).unwrap();
            moved = true;
        }
        if !moved {
            return;
        }
    }
}

#[test]
fn two_muxers_pair_talk_close_and_reuse_ids() {
    let (mut a, mut b) = (Mux::new(), Mux::new());
    let ca = a.open("chat", b"room", b"hello from a").unwrap();
    exchange(&mut a, &mut b);
    assert_eq!(
        events(&mut b),
        vec![Event::RemoteOpen {
            remote_id: 1,
            protocol: "chat".into(),
            id: b"room".to_vec()
        }]
    );
    // Messages before b claims the channel wait for it.
    a.send(ca, b"\x00early".to_vec());
    exchange(&mut a, &mut b);
    assert_eq!(events(&mut b), vec![]);
    let cb = b.open("chat", b"room", b"hello from b").unwrap();
    exchange(&mut a, &mut b);
    assert_eq!(
        events(&mut b),
        vec![
            Event::Opened {
                local_id: cb,
                handshake: b"hello from a".to_vec()
            },
            Event::Message {
                local_id: cb,
                message: b"\x00early".to_vec()
            }
        ]
    );
    assert_eq!(
        events(&mut a),
        vec![Event::Opened {
            local_id: ca,
            handshake: b"hello from b".to_vec()
        }]
    );
    b.send(cb, b"\x01reply".to_vec());
    exchange(&mut a, &mut b);
    assert_eq!(
        events(&mut a),
        vec![Event::Message {
            local_id: ca,
            message: b"\x01reply".to_vec()
        }]
    );
    a.close(ca);
    exchange(&mut a, &mut b);
    assert_eq!(
        events(&mut b),
        vec![Event::Closed {
            local_id: cb,
            remote: true
        }]
    );
    // Both ids were seen by the peer, so both sides may reuse them at once.
    assert_eq!(a.open("chat", b"again", b"").unwrap(), ca);
    exchange(&mut a, &mut b);
    assert!(matches!(
        events(&mut b)[..],
        [Event::RemoteOpen { remote_id: 1, .. }]
    ));
    // A rejected open closes ours and frees its id.
    b.reject(1);
    exchange(&mut a, &mut b);
    let closed = events(&mut a);
    assert!(
        closed.contains(&Event::Closed {
            local_id: ca,
            remote: true
        }),
        "{closed:?}"
    );
}

#[test]
fn protocol_errors_are_errors() {
    let mut mux = Mux::new();
    // An open that skips channel ids.
    let mut w = Writer::new();
    w.uint(0).uint(1).uint(2).buffer(b"p").buffer(b"");
    assert_eq!(mux.receive(&w.into_vec()), Err(MuxError::InvalidOpen(2)));
    // A second open on a live id.
    let mut mux = Mux::new();
    let mut w = Writer::new();
    w.uint(0).uint(1).uint(1).buffer(b"p").buffer(b"");
    let open = w.into_vec();
    mux.receive(&open).unwrap();
    assert_eq!(mux.receive(&open), Err(MuxError::InvalidOpen(1)));
    // A reject of something we never opened.
    assert_eq!(mux.receive(&[0, 2, 5]), Err(MuxError::InvalidReject(5)));
    // Truncated frames.
    assert!(matches!(mux.receive(&[0, 1, 1]), Err(MuxError::Decode(_))));
    assert!(matches!(
        mux.receive(&[0, 0, 1, 9, 1]),
        Err(MuxError::Decode(_))
    ));
    // Too much for a channel nobody claimed.
    let big = vec![0u8; 10_000];
    let mut out = Ok(());
    for _ in 0..4 {
        let mut w = Writer::new();
        w.uint(1).bytes(&big);
        out = out.and(mux.receive(&w.into_vec()));
    }
    assert_eq!(out, Err(MuxError::Backlog));
    // Harmless oddities are ignored: empty frames, unknown channels and controls.
    let mut mux = Mux::new();
    mux.receive(&[]).unwrap();
    mux.receive(&[7, 0, 1]).unwrap();
    mux.receive(&[0, 9]).unwrap();
    assert_eq!(events(&mut mux), vec![]);
    // An open of the control channel is rejected.
    let mut w = Writer::new();
    w.uint(0).uint(1).uint(0).buffer(b"p").buffer(b"");
    mux.receive(&w.into_vec()).unwrap();
    assert_eq!(mux.poll_transmit(), Some(vec![0, 2, 0]));
}

proptest::proptest! {
    #[test]
    fn receiving_never_panics(frames in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..64), 0..8)) {
        let mut mux = Mux::new();
        mux.open("p", b"", b"").unwrap();
        for f in frames {
            if mux.receive(&f).is_err() {
                break;
            }
            while mux.poll_event().is_some() {}
            while mux.poll_transmit().is_some() {}
        }
    }
}
