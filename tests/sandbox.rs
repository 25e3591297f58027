//! The sandbox around `spork host`'s services, asserted from inside a running service
//! (the Python probe fixture) and from outside: what it can read, write, reach and do.
//! Under `CI=true` a sandbox that cannot be made fails the run (the host refuses to
//! start services without one, so every test here would fail).

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::host::{descendants, fixture, fixture_copy, text, TestHost, SERVICE_ENV};
use serde_json::{json, Value};

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
}

fn uid_of(pid: u32) -> u32 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|u| u.parse().ok())
        .unwrap()
}

#[test]
fn a_service_sees_only_its_own_sandbox() {
    let host = TestHost::start(&[]);
    let started = Instant::now();
    host.install(&fixture("hello"), &[]);
    let probe = host.install(&fixture("probe"), &[]);
    assert_eq!(probe["status"], "running", "{probe}");

    // Outside: a world-readable file and a TCP listener on the host's loopback.
    let outside = tempfile::tempdir().unwrap();
    let canary = outside.path().join("canary.txt");
    std::fs::write(&canary, "the host's secret").unwrap();
    std::fs::set_permissions(&canary, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hello_data = host.dir.join("data/hello");
    let hello_socket = host.dir.join("sockets/hello/service.sock");
    let params = json!([
        canary,
        port,
        [
            hello_data,
            hello_socket,
            host.dir,
            "/data",
            "/run/atek/service.sock",
            "/run/atek-host.sock",
            "/root",
            "/home"
        ]
    ]);
    let facts = host.call("example.com/probe-api", "probe", &params.to_string());
    eprintln!("{facts:#}");
    assert_eq!(
        facts["canary"], "ENOENT",
        "a file outside its folders: {facts}"
    );
    assert_eq!(facts["shadow"], "ENOENT");
    assert_eq!(facts["app_write"], "EROFS", "/app is read-only");
    assert_eq!(facts["data_write"], "ok", "/data is writable");
    assert_eq!(facts["interfaces"], json!(["lo"]), "only loopback");
    assert_eq!(
        facts["tcp"], "ECONNREFUSED",
        "the host's 127.0.0.1 is not this loopback"
    );
    let paths = &facts["paths"];
    for hidden in [
        hello_data.to_str().unwrap(),
        hello_socket.to_str().unwrap(),
        host.dir.to_str().unwrap(),
        "/root",
        "/home",
    ] {
        assert_eq!(paths[hidden], false, "{hidden} must be invisible: {paths}");
    }
    for own in ["/data", "/run/atek/service.sock", "/run/atek-host.sock"] {
        assert_eq!(paths[own], true, "{own}: {paths}");
    }
    // Its own pid namespace: bwrap's init, the service, the forwarder — nothing else.
    let pids: Vec<u64> = facts["pids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_u64().unwrap())
        .collect();
    assert!(
        pids.len() <= 4 && pids.iter().all(|p| *p < 10),
        "host pids visible: {pids:?}"
    );
    for call in ["mount", "ptrace", "userns"] {
        assert_eq!(facts[call], "EPERM", "{call}: {facts}");
    }
    assert_eq!(facts["env"], json!(SERVICE_ENV));
    assert_eq!(
        facts["gateway"], true,
        "localhost:$ATEK_HOST_PORT reaches the gateway"
    );

    // Outside: a root host runs each service under its own unprivileged uid.
    let bwrap = host.service("probe")["pid"].as_u64().unwrap() as u32;
    let inner = descendants(bwrap);
    if is_root() {
        for pid in &inner {
            assert_ne!(uid_of(*pid), 0, "pid {pid} of the sandbox runs as root");
        }
        let other = descendants(host.service("hello")["pid"].as_u64().unwrap() as u32);
        assert_ne!(
            uid_of(inner[0]),
            uid_of(other[0]),
            "two services share a uid"
        );
    }
    // No secret in any sandbox process's argv.
    for pid in inner {
        let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(!text(&argv).contains("BEARER"), "{}", text(&argv));
    }

    // Still alive 30 s after start (no seccomp or Landlock surprise later on).
    let left = Duration::from_secs(30).saturating_sub(started.elapsed());
    std::thread::sleep(left);
    let now = host.service("probe");
    assert_eq!(
        (now["status"].clone(), now["restarts"].clone()),
        (json!("running"), json!(0)),
        "{now}"
    );
    assert_eq!(now["pid"], probe["pid"]);
}

#[test]
fn a_service_over_its_memory_budget_is_killed_and_restarted() {
    if !is_root() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root: memory budgets need a cgroup"
        );
        eprintln!("skipped: memory budgets are enforced with cgroups, which need root");
        return;
    }
    let host = TestHost::start(&[]);
    let budget = fixture_copy("hello", |m| {
        m["name"] = json!("hog");
        m["resources"] = json!({"memoryMb": 64});
    });
    host.install(budget.path(), &[]);
    // 200 MiB of touched buffers in a 64 MiB budget: the kernel kills it mid-call.
    let out = host.spork(&["call", "example.com/hello-api", "hog", "[200]"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let after = host.wait_for("hog", Duration::from_secs(30), |s| {
        s["restarts"] == 1 && s["status"] == "running"
    });
    let log = text(&host.spork(&["logs", "hog", "-n", "30"]).stdout);
    assert!(
        log.contains("killed over its memory budget"),
        "{log}\n{after}"
    );
    // Within budget it works.
    assert_eq!(host.call("example.com/hello-api", "hog", "[8]"), json!(8));
    let _: Value = after;
}

#[test]
fn outbound_network_needs_the_admins_consent_and_never_reaches_the_host() {
    let host = TestHost::start(&[]);
    let wants = |name: &'static str| {
        fixture_copy("probe", move |m| {
            m["name"] = json!(name);
            m["exports"] = json!([{"api": format!("example.com/{name}")}]);
            m["permissions"] = json!({"network": "outbound"});
        })
    };
    let (asked, granted) = (wants("asked"), wants("granted"));
    let info = host.install(asked.path(), &[]);
    assert_eq!(info["network"], "none", "{info}");
    let info = host.install(granted.path(), &["--allow-network"]);
    assert_eq!(info["network"], "outbound", "{info}");
    let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = |api: &str, host_ip: &str| {
        host.call(
            api,
            "probe",
            &json!(["/etc/resolv.conf", port, [], host_ip]).to_string(),
        )
    };
    assert_eq!(
        probe("example.com/asked", "127.0.0.1")["interfaces"],
        json!(["lo"])
    );
    let facts = probe("example.com/granted", "10.0.2.2");
    assert_eq!(facts["interfaces"], json!(["lo", "tap0"]), "{facts}");
    assert_eq!(
        facts["canary"], "ok:nameserver 10.0.2.3\n",
        "slirp4netns's resolver"
    );
    // slirp4netns's gateway address would be the host's loopback: it is switched off.
    assert_ne!(facts["tcp"], "connected", "{facts}");
    assert_eq!(
        probe("example.com/granted", "127.0.0.1")["tcp"],
        "ECONNREFUSED"
    );
    let ls = text(&host.spork(&["ls"]).stdout);
    assert!(
        ls.lines()
            .any(|l| l.starts_with("granted") && l.contains("outbound")),
        "{ls}"
    );
}

#[test]
fn without_bubblewrap_the_host_refuses_unless_told_otherwise() {
    let empty = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(common::spork_bin())
        .args(["host", "--port", "0", "--dir"])
        .arg(dir.path())
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "error: cannot sandbox services: bubblewrap (bwrap) is not installed\n\
         hint: install it (Debian/Ubuntu: apt install bubblewrap), or run services unsandboxed with --unsafe-no-sandbox\n"
    );
    let host = TestHost::start(&["--unsafe-no-sandbox"]);
    let info = host.install(&fixture("hello"), &[]);
    assert_eq!(
        (info["status"].clone(), info["sandbox"].clone()),
        (json!("running"), json!(false))
    );
    let ls = text(&host.spork(&["ls"]).stdout);
    assert!(ls.contains("UNSANDBOXED"), "{ls}");
    assert_eq!(
        host.call("example.com/hello-api", "hello", r#"["bare"]"#),
        json!("hello bare")
    );
    // Even unsandboxed, the service's process dies with the host.
    let pid = info["pid"].as_u64().unwrap() as u32;
    assert!(common::host::alive(pid));
    common::host::signal(host.server.child.id(), 9);
    let start = Instant::now();
    while common::host::alive(pid) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the unsandboxed service outlived its host"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_ordinary_user_runs_a_host_with_the_same_sandbox() {
    if !is_root() {
        eprintln!("skipped: needs root to become an ordinary user (nobody)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    std::os::unix::fs::chown(tmp.path(), Some(65534), Some(65534)).unwrap();
    let dir = tmp.path().join("cloud");
    let mut child = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(common::spork_bin())
        .args(["host", "--port", "0", "--json", "--dir"])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut proc = common::Proc {
        stdout: Some(std::io::BufReader::new(child.stdout.take().unwrap())),
        child,
    };
    assert_eq!(
        proc.json_line(Duration::from_secs(20))["event"],
        "listening"
    );
    let out = common::host::spork_at(
        &dir,
        &["install", fixture("hello").to_str().unwrap(), "--json"],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let info: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = common::host::spork_at(
        &dir,
        &[
            "call",
            "example.com/hello-api",
            "call",
            r#"["example.com/hello-api","hello",["nobody"]]"#,
        ],
    );
    let via: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(via["body"]["result"], "hello nobody", "{via}");
    for pid in descendants(info["pid"].as_u64().unwrap() as u32) {
        assert_eq!(
            uid_of(pid),
            65534,
            "an ordinary host's services run as that user"
        );
    }
    assert_eq!(
        std::fs::metadata(dir.join("secrets.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(dir.join("host.sock"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );
    drop(proc);
}

#[test]
fn a_service_cannot_point_the_host_at_another_socket_or_its_launcher_at_a_library() {
    let host = TestHost::start(&["--ready-timeout", "3"]);
    // Its socket folder is writable by it: a symlink to the host's control socket there
    // must not be followed (it would make the service's API calls the admin's).
    let sly = fixture_copy("probe", |m| {
        m["name"] = json!("sly");
        m["run"] = json!([
            "sh",
            "-c",
            "ln -s ../../host.sock /run/atek/service.sock && exec sleep 600"
        ]);
    });
    let out = host.spork(&["install", sly.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("did not become ready"),
        "{}",
        text(&out.stderr)
    );

    // A package's env reaches only the service: the launcher and bwrap, outside the
    // sandbox, see it under a prefix that no loader or libc reads.
    let preload = fixture_copy("hello", |m| {
        m["name"] = json!("preload");
        m["env"] = json!({"LD_PRELOAD": ""});
    });
    let info = host.install(preload.path(), &[]);
    let outer = std::fs::read(format!("/proc/{}/environ", info["pid"])).unwrap();
    let outer = text(&outer);
    assert!(
        !outer.split('\0').any(|kv| kv.starts_with("LD_PRELOAD=")),
        "{outer}"
    );
    assert!(outer.contains("SPORK_SERVICE_ENV_LD_PRELOAD="), "{outer}");
    let env = host.call("example.com/hello-api", "env", "[]");
    assert!(
        env.as_array().unwrap().contains(&json!("LD_PRELOAD")),
        "{env}"
    );
}
