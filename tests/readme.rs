//! The README's "Five minutes with spork" walkthrough, run as written: every ```sh
//! walkthrough``` block of README.md, in order, in one bash, against the spork under
//! test. Only the ports change (to free ones), and a trap stops background jobs if a
//! step fails; so the README and what works cannot drift apart.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

/// The walkthrough blocks of the README, joined.
fn walkthrough() -> String {
    let readme = include_str!("../README.md");
    let mut script = String::new();
    let mut inside = false;
    for line in readme.lines() {
        if inside {
            if line.trim_start().starts_with("```") {
                inside = false;
                script.push('\n');
            } else {
                script.push_str(line);
                script.push('\n');
            }
        } else if line.trim() == "```sh walkthrough" {
            inside = true;
        }
    }
    script
}

/// A port nobody listens on now (TCP and UDP).
fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

#[test]
fn the_readme_walkthrough_works() {
    let mut script = walkthrough();
    assert!(
        script.contains("spork dht"),
        "no walkthrough found in README.md"
    );
    for fixed in ["49737", "8001", "8002", "8003", "8004"] {
        script = script.replace(fixed, &free_port().to_string());
    }
    // If a step fails, nothing started in the background may outlive the test.
    script.insert_str(0, "trap 'kill $(jobs -p) 2>/dev/null' EXIT\n");
    let bin_dir = common::spork_bin().parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("bash");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the walkthrough did not finish in 2 minutes"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    // Four ways to the same page: local, bind KEY, gateway by alice's key, by bob's.
    assert_eq!(
        stdout.matches("<h1>Hello from spork</h1>").count(),
        4,
        "{stdout}\n--- stderr\n{stderr}"
    );
    assert!(stdout.contains("a message through the pipe"), "{stdout}");
    // The home cloud: the service's API through the gateway, its page through a session.
    assert!(
        stdout.contains("\"hello world\""),
        "{stdout}\n--- stderr\n{stderr}"
    );
    assert!(
        stdout.contains("<h1>Hello from a sandbox</h1>"),
        "{stdout}\n--- stderr\n{stderr}"
    );
    // The keys step printed alice's key twice (new, show).
    let keys: Vec<&str> = stdout
        .lines()
        .filter(|l| {
            l.len() == 52
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        .collect();
    assert_eq!(keys.len(), 2, "{stdout}");
    assert_eq!(keys[0], keys[1]);
}
