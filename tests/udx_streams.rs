//! Rust↔Rust UDX integration tests on 127.0.0.1: bulk transfer compared by sha256,
//! half-close, reset, raw datagrams beside streams, MESSAGE, keepalive, firewall-style
//! adoption, and loss recovery through a lossy relay.

mod common;

use common::{lo, pattern, sha};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use spork::swarm::udx::{Socket, Stream, Udx};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

const T: Duration = Duration::from_secs(60);

struct Pair {
    sa: Socket,
    sb: Socket,
    a: Stream,
    b: Stream,
}

/// Two sockets on separate instances and a connected stream pair; `via` optionally
/// routes both directions through a relay address.
async fn pair(via: Option<(SocketAddr, SocketAddr)>) -> Pair {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let a = ua.stream(1).unwrap();
    let b = ub.stream(2).unwrap();
    let (to_b, to_a) = via.unwrap_or((sb.local_addr(), sa.local_addr()));
    a.connect(&sa, 2, to_b).unwrap();
    b.connect(&sb, 1, to_a).unwrap();
    Pair { sa, sb, a, b }
}

async fn read_all(s: &mut (impl AsyncReadExt + Unpin)) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    s.read_to_end(&mut v).await?;
    Ok(v)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_both_ways_sha256_and_half_close() {
    let p = pair(None).await;
    exchange(p.a, p.b, pattern(6 << 20, 1), pattern(5 << 20, 2)).await;
    drop((p.sa, p.sb));
}

/// Writes `da` from `a` and `db` from `b` at once, each followed by END, and checks
/// that each side reads exactly the other's bytes (by sha256) up to its EOF.
async fn exchange(a: Stream, b: Stream, da: Vec<u8>, db: Vec<u8>) {
    let (ha, hb) = (sha(&da), sha(&db));
    let (mut ar, mut aw) = tokio::io::split(a);
    let (mut br, mut bw) = tokio::io::split(b);
    let wa = tokio::spawn(async move {
        aw.write_all(&da).await.unwrap();
        aw.shutdown().await.unwrap();
        aw
    });
    let wb = tokio::spawn(async move {
        bw.write_all(&db).await.unwrap();
        bw.shutdown().await.unwrap();
        bw
    });
    let got_b = timeout(T, read_all(&mut br)).await.unwrap().unwrap();
    let got_a = timeout(T, read_all(&mut ar)).await.unwrap().unwrap();
    assert_eq!(sha(&got_b), ha, "A→B bytes");
    assert_eq!(sha(&got_a), hb, "B→A bytes");
    let _ = (wa.await.unwrap(), wb.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_each_direction() {
    let Pair {
        sa: _sa,
        sb: _sb,
        mut a,
        mut b,
    } = pair(None).await;
    // A ends first; B keeps writing afterwards.
    a.write_all(b"from a").await.unwrap();
    a.shutdown().await.unwrap();
    assert!(a.write_all(b"x").await.is_err(), "write after END fails");
    let mut buf = Vec::new();
    timeout(T, b.read_to_end(&mut buf)).await.unwrap().unwrap();
    assert_eq!(buf, b"from a");
    b.write_all(b"reply after a's end").await.unwrap();
    b.shutdown().await.unwrap();
    let mut buf = Vec::new();
    timeout(T, a.read_to_end(&mut buf)).await.unwrap().unwrap();
    assert_eq!(buf, b"reply after a's end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_is_connection_reset_both_ways() {
    for destroy_a in [true, false] {
        let Pair {
            sa: _sa,
            sb: _sb,
            mut a,
            mut b,
        } = pair(None).await;
        a.write_all(b"hi").await.unwrap();
        let mut two = [0u8; 2];
        timeout(T, b.read_exact(&mut two)).await.unwrap().unwrap();
        b.write_all(b"yo").await.unwrap();
        timeout(T, a.read_exact(&mut two)).await.unwrap().unwrap();
        let (killer, victim) = if destroy_a { (a, &mut b) } else { (b, &mut a) };
        killer.destroy();
        let mut buf = [0u8; 16];
        let e = timeout(T, victim.read(&mut buf))
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
        let e = victim.write_all(b"more").await.unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_without_shutdown_resets() {
    let Pair {
        sa: _sa,
        sb: _sb,
        a,
        mut b,
    } = pair(None).await;
    drop(a);
    let mut buf = [0u8; 4];
    let e = timeout(T, b.read(&mut buf)).await.unwrap().unwrap_err();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_datagrams_and_streams_share_a_socket() {
    let Pair {
        sa,
        sb,
        mut a,
        mut b,
    } = pair(None).await;
    let w = tokio::spawn(async move {
        a.write_all(&pattern(1 << 20, 3)).await.unwrap();
        a.shutdown().await.unwrap();
        a
    });
    for i in 0..20u8 {
        sa.send_to(&[0x03, i, 1, 2], sb.local_addr()).await.unwrap();
    }
    // A UDX-looking packet for an unknown id is a raw datagram too.
    let mut fake = vec![0xff, 0x01, 0x01, 0x00];
    fake.extend_from_slice(&777u32.to_le_bytes());
    fake.extend_from_slice(&[0u8; 12]);
    sa.send_to(&fake, sb.local_addr()).await.unwrap();
    for i in 0..20u8 {
        let (d, from) = timeout(T, sb.recv_from()).await.unwrap().unwrap();
        assert_eq!(from, sa.local_addr());
        assert_eq!(&d[..], &[0x03, i, 1, 2]);
    }
    let (d, _) = timeout(T, sb.recv_from()).await.unwrap().unwrap();
    assert_eq!(&d[..], &fake[..]);
    let got = timeout(T, read_all(&mut b)).await.unwrap().unwrap();
    assert_eq!(sha(&got), sha(&pattern(1 << 20, 3)));
    let _ = w.await.unwrap();
    // TTL-limited probe still goes out as a raw datagram.
    sa.try_send_to_with_ttl(b"probe", sb.local_addr(), 5)
        .unwrap();
    let (d, _) = timeout(T, sb.recv_from()).await.unwrap().unwrap();
    assert_eq!(&d[..], b"probe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_and_ids() {
    let Pair { sa, sb: _sb, a, b } = pair(None).await;
    a.send_message(b"datagram").await.unwrap();
    let m = timeout(T, b.recv_message()).await.unwrap().unwrap();
    assert_eq!(&m[..], b"datagram");
    b.send_message(b"back").await.unwrap();
    assert_eq!(
        &timeout(T, a.recv_message()).await.unwrap().unwrap()[..],
        b"back"
    );
    assert_eq!(a.remote_addr(), Some(_sb.local_addr()));
    assert_eq!(a.id(), 1);
    // Unconnected streams cannot send messages; duplicate ids are refused.
    let u = Udx::new();
    let s = u.stream(9).unwrap();
    assert!(u.stream(9).is_err());
    assert!(s.send_message(b"x").await.is_err());
    drop(sa);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_packet_adoption() {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let mut a = ua.stream(10).unwrap();
    let mut b = ub.stream(20).unwrap();
    a.connect(&sa, 20, sb.local_addr()).unwrap();
    a.write_all(b"early").await.unwrap();
    let (sock, from) = timeout(T, b.first_packet()).await.unwrap();
    assert_eq!(from, sa.local_addr());
    assert_eq!(sock.local_addr(), sb.local_addr());
    b.connect(&sock, 10, from).unwrap();
    let mut buf = [0u8; 5];
    timeout(T, b.read_exact(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf, b"early");
    b.write_all(b"ok").await.unwrap();
    let mut two = [0u8; 2];
    timeout(T, a.read_exact(&mut two)).await.unwrap().unwrap();
    assert_eq!(&two, b"ok");
}

#[derive(Default)]
struct RelayStats {
    heartbeats: AtomicUsize,
    max_len: AtomicUsize,
    padded: AtomicUsize,
}

/// A relay on 127.0.0.1 between two peers that drops every `nth` DATA datagram and
/// counts HEARTBEATs, the largest datagram and padded (MTU-probe) packets.
async fn lossy_relay(a: SocketAddr, b: SocketAddr, nth: isize) -> (SocketAddr, Arc<RelayStats>) {
    let r = tokio::net::UdpSocket::bind(lo()).await.unwrap();
    let addr = r.local_addr().unwrap();
    let stats = Arc::new(RelayStats::default());
    let st = stats.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        let mut n = 0usize;
        let mut rng: u64 = 0x2545_f491_4f6c_dd1d;
        while let Ok((len, from)) = r.recv_from(&mut buf).await {
            n += 1;
            if len >= 20 && buf[2] == 0x20 {
                st.heartbeats.fetch_add(1, Ordering::Relaxed);
            }
            if len >= 20 && buf[3] != 0 {
                st.padded.fetch_add(1, Ordering::Relaxed);
            }
            st.max_len.fetch_max(len, Ordering::Relaxed);
            let is_data = len > 20 && buf[2] & 1 != 0;
            // nth > 0: drop every nth DATA packet; nth < 0: drop datagrams of any kind
            // at random (seeded) with probability 1/-nth.
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            if (nth > 0 && is_data && n.is_multiple_of(nth as usize))
                || (nth < 0 && rng.is_multiple_of(nth.unsigned_abs() as u64))
            {
                continue;
            }
            let to = if from == a { b } else { a };
            let _ = r.send_to(&buf[..len], to).await;
        }
    });
    (addr, stats)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loss_recovery_through_lossy_relay() {
    lossy_transfer(37, 3 << 20, 2 << 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heavy_loss_of_data_and_acks() {
    // A random 5% of all datagrams (data, acks, END) is lost.
    lossy_transfer(-20, 1 << 20, 1 << 20).await;
}

async fn lossy_transfer(nth: isize, len_a: usize, len_b: usize) {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let (relay, _) = lossy_relay(sa.local_addr(), sb.local_addr(), nth).await;
    let a = ua.stream(1).unwrap();
    let b = ub.stream(2).unwrap();
    a.connect(&sa, 2, relay).unwrap();
    b.connect(&sb, 1, relay).unwrap();
    exchange(a, b, pattern(len_a, 4), pattern(len_b, 5)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keepalive_sends_heartbeats_that_are_answered() {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let (relay, beats) = lossy_relay(sa.local_addr(), sb.local_addr(), 0).await;
    let a = ua.stream(1).unwrap();
    let mut b = ub.stream(2).unwrap();
    a.connect(&sa, 2, relay).unwrap();
    b.connect(&sb, 1, relay).unwrap();
    a.set_keepalive(Duration::from_millis(100));
    tokio::time::sleep(Duration::from_millis(650)).await;
    let n = beats.heartbeats.load(Ordering::Relaxed);
    assert!((3..=10).contains(&n), "heartbeats: {n}");
    // The stream still works afterwards.
    let mut a = a;
    a.write_all(b"after").await.unwrap();
    let mut buf = [0u8; 5];
    timeout(T, b.read_exact(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf, b"after");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mtu_probing_climbs_to_1500() {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let (relay, stats) = lossy_relay(sa.local_addr(), sb.local_addr(), 0).await;
    let mut a = ua.stream(1).unwrap();
    let mut b = ub.stream(2).unwrap();
    a.connect(&sa, 2, relay).unwrap();
    b.connect(&sb, 1, relay).unwrap();
    let data = pattern(2 << 20, 6);
    let w = tokio::spawn(async move {
        a.write_all(&data).await.unwrap();
        a.shutdown().await.unwrap();
        a
    });
    let got = timeout(T, read_all(&mut b)).await.unwrap().unwrap();
    assert_eq!(sha(&got), sha(&pattern(2 << 20, 6)));
    let _a = w.await.unwrap();
    // Probing raised the packet size (on a quiet loopback it reaches 1500-byte IP
    // packets = 1472-byte UDP payloads; the relay may drop a probe under load).
    let max = stats.max_len.load(Ordering::Relaxed);
    assert!((1172 + 32..=1472).contains(&max), "max datagram {max}");
    assert!(
        stats.padded.load(Ordering::Relaxed) >= 1,
        "probes were padded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_reader_fills_the_window_and_reopens_it() {
    let Pair {
        sa: _sa,
        sb: _sb,
        mut a,
        mut b,
    } = pair(None).await;
    let data = pattern(12 << 20, 7);
    let want = sha(&data);
    let w = tokio::spawn(async move {
        a.write_all(&data).await.unwrap();
        a.shutdown().await.unwrap();
        a
    });
    // Let the sender fill our 4 MiB window (and its own buffer) before reading.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let t0 = std::time::Instant::now();
    let got = timeout(T, read_all(&mut b)).await.unwrap().unwrap();
    assert_eq!(sha(&got), want);
    // A window update must restart the sender at once: zero-window probing alone
    // (1 s RTO per stall, 3 windows) would take over 2 s.
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    let _a = w.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dual_stack_socket_talks_to_ipv4_peer() {
    let (ua, ub) = (Udx::new(), Udx::new());
    // An IPv6 socket bound to the v4-mapped 127.0.0.1 and a plain IPv4 one.
    let Ok(sa) = ua.bind("[::ffff:127.0.0.1]:0".parse().unwrap()).await else {
        eprintln!("note: no IPv6 on this machine, skipping");
        return;
    };
    let sb = ub.bind(lo()).await.unwrap();
    let mut a = ua.stream(1).unwrap();
    let mut b = ub.stream(2).unwrap();
    let a_addr: SocketAddr = ([127, 0, 0, 1], sa.local_addr().port()).into();
    a.connect(&sa, 2, sb.local_addr()).unwrap();
    b.connect(&sb, 1, a_addr).unwrap();
    assert_eq!(a.remote_addr(), Some(sb.local_addr()));
    a.write_all(b"v6 socket").await.unwrap();
    let mut buf = [0u8; 9];
    timeout(T, b.read_exact(&mut buf)).await.unwrap().unwrap();
    assert_eq!(&buf, b"v6 socket");
    b.write_all(b"back").await.unwrap();
    let mut four = [0u8; 4];
    timeout(T, a.read_exact(&mut four)).await.unwrap().unwrap();
    assert_eq!(&four, b"back");
    sb.send_to(b"raw", a_addr).await.unwrap();
    let (d, from) = timeout(T, sa.recv_from()).await.unwrap().unwrap();
    assert_eq!((&d[..], from), (&b"raw"[..], sb.local_addr()));
}
