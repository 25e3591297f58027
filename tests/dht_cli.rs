//! `spork dht` as a process: output streams, JSON events, errors and exit codes.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use common::{spork_bin, spork_dht};

fn run(args: &[&str]) -> std::process::Output {
    Command::new(spork_bin())
        .args(args)
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .output()
        .expect("run spork")
}

#[test]
fn json_listening_event_then_clean_exit_on_sigterm_and_sigint() {
    for sig in [15, 2] {
        let (mut p, addr) = spork_dht(None);
        assert!(addr.starts_with("127.0.0.1:"), "{addr}");
        p.signal(sig);
        let status = p.wait(Duration::from_secs(5));
        assert_eq!(status.code(), Some(0), "signal {sig}");
    }
}

#[test]
fn human_listening_line_on_stderr_and_nothing_on_stdout() {
    let child = Command::new(spork_bin())
        .args(["dht", "--host", "127.0.0.1", "--port", "0"])
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    Command::new("kill")
        .args(["-15", &child.id().to_string()])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("listening on 127.0.0.1:"),
        "stderr: {stderr:?}"
    );
}

#[test]
fn bad_host_is_a_usage_error() {
    let out = run(&["dht", "--host", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid --host \"nope\": expected an IPv4 address such as 0.0.0.0 or 127.0.0.1\n"
    );
}

#[test]
fn port_in_use_is_a_one_line_runtime_error() {
    let (_p, addr) = spork_dht(None);
    let port = addr.rsplit(':').next().unwrap();
    let out = run(&["dht", "--host", "127.0.0.1", "--port", port]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot bind UDP 127.0.0.1:{port}: ")),
        "{stderr:?}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
}

#[test]
fn bad_bootstrap_is_a_usage_error() {
    let out = run(&["dht", "--port", "0", "--bootstrap", "127.0.0.1"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid bootstrap node \"127.0.0.1\": expected HOST:PORT, e.g. 127.0.0.1:49737\n"
    );
}

#[test]
fn json_error_event_on_failure() {
    let out = run(&["dht", "--json", "--host", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let line = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(v["event"], "error");
    assert!(v["message"].as_str().unwrap().starts_with("invalid --host"));
}

#[test]
fn unknown_flag_exits_2() {
    let out = run(&["dht", "--frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}
