//! An idle connected UDX stream pair must not spin: its own test binary, so the
//! process CPU time measured here is this test's alone.

use std::time::Duration;

use spork::swarm::udx::Udx;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::timeout;

/// User + system CPU time of this process, from /proc (Linux).
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_streams_do_not_spin() {
    let (ua, ub) = (Udx::new(), Udx::new());
    let sa = ua.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let sb = ub.bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let mut a = ua.stream(1).unwrap();
    let mut b = ub.stream(2).unwrap();
    a.connect(&sa, 2, sb.local_addr()).unwrap();
    b.connect(&sb, 1, sa.local_addr()).unwrap();
    // Some traffic first, so that timers (TLP, RTO, MTU probing) have been armed.
    let data = vec![7u8; 1 << 20];
    a.write_all(&data).await.unwrap();
    let mut got = vec![0u8; data.len()];
    timeout(Duration::from_secs(30), b.read_exact(&mut got))
        .await
        .unwrap()
        .unwrap();
    b.set_keepalive(Duration::from_millis(100));
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Some(before) = cpu_time() else {
        eprintln!("note: no /proc/self/stat, skipping");
        return;
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let used = cpu_time().unwrap() - before;
    // Ten heartbeats and their ACKs cost next to nothing; a spinning task costs ~1 s.
    assert!(
        used < Duration::from_millis(150),
        "CPU used while idle: {used:?}"
    );
    drop((a, b, sa, sb));
}
