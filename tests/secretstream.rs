//! SecretStream integration tests: a Noise IK handshake in process, then two secret
//! streams over a connected UDX stream pair on 127.0.0.1 exchanging several MiB each
//! way (sha256-compared) with half-close; encrypted datagrams beside the stream;
//! tampered ciphertext as an error (not a panic); keepalive frames never delivered.

mod common;

use common::{lo, pattern, sha};
use std::time::Duration;

use spork::swarm::hyperdht::NS_PEER_HANDSHAKE;
use spork::swarm::noise::{HandshakeResult, Initiator, Keypair, Responder};
use spork::swarm::secretstream::SecretStream;
use spork::swarm::udx::{Socket, Stream, Udx};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::timeout;

const T: Duration = Duration::from_secs(60);

fn handshake() -> (HandshakeResult, HandshakeResult, [u8; 32], [u8; 32]) {
    let (ck, sk) = (Keypair::random(), Keypair::random());
    let (cpk, spk) = (*ck.public(), *sk.public());
    let mut i = Initiator::new(ck, spk, &*NS_PEER_HANDSHAKE, None);
    let mut r = Responder::new(sk, &*NS_PEER_HANDSHAKE, None);
    let m1 = i.write_message1(b"client").unwrap();
    let (seen, p1) = r.read_message1(&m1).unwrap();
    assert_eq!((seen, p1.as_slice()), (cpk, &b"client"[..]));
    let (m2, rres) = r.write_message2(b"server").unwrap();
    let (p2, ires) = i.read_message2(&m2).unwrap();
    assert_eq!(p2, b"server");
    (ires, rres, cpk, spk)
}

async fn udx_pair() -> (Socket, Socket, Stream, Stream) {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.unwrap();
    let sb = ub.bind(lo()).await.unwrap();
    let a = ua.stream(1).unwrap();
    let b = ub.stream(2).unwrap();
    a.connect(&sa, 2, sb.local_addr()).unwrap();
    b.connect(&sb, 1, sa.local_addr()).unwrap();
    (sa, sb, a, b)
}

async fn secure<S: AsyncRead + AsyncWrite + Unpin>(
    a: S,
    b: S,
) -> (SecretStream<S>, SecretStream<S>, [u8; 32], [u8; 32]) {
    let (ires, rres, cpk, spk) = handshake();
    let (x, y) = tokio::join!(SecretStream::new(a, &ires), SecretStream::new(b, &rres));
    (x.unwrap(), y.unwrap(), cpk, spk)
}

async fn exchange<S>(a: SecretStream<S>, b: SecretStream<S>, da: Vec<u8>, db: Vec<u8>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (ha, hb) = (sha(&da), sha(&db));
    let (mut ar, mut aw) = tokio::io::split(a);
    let (mut br, mut bw) = tokio::io::split(b);
    let wa = tokio::spawn(async move {
        for chunk in da.chunks(100_000) {
            aw.write_all(chunk).await.unwrap();
        }
        aw.shutdown().await.unwrap();
        aw
    });
    let wb = tokio::spawn(async move {
        bw.write_all(&db).await.unwrap();
        bw.shutdown().await.unwrap();
        bw
    });
    let rb = tokio::spawn(async move {
        let mut v = Vec::new();
        timeout(T, br.read_to_end(&mut v)).await.unwrap().unwrap();
        v
    });
    let mut got_a = Vec::new();
    timeout(T, ar.read_to_end(&mut got_a))
        .await
        .unwrap()
        .unwrap();
    let got_b = rb.await.unwrap();
    assert_eq!(sha(&got_b), ha, "A→B bytes");
    assert_eq!(sha(&got_a), hb, "B→A bytes");
    let _ = (wa.await.unwrap(), wb.await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_mib_each_way_over_udx_with_half_close() {
    let (_sa, _sb, a, b) = udx_pair().await;
    let (x, y, cpk, spk) = secure(a, b).await;
    assert_eq!(x.remote_public_key(), &spk);
    assert_eq!(y.remote_public_key(), &cpk);
    assert_eq!(x.handshake_hash(), y.handshake_hash());
    assert!(x.is_initiator() && !y.is_initiator());
    exchange(x, y, pattern(6 << 20, 1), pattern(5 << 20, 2)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_close_then_reply() {
    let (_sa, _sb, a, b) = udx_pair().await;
    let (mut x, mut y, _, _) = secure(a, b).await;
    x.write_all(b"request").await.unwrap();
    x.shutdown().await.unwrap();
    assert!(x.write_all(b"late").await.is_err());
    let mut got = Vec::new();
    timeout(T, y.read_to_end(&mut got)).await.unwrap().unwrap();
    assert_eq!(got, b"request");
    y.write_all(b"response after the peer's end").await.unwrap();
    y.shutdown().await.unwrap();
    let mut got = Vec::new();
    timeout(T, x.read_to_end(&mut got)).await.unwrap().unwrap();
    assert_eq!(got, b"response after the peer's end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn datagrams_beside_the_stream() {
    let (_sa, _sb, a, b) = udx_pair().await;
    let (mut x, y, _, _) = secure(a, b).await;
    x.send_datagram(b"ping").await.unwrap();
    let got = timeout(T, y.recv_datagram()).await.unwrap().unwrap();
    assert_eq!(got, b"ping");
    // A forged datagram is dropped; the next genuine one arrives.
    x.get_ref().send_message(&[0u8; 40]).await.unwrap();
    y.send_datagram(b"pong").await.unwrap();
    x.send_datagram(b"after forgery").await.unwrap();
    let got = timeout(T, y.recv_datagram()).await.unwrap().unwrap();
    assert_eq!(got, b"after forgery");
    assert_eq!(
        timeout(T, x.recv_datagram()).await.unwrap().unwrap(),
        b"pong"
    );
    x.write_all(b"stream still fine").await.unwrap();
    x.flush().await.unwrap();
}

/// A relay between two pipes that flips one bit at byte `at` of the a→b direction.
async fn tampering_pair(at: usize) -> (tokio::io::DuplexStream, tokio::io::DuplexStream) {
    let (a, mut a_far) = tokio::io::duplex(1 << 16);
    let (b, mut b_far) = tokio::io::duplex(1 << 16);
    tokio::spawn(async move {
        let (mut ar, mut aw) = tokio::io::split(&mut a_far);
        let (mut br, mut bw) = tokio::io::split(&mut b_far);
        let fwd = async {
            let mut buf = vec![0u8; 4096];
            let mut seen = 0usize;
            loop {
                let n = match ar.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => n,
                };
                if (seen..seen + n).contains(&at) {
                    buf[at - seen] ^= 0x01;
                }
                seen += n;
                if bw.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
            let _ = bw.shutdown().await;
        };
        let back = async {
            let _ = tokio::io::copy(&mut br, &mut aw).await;
            let _ = aw.shutdown().await;
        };
        tokio::join!(fwd, back);
    });
    (a, b)
}

#[tokio::test]
async fn tampered_ciphertext_is_an_error() {
    // Byte 59 + 3 + 10 lies inside the first data frame's ciphertext.
    let (a, b) = tampering_pair(59 + 3 + 10).await;
    let (mut x, mut y, _, _) = secure(a, b).await;
    x.write_all(&pattern(1000, 3)).await.unwrap();
    x.flush().await.unwrap();
    let mut buf = vec![0u8; 2000];
    let err = timeout(T, y.read(&mut buf)).await.unwrap().unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    // A tampered length prefix (frame shorter than 17 bytes) is an error too.
    let (a, b) = tampering_pair(59 + 2).await;
    let (mut x, mut y, _, _) = secure(a, b).await;
    x.write_all(&pattern(1000, 3)).await.unwrap();
    x.shutdown().await.unwrap();
    let mut v = Vec::new();
    assert!(timeout(T, y.read_to_end(&mut v)).await.unwrap().is_err());
}

#[tokio::test]
async fn keepalive_frames_are_sent_but_not_delivered() {
    let (a, b) = tokio::io::duplex(1 << 16);
    let (mut x, mut y, _, _) = secure(a, b).await;
    x.set_keepalive(Some(Duration::from_millis(20)));
    let reader = tokio::spawn(async move {
        let mut buf = [0u8; 16];
        let n = timeout(T, y.read(&mut buf)).await.unwrap().unwrap();
        buf[..n].to_vec()
    });
    // While x only waits (polling a read), its keepalive timer fires several times.
    let mut one = [0u8; 1];
    let idle = timeout(Duration::from_millis(150), x.read(&mut one)).await;
    assert!(idle.is_err(), "nothing to read yet");
    x.write_all(b"data").await.unwrap();
    x.flush().await.unwrap();
    assert_eq!(reader.await.unwrap(), b"data");
}

/// On the wire a keepalive is an empty frame: `11 00 00` and 17 bytes.
#[tokio::test]
async fn keepalive_wire_bytes() {
    let (ires, rres, _, _) = handshake();
    let (a, mut raw) = tokio::io::duplex(1 << 16);
    let peer_id = spork::swarm::noise::stream_id(&rres.hash, false);
    raw.write_all(&spork::swarm::secretstream::header_message(
        &peer_id, &[0; 24],
    ))
    .await
    .unwrap();
    let mut x = SecretStream::new(a, &ires).await.unwrap();
    x.set_keepalive(Some(Duration::from_millis(20)));
    let mut one = [0u8; 1];
    let _ = timeout(Duration::from_millis(110), x.read(&mut one)).await;
    let mut got = vec![0u8; 59 + 3 * 20];
    timeout(T, raw.read_exact(&mut got)).await.unwrap().unwrap();
    for f in got[59..].chunks(20) {
        assert_eq!(f[..3], [0x11, 0, 0]);
    }
}
