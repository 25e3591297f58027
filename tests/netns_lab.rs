//! The NAT lab (tests/common/netns.rs) behaves like the NATs it claims to be: mappings,
//! filtering of unsolicited traffic, and a plain-UDP holepunch between the two LANs.
//! Without root/`ip`/`nft` the tests print a note and pass; under `CI=true` they fail.

mod common;

use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::process::Command;
use std::time::{Duration, Instant};

use common::netns::{in_netns, Lab, Nat, LAN_A_HOST, NAT_A_PUBLIC, NAT_B_PUBLIC, WAN_HOST};

/// How long "nothing arrives" is given to be wrong.
const SILENCE: Duration = Duration::from_millis(500);

/// A UDP socket bound to `host`, any port, inside namespace `ns`.
fn udp(ns: &str, host: &str) -> UdpSocket {
    let addr = format!("{host}:0");
    in_netns(ns, move || {
        UdpSocket::bind(addr.as_str()).unwrap_or_else(|e| panic!("bind {addr}: {e}"))
    })
}

/// The next datagram on `sock` within `timeout`, or `None`.
fn recv(sock: &UdpSocket, timeout: Duration) -> Option<(Vec<u8>, SocketAddr)> {
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        sock.set_read_timeout(Some(left)).unwrap();
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => return Some((buf[..n].to_vec(), from)),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None
            }
            // A receive with a timeout is never restarted after a signal handler runs.
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => panic!("recv_from: {e}"),
        }
    }
}

/// Waits for `want` on `sock` and returns who sent it.
fn expect(sock: &UdpSocket, want: &str) -> SocketAddr {
    let (got, from) = recv(sock, Duration::from_secs(5))
        .unwrap_or_else(|| panic!("{want:?} never arrived at {:?}", sock.local_addr()));
    assert_eq!(String::from_utf8_lossy(&got), want, "from {from}");
    from
}

/// Asserts nothing arrives on `sock` for [`SILENCE`].
fn silent(sock: &UdpSocket, why: &str) {
    if let Some((got, from)) = recv(sock, SILENCE) {
        panic!(
            "{why}, yet {:?} arrived from {from}",
            String::from_utf8_lossy(&got)
        );
    }
}

/// Sends `msg` from `sock` to `to`.
fn send(sock: &UdpSocket, msg: &str, to: SocketAddr) {
    sock.send_to(msg.as_bytes(), to)
        .unwrap_or_else(|e| panic!("send {msg:?} to {to}: {e}"));
}

/// `ip` as an address.
fn addr(ip: &str) -> IpAddr {
    ip.parse().unwrap()
}

#[test]
fn consistent_nat_keeps_one_public_port_for_every_destination() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Consistent) else {
        return;
    };
    let a = udp(lab.lan_a(), "0.0.0.0");
    let w1 = udp(lab.wan(), lab.wan_host());
    let w2 = udp(lab.wan(), lab.wan_host());
    send(&a, "to w1", w1.local_addr().unwrap());
    send(&a, "to w2", w2.local_addr().unwrap());
    let m1 = expect(&w1, "to w1");
    let m2 = expect(&w2, "to w2");
    assert_eq!(m1.ip(), addr(NAT_A_PUBLIC), "masqueraded to natA's address");
    assert_eq!(m1, m2, "one public port for both destinations");
    assert_eq!(
        m1.port(),
        a.local_addr().unwrap().port(),
        "Linux keeps the port"
    );
    // Replies come back through the mapping.
    send(&w1, "back from w1", m1);
    assert_eq!(expect(&a, "back from w1"), w1.local_addr().unwrap());
    send(&w2, "back from w2", m2);
    assert_eq!(expect(&a, "back from w2"), w2.local_addr().unwrap());
}

#[test]
fn random_nat_gives_each_destination_its_own_port() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Random) else {
        return;
    };
    // From LAN B, which also shows the wan host (natA's side) is reachable via natB.
    let b = udp(lab.lan_b(), "0.0.0.0");
    // Three destinations: two random ports can coincide (1 in ~64k); three can't all.
    let wans: Vec<UdpSocket> = (0..3).map(|_| udp(lab.wan(), lab.wan_host())).collect();
    for (i, w) in wans.iter().enumerate() {
        send(&b, &format!("to w{i}"), w.local_addr().unwrap());
    }
    let mapped: Vec<SocketAddr> = wans
        .iter()
        .enumerate()
        .map(|(i, w)| expect(w, &format!("to w{i}")))
        .collect();
    for m in &mapped {
        assert_eq!(m.ip(), addr(NAT_B_PUBLIC), "masqueraded to natB's address");
    }
    assert!(
        mapped.iter().any(|m| m.port() != mapped[0].port()),
        "a fully random NAT used one port for every destination: {mapped:?}"
    );
    for (i, (w, m)) in wans.iter().zip(&mapped).enumerate() {
        send(w, &format!("back from w{i}"), *m);
        assert_eq!(
            expect(&b, &format!("back from w{i}")),
            w.local_addr().unwrap()
        );
    }
}

#[test]
fn unsolicited_inbound_is_dropped() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Random) else {
        return;
    };
    for (ns, public) in [(lab.lan_a(), NAT_A_PUBLIC), (lab.lan_b(), NAT_B_PUBLIC)] {
        let peer = udp(ns, "0.0.0.0");
        let talked_to = udp(lab.wan(), lab.wan_host());
        let stranger = udp(lab.wan(), lab.wan_host());
        send(&peer, "out", talked_to.local_addr().unwrap());
        let mapped = expect(&talked_to, "out");
        assert_eq!(mapped.ip(), addr(public));
        send(&stranger, "unsolicited", mapped);
        silent(
            &peer,
            &format!("{ns} never talked to {:?}", stranger.local_addr()),
        );
        // The port it did talk to gets through (and the stranger's datagram isn't
        // merely late: it would be first in line).
        send(&talked_to, "reply", mapped);
        assert_eq!(expect(&peer, "reply"), talked_to.local_addr().unwrap());
    }
}

#[test]
fn firewall_drops_new_traffic_routed_straight_into_the_lan() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Consistent) else {
        return;
    };
    // The outside normally has no route to 192.168.1.0/24; give it one, so only natA's
    // forward filter stands between a wan host and LAN A.
    let out = lab
        .command(
            lab.wan(),
            "ip",
            ["route", "add", "192.168.1.0/24", "via", NAT_A_PUBLIC],
        )
        .output()
        .expect("ip route add");
    assert!(out.status.success(), "{out:?}");
    let peer = udp(lab.lan_a(), "0.0.0.0");
    let w = udp(lab.wan(), lab.wan_host());
    let direct = SocketAddr::new(addr(LAN_A_HOST), peer.local_addr().unwrap().port());
    send(&w, "straight in", direct);
    silent(&peer, "natA forwards nothing new from wan to the LAN");
    // Once A has talked to w, w's replies (via the mapping) pass.
    send(&peer, "out", w.local_addr().unwrap());
    let mapped = expect(&w, "out");
    send(&w, "reply", mapped);
    assert_eq!(expect(&peer, "reply"), w.local_addr().unwrap());
}

/// Two peers learn their public addresses from a "DHT" socket on the wan host, then
/// punch: A first (lost: natB has no hole yet), then B (arrives: A's datagram opened
/// natA), then A again. Returns whether B's punch and A's second datagram arrived.
fn mini_holepunch(lab: &Lab) -> (bool, bool) {
    let dht = udp(lab.wan(), lab.wan_host());
    let a = udp(lab.lan_a(), "0.0.0.0");
    let b = udp(lab.lan_b(), "0.0.0.0");
    send(&a, "hello dht from a", dht.local_addr().unwrap());
    let pub_a = expect(&dht, "hello dht from a");
    send(&b, "hello dht from b", dht.local_addr().unwrap());
    let pub_b = expect(&dht, "hello dht from b");
    assert_eq!(pub_a.ip(), addr(NAT_A_PUBLIC));
    assert_eq!(pub_b.ip(), addr(NAT_B_PUBLIC));

    send(&a, "punch from a", pub_b);
    silent(&b, "natB has no hole for A yet");
    send(&b, "punch from b", pub_a);
    let b_reached_a = recv(&a, SILENCE).map(|(got, from)| {
        assert_eq!((got.as_slice(), from), (&b"punch from b"[..], pub_b));
    });
    send(&a, "hello b", pub_b);
    let a_reached_b = recv(&b, SILENCE).map(|(got, from)| {
        assert_eq!((got.as_slice(), from), (&b"hello b"[..], pub_a));
    });
    if b_reached_a.is_some() && a_reached_b.is_some() {
        send(&b, "hello a", pub_a);
        assert_eq!(expect(&a, "hello a"), pub_b);
    }
    (b_reached_a.is_some(), a_reached_b.is_some())
}

#[test]
fn holepunch_through_two_consistent_nats() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Consistent) else {
        return;
    };
    assert_eq!(mini_holepunch(&lab), (true, true));
}

#[test]
fn holepunch_fails_through_a_random_nat() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Random) else {
        return;
    };
    // natB maps B's punch to a fresh port natA has no hole for, and A aims at the port
    // natB gave the DHT, which only the DHT may use. (Fails 1 time in ~64k, when the
    // random port happens to repeat.)
    assert_eq!(mini_holepunch(&lab), (false, false));
}

#[test]
fn lab_has_the_claimed_addresses() {
    let Some(lab) = Lab::new(Nat::Consistent, Nat::Consistent) else {
        return;
    };
    let out = lab
        .command(
            lab.lan_a(),
            "ip",
            ["-4", "-o", "addr", "show", "dev", "eth0"],
        )
        .output()
        .expect("ip addr");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{LAN_A_HOST}/24")), "{text}");
    let out = lab
        .command(lab.wan(), "ip", ["-4", "-o", "addr", "show"])
        .output()
        .expect("ip addr");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{WAN_HOST}/24")), "{text}");
}

/// True if a namespace called `name` exists.
fn netns_exists(name: &str) -> bool {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
        || std::path::Path::new("/var/run/netns").join(name).exists()
}

/// The five namespace names of `lab`.
fn names(lab: &Lab) -> Vec<String> {
    [
        lab.wan(),
        lab.nat_a(),
        lab.nat_b(),
        lab.lan_a(),
        lab.lan_b(),
    ]
    .map(String::from)
    .to_vec()
}

#[test]
fn namespaces_are_deleted_on_drop_and_on_panic() {
    let Some(lab) = Lab::new(Nat::Random, Nat::Random) else {
        return;
    };
    let dropped = names(&lab);
    assert!(dropped.iter().all(|n| netns_exists(n)), "{dropped:?}");
    drop(lab);
    for n in &dropped {
        assert!(!netns_exists(n), "{n} left behind after drop");
    }

    let (tx, rx) = std::sync::mpsc::channel();
    let result = std::thread::spawn(move || {
        let lab = Lab::new(Nat::Consistent, Nat::Consistent).expect("made one before");
        tx.send(names(&lab)).unwrap();
        panic!("a test failing midway (expected)");
    })
    .join();
    assert!(result.is_err());
    let panicked = rx.recv().expect("the thread made its lab");
    for n in &panicked {
        assert!(!netns_exists(n), "{n} left behind after a panic");
    }
}

/// Not a test on its own: run by the next one in a child process with no `ip` or `nft`
/// on PATH.
#[test]
fn probe_lab_without_tools() {
    if std::env::var_os("SPORK_NETNS_PROBE").is_none() {
        return;
    }
    assert!(Lab::new(Nat::Consistent, Nat::Consistent).is_none());
}

#[test]
fn unavailable_namespaces_skip_unless_ci() {
    let probe = |ci: bool| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([
            "probe_lab_without_tools",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("SPORK_NETNS_PROBE", "1")
        .env("PATH", "/nonexistent")
        .env_remove("CI");
        if ci {
            cmd.env("CI", "true");
        }
        let out = cmd.output().expect("run the probe");
        let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text.into_owned())
    };
    let (ok, text) = probe(false);
    assert!(
        ok && text.contains("skipping: network namespaces unavailable"),
        "{text}"
    );
    let (ok, text) = probe(true);
    assert!(
        !ok && text.contains("Under CI=true, failing to make namespaces is a failure"),
        "{text}"
    );
}
