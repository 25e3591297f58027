//! Accounts and sessions on a real `spork host`, on 127.0.0.1: the cost of one
//! Argon2id hash (in this process, the host's parameters), sign-ins/s through
//! `atek.cloud/user-sessions-api` (each one Argon2 check and a new session) and p99,
//! authenticated `whoami` calls/s (the session and CSRF path, no hash), the sign-in
//! page's time to first byte, and the host's RSS with 10 users signed in.
//!
//! `cargo bench --bench users` (env: `USERS_BENCH_SECS` per run, default 10;
//! `USERS_BENCH_CONNS` keep-alive connections, default 2 — one per core, since a
//! sign-in is CPU-bound).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{json, Value};

const SESSIONS: &str = "/_atek/gateway?api=atek.cloud%2Fuser-sessions-api";
const PASSWORD: &str = "a bench password";

/// One sign-in (or, with a session, one whoami): the answer's session cookie.
async fn sessions_call(
    sender: &mut hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    port: u16,
    method: &str,
    params: Value,
    session: Option<&(String, String)>,
) -> Option<(String, String)> {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let mut req = hyper::Request::post(SESSIONS)
        .header("host", format!("localhost:{port}"))
        .header("origin", format!("http://localhost:{port}"))
        .header("content-type", "application/json");
    if let Some((cookie, csrf)) = session {
        req = req
            .header("cookie", format!("atek_session={cookie}"))
            .header("x-atek-csrf", csrf.as_str());
    }
    let req = req.body(Full::new(Bytes::from(body.to_string()))).unwrap();
    sender.ready().await.expect("the host keeps the connection");
    let res = sender.send_request(req).await.unwrap();
    assert_eq!(res.status(), 200);
    let cookies: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .collect();
    let answer: Value =
        serde_json::from_slice(&res.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(answer.get("error").is_none(), "{answer}");
    assert_eq!(answer["result"]["isActive"], true, "{answer}");
    let find = |name: &str| {
        cookies
            .iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")).map(str::to_owned))
    };
    Some((find("atek_session")?, find("atek_csrf")?))
}

fn mkuser(dir: &std::path::Path, name: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new(common::spork())
        .args(["mkuser", name, "--dir"])
        .arg(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(child.wait().unwrap().success());
}

fn main() {
    if !common::requested("users") {
        return;
    }
    let secs: u64 = common::setting("USERS_BENCH_SECS", 10);
    let conns: usize = common::setting("USERS_BENCH_CONNS", 2);

    let start = Instant::now();
    let hashes = 20;
    for _ in 0..hashes {
        std::hint::black_box(spork::host::users::hash_password(PASSWORD));
    }
    let hash_ms = start.elapsed().as_secs_f64() * 1000.0 / hashes as f64;

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    let runtime = common::runtime();
    let (host, pid, port) = common::start_host(&dir);
    let empty_rss = rss_after_settling(pid);
    for n in 0..10 {
        mkuser(&dir, &format!("user{n}"));
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    // Sign-ins: user0 over and over (a success resets the failure count).
    let logins = runtime.block_on(async {
        let tasks = (0..conns)
            .map(|_| {
                tokio::spawn(async move {
                    let mut s = common::connect(port).await;
                    let mut lat = Vec::new();
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        let creds = json!([{"username": "user0", "password": PASSWORD}]);
                        sessions_call(&mut s, port, "login", creds, None).await;
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        common::rate_and_p99(tasks, secs).await
    });
    // Every user signed in once; then whoami with a session, 32 connections.
    let sessions: Vec<(String, String)> = runtime.block_on(async {
        let mut s = common::connect(port).await;
        let mut all = Vec::new();
        for n in 0..10 {
            let creds = json!([{"username": format!("user{n}"), "password": PASSWORD}]);
            all.push(
                sessions_call(&mut s, port, "login", creds, None)
                    .await
                    .unwrap(),
            );
        }
        all
    });
    let users_rss = rss_after_settling(pid);
    let sessions = Arc::new(sessions);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let whoami = runtime.block_on(async {
        let tasks = (0..32)
            .map(|i| {
                let sessions = sessions.clone();
                tokio::spawn(async move {
                    let mut s = common::connect(port).await;
                    let session = sessions[i % sessions.len()].clone();
                    let mut lat = Vec::new();
                    while Instant::now() < deadline {
                        let t = Instant::now();
                        sessions_call(&mut s, port, "whoami", json!([]), Some(&session)).await;
                        lat.push(t.elapsed());
                    }
                    lat
                })
            })
            .collect();
        common::rate_and_p99(tasks, secs).await
    });
    let login_ttfb = ttfb_median(port, "/_atek/login", None);
    // The dashboard's home with one service installed, for user0 (signed in).
    let out = std::process::Command::new(common::spork())
        .args([
            "install",
            "tests/fixtures/services/hello",
            "--user",
            "user0",
            "--dir",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dashboard_ttfb = ttfb_median(port, "/", Some(&sessions[0].0));
    drop(host);

    println!("Argon2id (19 MiB, t=2, p=1), one hash in this process: {hash_ms:.1} ms");
    println!("| through spork host, {secs} s per run | calls/s | p99 ms |");
    println!("|---|---:|---:|");
    println!(
        "| sign-in (user-sessions-api login), {conns} conns | {:.1} | {:.1} |",
        logins.0, logins.1
    );
    println!(
        "| whoami with a session (cookie + CSRF), 32 conns | {:.0} | {:.2} |",
        whoami.0, whoami.1
    );
    println!(
        "time to first byte, median of 200 new connections: sign-in page {login_ttfb:.2} ms; dashboard (services, one installed) {dashboard_ttfb:.2} ms"
    );
    println!(
        "host RSS, no services: no users {:.1} MB; 10 users each signed in: {:.1} MB",
        empty_rss as f64 / 1024.0,
        users_rss as f64 / 1024.0
    );
}

fn rss_after_settling(pid: u32) -> u64 {
    std::thread::sleep(Duration::from_secs(1));
    common::rss_kib(pid)
}

/// The median time to the first byte of `GET path` on a new connection (200 tries),
/// ms, with session cookie `session` if given.
fn ttfb_median(port: u16, path: &str, session: Option<&str>) -> f64 {
    use std::io::{Read, Write};
    let cookie = session.map_or(String::new(), |s| format!("Cookie: atek_session={s}\r\n"));
    let mut all: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            let mut tcp = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            write!(
                tcp,
                "GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\n{cookie}Connection: close\r\n\r\n"
            )
            .unwrap();
            let mut first = [0u8; 1];
            tcp.read_exact(&mut first).unwrap();
            let took = t.elapsed();
            let mut rest = Vec::new();
            let _ = tcp.read_to_end(&mut rest);
            assert!(
                rest.starts_with(b"TTP/1.1 200"),
                "{path}: {}",
                String::from_utf8_lossy(&rest[..rest.len().min(200)])
            );
            took
        })
        .collect();
    all.sort();
    all[all.len() / 2].as_secs_f64() * 1000.0
}
