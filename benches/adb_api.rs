//! ADB through a real `spork host`, on 127.0.0.1: `atek.cloud/adb-api` calls/s and p99
//! through the gateway (TCP, the admin's bearer token, JSON-RPC, the registry, the
//! bee; each `recordPut` durable when answered) for puts of ~1 KiB records and gets of
//! them; then the host's RSS with 100 databases open (100 records each, every one read
//! once after a restart), against the same host with none.
//!
//! `cargo bench --bench adb_api` (env: `ADB_BENCH_SECS` per run, default 10;
//! `ADB_BENCH_CONNS` keep-alive connections, default 32; `ADB_BENCH_DBS`, default 100).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};

const API: &str = "/_atek/gateway?api=atek.cloud%2Fadb-api";

async fn call(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    token: &str,
    method: &str,
    params: Value,
) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let req = hyper::Request::post(API)
        .header("host", "localhost")
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {token}"))
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap();
    sender.ready().await.expect("the host keeps the connection");
    let res = sender.send_request(req).await.unwrap();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let answer: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
    answer["result"].clone()
}

/// Calls/s and p99 (ms) of `conns` connections calling `method` for `secs`; the
/// params of call `n` come from `params(n)`.
async fn load(
    port: u16,
    token: Arc<String>,
    conns: usize,
    secs: u64,
    method: &'static str,
    params: Arc<dyn Fn(u64) -> Value + Send + Sync>,
) -> (f64, f64) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let next = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let (token, next, params) = (token.clone(), next.clone(), params.clone());
        tasks.push(tokio::spawn(async move {
            let mut sender = common::connect(port).await;
            let mut latencies = Vec::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let start = Instant::now();
                call(&mut sender, &token, method, params(n)).await;
                latencies.push(start.elapsed());
            }
            latencies
        }));
    }
    common::rate_and_p99(tasks, secs).await
}

fn main() {
    if !common::requested("adb_api") {
        return;
    }
    let secs: u64 = common::setting("ADB_BENCH_SECS", 10);
    let conns: usize = common::setting("ADB_BENCH_CONNS", 32);
    let dbs: usize = common::setting("ADB_BENCH_DBS", 100);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let runtime = common::runtime();

    let (host, pid, port) = common::start_host(&dir);
    let token = Arc::new(common::admin_token(&dir));
    let idle_rss = rss_after_settling(pid);
    let db = runtime.block_on(async {
        let mut s = common::connect(port).await;
        call(&mut s, &token, "dbCreate", json!([{"alias": "bench"}])).await["dbId"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let pad = "x".repeat(1000);
    let put_db = db.clone();
    let puts: Arc<dyn Fn(u64) -> Value + Send + Sync> =
        Arc::new(move |n| json!([put_db, format!("/r/{:08}", n), {"n": n, "pad": pad}]));
    eprintln!("puts…");
    let (put_rps, put_p99) =
        runtime.block_on(load(port, token.clone(), conns, secs, "recordPut", puts));
    let written = (put_rps * secs as f64) as u64;
    let get_db = db.clone();
    let gets: Arc<dyn Fn(u64) -> Value + Send + Sync> =
        Arc::new(move |n| json!([get_db, format!("/r/{:08}", (n * 7919) % written.max(1))]));
    let (get_rps, get_p99) =
        runtime.block_on(load(port, token.clone(), conns, secs, "recordGet", gets));

    eprintln!("{dbs} databases…");
    // 100 databases, 100 records each.
    runtime.block_on(async {
        let mut s = common::connect(port).await;
        for d in 0..dbs {
            let info = call(&mut s, &token, "dbCreate", json!([{"alias": format!("db{d}")}])).await;
            let id = info["dbId"].as_str().unwrap().to_string();
            let records: Vec<Value> = (0..100)
                .map(|i| json!({"path": format!("/r/{i}"), "value": {"i": i, "pad": "y".repeat(1000)}}))
                .collect();
            call(&mut s, &token, "recordPutMany", json!([id, records])).await;
        }
    });
    common::stop(host);
    let (host, pid, port) = common::start_host(&dir);
    let start_rss = rss_after_settling(pid);
    runtime.block_on(async {
        let mut s = common::connect(port).await;
        for d in 0..dbs {
            call(
                &mut s,
                &token,
                "recordGet",
                json!([format!("system/db{d}"), "/r/50"]),
            )
            .await;
        }
    });
    let open_rss = rss_after_settling(pid);
    drop(host);

    println!(
        "atek.cloud/adb-api through the gateway, {conns} keep-alive connections, {secs} s per run:"
    );
    println!("| call | calls/s | p99 ms |");
    println!("|---|---:|---:|");
    println!("| recordPut, ~1 KiB record, durable when answered | {put_rps:.0} | {put_p99:.2} |");
    println!("| recordGet of those, scattered | {get_rps:.0} | {get_p99:.2} |");
    println!();
    println!(
        "host RSS, no services: new and empty {:.1} MB; with {dbs} databases of 100 records after a restart: {:.1} MB, after a read of each: {:.1} MB",
        idle_rss as f64 / 1024.0,
        start_rss as f64 / 1024.0,
        open_rss as f64 / 1024.0
    );
}

fn rss_after_settling(pid: u32) -> u64 {
    std::thread::sleep(Duration::from_secs(1));
    common::rss_kib(pid)
}
