//! ADB through a real host: fixture services call `atek.cloud/adb-api` through the
//! gateway with their own tokens (what they may reach, and every refusal with its
//! JSON-RPC code), the admin through `spork call` and `spork db`, and what survives a
//! restart and a `kill -9`.

mod common;

use common::host::{fixture, TestHost};
use serde_json::{json, Value};

const HELLO_API: &str = "example.com/hello-api";
const ADB_API: &str = "atek.cloud/adb-api";

/// Service `id` calls the adb-api through the gateway with its token: the JSON-RPC
/// answer's result, or its error as (code, message).
fn adb(host: &TestHost, id: &str, method: &str, params: Value) -> Result<Value, (i64, String)> {
    let (_, body) = adb_raw(host, id, method, params);
    answer(&body)
}

fn adb_raw(host: &TestHost, id: &str, method: &str, params: Value) -> (u16, Value) {
    let auth = format!("Authorization: Bearer {}", host.service_token(id));
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    host.rpc(ADB_API, &[&auth], body.to_string().as_bytes())
}

fn answer(body: &Value) -> Result<Value, (i64, String)> {
    match body.get("error") {
        Some(e) => Err((
            e["code"].as_i64().unwrap(),
            e["message"].as_str().unwrap().to_string(),
        )),
        None => Ok(body["result"].clone()),
    }
}

#[test]
fn services_reach_their_own_databases_and_public_ones_through_the_gateway() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    host.install(&fixture("hello"), &[]); // hello-2
                                          // From inside its sandbox, through localhost:$ATEK_HOST_PORT, as the original's
                                          // client library calls it.
    let via = host.call(
        HELLO_API,
        "call",
        &json!([ADB_API, "dbGetOrCreate", ["notes", {}]]).to_string(),
    );
    let made = answer(&via["body"]).unwrap();
    let id = made["dbId"].as_str().unwrap().to_string();
    assert_eq!(made["owner"]["serviceKey"], "hello");
    assert_eq!(
        (made["writable"].clone(), made["access"].clone()),
        (json!(true), json!("private"))
    );

    let put = adb(
        &host,
        "hello",
        "recordPut",
        json!([id, "/posts/1", {"title": "Hi"}]),
    )
    .unwrap();
    assert_eq!(
        put,
        json!({"key": "1", "path": "/posts/1", "url": format!("hyper://{id}/posts/1"), "seq": 1, "value": {"title": "Hi"}})
    );
    adb(
        &host,
        "hello",
        "recordPut",
        json!([id, ["posts", "2"], {"title": "Yo"}]),
    )
    .unwrap();
    let list = adb(
        &host,
        "hello",
        "recordList",
        json!([id, "/posts", {"reverse": true}]),
    )
    .unwrap();
    let paths: Vec<&str> = list["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["/posts/2", "/posts/1"]);
    assert_eq!(
        adb(&host, "hello", "recordDelete", json!([id, "/posts/2"])).unwrap(),
        Value::Null
    );
    assert_eq!(
        adb(&host, "hello", "recordGet", json!([id, "/posts/2"])),
        Err((-32003, "Not found: /posts/2".into()))
    );

    // Another service: a private database is not there at all.
    let hidden = Err((-32003, format!("Not found: database {id}")));
    assert_eq!(
        adb(&host, "hello-2", "recordGet", json!([id, "/posts/1"])),
        hidden
    );
    assert_eq!(adb(&host, "hello-2", "dbDescribe", json!([id])), hidden);
    assert_eq!(
        adb(&host, "hello-2", "recordPut", json!([id, "/x", {}])),
        hidden
    );
    assert_eq!(
        adb(
            &host,
            "hello-2",
            "recordGet",
            json!(["hello/notes", "/posts/1"])
        ),
        Err((-32003, "Not found: database hello/notes".into()))
    );
    // Public: it reads, it may not write.
    adb(
        &host,
        "hello",
        "dbConfigure",
        json!([id, {"access": "public"}]),
    )
    .unwrap();
    let got = adb(
        &host,
        "hello-2",
        "recordGet",
        json!(["hello/notes", "/posts/1"]),
    )
    .unwrap();
    assert_eq!(got["value"]["title"], "Hi");
    let (code, msg) = adb(&host, "hello-2", "recordPut", json!([id, "/x", {}])).unwrap_err();
    assert_eq!(
        (code, msg.as_str()),
        (
            -32004,
            format!("Permission denied: database {id} belongs to another service").as_str()
        )
    );

    // Schemas, paths, sizes.
    let schema = json!({"type": "object", "properties": {"title": {"type": "string"}}});
    adb(
        &host,
        "hello",
        "dbConfigure",
        json!([id, {"schemas": {"/posts": schema}}]),
    )
    .unwrap();
    assert_eq!(
        adb(
            &host,
            "hello",
            "recordPut",
            json!([id, "/posts/3", {"title": 3}])
        ),
        Err((
            -32002,
            "/posts/3: field /title: 3 is not of type \"string\"".into()
        ))
    );
    let (code, msg) = adb(&host, "hello", "recordPut", json!([id, "/", {}])).unwrap_err();
    assert_eq!(code, -32602, "{msg}");
    assert!(msg.starts_with("invalid path \"/\""), "{msg}");
    let big = |bytes: usize| {
        let (status, body) = adb_raw(
            &host,
            "hello",
            "recordPut",
            json!([id, "/big", {"pad": "x".repeat(bytes)}]),
        );
        (status, answer(&body))
    };
    let (status, two_mb) = big(2 << 20);
    assert_eq!(status, 200);
    let (code, msg) = two_mb.unwrap_err();
    assert_eq!(code, -32602);
    assert!(msg.contains("over the 1048576-byte limit"), "{msg}");
    let (status, ten_mb) = big(10 << 20);
    assert_eq!(status, 413);
    assert_eq!(
        ten_mb,
        Err((-32600, "the request body is larger than 4 MiB".into()))
    );

    // A followed database is read-only; the admin API is the admin's.
    let key = "cd".repeat(32);
    let followed = adb(&host, "hello-2", "dbGetOrCreate", json!([key])).unwrap();
    assert_eq!(followed["following"], true);
    let (code, msg) = adb(&host, "hello-2", "recordPut", json!([key, "/a", {}])).unwrap_err();
    assert_eq!(
        (code, msg),
        (-32004, format!("database {key} is read-only here"))
    );
    let (code, _) = adb(&host, "hello-2", "adminDeleteDb", json!([key])).unwrap_err();
    assert_eq!(code, -32004);
    assert_eq!(
        adb(&host, "hello", "dbList", json!([]))
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The admin sees every database, the server database first, and its records.
    let all = host.call(ADB_API, "dbList", "[]");
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0]["isServerDb"], true);
    let services = host.call(ADB_API, "recordList", r#"["server", "/services"]"#);
    let ids: Vec<&str> = services["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["hello", "hello-2"]);
    let config: Value =
        serde_json::from_slice(&std::fs::read(host.dir.join("config.json")).unwrap()).unwrap();
    assert_eq!(config["serverDbId"], all[0]["dbId"]);
}

fn ok(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", common::host::text(&out.stderr));
    common::host::text(&out.stdout)
}

#[test]
fn the_admin_works_with_databases_from_the_shell() {
    let host = TestHost::start(&[]);
    let id = ok(&host.spork(&["db", "create", "main"]))
        .trim()
        .to_string();
    assert_eq!(id.len(), 64, "{id}");
    ok(&host.spork(&["db", "put", "system/main", "/posts/1", r#"{"title":"one"}"#]));
    ok(&host.spork_stdin(&["db", "put", &id, "/posts/2"], r#"{"title":"two"}"#));
    ok(&host.spork(&[
        "db",
        "put",
        &id,
        "/posts/2/comments/a",
        r#"{"text":"deep"}"#,
    ]));
    assert_eq!(
        ok(&host.spork(&["db", "get", &id, "/posts/1"])),
        "{\"title\":\"one\"}\n"
    );
    assert_eq!(
        ok(&host.spork(&["db", "list", "system/main", "/posts"])),
        "/posts/1\t{\"title\":\"one\"}\n/posts/2\t{\"title\":\"two\"}\n"
    );
    let ls = ok(&host.spork(&["db", "ls"]));
    assert!(ls.contains(&format!("{id} system/main")), "{ls}");
    assert!(ls.lines().nth(1).unwrap().contains(" server "), "{ls}");

    // Export → import into another database: the same records, deeper ones included.
    let dump = ok(&host.spork(&["db", "export", &id]));
    assert_eq!(dump.lines().count(), 3, "{dump}");
    let copy = ok(&host.spork(&["db", "create", "copy"]))
        .trim()
        .to_string();
    ok(&host.spork_stdin(&["db", "import", &copy], &dump));
    assert_eq!(ok(&host.spork(&["db", "export", "system/copy"])), dump);
    let sub = ok(&host.spork(&["db", "export", &id, "/posts/2"]));
    assert_eq!(
        sub,
        "{\"path\":\"/posts/2/comments/a\",\"value\":{\"text\":\"deep\"}}\n"
    );

    // Refusals: one line, the right exit code.
    ok(&host.spork(&["db", "del", &id, "/posts/1"]));
    let out = host.spork(&["db", "get", &id, "/posts/1"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        common::host::text(&out.stderr),
        "error: Not found: /posts/1\n"
    );
    let out = host.spork(&["db", "put", &id, "/x", "[1]"]);
    assert_eq!(out.status.code(), Some(2));
    let out = host.spork(&["db", "get", "nobody/nothing", "/x"]);
    assert_eq!(
        common::host::text(&out.stderr),
        "error: Not found: database nobody/nothing\n"
    );
    let out = host.spork(&["db", "unfollow", &id]);
    assert_eq!(out.status.code(), Some(1));
    let out = host.spork_stdin(&["db", "import", &copy], "{\"path\": 5}\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(common::host::text(&out.stderr).starts_with("error: line 1: expected"));

    // A schema set from a file guards its folder.
    let schema = host.dir.join("post.schema.json");
    std::fs::write(&schema, r#"{"type":"object","required":["title"]}"#).unwrap();
    let arg = format!("/posts={}", schema.display());
    ok(&host.spork(&["db", "configure", &id, "--schema", &arg]));
    let out = host.spork(&["db", "put", &id, "/posts/3", "{}"]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::host::text(&out.stderr);
    assert!(err.starts_with("error: /posts/3: field /: "), "{err}");
}

/// Puts records `/storm/{worker}-{n}` as fast as the host takes them until told to stop;
/// the paths acknowledged.
fn storm(
    port: u16,
    token: String,
    db: String,
    worker: usize,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<String> {
    let mut acked = Vec::new();
    let auth = format!("Authorization: Bearer {token}");
    for n in 0.. {
        if stop.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        let path = format!("/storm/{worker}-{n}");
        let body = json!({"jsonrpc": "2.0", "id": n, "method": "recordPut", "params": [db, path, {"n": n, "pad": "x".repeat(512)}]});
        let Ok((200, _, reply)) = std::panic::catch_unwind(|| {
            common::host::post(
                port,
                "localhost",
                "/_atek/gateway?api=atek.cloud%2Fadb-api",
                &[&auth],
                body.to_string().as_bytes(),
            )
        }) else {
            break;
        };
        let reply: Value = match serde_json::from_slice(&reply) {
            Ok(v) => v,
            Err(_) => break,
        };
        if reply["result"]["path"] == path {
            acked.push(path);
        }
    }
    acked
}

#[test]
fn kill_9_during_a_write_storm_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let host = TestHost::start_in(dir.path(), &[]);
    let db = ok(&host.spork(&["db", "create", "storm"]))
        .trim()
        .to_string();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let (port, token, db, stop) = (host.port, host.admin_token(), db.clone(), stop.clone());
            std::thread::spawn(move || storm(port, token, db, w, stop))
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    common::host::signal(host.server.child.id(), 9);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let acked: Vec<String> = workers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(
        acked.len() > 100,
        "the storm wrote only {} records",
        acked.len()
    );
    drop(host);

    let host = TestHost::start_in(dir.path(), &[]);
    let dump = ok(&host.spork(&["db", "export", &db, "/storm"]));
    let stored: std::collections::HashSet<String> = dump
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["path"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let lost: Vec<&String> = acked.iter().filter(|p| !stored.contains(*p)).collect();
    assert!(
        lost.is_empty(),
        "{} of {} acknowledged writes lost: {lost:?}",
        lost.len(),
        acked.len()
    );
}

/// `spork db get` until it succeeds; how long it took.
fn wait_get(
    host: &TestHost,
    db: &str,
    path: &str,
    limit: std::time::Duration,
) -> (Value, std::time::Duration) {
    let start = std::time::Instant::now();
    loop {
        let out = host.spork(&["db", "get", db, path]);
        if out.status.success() {
            return (
                serde_json::from_slice(&out.stdout).unwrap(),
                start.elapsed(),
            );
        }
        assert!(
            start.elapsed() < limit,
            "{path} never arrived: {}",
            common::host::text(&out.stderr)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn a_public_database_is_followed_live_by_another_home_and_read_when_the_writer_is_gone() {
    let (_dht1, boot) = common::spork_dht(None);
    let (_dht2, _) = common::spork_dht(Some(&boot));
    let (_dht3, _) = common::spork_dht(Some(&boot));
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = TestHost::start_on(a_dir.path(), &[], &boot);
    let b = TestHost::start_on(b_dir.path(), &[], &boot);
    let id = ok(&a.spork(&["db", "create", "blog", "--public"]))
        .trim()
        .to_string();
    ok(&a.spork(&["db", "put", &id, "/posts/1", r#"{"title":"first"}"#]));

    let followed: Value =
        serde_json::from_str(&ok(&b.spork(&["db", "follow", &id, "--json"]))).unwrap();
    assert_eq!(
        (followed["following"].clone(), followed["writable"].clone()),
        (json!(true), json!(false))
    );
    let minute = std::time::Duration::from_secs(60);
    assert_eq!(
        wait_get(&b, &id, "/posts/1", minute).0,
        json!({"title": "first"})
    );
    // Live: a write on A is readable on B within a second.
    ok(&a.spork(&["db", "put", &id, "/posts/2", r#"{"title":"second"}"#]));
    let (value, took) = wait_get(&b, &id, "/posts/2", minute);
    assert_eq!(value, json!({"title": "second"}));
    eprintln!("a write reached the follower in {took:?}");
    assert!(
        took < std::time::Duration::from_secs(1),
        "the write took {took:?} to arrive"
    );
    // B may not write it…
    let out = b.spork(&["db", "put", &id, "/posts/3", "{}"]);
    assert_eq!(
        common::host::text(&out.stderr),
        format!("error: database {id} is read-only here\n")
    );
    // …and gets nothing of a private database of A, though the two are connected.
    let private = ok(&a.spork(&["db", "create", "diary"])).trim().to_string();
    ok(&a.spork(&["db", "put", &private, "/day/1", r#"{"text":"secret"}"#]));
    ok(&b.spork(&["db", "follow", &private]));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let out = b.spork(&["db", "get", &private, "/day/1"]);
    assert_eq!(
        common::host::text(&out.stderr),
        "error: Not found: /day/1\n"
    );
    let seeded = ok(&a.spork(&["seed", "--list", "--json"]));
    assert!(
        seeded.contains(&id) && !seeded.contains(&private),
        "{seeded}"
    );

    // Made private, it stops at once: later writes no longer reach B.
    ok(&a.spork(&["db", "configure", &id, "--access", "private"]));
    ok(&a.spork(&["db", "put", &id, "/posts/9", r#"{"title":"mine"}"#]));
    std::thread::sleep(std::time::Duration::from_secs(2));
    let out = b.spork(&["db", "get", &id, "/posts/9"]);
    assert_eq!(
        common::host::text(&out.stderr),
        "error: Not found: /posts/9\n"
    );

    // The writer leaves; B still serves what it has, across its own restart too.
    drop(a);
    assert_eq!(wait_get(&b, &id, "/posts/2", minute).0["title"], "second");
    let mut b = b;
    common::host::signal(b.server.child.id(), 15);
    assert!(b.server.child.wait().unwrap().success());
    drop(b);
    let b = TestHost::start_on(b_dir.path(), &[], &boot);
    assert_eq!(
        ok(&b.spork(&["db", "list", &id, "/posts"])),
        "/posts/1\t{\"title\":\"first\"}\n/posts/2\t{\"title\":\"second\"}\n"
    );
    ok(&b.spork(&["db", "unfollow", &id]));
    let out = b.spork(&["db", "get", &id, "/posts/1"]);
    assert_eq!(
        common::host::text(&out.stderr),
        format!("error: Not found: database {id}\n")
    );
}

#[test]
fn a_backup_taken_while_a_service_writes_restores_into_a_new_folder() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    let via = host.call(
        HELLO_API,
        "call",
        &json!([ADB_API, "dbGetOrCreate", ["log"]]).to_string(),
    );
    let id = answer(&via["body"]).unwrap()["dbId"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        host.call(HELLO_API, "scribble", &json!([id, 1]).to_string()),
        "scribbling"
    );
    let scribbled = || host.call(HELLO_API, "scribbled", "[]").as_i64().unwrap();
    while scribbled() < 50 {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("home.tar");
    let acked = scribbled();
    let out = host.spork(&["host", "backup", file.to_str().unwrap()]);
    let said = ok(&out);
    assert!(said.is_empty(), "{said}");
    let err = common::host::text(&out.stderr);
    assert!(
        err.starts_with(&format!(
            "backed up 1 services and 2 databases to {}",
            file.display()
        )),
        "{err}"
    );
    assert!(scribbled() > acked, "the service kept writing");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let again = host.spork(&["host", "backup", file.to_str().unwrap()]);
    assert_eq!(
        common::host::text(&again.stderr),
        format!("error: {} exists: give a new file\n", file.display())
    );

    // Restored into a new folder: every record acknowledged before the backup, the
    // service running again from its own copy, its data folder, no admin token.
    // (A host's folder path must be short: its unix sockets live in it.)
    let home_tmp = tempfile::tempdir().unwrap();
    let home = home_tmp.path().to_owned();
    let out = common::host::spork_at(&home, &["host", "restore", file.to_str().unwrap()]);
    let err = common::host::text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.starts_with(&format!(
            "restored 1 services and 2 databases into {} (verified)",
            home.display()
        )),
        "{err}"
    );
    assert!(!home.join("secrets.json").exists());
    assert!(
        !home.join("host-key.json").exists(),
        "the host's remote identity only with --secrets"
    );
    let out = common::host::spork_at(&home, &["host", "restore", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        common::host::text(&out.stderr),
        format!(
            "error: {} is not empty: restore into a new folder\n",
            home.display()
        )
    );
    drop(host);
    let restored = TestHost::start_in(&home, &[]);
    restored.wait_status("hello", "running", std::time::Duration::from_secs(30));
    let dump = ok(&restored.spork(&["db", "export", "hello/log"]));
    let have: std::collections::HashSet<i64> = dump
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["value"]["n"]
                .as_i64()
                .unwrap()
        })
        .collect();
    let missing: Vec<i64> = (0..=acked).filter(|n| !have.contains(n)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, missing: {missing:?}"
    );
    let notes = std::fs::read_to_string(home.join("data/hello/scribbled.txt")).unwrap();
    assert!(
        notes.lines().count() as i64 > acked,
        "the service's data folder came along"
    );
    assert_eq!(
        restored.call(HELLO_API, "hello", r#"["again"]"#),
        json!("hello again")
    );

    // A damaged file is refused, naming it.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.len() / 3;
    bytes[at] ^= 0x55;
    let bad = work.path().join("bad.tar");
    std::fs::write(&bad, bytes).unwrap();
    let other = work.path().join("other");
    let out = common::host::spork_at(&other, &["host", "restore", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = common::host::text(&out.stderr);
    assert!(
        err.starts_with(&format!("error: {}: ", bad.display())),
        "{err}"
    );
    assert_eq!(
        std::fs::read_dir(&other).unwrap().count(),
        0,
        "nothing half-restored stays"
    );

    // --secrets carries the admin token, owner-only.
    let with = work.path().join("with-secrets.tar");
    ok(&restored.spork(&["host", "backup", "--secrets", with.to_str().unwrap()]));
    let third = work.path().join("third");
    ok(&common::host::spork_at(
        &third,
        &["host", "restore", with.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::read(third.join("secrets.json")).unwrap(),
        std::fs::read(home.join("secrets.json")).unwrap()
    );
    assert_eq!(
        std::fs::read(third.join("host-key.json")).unwrap(),
        std::fs::read(home.join("host-key.json")).unwrap(),
        "the host keeps its remote-access key"
    );
    assert_eq!(
        std::fs::metadata(third.join("secrets.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
}
