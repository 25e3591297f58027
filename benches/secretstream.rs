//! secret-stream throughput, in one run: the libsodium-compatible push/pull alone at
//! 64 KiB, 16 KiB and 1,152 B messages (one core), whole frames as `SecretStream`
//! builds them, a `SecretStream` pair over an in-memory pipe, and over a UDX stream
//! pair on 127.0.0.1 next to plain UDX (the ratio is the cost of encryption).
//!
//! `cargo bench --bench secretstream` (env: `SECRETSTREAM_BENCH_MB`, default 256).

mod common;

use std::net::SocketAddr;
use std::time::Instant;

use spork::swarm::noise::{Initiator, Keypair, Responder};
use spork::swarm::secretstream::sodium::{State, TAG_MESSAGE};
use spork::swarm::secretstream::{encode_frame, SecretStream};
use spork::swarm::udx::Udx;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

fn rate(bytes: usize, t: std::time::Duration) -> f64 {
    bytes as f64 / 1e6 / t.as_secs_f64()
}

fn crypto_only(total: usize) {
    let key = [7u8; 32];
    let header = [9u8; 24];
    for size in [64 << 10, 16 << 10, 1152] {
        let mut buf = vec![0x61u8; size + 17];
        let n = (total / size).max(1);
        let mut push = State::new(&key, &header);
        let t = Instant::now();
        for _ in 0..n {
            push.push_in_place(&mut buf, TAG_MESSAGE);
        }
        let tp = t.elapsed();
        // Pull needs genuine frames: encrypt a fresh sequence, time only the pulls.
        let mut push = State::new(&key, &header);
        let mut pull = State::new(&key, &header);
        let frames = n.min(4096);
        let mut enc: Vec<Vec<u8>> = (0..frames)
            .map(|_| {
                let mut b = vec![0x61u8; size + 17];
                push.push_in_place(&mut b, TAG_MESSAGE);
                b
            })
            .collect();
        let t = Instant::now();
        for b in enc.iter_mut() {
            pull.pull_in_place(b).expect("authentic");
        }
        let tl = t.elapsed();
        println!(
            "push {:>6} B messages: {:>7.0} MB/s   pull: {:>7.0} MB/s",
            size,
            rate(n * size, tp),
            rate(frames * size, tl)
        );
    }
    let msg = vec![0x61u8; 64 << 10];
    let mut push = State::new(&key, &header);
    let mut out = Vec::with_capacity(msg.len() + 20);
    let n = (total / msg.len()).max(1);
    let t = Instant::now();
    for _ in 0..n {
        out.clear();
        encode_frame(&mut push, &msg, &mut out);
    }
    println!(
        "encode_frame 64 KiB (copy + encrypt): {:>7.0} MB/s",
        rate(n * msg.len(), t.elapsed())
    );
}

async fn transfer<S>(a: S, b: S, total: usize) -> f64
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut r = b;
    let mut w = a;
    let t = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x61u8; 64 << 10];
        let mut left = total;
        while left > 0 {
            let n = left.min(chunk.len());
            w.write_all(&chunk[..n]).await.expect("write");
            left -= n;
        }
        w.shutdown().await.expect("shutdown");
        w
    });
    let mut buf = vec![0u8; 256 << 10];
    let mut got = 0;
    loop {
        let n = r.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        got += n;
    }
    let el = t.elapsed();
    assert_eq!(got, total);
    let _w = writer.await.expect("writer");
    rate(total, el)
}

async fn secure<S: AsyncRead + AsyncWrite + Unpin>(
    a: S,
    b: S,
) -> (SecretStream<S>, SecretStream<S>) {
    let (ck, sk) = (Keypair::random(), Keypair::random());
    let spk = *sk.public();
    let mut i = Initiator::new(ck, spk, b"bench", None);
    let mut r = Responder::new(sk, b"bench", None);
    let m1 = i.write_message1(b"").expect("m1");
    r.read_message1(&m1).expect("read m1");
    let (m2, rr) = r.write_message2(b"").expect("m2");
    let (_, ir) = i.read_message2(&m2).expect("read m2");
    let (x, y) = tokio::join!(SecretStream::new(a, &ir), SecretStream::new(b, &rr));
    (x.expect("x"), y.expect("y"))
}

fn lo() -> SocketAddr {
    "127.0.0.1:0".parse().expect("addr")
}

async fn udx_pair(
    base: u32,
) -> (
    spork::swarm::udx::Socket,
    spork::swarm::udx::Socket,
    spork::swarm::udx::Stream,
    spork::swarm::udx::Stream,
) {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind(lo()).await.expect("bind");
    let sb = ub.bind(lo()).await.expect("bind");
    let a = ua.stream(base).expect("stream");
    let b = ub.stream(base + 1).expect("stream");
    a.connect(&sa, base + 1, sb.local_addr()).expect("connect");
    b.connect(&sb, base, sa.local_addr()).expect("connect");
    (sa, sb, a, b)
}

fn main() {
    if !common::requested("secretstream") {
        return;
    }
    let total = common::setting::<usize>("SECRETSTREAM_BENCH_MB", 256) << 20;
    println!("secretstream bench, {} MiB per row", total >> 20);
    crypto_only(total);
    let rt = common::runtime();
    rt.block_on(async {
        let (a, b) = tokio::io::duplex(1 << 20);
        let (x, y) = secure(a, b).await;
        println!(
            "SecretStream over in-memory pipe, 64 KiB writes: {:>7.0} MB/s",
            transfer(x, y, total).await
        );
        let (_sa, _sb, a, b) = udx_pair(10).await;
        println!(
            "plain UDX stream, 127.0.0.1:                      {:>7.0} MB/s",
            transfer(a, b, total).await
        );
        let (_sa, _sb, a, b) = udx_pair(20).await;
        let (x, y) = secure(a, b).await;
        println!(
            "SecretStream over UDX, 127.0.0.1:                 {:>7.0} MB/s",
            transfer(x, y, total).await
        );
    });
}
