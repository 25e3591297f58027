//! Unit tests of the stream state machine with a synthetic clock and no socket: RTO
//! backoff and the 6-strike timeout, RACK fast retransmit from SACKs, zero-window
//! probing, HEARTBEAT, keepalives and the peer timeout, END and DESTROY handling.

use std::io;
use std::time::{Duration, Instant};

use super::State;
use crate::swarm::udx::packet::*;

/// A stream state connected to peer stream 5: no socket, nothing is ever sent.
fn connected() -> (State, Instant) {
    let now = Instant::now();
    let mut st = State::new(now);
    st.connect(5, "127.0.0.1:9".parse().unwrap());
    (st, now)
}

fn incoming(flags: u8, seq: u32, ack: u32, rwnd: u32, sacks: &[(u32, u32)]) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN];
    Header {
        flags,
        data_offset: 0,
        id: 1,
        rwnd,
        seq,
        ack,
    }
    .write(&mut out);
    write_sacks(&mut out, sacks);
    out
}

fn feed(st: &mut State, bytes: &[u8], now: Instant) {
    let p = Packet::decode(bytes).unwrap();
    st.on_packet(&p, now);
}

/// The seqs of the packets in a GSO buffer of `seg`-byte segments.
fn seqs(buf: &[u8], seg: usize) -> Vec<u32> {
    buf.chunks(seg)
        .map(|c| Header::read(c).unwrap().seq)
        .collect()
}

#[test]
fn rto_backs_off_and_times_out_after_six() {
    let (mut st, t0) = connected();
    st.queue_write(b"hello");
    let mut buf = Vec::new();
    assert!(st.fill_transmit(t0, &mut buf, 64).is_some());
    let mut now = t0;
    let mut gaps = Vec::new();
    for _ in 0..6 {
        let next = st.next_deadline().expect("rto armed");
        gaps.push((next - now).as_millis());
        now = next;
        if st.on_timers(now) {
            break;
        }
        let seg = st.fill_transmit(now, &mut buf, 64).expect("retransmit");
        assert_eq!(seqs(&buf, seg), vec![0]);
    }
    assert_eq!(gaps, vec![1000, 2000, 4000, 8000, 16000, 30000]);
    assert_eq!(st.error, Some(io::ErrorKind::TimedOut));
}

#[test]
fn sack_hole_is_retransmitted_after_reordering_window() {
    let (mut st, t0) = connected();
    st.queue_write(&vec![7u8; 1152 * 10]);
    let mut buf = Vec::new();
    let seg = st.fill_transmit(t0, &mut buf, 64).unwrap();
    assert_eq!(seqs(&buf, seg), (0..10).collect::<Vec<_>>());
    // Peer got 0,1 and 3..6: packet 2 is missing.
    let t1 = t0 + Duration::from_millis(5);
    feed(&mut st, &incoming(FLAG_SACK, 0, 2, 4 << 20, &[(3, 6)]), t1);
    // Within the reordering window nothing is retransmitted yet...
    let deadline = st.next_deadline().unwrap();
    assert!(
        deadline < t0 + Duration::from_millis(100),
        "RACK timer, not RTO"
    );
    // ...but the RACK timer declares it lost and it goes out first.
    assert!(!st.on_timers(deadline));
    let seg = st.fill_transmit(deadline, &mut buf, 64).unwrap();
    assert_eq!(seqs(&buf, seg)[0], 2);
    // Ack everything: the stream is idle again.
    feed(
        &mut st,
        &incoming(0, 0, 10, 4 << 20, &[]),
        deadline + Duration::from_millis(5),
    );
    assert!(st.all_acked());
}

#[test]
fn zero_window_stops_data_and_probes_with_heartbeat() {
    let (mut st, t0) = connected();
    feed(&mut st, &incoming(0, 1, 0, 0, &[]), t0);
    st.queue_write(b"blocked");
    let mut buf = Vec::new();
    assert_eq!(
        st.fill_transmit(t0, &mut buf, 64),
        None,
        "rwnd 0 blocks data"
    );
    let probe_at = st.next_deadline().expect("zero-window probe timer");
    assert!(!st.on_timers(probe_at));
    let len = st.fill_transmit(probe_at, &mut buf, 64).unwrap();
    assert_eq!(len, HEADER_LEN);
    assert_eq!(Header::read(&buf).unwrap().flags, FLAG_HEARTBEAT);
    // The window opens: data flows.
    feed(&mut st, &incoming(0, 1, 0, 4 << 20, &[]), probe_at);
    let seg = st.fill_transmit(probe_at, &mut buf, 64).unwrap();
    assert_eq!(&buf[HEADER_LEN..seg], b"blocked");
}

#[test]
fn heartbeat_is_answered_with_ack_and_end_consumes_a_seq() {
    let (mut st, t0) = connected();
    feed(&mut st, &incoming(FLAG_DATA, 0, 0, 4 << 20, &[]), t0);
    let mut data = incoming(FLAG_DATA, 0, 0, 4 << 20, &[]);
    data.extend_from_slice(b"abc");
    feed(&mut st, &data, t0);
    assert!(st.need_ack);
    let mut ack = Vec::new();
    st.write_ack(&mut ack);
    assert_eq!(Header::read(&ack).unwrap().ack, 1);
    feed(&mut st, &incoming(FLAG_HEARTBEAT, 1, 0, 4 << 20, &[]), t0);
    assert!(st.need_ack);
    // A small write plus shutdown goes out as one DATA|END packet.
    st.queue_write(b"bye");
    st.end_queued = true;
    let mut buf = Vec::new();
    st.fill_transmit(t0, &mut buf, 64).unwrap(); // the owed ACK first
    assert_eq!(Header::read(&buf).unwrap().flags, 0);
    st.fill_transmit(t0, &mut buf, 64).unwrap();
    let h = Header::read(&buf).unwrap();
    assert_eq!((h.flags, h.seq), (FLAG_DATA | FLAG_END, 0));
    feed(&mut st, &incoming(0, 1, 1, 4 << 20, &[]), t0);
    assert!(st.end_acked && st.all_acked());
}

#[test]
fn stale_destroy_is_ignored_fresh_one_resets() {
    let (mut st, t0) = connected();
    let mut data = incoming(FLAG_DATA, 0, 0, 4 << 20, &[]);
    data.push(1);
    feed(&mut st, &data, t0);
    feed(&mut st, &incoming(FLAG_DESTROY, 0, 0, 4 << 20, &[]), t0);
    assert_eq!(st.error, None, "DESTROY with seq < our ack is stale");
    feed(&mut st, &incoming(FLAG_DESTROY, 1, 0, 4 << 20, &[]), t0);
    assert_eq!(st.error, Some(io::ErrorKind::ConnectionReset));
}

#[test]
fn hostile_sacks_and_acks_are_ignored() {
    let (mut st, t0) = connected();
    st.queue_write(&[1u8; 3000]);
    let mut buf = Vec::new();
    st.fill_transmit(t0, &mut buf, 64).unwrap();
    // Acks beyond what we sent and SACK ranges out of bounds change nothing.
    feed(
        &mut st,
        &incoming(
            FLAG_SACK,
            0,
            1000,
            4 << 20,
            &[(5, 1), (0, u32::MAX), (2, 9)],
        ),
        t0,
    );
    feed(
        &mut st,
        &incoming(FLAG_SACK, 0, 0, 4 << 20, &[(u32::MAX, 2)]),
        t0,
    );
    assert!(!st.all_acked());
    feed(&mut st, &incoming(0, 0, 3, 4 << 20, &[]), t0);
    assert!(st.all_acked());
}

/// Hostile input: arbitrary packets (near and far seqs, bogus SACKs, every flag
/// combination) interleaved with sends and timers never panic and keep the counters sane.
#[test]
fn random_packets_never_panic() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    let seqish = prop_oneof![0u32..64, any::<u32>()];
    let pkt = (
        any::<u8>(),
        seqish.clone(),
        seqish.clone(),
        prop_oneof![Just(4u32 << 20), Just(0u32), any::<u32>()],
        proptest::collection::vec((seqish.clone(), seqish), 0..6),
        0usize..1500,
        any::<u8>(),
    );
    let mut runner = TestRunner::new(Config {
        cases: 200,
        ..Config::default()
    });
    runner
        .run(&proptest::collection::vec(pkt, 1..60), |pkts| {
            let (mut st, t0) = connected();
            st.queue_write(&vec![1u8; 40_000]);
            let mut buf = Vec::new();
            let mut now = t0;
            for (i, (flags, seq, ack, rwnd, sacks, len, pad)) in pkts.into_iter().enumerate() {
                let mut bytes = incoming(flags, seq, ack, rwnd, &sacks);
                bytes[3] = if flags & FLAG_SACK != 0 { pad } else { 0 };
                bytes.extend(std::iter::repeat_n(9u8, len));
                if let Some(p) = Packet::decode(&bytes) {
                    st.on_packet(&p, now);
                }
                now += Duration::from_millis((i as u64 * 37) % 1500);
                st.on_timers(now);
                while st.fill_transmit(now, &mut buf, 32).is_some() {}
                let _ = st.next_deadline();
                let mut out = [0u8; 4096];
                st.read_into(&mut out);
                prop_assert!(st.in_flight <= st.inflight.len());
            }
            Ok(())
        })
        .unwrap();
}

/// Runs the timers at `now` and returns the flags of what the stream sends, if anything.
fn tick(st: &mut State, now: Instant) -> (bool, Option<u8>) {
    let failed = st.on_timers(now);
    let mut buf = Vec::new();
    let sent = st
        .fill_transmit(now, &mut buf, 64)
        .map(|_| Header::read(&buf).unwrap().flags);
    (failed, sent)
}

#[test]
fn idle_stream_sends_keepalives_and_stays_up_while_the_peer_answers() {
    let (mut st, t0) = connected();
    st.keepalive = Some(Duration::from_secs(5));
    st.set_peer_timeout(Some(Duration::from_secs(15)), t0);
    let mut now = t0;
    for _ in 0..12 {
        let next = st.next_deadline().expect("keepalive armed");
        assert_eq!(
            next - now,
            Duration::from_secs(5),
            "one HEARTBEAT per interval"
        );
        now = next;
        assert_eq!(tick(&mut st, now), (false, Some(FLAG_HEARTBEAT)));
        // The peer acks each probe at once.
        feed(&mut st, &incoming(0, 0, 0, 4 << 20, &[]), now);
    }
    assert!(
        st.error.is_none(),
        "a minute of answered keepalives keeps it open"
    );
}

#[test]
fn silent_peer_is_probed_every_second_then_the_stream_times_out() {
    let (mut st, t0) = connected();
    st.keepalive = Some(Duration::from_secs(5));
    st.set_peer_timeout(Some(Duration::from_secs(15)), t0);
    let mut probes = Vec::new();
    let now = loop {
        let now = st.next_deadline().expect("a timer is armed");
        match tick(&mut st, now) {
            (true, _) => break now,
            (false, Some(FLAG_HEARTBEAT)) => probes.push((now - t0).as_secs()),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(probes, vec![5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    assert_eq!(now - t0, Duration::from_secs(15));
    assert_eq!(st.error, Some(io::ErrorKind::TimedOut));
}

#[test]
fn dead_peer_mid_transfer_times_out_before_the_rto_strikes() {
    let (mut st, t0) = connected();
    st.keepalive = Some(Duration::from_secs(5));
    st.set_peer_timeout(Some(Duration::from_secs(15)), t0);
    st.queue_write(&[7u8; 4096]);
    let mut buf = Vec::new();
    assert!(st.fill_transmit(t0, &mut buf, 64).is_some());
    let mut now = t0;
    while !st.on_timers(now) {
        let _ = st.fill_transmit(now, &mut buf, 64);
        now = st.next_deadline().expect("a timer is armed");
    }
    assert_eq!(
        now - t0,
        Duration::from_secs(15),
        "not the ~60 s of six RTOs"
    );
    assert_eq!(st.error, Some(io::ErrorKind::TimedOut));
}

#[test]
fn without_a_peer_timeout_silence_never_fails_an_idle_stream() {
    let (mut st, t0) = connected();
    st.keepalive = Some(Duration::from_secs(5));
    let mut now = t0;
    for _ in 0..100 {
        now = st.next_deadline().expect("keepalive armed");
        assert!(!tick(&mut st, now).0);
    }
    assert!(now - t0 >= Duration::from_secs(100));
    assert!(st.error.is_none());
}
