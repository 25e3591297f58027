//! Many sequential connections to one server: every one succeeds and nothing leaks.

mod common;

use std::sync::Arc;

use common::{rust_network, rust_node as node};
use spork::swarm::hyperdht::HyperDht;
use spork::swarm::noise::Keypair;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Resident memory of this process in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn connect_n(client: &HyperDht, pk: [u8; 32], kp: &Keypair, n: usize) {
    for i in 0..n {
        let mut conn =
            tokio::time::timeout(std::time::Duration::from_secs(20), client.connect(pk, kp))
                .await
                .unwrap_or_else(|_| panic!("connection {i} timed out"))
                .unwrap_or_else(|e| panic!("connection {i}: {e}"));
        conn.write_all(b"ping").await.unwrap();
        conn.shutdown().await.unwrap();
        let mut got = Vec::new();
        conn.read_to_end(&mut got).await.unwrap();
        assert_eq!(got, b"ping", "connection {i}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_sequential_connections_and_memory_returns() {
    let n: usize = std::env::var("SPORK_SEQUENTIAL_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let (_network, boot) = rust_network().await;
    let server_dht = node(vec![boot], false).await;
    let client = node(vec![boot], false).await;
    let kp = Keypair::from_seed([21; 32]);
    let mut server = server_dht.listen(kp.clone(), Arc::new(|_, _| true)).await;
    tokio::spawn(async move {
        while let Some(conn) = server.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = tokio::io::split(conn);
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    let client_kp = Keypair::from_seed([22; 32]);
    let started = std::time::Instant::now();
    // Warm up allocator pools and caches, then measure.
    connect_n(&client, *kp.public(), &client_kp, n / 10).await;
    let baseline = rss_kib();
    connect_n(&client, *kp.public(), &client_kp, n - n / 10).await;
    let after = rss_kib();
    eprintln!(
        "{n} connections in {:.1} s; RSS {baseline} KiB after warm-up, {after} KiB at the end",
        started.elapsed().as_secs_f64()
    );
    // Steady state holds the last 10 s of answered handshakes (~1-2 MB at this rate);
    // a leak of even ~450 bytes per connection would cross this line.
    assert!(
        after < baseline + 4 * 1024,
        "memory grew from {baseline} KiB to {after} KiB"
    );
    // The last stream may still linger until its end is acknowledged (a loaded machine
    // delays that ack); a leaked one would stay past the linger.
    let live = || {
        (
            client.node().udx().live_streams(),
            server_dht.node().udx().live_streams(),
        )
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while live() != (0, 0) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(live(), (0, 0), "(client, server) streams leaked");
}
