//! Users and sessions on a real host: `atek.cloud/users-api` and
//! `atek.cloud/user-sessions-api` through the gateway, with their refusals (non-admins,
//! other users' accounts, wrong passwords, expired and revoked sessions, CSRF), the
//! sign-in form and first-run setup, a login flood from 127.0.0.2 while the real user
//! signs in from 127.0.0.1, and the account verbs with and without a running host.

mod common;

use std::time::Duration;

use common::host::{spork_at, spork_at_stdin, text, TestHost};
use common::http::{header, set_cookie};
use serde_json::{json, Value};

const SESSIONS: &str = "atek.cloud%2Fuser-sessions-api";
const USERS: &str = "atek.cloud%2Fusers-api";

/// One HTTP/1.1 request from source address `from`: status, headers, body.
fn request(
    port: u16,
    from: &str,
    head: &str,
    headers: &[String],
    body: &[u8],
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
    let host = format!("localhost:{port}");
    common::http::request_from(port, from, &host, head, &headers, body)
}

/// A browser: its session cookie and CSRF token once signed in.
#[derive(Clone, Default)]
struct Browser {
    from: &'static str,
    cookie: Option<String>,
    csrf: Option<String>,
}

impl Browser {
    fn at(from: &'static str) -> Browser {
        Browser {
            from,
            ..Browser::default()
        }
    }

    /// The headers a page of the host's own site sends.
    fn headers(&self, port: u16) -> Vec<String> {
        let mut h = vec![
            "Content-Type: application/json".to_string(),
            format!("Origin: http://localhost:{port}"),
        ];
        if let Some(c) = &self.cookie {
            h.push(format!("Cookie: atek_session={c}"));
        }
        if let Some(t) = &self.csrf {
            h.push(format!("X-Atek-CSRF: {t}"));
        }
        h
    }

    /// A JSON-RPC call: HTTP status and the parsed answer.
    fn rpc(&mut self, port: u16, api: &str, method: &str, params: Value) -> (u16, Value) {
        self.rpc_with(port, api, method, params, &self.headers(port))
    }

    fn rpc_with(
        &mut self,
        port: u16,
        api: &str,
        method: &str,
        params: Value,
        headers: &[String],
    ) -> (u16, Value) {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let (status, h, body) = request(
            port,
            self.from,
            &format!("POST /_atek/gateway?api={api}"),
            headers,
            body.to_string().as_bytes(),
        );
        if let Some(c) = set_cookie(&h, "atek_session") {
            self.cookie = Some(c).filter(|c| !c.is_empty());
        }
        if let Some(t) = set_cookie(&h, "atek_csrf") {
            self.csrf = Some(t).filter(|t| !t.is_empty());
        }
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    fn login(&mut self, port: u16, user: &str, password: &str) -> (u16, Value) {
        let creds = json!([{"username": user, "password": password}]);
        self.rpc(port, SESSIONS, "login", creds)
    }

    /// The result of a call that must succeed.
    fn ok(&mut self, port: u16, api: &str, method: &str, params: Value) -> Value {
        let (status, answer) = self.rpc(port, api, method, params);
        assert_eq!(status, 200, "{method}: {answer}");
        assert!(answer.get("error").is_none(), "{method}: {answer}");
        answer["result"].clone()
    }

    /// The JSON-RPC error code and message of a call that must fail.
    fn refused(&mut self, port: u16, api: &str, method: &str, params: Value) -> (i64, String) {
        let (_, answer) = self.rpc(port, api, method, params);
        let e = &answer["error"];
        assert!(e.is_object(), "{method} should fail: {answer}");
        (
            e["code"].as_i64().unwrap(),
            e["message"].as_str().unwrap().to_string(),
        )
    }

    fn whoami(&mut self, port: u16) -> Value {
        self.ok(port, SESSIONS, "whoami", json!([]))
    }
}

fn mkuser(host: &TestHost, name: &str, password: &str, admin: bool) {
    let mut args = vec!["mkuser", name];
    if admin {
        args.push("--admin");
    }
    let out = host.spork_stdin(&args, &format!("{password}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn users_and_sessions_through_the_gateway() {
    let host = TestHost::start(&[]);
    let port = host.port;
    mkuser(&host, "Alice", "alice password", true);
    mkuser(&host, "bob", "bob password", false);
    let out = host.spork_stdin(&["mkuser", "bob"], "another one\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: the username bob is already taken"
    );
    let out = host.spork_stdin(&["mkuser", "carol"], "short\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: the password must be 8 to 1024 bytes long"
    );
    let out = host.spork(&["users", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| (u["username"].clone(), u["role"].clone()))
        .collect();
    assert_eq!(
        names,
        [(json!("alice"), json!("admin")), (json!("bob"), json!(""))]
    );

    // Signing in: wrong passwords and unknown users get the same answer.
    let mut anon = Browser::at("127.0.0.1");
    assert_eq!(anon.whoami(port), json!({"isActive": false}));
    let wrong = anon.refused(
        port,
        SESSIONS,
        "login",
        json!([{"username": "alice", "password": "nope nope"}]),
    );
    assert_eq!(wrong, (-32003, "Username or password was incorrect".into()));
    let unknown = anon.refused(
        port,
        SESSIONS,
        "login",
        json!([{"username": "zed", "password": "nope nope"}]),
    );
    assert_eq!(unknown, wrong);
    assert!(anon.cookie.is_none());
    // Not from another site.
    let evil = vec![
        "Content-Type: application/json".to_string(),
        "Origin: http://evil.example".to_string(),
    ];
    let creds = json!([{"username": "alice", "password": "alice password"}]);
    let (status, _) = anon.rpc_with(port, SESSIONS, "login", creds, &evil);
    assert_eq!(status, 403);
    assert!(anon.cookie.is_none());

    let mut alice = Browser::at("127.0.0.1");
    let (status, session) = alice.login(port, "ALICE", "alice password");
    assert_eq!(
        (status, &session["result"]),
        (200, &json!({"isActive": true, "username": "alice"}))
    );
    assert_eq!(
        alice.whoami(port),
        json!({"isActive": true, "username": "alice"})
    );
    let mut bob = Browser::at("127.0.0.1");
    bob.login(port, "bob", "bob password");
    assert_eq!(bob.whoami(port)["username"], "bob");

    // Admins manage everyone; a user reaches their own account only.
    let users = alice.ok(port, USERS, "list", json!([]));
    assert_eq!(users["users"].as_array().unwrap().len(), 2);
    let alice_key = users["users"][0]["key"].as_str().unwrap().to_string();
    let bob_key = users["users"][1]["key"].as_str().unwrap().to_string();
    let not = |r: (i64, String)| r.0 == -32003 && r.1.starts_with("Not authorized");
    assert!(not(bob.refused(port, USERS, "list", json!([]))));
    assert!(not(bob.refused(
        port,
        USERS,
        "create",
        json!([{"username": "eve", "password": "eve password"}])
    )));
    assert!(not(bob.refused(port, USERS, "delete", json!([alice_key]))));
    assert!(not(bob.refused(port, USERS, "get", json!([alice_key]))));
    assert!(not(bob.refused(
        port,
        USERS,
        "getSettings",
        json!([alice_key])
    )));
    assert!(not(bob.refused(
        port,
        USERS,
        "update",
        json!([alice_key, {"password": "taken over"}])
    )));
    assert!(not(bob.refused(
        port,
        USERS,
        "update",
        json!([bob_key, {"role": "admin"}])
    )));
    assert_eq!(
        bob.ok(port, "atek.cloud%2Fservices-api", "list", json!([])),
        json!({"services": []}),
        "his own services: none yet"
    );
    assert!(not(bob.refused(
        port,
        "atek.cloud%2Fseed-api",
        "list",
        json!([])
    )));
    assert!(not(bob.refused(
        port,
        "atek.cloud%2Fadb-api",
        "dbList",
        json!([])
    )));
    assert_eq!(
        bob.ok(port, USERS, "get", json!([bob_key])),
        json!({"key": bob_key, "username": "bob", "role": ""})
    );
    assert_eq!(
        bob.ok(port, USERS, "getSettings", json!([bob_key])),
        json!({"mainServiceId": ""})
    );
    let (code, msg) = bob.refused(
        port,
        USERS,
        "updateSettings",
        json!([bob_key, {"mainServiceId": "nothere"}]),
    );
    assert_eq!(
        (code, msg.as_str()),
        (-32602, "no service \"nothere\" is installed")
    );
    let (code, _) = alice.refused(port, USERS, "get", json!(["0000"]));
    assert_eq!(code, -32003);
    let (code, msg) = alice.refused(
        port,
        USERS,
        "create",
        json!([{"username": "system", "password": "long enough"}]),
    );
    assert_eq!(
        (code, msg.as_str()),
        (-32602, "the username system is reserved")
    );
    let (code, msg) = alice.refused(port, USERS, "update", json!([alice_key, {"role": ""}]));
    assert_eq!(
        (code, msg.as_str()),
        (
            -32602,
            "alice is the last admin: make another user admin first"
        )
    );
    let carol = alice.ok(
        port,
        USERS,
        "create",
        json!([{"username": "carol", "password": "carol password", "role": ""}]),
    );
    let carol_key = carol["key"].as_str().unwrap().to_string();
    assert_eq!(
        carol,
        json!({"key": carol_key, "username": "carol", "role": ""})
    );

    // CSRF: a cookie alone, a wrong token or another Origin do nothing.
    let mut no_token = bob.clone();
    no_token.csrf = None;
    let (status, _) = no_token.rpc(port, USERS, "get", json!([bob_key]));
    assert_eq!(status, 403);
    let mut wrong_token = bob.clone();
    wrong_token.csrf = Some("0".repeat(64));
    assert_eq!(wrong_token.rpc(port, USERS, "get", json!([bob_key])).0, 403);
    let mut cross = bob.headers(port);
    cross[1] = "Origin: http://bob.localhost".into();
    assert_eq!(
        bob.rpc_with(port, USERS, "get", json!([bob_key]), &cross).0,
        403
    );
    // A user changes their own password: every session of theirs ends.
    bob.ok(
        port,
        USERS,
        "update",
        json!([bob_key, {"password": "bob's new password"}]),
    );
    assert_eq!(bob.whoami(port), json!({"isActive": false}));
    assert!(bob.login(port, "bob", "bob password").1["error"].is_object());
    assert_eq!(bob.login(port, "bob", "bob's new password").0, 200);
    // Deleting a user ends their sessions; an admin's password change likewise.
    let mut carol_b = Browser::at("127.0.0.1");
    carol_b.login(port, "carol", "carol password");
    assert_eq!(carol_b.whoami(port)["username"], "carol");
    alice.ok(
        port,
        USERS,
        "update",
        json!([carol_key, {"password": "reset by admin"}]),
    );
    assert_eq!(carol_b.whoami(port), json!({"isActive": false}));
    carol_b.login(port, "carol", "reset by admin");
    assert_eq!(
        alice.ok(port, USERS, "delete", json!([carol_key])),
        Value::Null
    );
    assert_eq!(carol_b.whoami(port), json!({"isActive": false}));
    assert_eq!(
        alice.refused(port, USERS, "get", json!([carol_key])).0,
        -32003
    );
    // Logging out ends the session, and its cookie is cleared.
    let old = bob.clone();
    assert_eq!(bob.ok(port, SESSIONS, "logout", json!([])), Value::Null);
    assert!(bob.cookie.is_none());
    let mut old = old;
    assert_eq!(old.whoami(port), json!({"isActive": false}));
    // Through the form too: a wrong password is a 401 page, a right one a session.
    let form = |body: &str, from: &'static str| {
        request(
            port,
            from,
            "POST /_atek/login",
            &["Content-Type: application/x-www-form-urlencoded".to_string()],
            body.as_bytes(),
        )
    };
    let (status, _, page) = form("username=alice&password=wrong+one&next=%2Fx", "127.0.0.1");
    assert_eq!(status, 401);
    assert!(text(&page).contains("Username or password was incorrect"));
    let (status, h, _) = form(
        "username=alice&password=alice+password&next=%2Fx",
        "127.0.0.1",
    );
    assert_eq!((status, header(&h, "location")), (303, Some("/x")));
    let mut formed = Browser::at("127.0.0.1");
    formed.cookie = set_cookie(&h, "atek_session");
    formed.csrf = set_cookie(&h, "atek_csrf");
    assert_eq!(formed.whoami(port)["username"], "alice");
    let session = formed.cookie.clone().unwrap();
    let logout = |body: String| {
        request(
            port,
            "127.0.0.1",
            "POST /_atek/logout",
            &[
                format!("Cookie: atek_session={session}"),
                "Content-Type: application/x-www-form-urlencoded".into(),
            ],
            body.as_bytes(),
        )
    };
    assert_eq!(logout(String::new()).0, 403, "no CSRF token: no sign-out");
    assert_eq!(formed.whoami(port)["username"], "alice");
    let (status, h, _) = logout(format!("csrf={}", formed.csrf.clone().unwrap()));
    assert_eq!(
        (status, header(&h, "location")),
        (303, Some("/_atek/login"))
    );
    assert_eq!(formed.whoami(port), json!({"isActive": false}));
}

#[test]
fn a_login_flood_locks_out_its_address_not_the_user() {
    let host = TestHost::start(&[]);
    let port = host.port;
    mkuser(&host, "alice", "alice password", true);
    let mut attacker = Browser::at("127.0.0.2");
    let mut statuses = Vec::new();
    for i in 0..8 {
        let (status, answer) = attacker.login(port, "alice", &format!("guess {i} guess"));
        assert!(answer["error"].is_object(), "{answer}");
        statuses.push(status);
    }
    assert_eq!(statuses, [200, 200, 200, 200, 200, 429, 429, 429]);
    let (_, answer) = attacker.login(port, "alice", "alice password");
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("Too many failed sign-ins from here: try again in "),
        "{message}"
    );
    assert!(attacker.cookie.is_none(), "even the right password waits");
    // Meanwhile alice, from her own address, gets in.
    let mut alice = Browser::at("127.0.0.1");
    assert_eq!(alice.login(port, "alice", "alice password").0, 200);
    assert_eq!(alice.whoami(port)["username"], "alice");
}

#[test]
fn idle_and_absolute_expiry_end_sessions() {
    let host = TestHost::start(&["--session-idle", "2s", "--session-max", "5s"]);
    let port = host.port;
    mkuser(&host, "alice", "alice password", true);
    let mut idle = Browser::at("127.0.0.1");
    idle.login(port, "alice", "alice password");
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(idle.whoami(port), json!({"isActive": false}), "idle 2.5 s");
    let mut busy = Browser::at("127.0.0.1");
    busy.login(port, "alice", "alice password");
    let start = std::time::Instant::now();
    while busy.whoami(port)["isActive"] == true {
        assert!(start.elapsed() < Duration::from_secs(8), "never ended");
        std::thread::sleep(Duration::from_millis(500));
    }
    let lasted = start.elapsed();
    assert!(
        lasted >= Duration::from_millis(4500),
        "used every 0.5 s, it lasts 5 s: {lasted:?}"
    );
}

#[test]
fn first_run_setup_makes_the_first_admin() {
    let host = TestHost::start(&[]);
    let port = host.port;
    let out = host.spork(&["host", "login-link"]);
    let link = text(&out.stderr)
        .trim()
        .strip_prefix("login (one time): ")
        .unwrap()
        .to_string();
    let path = format!(
        "/{}",
        link.split_once("://").unwrap().1.split_once('/').unwrap().1
    );
    let token = path.split_once("token=").unwrap().1.to_string();
    let (status, _, page) = request(port, "127.0.0.1", &format!("GET {path}"), &[], b"");
    assert_eq!(status, 200);
    assert!(
        text(&page).contains("create the first admin"),
        "{}",
        text(&page)
    );
    let form = |body: String| {
        request(
            port,
            "127.0.0.1",
            "POST /_atek/login",
            &["Content-Type: application/x-www-form-urlencoded".to_string()],
            body.as_bytes(),
        )
    };
    let (status, _, page) = form(format!(
        "setup={token}&username=root&password=first+admin&confirm=other+one"
    ));
    assert_eq!(status, 400);
    assert!(text(&page).contains("The two passwords differ."));
    let (status, _, page) = form(format!(
        "setup={token}&username=x&password=first+admin&confirm=first+admin"
    ));
    assert_eq!(status, 400);
    assert!(text(&page).contains("is not allowed"), "{}", text(&page));
    let (status, _, _) = form(format!(
        "setup={}&username=root&password=first+admin&confirm=first+admin",
        "f".repeat(64)
    ));
    assert_eq!(status, 401, "a made-up setup token");
    let (status, h, _) = form(format!(
        "setup={token}&username=root&password=first+admin&confirm=first+admin"
    ));
    assert_eq!((status, header(&h, "location")), (303, Some("/")));
    let mut root = Browser::at("127.0.0.1");
    root.cookie = set_cookie(&h, "atek_session");
    root.csrf = set_cookie(&h, "atek_csrf");
    assert_eq!(root.whoami(port)["username"], "root");
    let list = root.ok(port, USERS, "list", json!([]));
    assert_eq!(list["users"][0]["role"], "admin");
    // The link is spent, and no second "first admin" can be made with it.
    let (status, _, _) = request(port, "127.0.0.1", &format!("GET {path}"), &[], b"");
    assert_eq!(status, 401);
    let (status, _, _) = form(format!(
        "setup={token}&username=other&password=first+admin&confirm=first+admin"
    ));
    assert_eq!(status, 401);
}

#[test]
fn the_account_verbs_work_without_a_host() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let out = spork_at_stdin(dir, &["mkuser", "alice", "--admin"], "alice password\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).trim(), "created user alice (admin)");
    let out = spork_at_stdin(dir, &["mkuser", "bob"], "bob password\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = spork_at(dir, &["mkuser", "carol"]);
    assert_eq!(out.status.code(), Some(1), "no password on stdin");
    assert!(
        text(&out.stderr).contains("no password on stdin"),
        "{}",
        text(&out.stderr)
    );
    let out = spork_at(dir, &["moduser", "bob"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "nothing to change is a usage error"
    );
    let out = spork_at(dir, &["moduser", "bob", "--rename", "robert", "--admin"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = spork_at(dir, &["deluser", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with("error: no user nobody in "),
        "{}",
        text(&out.stderr)
    );
    let out = spork_at(dir, &["moduser", "alice", "--no-admin"]);
    assert!(
        out.status.success(),
        "robert is an admin now: {}",
        text(&out.stderr)
    );
    let out = spork_at(dir, &["deluser", "robert"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: robert is the last admin: make another user admin first"
    );
    let out = spork_at(dir, &["users"]);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("alice") && listing.contains("robert"),
        "{listing}"
    );
    // A host started on the folder signs them in.
    let host = TestHost::start_in(dir, &[]);
    let mut robert = Browser::at("127.0.0.1");
    assert_eq!(robert.login(host.port, "robert", "bob password").0, 200);
    assert_eq!(robert.whoami(host.port)["username"], "robert");
    let out = host.spork(&["deluser", "alice"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = host.spork(&["users", "--json"]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
}

/// Walks the `bst` hop to service `id` with a main session: the subdomain's session
/// cookie, or the status that refused it.
fn hop(port: u16, b: &Browser, id: &str) -> Result<String, u16> {
    let cookie = format!("Cookie: atek_session={}", b.cookie.clone().unwrap());
    let (status, h, _) = request(
        port,
        b.from,
        &format!("GET /_atek/bst?service={id}&path=/"),
        &[cookie],
        b"",
    );
    if status != 302 {
        return Err(status);
    }
    let to = header(&h, "location").unwrap().to_string();
    let path = format!(
        "/{}",
        to.split_once("://").unwrap().1.split_once('/').unwrap().1
    );
    let sub = format!("{id}.localhost:{port}");
    let (_, h, _) = common::http::raw(port, &sub, &format!("GET {path}"), &[]);
    Ok(set_cookie(&h, "atek_session").expect("a subdomain session"))
}

#[test]
fn services_belong_to_their_owners() {
    let host = TestHost::start(&[]);
    let port = host.port;
    mkuser(&host, "alice", "alice password", true);
    mkuser(&host, "bob", "bob password", false);
    mkuser(&host, "carol", "carol password", false);
    let hello = common::host::fixture("hello");
    host.install(&hello, &["--id", "bobs", "--user", "bob"]);
    host.install(&common::host::fixture("echo-ws"), &[]);
    let out = host.spork(&["install", hello.to_str().unwrap(), "--user", "nobody"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr).trim(), "error: no user nobody");

    let (mut alice, mut bob, mut carol) = (
        Browser::at("127.0.0.1"),
        Browser::at("127.0.0.1"),
        Browser::at("127.0.0.1"),
    );
    alice.login(port, "alice", "alice password");
    bob.login(port, "bob", "bob password");
    carol.login(port, "carol", "carol password");
    let users = alice.ok(port, USERS, "list", json!([]));
    let key = |name: &str| {
        users["users"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == name)
            .unwrap()["key"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (alice_key, bob_key) = (key("alice"), key("bob"));
    const SERVICES: &str = "atek.cloud%2Fservices-api";
    let ids = |b: &mut Browser| -> Vec<(String, String)> {
        let list = b.ok(port, SERVICES, "list", json!([]));
        list["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().unwrap().into(),
                    s["settings"]["owningUserKey"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    assert_eq!(
        ids(&mut alice),
        [
            ("bobs".into(), bob_key.clone()),
            ("echo-ws".into(), "system".into())
        ]
    );
    assert_eq!(ids(&mut bob), [("bobs".to_string(), bob_key.clone())]);
    assert_eq!(ids(&mut carol), []);

    // Bob manages his own; another user's service is not there for him or carol.
    bob.ok(port, SERVICES, "restart", json!(["bobs"]));
    let gone = (-32003, "no service \"bobs\" is installed".to_string());
    assert_eq!(carol.refused(port, SERVICES, "get", json!(["bobs"])), gone);
    assert_eq!(carol.refused(port, SERVICES, "stop", json!(["bobs"])), gone);
    assert_eq!(
        carol.refused(port, SERVICES, "uninstall", json!(["bobs"])),
        gone
    );
    let (code, _) = bob.refused(port, SERVICES, "stop", json!(["echo-ws"]));
    assert_eq!(code, -32003, "a system service is the admins' to manage");
    // Users install from git only, for themselves only.
    let (code, msg) = bob.refused(
        port,
        SERVICES,
        "install",
        json!([{"sourceUrl": hello.to_str().unwrap()}]),
    );
    assert_eq!(code, -32003);
    assert!(
        msg.contains("only an admin installs from a folder"),
        "{msg}"
    );
    let file_url = format!("file://{}", hello.display());
    assert!(bob
        .refused(port, SERVICES, "install", json!([{"sourceUrl": file_url}]))
        .1
        .contains("only an admin"));
    let (_, msg) = bob.refused(
        port,
        SERVICES,
        "install",
        json!([{"sourceUrl": "https://example.invalid/x.git", "user": "system"}]),
    );
    assert_eq!(
        msg,
        "Not authorized: only an admin installs services for system"
    );
    assert_eq!(
        alice.ok(port, SERVICES, "get", json!(["bobs"]))["owner"],
        bob_key.as_str()
    );

    // Sites: a user opens their own services and system ones, nobody else's.
    let sub = hop(port, &bob, "bobs").expect("bob opens his own");
    let (status, _, body) = common::http::raw(
        port,
        &format!("bobs.localhost:{port}"),
        "GET /headers",
        &[&format!("Cookie: atek_session={sub}")],
    );
    assert_eq!(status, 200);
    let seen: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(seen["atek-auth-user"], bob_key.as_str());
    assert_eq!(hop(port, &carol, "bobs"), Err(404));
    assert_eq!(
        hop(port, &alice, "bobs"),
        Err(404),
        "admins manage it, but it is bob's app"
    );
    assert!(
        hop(port, &carol, "echo-ws").is_ok(),
        "system services are for everyone"
    );
    // A service acts for its owner: bob's service reads bob's account, not alice's.
    let through = |params: Value| host.call("example.com/hello-api", "call", &params.to_string());
    let mine = through(json!(["atek.cloud/users-api", "get", [bob_key]]));
    assert_eq!(mine["body"]["result"]["username"], "bob", "{mine}");
    let theirs = through(json!(["atek.cloud/users-api", "get", [alice_key]]));
    assert_eq!(theirs["body"]["error"]["code"], -32003, "{theirs}");
    let manage = through(json!(["atek.cloud/services-api", "list", []]));
    assert_eq!(
        manage["body"]["error"]["message"],
        "Not authorized: bobs is a service, and atek.cloud/services-api is for people"
    );
    // `/` is the user's main service when they chose one they may open.
    bob.ok(
        port,
        USERS,
        "updateSettings",
        json!([bob_key, {"mainServiceId": "bobs"}]),
    );
    let (status, _, body) = request(
        port,
        "127.0.0.1",
        "GET /",
        &[format!(
            "Cookie: atek_session={}",
            bob.cookie.clone().unwrap()
        )],
        b"",
    );
    assert_eq!(
        (status, text(&body)),
        (200, "<h1>hello from bobs</h1>".to_string())
    );
    let carol_key = key("carol");
    let (_, msg) = carol.refused(
        port,
        USERS,
        "updateSettings",
        json!([carol_key, {"mainServiceId": "bobs"}]),
    );
    assert_eq!(msg, "no service \"bobs\" is installed");
    // A user who owns services cannot be deleted until they are gone.
    let out = host.spork(&["deluser", "bob"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: bob owns services (bobs): uninstall them first"
    );
}
