//! `spork host` end to end: real hosts in temporary folders, real sandboxed services
//! (the fixtures in tests/fixtures/services: an Atek-era Node service, a Python one via
//! `exec`, a WebSocket one), the verbs as processes, raw HTTP on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use common::host::{alive, descendants, fixture, fixture_copy, text, TestHost, SERVICE_ENV};
use serde_json::{json, Value};

const HELLO_API: &str = "example.com/hello-api";
const SERVICES_API: &str = "atek.cloud/services-api";

fn rpc_body(method: &str, params: Value) -> Vec<u8> {
    json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params})
        .to_string()
        .into_bytes()
}

#[test]
fn services_call_each_other_through_the_gateway_with_their_tokens() {
    let host = TestHost::start(&[]);
    let hello = host.install(&fixture("hello"), &[]);
    assert_eq!(hello["id"], "hello");
    assert_eq!(hello["status"], "running", "{hello}");
    assert_eq!(hello["version"], "1.0.0");
    assert!(hello["warnings"].to_string().contains("imports"), "{hello}");
    // The same source again gets the next free id.
    let again = host.install(&fixture("hello"), &[]);
    assert_eq!(again["id"], "hello-2");

    // CLI → gateway → service, as the admin.
    assert_eq!(
        host.call(HELLO_API, "hello", r#"["world"]"#),
        json!("hello world")
    );
    // Service → gateway (localhost:$ATEK_HOST_PORT inside its sandbox) → service.
    let via = host.call(
        HELLO_API,
        "call",
        &json!([HELLO_API, "whoami", []]).to_string(),
    );
    assert_eq!(via["status"], 200, "{via}");
    assert_eq!(
        via["body"]["result"],
        json!({"user": "system", "service": "hello"})
    );
    // A service's token cannot use the admin-only services API…
    let denied = host.call(
        HELLO_API,
        "call",
        &json!([SERVICES_API, "list", []]).to_string(),
    );
    assert_eq!(denied["body"]["error"]["code"], -32003, "{denied}");
    // …nor make the host seed (or list what it seeds)…
    let denied = host.call(
        HELLO_API,
        "call",
        &json!(["atek.cloud/seed-api", "add", [["ab".repeat(32)]]]).to_string(),
    );
    assert_eq!(denied["body"]["error"]["code"], -32003, "{denied}");
    assert!(!host.dir.join("seeds.json").exists());
    // …but may inspect.
    let ready = host.call(
        HELLO_API,
        "call",
        &json!(["atek.cloud/inspect-api", "isReady", []]).to_string(),
    );
    assert_eq!(ready["body"]["result"], true);
    // A service cannot claim another identity with Atek-Auth-* headers.
    let spoof = host.call(
        HELLO_API,
        "call",
        &json!([HELLO_API, "whoami", [], {"Atek-Auth-Service": "hello-2", "Atek-Auth-User": "root"}]).to_string(),
    );
    assert_eq!(
        spoof["body"]["result"],
        json!({"user": "system", "service": "hello"})
    );

    // Over TCP: no token, a wrong token → 401; the admin token works; batches.
    let body = rpc_body("hello", json!(["x"]));
    let (status, answer) = host.rpc(HELLO_API, &[], &body);
    assert_eq!(
        (status, answer["message"].clone()),
        (401, json!("Not authorized"))
    );
    let wrong = format!("Authorization: Bearer {}", "0".repeat(64));
    assert_eq!(host.rpc(HELLO_API, &[&wrong], &body).0, 401);
    let admin = format!("Authorization: Bearer {}", host.admin_token());
    let (status, answer) = host.rpc(
        HELLO_API,
        &[&admin, "Atek-Auth-User: mallory"],
        &rpc_body("whoami", json!([])),
    );
    assert_eq!(status, 200);
    assert_eq!(
        answer["result"],
        json!({"user": "system", "service": "system"}),
        "spoofed header must be dropped"
    );
    let batch = br#"[{"jsonrpc":"2.0","id":1,"method":"hello","params":["a"]},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#;
    let (_, answer) = host.rpc(HELLO_API, &[&admin], batch);
    assert_eq!(answer[0]["result"], "hello a");
    assert_eq!(answer[1]["error"]["code"], -32601);
    let (_, answer) = host.rpc("example.com/nobody", &[&admin], &body);
    assert_eq!(answer["error"]["code"], -32601);
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("example.com/nobody"));
    let (_, answer) = host.rpc(HELLO_API, &[&admin], b"{\"jsonrpc\": oops");
    assert_eq!(answer["error"]["code"], -32700);
    let (status, answer) = host.rpc(HELLO_API, &[&admin], &vec![b' '; 10 * 1024 * 1024]);
    assert_eq!(
        (status, answer["error"]["code"].clone()),
        (413, json!(-32600))
    );
    // The CLI: a JSON-RPC error is `error: CODE message`, exit 1; bad PARAMS exit 2.
    let out = host.spork(&["call", HELLO_API, "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().next().unwrap(),
        "error: -32601 Method not found: nope"
    );
    let out = host.spork(&["call", HELLO_API, "hello", "[oops"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    // The host is still up and answering.
    assert_eq!(host.ls().len(), 2);

    // The environment is exactly the allowed list.
    let env = host.call(HELLO_API, "env", "[]");
    assert_eq!(env, json!(SERVICE_ENV));
}

#[test]
fn imports_limit_what_a_service_may_call() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    let narrow = fixture_copy("hello", |m| {
        m["name"] = json!("narrow");
        m["exports"] = json!([]);
        m["imports"] = json!(["atek.cloud/inspect-api"]);
    });
    let info = host.install(narrow.path(), &[]);
    assert_eq!(info["id"], "narrow");
    assert!(!info["warnings"].to_string().contains("imports"), "{info}");
    // narrow's own token (read from its environment, as root can) calling out of its
    // imports is refused; calling what it imports works.
    let token = host.service_token("narrow");
    let auth = format!("Authorization: Bearer {token}");
    let (_, answer) = host.rpc(HELLO_API, &[&auth], &rpc_body("hello", json!(["x"])));
    assert_eq!(answer["error"]["code"], -32003, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("imports"));
    let (_, answer) = host.rpc(
        "atek.cloud/inspect-api",
        &[&auth],
        &rpc_body("isReady", json!([])),
    );
    assert_eq!(answer["result"], true, "{answer}");
}

#[test]
fn a_crash_is_restarted_and_a_service_that_never_answers_fails_with_its_log() {
    let host = TestHost::start(&["--ready-timeout", "3"]);
    host.install(&fixture("hello"), &[]);
    let before = host.service("hello")["pid"].clone();
    assert_eq!(host.call(HELLO_API, "crash", "[]"), json!("bye"));
    let after = host.wait_for("hello", Duration::from_secs(20), |s| {
        s["restarts"] == 1 && s["status"] == "running"
    });
    assert_ne!(after["pid"], before);
    let log = text(&host.spork(&["logs", "hello", "-n", "20"]).stdout);
    assert!(
        log.contains("exited with code 3; restarting in 1 s"),
        "{log}"
    );

    let mute = fixture_copy("probe", |m| {
        m["name"] = json!("mute");
        m["run"] = json!(["sh", "-c", "echo going quiet; exec sleep 600"]);
    });
    let out = host.spork(&["install", mute.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("did not become ready within 3 s"), "{err}");
    let got = host.spork(&["get", "mute", "--json"]);
    let info: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(info["status"], "failed");
    assert!(
        info["logTail"].to_string().contains("going quiet"),
        "{info}"
    );
}

#[test]
fn state_survives_restarts_and_no_service_outlives_its_host() {
    let dir = tempfile::tempdir().unwrap();
    let mut host = TestHost::start_in(dir.path(), &[]);
    host.install(&fixture("hello"), &[]);
    host.install(&fixture("echo-ws"), &[]);
    let out = host.spork(&["stop", "echo-ws"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(host.service("echo-ws")["status"], "stopped");

    // A second host on the same folder is refused, naming the first.
    let second = host.spork(&["host", "--port", "0"]);
    assert_eq!(second.status.code(), Some(1));
    let err = text(&second.stderr);
    assert!(
        err.starts_with(&format!(
            "error: another host is already running in {} (pid {})",
            dir.path().display(),
            host.server.child.id()
        )),
        "{err}"
    );

    // SIGTERM: services stopped, exit 0.
    let pids = descendants(host.server.child.id());
    common::host::signal(host.server.child.id(), 15);
    let status = wait_exit(&mut host.server.child, Duration::from_secs(20));
    assert_eq!(status.code(), Some(0));
    assert!(pids.iter().all(|p| !alive(*p)), "left behind: {pids:?}");
    drop(host);

    // Back up: hello runs again, echo-ws stays stopped.
    let host = TestHost::start_in(dir.path(), &[]);
    host.wait_status("hello", "running", Duration::from_secs(20));
    assert_eq!(host.service("echo-ws")["status"], "stopped");
    assert_eq!(
        host.call(HELLO_API, "hello", r#"["again"]"#),
        json!("hello again")
    );

    // kill -9 of the host: every process of every sandbox dies with it.
    let host_pid = host.server.child.id();
    let pids: Vec<u32> = descendants(host_pid)
        .into_iter()
        .filter(|p| *p != host_pid)
        .collect();
    assert!(pids.len() >= 3, "{pids:?}");
    common::host::signal(host_pid, 9);
    let start = Instant::now();
    while pids.iter().any(|p| alive(*p)) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "outlived the host: {:?}",
            pids.iter().filter(|p| alive(**p)).collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(host);
    // No host: the verbs say so.
    let out = common::host::spork_at(dir.path(), &["ls"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "error: no host is running in {}\nhint: ",
            dir.path().display()
        )),
        "{err}"
    );
}

fn wait_exit(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < limit, "did not exit within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn calls_to_a_slow_or_stopped_exporter_fail_within_the_timeout() {
    let host = TestHost::start(&["--call-timeout", "2"]);
    host.install(&fixture("hello"), &[]);
    let admin = format!("Authorization: Bearer {}", host.admin_token());
    let start = Instant::now();
    let (status, answer) = host.rpc(HELLO_API, &[&admin], &rpc_body("slow", json!([20000])));
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(status, 200);
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    assert_eq!(
        answer["error"]["message"],
        "hello did not answer example.com/hello-api within 2 s"
    );
    assert_eq!(answer["id"], 7);
    assert!(host.spork(&["stop", "hello"]).status.success());
    let (_, answer) = host.rpc(HELLO_API, &[&admin], &rpc_body("hello", json!(["x"])));
    assert_eq!(answer["error"]["code"], -32000);
    assert_eq!(
        answer["error"]["message"],
        "hello, which exports example.com/hello-api, is not running"
    );
}

#[test]
fn a_service_ignoring_sigterm_is_killed_after_the_grace_period() {
    let host = TestHost::start(&["--stop-timeout", "2"]);
    let stubborn = fixture_copy("probe", |m| {
        m["name"] = json!("stubborn");
        m["run"] = json!(["sh", "-c", "trap '' TERM; exec python3 probe.py"]);
    });
    host.install(stubborn.path(), &[]);
    let pids = descendants(host.service("stubborn")["pid"].as_u64().unwrap() as u32);
    let start = Instant::now();
    let out = host.spork(&["stop", "stubborn"]);
    let took = start.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        took >= Duration::from_secs(2) && took < Duration::from_secs(8),
        "{took:?}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(pids.iter().all(|p| !alive(*p)), "{pids:?}");
    let log = text(&host.spork(&["logs", "stubborn"]).stdout);
    assert!(log.trim_end().ends_with("[spork] stopped"), "{log}");
}

#[test]
fn core_services_start_first_and_the_main_service_serves_slash() {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({
        "coreServices": [{"id": "core-hello", "sourceUrl": fixture("hello"), "config": {"apiKey": "core-s3cret"}}],
        "defaultMainService": "core-hello",
        "domain": "home.test",
        "theme": "kept"
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    let host = TestHost::start_in(dir.path(), &[]);
    // --json: one event per state change, after `listening`.
    let mut seen = Vec::new();
    while seen.last() != Some(&json!({"event": "service", "id": "core-hello", "status": "running"}))
    {
        seen.push(host.server.event());
    }
    assert_eq!(
        seen[0],
        json!({"event": "service", "id": "core-hello", "status": "starting"}),
        "{seen:?}"
    );
    let admin = format!("Authorization: Bearer {}", host.admin_token());
    let (status, _, body) = common::http::raw(
        host.port,
        &format!("localhost:{}", host.port),
        "GET /",
        &[&admin],
    );
    assert_eq!(
        (status, text(&body)),
        (200, "<h1>hello from core-hello</h1>".to_string())
    );
    // The configured domain names services too: core-hello.home.test.
    let (status, _, body) =
        common::http::raw(host.port, "core-hello.home.test", "GET /headers", &[&admin]);
    assert_eq!(status, 200);
    let seen: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen["host"], "core-hello.home.test");
    assert_eq!(seen["atek-auth-user"], "system");
    // getConfig: the config, the port bound, no secret.
    let config = host.call("atek.cloud/inspect-api", "getConfig", "[]");
    assert_eq!(config["port"], host.port);
    assert_eq!(config["domain"], "home.test");
    assert!(!config.to_string().contains("core-s3cret"), "{config}");
    assert!(
        !config.to_string().contains("theme"),
        "only what describes the host: {config}"
    );
    // The host records its server database's id; fields it does not know stay.
    let kept: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    assert_eq!(
        kept["theme"], "kept",
        "unknown fields stay in the file: {kept}"
    );
    assert_eq!(kept["serverDbId"], config["serverDbId"]);
    assert_eq!(kept["serverDbId"].as_str().map(str::len), Some(64));
    assert!(!config.to_string().contains(&host.admin_token()));
    // A service's token opens no site, only APIs.
    let token = host.service_token("core-hello");
    let bearer = format!("Authorization: Bearer {token}");
    let sub = format!("core-hello.localhost:{}", host.port);
    assert_eq!(
        common::http::raw(host.port, &sub, "GET /", &[&bearer]).0,
        403
    );
    // …and cannot fetch a browser session for one either.
    let local = format!("localhost:{}", host.port);
    let (status, _, _) = common::http::raw(
        host.port,
        &local,
        "GET /_atek/bst?service=core-hello&path=/",
        &[&bearer],
    );
    assert_eq!(status, 401);
    // The admin's token is not passed on to the service.
    let (_, _, body) = common::http::raw(
        host.port,
        &sub,
        "GET /headers",
        &[&admin, "Cookie: atek_session=x; theirs=1"],
    );
    let seen: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen["authorization"], Value::Null, "{seen}");
    assert_eq!(seen["cookie"], "theirs=1", "{seen}");
}

#[test]
fn logs_follow_what_the_service_and_the_host_say() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    let mut follow = std::process::Command::new(common::spork_bin())
        .args(["logs", "hello", "-f", "-n", "1", "--dir"])
        .arg(&host.dir)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        "[spork] ready"
    );
    assert!(host.spork(&["restart", "hello"]).status.success());
    let mut seen = Vec::new();
    while seen.last().map(String::as_str) != Some("[spork] ready") {
        seen.push(
            rx.recv_timeout(Duration::from_secs(20))
                .expect("followed lines"),
        );
    }
    assert!(seen.iter().any(|l| l == "hello stopping"), "{seen:?}");
    assert!(
        seen.iter().any(|l| l.starts_with("[spork] started (pid ")),
        "{seen:?}"
    );
    let _ = follow.kill();
    let _ = follow.wait();
}
