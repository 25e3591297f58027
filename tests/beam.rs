//! `spork beam` as real processes on a local DHT: against the real `hyperbeam@3` in
//! both roles, spork to spork (256 MiB one way, 16 MiB both ways at once), `-r`
//! restarts, and the one-line errors.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use common::{node_available, node_process, node_tool, pattern, sha_hex, spork_bin, spork_network};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A running `spork beam --json`: its stdin fed from a thread, its stdout hashed by
/// another, its stderr (where beam's events go) read line by line.
struct Beam {
    child: Child,
    events: mpsc::Receiver<String>,
    feeder: Option<JoinHandle<()>>,
    /// sha256 (hex) and length of everything read from stdout.
    output: Option<JoinHandle<(String, u64)>>,
}

impl Beam {
    /// Starts `spork beam ARGS… --json` on `boot`, sending `input` then EOF.
    fn start(args: &[&str], boot: &str, input: Vec<u8>) -> Beam {
        Beam::spawn(args, boot, Some(input)).0
    }

    /// Starts `spork beam ARGS… --json` on `boot` and hands back its stdin, open.
    fn start_holding_stdin(args: &[&str], boot: &str) -> (Beam, std::process::ChildStdin) {
        let (beam, stdin) = Beam::spawn(args, boot, None);
        (beam, stdin.unwrap())
    }

    fn spawn(
        args: &[&str],
        boot: &str,
        input: Option<Vec<u8>>,
    ) -> (Beam, Option<std::process::ChildStdin>) {
        let mut child = Command::new(spork_bin())
            .arg("beam")
            .args(args)
            .arg("--json")
            .env("SPORK_BOOTSTRAP", boot)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn spork beam");
        let mut stdin = child.stdin.take().unwrap();
        let (feeder, held) = match input {
            Some(input) => {
                let feeder = std::thread::spawn(move || {
                    for chunk in input.chunks(1 << 20) {
                        if stdin.write_all(chunk).is_err() {
                            return;
                        }
                    }
                });
                (feeder, None)
            }
            None => (std::thread::spawn(|| {}), Some(stdin)),
        };
        let mut stdout = child.stdout.take().unwrap();
        let output = std::thread::spawn(move || {
            let mut sha = Sha256::new();
            let mut buf = vec![0u8; 1 << 16];
            let mut total = 0u64;
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sha.update(&buf[..n]);
                total += n as u64;
            }
            (hex::encode(sha.finalize()), total)
        });
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let (tx, events) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        let beam = Beam {
            child,
            events,
            feeder: Some(feeder),
            output: Some(output),
        };
        (beam, held)
    }

    /// The next stderr line, as JSON.
    fn event(&self, timeout: Duration) -> Value {
        let line = self
            .events
            .recv_timeout(timeout)
            .expect("no event on stderr before the timeout");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
    }

    /// The passphrase of an announcing beam (its `listening` event).
    fn passphrase(&self) -> String {
        let ev = self.event(Duration::from_secs(30));
        assert_eq!(ev["event"], "listening", "{ev}");
        ev["passphrase"].as_str().unwrap().to_string()
    }

    /// Waits for exit; returns the status and the sha256/length of stdout.
    fn finish(mut self, timeout: Duration) -> (ExitStatus, String, u64) {
        let deadline = std::time::Instant::now() + timeout;
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "spork beam did not exit in {timeout:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        self.feeder.take().unwrap().join().unwrap();
        let (sha, len) = self.output.take().unwrap().join().unwrap();
        (status, sha, len)
    }
}

impl Drop for Beam {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The events after `listening`: `connect`, then `close` with the byte counts.
fn assert_closed(beam: &Beam, bytes_in: u64, bytes_out: u64) {
    let ev = beam.event(Duration::from_secs(60));
    assert_eq!(ev["event"], "connect", "{ev}");
    let ev = beam.event(Duration::from_secs(300));
    assert_eq!(ev["event"], "close", "{ev}");
    assert_eq!(ev["bytes_in"], bytes_in, "{ev}");
    assert_eq!(ev["bytes_out"], bytes_out, "{ev}");
}

#[test]
fn spork_connects_to_a_hyperbeam_that_announces() {
    if !node_available() {
        return;
    }
    let (_dht, boot) = spork_network(3);
    let (mut hyperbeam, first) = node_process(&["beam", &boot, "-", "3000000"]);
    let key = first["key"].as_str().unwrap().to_string();
    let data = pattern(5_000_000, 1);
    let beam = Beam::start(&[&key], &boot, data.clone());
    assert_closed(&beam, 3_000_000, 5_000_000);
    let (status, got_sha, got_len) = beam.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let done = hyperbeam.json_line(Duration::from_secs(30));
    assert_eq!(done["received"], sha_hex(&data).as_str(), "{done}");
    assert_eq!(done["sent"], got_sha.as_str(), "{done}");
    assert_eq!(got_len, 3_000_000);
}

#[test]
fn hyperbeam_connects_to_a_spork_beam_that_announces() {
    if !node_available() {
        return;
    }
    let (_dht, boot) = spork_network(3);
    let data = pattern(5_000_000, 2);
    let beam = Beam::start(&[], &boot, data.clone());
    let key = beam.passphrase();
    let done = node_tool(&["beam", &boot, &key, "3000000"]);
    assert_eq!(done["ok"], true, "{done}");
    assert_eq!(done["received"], sha_hex(&data).as_str(), "{done}");
    assert_closed(&beam, 3_000_000, 5_000_000);
    let (status, got_sha, got_len) = beam.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    assert_eq!(done["sent"], got_sha.as_str(), "{done}");
    assert_eq!(got_len, 3_000_000);
}

#[test]
fn spork_to_spork_moves_256_mib_one_way() {
    let (_dht, boot) = spork_network(3);
    let data = pattern(256 << 20, 3);
    let want = sha_hex(&data);
    let sender = Beam::start(&[], &boot, data);
    let key = sender.passphrase();
    let receiver = Beam::start(&[&key], &boot, Vec::new());
    assert_closed(&sender, 0, 256 << 20);
    assert_closed(&receiver, 256 << 20, 0);
    let (status, _, _) = sender.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let (status, got, len) = receiver.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    assert_eq!(len, 256 << 20);
    assert_eq!(got, want);
}

#[test]
fn spork_to_spork_moves_16_mib_both_ways_at_once() {
    let (_dht, boot) = spork_network(3);
    let (a_data, b_data) = (pattern(16 << 20, 4), pattern(16 << 20, 5));
    let a = Beam::start(&[], &boot, a_data.clone());
    let key = a.passphrase();
    let b = Beam::start(&[&key], &boot, b_data.clone());
    assert_closed(&a, 16 << 20, 16 << 20);
    assert_closed(&b, 16 << 20, 16 << 20);
    let (status, a_got, _) = a.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let (status, b_got, _) = b.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    assert_eq!(a_got, sha_hex(&b_data));
    assert_eq!(b_got, sha_hex(&a_data));
}

/// One exchange between an announcing and a connecting beam.
fn exchange(announcer: &[&str], connector: &[&str], boot: &str, seed: u8) {
    let (a_data, b_data) = (pattern(100_000, seed), pattern(50_000, seed + 1));
    let a = Beam::start(announcer, boot, a_data.clone());
    let ev = a.event(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let b = Beam::start(connector, boot, b_data.clone());
    let (status, a_got, _) = a.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let (status, b_got, _) = b.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    assert_eq!(a_got, sha_hex(&b_data));
    assert_eq!(b_got, sha_hex(&a_data));
}

#[test]
fn reuse_restarts_the_announcing_side_with_the_same_passphrase() {
    let (_dht, boot) = spork_network(3);
    let first = Beam::start(&[], &boot, b"first".to_vec());
    let key = first.passphrase();
    let second = Beam::start(&[&key], &boot, b"second".to_vec());
    let (status, _, _) = first.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    let (status, _, _) = second.finish(Duration::from_secs(60));
    assert!(status.success(), "{status}");
    // The announcing side comes back under the same passphrase, -r before or after it.
    exchange(&["-r", &key], &[&key], &boot, 10);
    exchange(&[&key, "-r"], &[&key], &boot, 20);
}

#[test]
fn a_bad_passphrase_is_a_usage_error() {
    let out = Command::new(spork_bin())
        .args(["beam", "not-a-passphrase"])
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid passphrase \"not-a-passphrase\": expected the 52-character base32 \
         passphrase that `spork beam` or `hyperbeam` printed\n"
    );
}

#[test]
fn timeout_bounds_the_wait_for_the_other_side() {
    let (_dht, boot) = spork_network(3);
    let beam = Beam::start(&["--timeout", "2"], &boot, Vec::new());
    let ev = beam.event(Duration::from_secs(30));
    assert_eq!(ev["event"], "listening", "{ev}");
    let ev = beam.event(Duration::from_secs(30));
    assert_eq!(ev["event"], "error", "{ev}");
    assert_eq!(ev["message"], "the other side did not connect within 2 s");
    let (status, _, len) = beam.finish(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1));
    assert_eq!(len, 0);
}

/// After the pipe is up, SIGINT ends our sending cleanly (the peer sees the end) and
/// we still receive everything the peer sends; both exit 0.
#[test]
fn sigint_after_connecting_ends_the_pipe_cleanly() {
    let (_dht, boot) = spork_network(3);
    let (a, _open_stdin) = Beam::start_holding_stdin(&[], &boot);
    let key = a.passphrase();
    let b_data = pattern(1 << 20, 9);
    let b = Beam::start(&[&key], &boot, b_data.clone());
    let ev = a.event(Duration::from_secs(60));
    assert_eq!(ev["event"], "connect", "{ev}");
    let kill = Command::new("kill")
        .args(["-INT", &a.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let ev = a.event(Duration::from_secs(60));
    assert_eq!(ev["event"], "close", "{ev}");
    assert_eq!(ev["bytes_out"], 0, "{ev}");
    assert_eq!(ev["bytes_in"], 1 << 20, "{ev}");
    let (status, a_got, _) = a.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    assert_eq!(a_got, sha_hex(&b_data));
    let (status, _, b_len) = b.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}");
    assert_eq!(b_len, 0);
}

/// `--qr` draws the passphrase on stderr (stdout stays the pipe's).
#[test]
fn qr_code_goes_to_stderr() {
    let out = Command::new(spork_bin())
        .args(["beam", "--qr", "--timeout", "1"])
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines[0], "Run the following command to connect:");
    assert!(lines[1].starts_with("  spork beam ") && lines[1].len() == 13 + 52);
    let qr_rows = lines
        .iter()
        .filter(|l| l.contains('▀') || l.contains('▄'))
        .count();
    assert!(qr_rows >= 10, "{stderr}");
    assert_eq!(
        *lines.last().unwrap(),
        "error: the other side did not connect within 1 s"
    );
}

#[test]
fn sigint_while_waiting_exits_130() {
    let (_dht, boot) = spork_network(3);
    let beam = Beam::start(&[], &boot, Vec::new());
    let _ = beam.passphrase();
    let kill = Command::new("kill")
        .args(["-INT", &beam.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (status, _, _) = beam.finish(Duration::from_secs(10));
    assert_eq!(status.code(), Some(130));
}

/// A server holding the passphrase's key that admits someone else: the connecting
/// beam ends with one clear line instead of waiting forever.
#[test]
fn a_peer_that_refuses_our_key_ends_the_wait() {
    let (_dht, boot) = spork_network(3);
    let passphrase = spork::beam::Passphrase::generate();
    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("beam.json");
    spork::keys::create(&keyfile, &passphrase.keypair()).unwrap();
    let other = spork::keys::KeyPair::generate().public_key().to_string();
    let mut server = Command::new(spork_bin())
        .args(["bind", "-p", "9", "--json", "-k"])
        .arg(&keyfile)
        .args(["--allow", &other])
        .env("SPORK_BOOTSTRAP", &boot)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.contains("listening"), "{line}");

    let beam = Beam::start(&[&passphrase.to_string()], &boot, b"hi".to_vec());
    let ev = beam.event(Duration::from_secs(90));
    assert_eq!(ev["event"], "error", "{ev}");
    assert_eq!(
        ev["message"],
        "the peer refused the connection or is not there"
    );
    let (status, _, len) = beam.finish(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1));
    assert_eq!(len, 0);
    let _ = server.kill();
    let _ = server.wait();
}

/// A peer killed (SIGKILL) while the pipe is up: the other side ends within the peer
/// timeout with an error naming the peer, not blaming its own stdin.
#[test]
fn a_peer_killed_mid_pipe_is_named_within_the_timeout() {
    let (_dht, boot) = spork_network(3);
    let (a, _open_stdin) = Beam::start_holding_stdin(&[], &boot);
    let key = a.passphrase();
    let (b, _b_stdin) = Beam::start_holding_stdin(&[&key], &boot);
    let ev = a.event(Duration::from_secs(60));
    assert_eq!(ev["event"], "connect", "{ev}");
    let remote = ev["remote_key"].as_str().unwrap().to_string();
    std::thread::sleep(Duration::from_millis(500));
    let killed = std::time::Instant::now();
    let kill = Command::new("kill")
        .args(["-KILL", &b.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let ev = a.event(Duration::from_secs(40));
    let took = killed.elapsed();
    eprintln!("beam noticed its dead peer in {:.1} s", took.as_secs_f64());
    assert_eq!(ev["event"], "error", "{ev}");
    assert_eq!(
        ev["message"],
        format!("lost the connection to {remote}: the peer stopped answering (15 s)").as_str()
    );
    assert!(took <= Duration::from_secs(30), "{took:?}");
    let (status, _, _) = a.finish(Duration::from_secs(10));
    assert_eq!(status.code(), Some(1));
}
