//! Memory given back: five bursts of 1,000 concurrent echo clients through one forward
//! `spork bind` to one reverse `spork bind`, all real processes on a local DHT. Every
//! client gets its bytes back, and after the last burst both binds' resident memory
//! is at most 64 MB (the figures are printed; `docs/benchmarks.md` records them).

mod common;

use std::time::{Duration, Instant};

use common::{spork_network, spork_tunnel};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const BURSTS: usize = 5;
const CLIENTS: usize = 1000;
const BYTES: usize = 16 * 1024;
const RSS_LIMIT_KB: u64 = 64 * 1024;

/// Resident memory of `pid` in KiB (`VmRSS`).
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// An echo service on 127.0.0.1; returns its port.
async fn echo() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let (mut r, mut w) = conn.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    port
}

/// One client: `BYTES` out, the same back; Err says what went wrong.
async fn client(port: u16, seed: u8) -> Result<(), String> {
    let data = common::pattern(BYTES, seed);
    let conn = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let (mut r, mut w) = conn.into_split();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        w.write_all(&sent).await?;
        w.shutdown().await
    });
    let mut got = Vec::with_capacity(BYTES);
    r.read_to_end(&mut got)
        .await
        .map_err(|e| format!("read: {e}"))?;
    writer
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("write: {e}"))?;
    (got == data)
        .then_some(())
        .ok_or(format!("{} of {BYTES} bytes back", got.len()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_bursts_of_a_thousand_clients_give_memory_back() {
    let (_dht, boot) = spork_network(3);
    let target = echo().await;
    let (mut reverse, mut forward, port) = spork_tunnel(&boot, target);
    // 2,000 connect/close events per burst would fill an unread pipe and stall them.
    for proc in [&mut reverse, &mut forward] {
        let mut stdout = proc.stdout.take().unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    }
    let idle = (rss_kb(reverse.child.id()), rss_kb(forward.child.id()));

    for burst in 1..=BURSTS {
        let started = Instant::now();
        let clients: Vec<_> = (0..CLIENTS)
            .map(|i| tokio::spawn(client(port, i as u8)))
            .collect();
        let mut errors = Vec::new();
        for c in clients {
            if let Err(e) = c.await.unwrap() {
                errors.push(e);
            }
        }
        let peak = (rss_kb(reverse.child.id()), rss_kb(forward.child.id()));
        eprintln!(
            "burst {burst}: {CLIENTS} clients in {:.1} s, {} errors, RSS reverse {} KB, forward {} KB",
            started.elapsed().as_secs_f64(),
            errors.len(),
            peak.0,
            peak.1
        );
        assert!(
            errors.is_empty(),
            "burst {burst}: {:?}",
            &errors[..errors.len().min(5)]
        );
    }
    // Connections linger briefly after their last ACK; then memory should be back.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let after = (rss_kb(reverse.child.id()), rss_kb(forward.child.id()));
    eprintln!(
        "RSS idle: reverse {} KB, forward {} KB; after {BURSTS} bursts: reverse {} KB, forward {} KB",
        idle.0, idle.1, after.0, after.1
    );
    assert!(after.0 <= RSS_LIMIT_KB, "reverse bind kept {} KB", after.0);
    assert!(after.1 <= RSS_LIMIT_KB, "forward bind kept {} KB", after.1);
}
