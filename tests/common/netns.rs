//! A NAT lab in Linux network namespaces, for holepunching tests: two peers, each on
//! its own LAN behind its own NAT router, and a shared "outside" network where DHT
//! nodes run. Every address lives inside namespaces the lab creates (10.77.x.x outside,
//! 192.168.x.x on the LANs); the root namespace's interfaces, routes and firewall are
//! never touched. Needs root, `ip` (iproute2) and `nft` (nftables).
//!
//! ```text
//!   lanA 192.168.1.2 ── 192.168.1.1 natA 10.77.1.2 ── 10.77.1.1 ┐
//!                                                               wan (forwards)
//!   lanB 192.168.2.2 ── 192.168.2.1 natB 10.77.2.2 ── 10.77.2.1 ┘
//! ```

use std::ffi::OsStr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// How a NAT router maps a LAN socket to its public address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nat {
    /// nftables `masquerade`: Linux keeps the source port, so one LAN socket has one
    /// public port whatever it talks to (endpoint-independent mapping). Holepunchable.
    Consistent,
    /// nftables `masquerade fully-random`: a new random public port for every
    /// destination (a "symmetric" NAT).
    Random,
}

/// The outside network's address on its link to natA: where DHT nodes bind.
pub const WAN_HOST: &str = "10.77.1.1";
/// The outside network's address on its link to natB.
const WAN_HOST_B: &str = "10.77.2.1";
/// natA's public (outside) address.
pub const NAT_A_PUBLIC: &str = "10.77.1.2";
/// natB's public (outside) address.
pub const NAT_B_PUBLIC: &str = "10.77.2.2";
/// The peer's address on LAN A.
pub const LAN_A_HOST: &str = "192.168.1.2";
/// The peer's address on LAN B.
pub const LAN_B_HOST: &str = "192.168.2.2";

/// Labs made by this process so far, to keep namespace names unique.
static LABS: AtomicUsize = AtomicUsize::new(0);
/// Serialises each lab's first `ip netns add`.
static PROBE: Mutex<()> = Mutex::new(());

/// Five network namespaces wired as two NATed LANs and an outside network (see the
/// module doc). Names are unique per process and lab, so tests can run in parallel;
/// every namespace (and with it every veth link) is deleted on drop, also when a test
/// panics.
pub struct Lab {
    /// The outside network's namespace.
    wan: String,
    /// natA's router namespace.
    nat_a: String,
    /// natB's router namespace.
    nat_b: String,
    /// LAN A's host namespace.
    lan_a: String,
    /// LAN B's host namespace.
    lan_b: String,
    /// Namespaces created so far, deleted on drop.
    created: Vec<String>,
}

impl Lab {
    /// Builds the lab with natA and natB behaving as `nat_a` and `nat_b`. Returns `None`
    /// (after printing why) if network namespaces can't be made here, e.g. not root or
    /// no `ip`/`nft`; under `CI=true` that panics instead. Any later setup failure
    /// panics naming the command and its stderr.
    pub fn new(nat_a: Nat, nat_b: Nat) -> Option<Lab> {
        let prefix = format!(
            "spork{}x{}",
            std::process::id(),
            LABS.fetch_add(1, Ordering::Relaxed)
        );
        let mut lab = Lab {
            wan: format!("{prefix}-wan"),
            nat_a: format!("{prefix}-natA"),
            nat_b: format!("{prefix}-natB"),
            lan_a: format!("{prefix}-lanA"),
            lan_b: format!("{prefix}-lanB"),
            created: Vec::new(),
        };
        if let Err(why) = tool_present("nft", "--version") {
            return unavailable(why);
        }
        // The first namespace is the probe: if it can't be made, none can. One at a
        // time, as the very first `ip netns add` also sets up /var/run/netns.
        let probe = {
            let _one = PROBE.lock().unwrap_or_else(|e| e.into_inner());
            try_run(Command::new("ip").args(["netns", "add", &lab.wan]), None)
        };
        match probe {
            Ok(()) => lab.created.push(lab.wan.clone()),
            Err(why) => return unavailable(why),
        }
        for ns in [&lab.nat_a, &lab.nat_b, &lab.lan_a, &lab.lan_b] {
            run(Command::new("ip").args(["netns", "add", ns]), None);
            lab.created.push(ns.clone());
        }
        for ns in &lab.created {
            ip(ns, &["link", "set", "lo", "up"]);
        }
        set_forwarding(&lab.wan);
        lab.router(&lab.nat_a, "toA", WAN_HOST, NAT_A_PUBLIC);
        lab.router(&lab.nat_b, "toB", WAN_HOST_B, NAT_B_PUBLIC);
        lab.host(&lab.nat_a, &lab.lan_a, LAN_A_HOST, "192.168.1.1");
        lab.host(&lab.nat_b, &lab.lan_b, LAN_B_HOST, "192.168.2.1");
        lab.firewall(&lab.nat_a, nat_a);
        lab.firewall(&lab.nat_b, nat_b);
        Some(lab)
    }

    /// Links router namespace `nat` to wan and makes it forward: wan's end `wan_if`
    /// gets `wan_addr`/24, the router's end (`wan`) gets `public`/24 and the default
    /// route via `wan_addr`.
    fn router(&self, nat: &str, wan_if: &str, wan_addr: &str, public: &str) {
        ip(
            &self.wan,
            &[
                "link", "add", wan_if, "type", "veth", "peer", "name", "wan", "netns", nat,
            ],
        );
        ip(
            &self.wan,
            &["addr", "add", &format!("{wan_addr}/24"), "dev", wan_if],
        );
        ip(&self.wan, &["link", "set", wan_if, "up"]);
        ip(nat, &["addr", "add", &format!("{public}/24"), "dev", "wan"]);
        ip(nat, &["link", "set", "wan", "up"]);
        ip(nat, &["route", "add", "default", "via", wan_addr]);
        set_forwarding(nat);
    }

    /// Links host namespace `lan` to router `nat`: the router's end (`lan`) gets
    /// `gateway`/24, the host's end (`eth0`) gets `addr`/24 and the default route.
    fn host(&self, nat: &str, lan: &str, addr: &str, gateway: &str) {
        ip(
            nat,
            &[
                "link", "add", "lan", "type", "veth", "peer", "name", "eth0", "netns", lan,
            ],
        );
        ip(
            nat,
            &["addr", "add", &format!("{gateway}/24"), "dev", "lan"],
        );
        ip(nat, &["link", "set", "lan", "up"]);
        ip(lan, &["addr", "add", &format!("{addr}/24"), "dev", "eth0"]);
        ip(lan, &["link", "set", "eth0", "up"]);
        ip(lan, &["route", "add", "default", "via", gateway]);
    }

    /// Loads router `nat`'s nftables rules: masquerade (per `kind`) out of `wan`, and a
    /// home router's firewall: replies and LAN-initiated traffic pass, anything new
    /// from outside (forwarded to the LAN or to the router itself) is dropped silently.
    /// Dropping at input matters for holepunching: a punch that arrives before the
    /// hole exists must not leave a conntrack entry behind, or the router's own punch
    /// back would clash with it and be masqueraded to a different port.
    fn firewall(&self, nat: &str, kind: Nat) {
        let masquerade = match kind {
            Nat::Consistent => "masquerade",
            Nat::Random => "masquerade fully-random",
        };
        let rules = format!(
            r#"
table ip lab {{
  chain postrouting {{
    type nat hook postrouting priority srcnat; policy accept;
    oifname "wan" {masquerade}
  }}
  chain forward {{
    type filter hook forward priority filter; policy drop;
    ct state established,related accept
    iifname "lan" oifname "wan" accept
    iifname "wan" oifname "lan" ct state new drop
  }}
  chain input {{
    type filter hook input priority filter; policy accept;
    ct state established,related accept
    iifname "wan" drop
  }}
}}
"#
        );
        run(
            self.command(nat, "nft", ["-f", "-"]).stdin(Stdio::piped()),
            Some(&rules),
        );
    }

    /// The outside network's namespace, where DHT nodes run (bound to [`Lab::wan_host`]).
    pub fn wan(&self) -> &str {
        &self.wan
    }

    /// natA's router namespace.
    pub fn nat_a(&self) -> &str {
        &self.nat_a
    }

    /// natB's router namespace.
    pub fn nat_b(&self) -> &str {
        &self.nat_b
    }

    /// The namespace of the host behind natA ([`LAN_A_HOST`]).
    pub fn lan_a(&self) -> &str {
        &self.lan_a
    }

    /// The namespace of the host behind natB ([`LAN_B_HOST`]).
    pub fn lan_b(&self) -> &str {
        &self.lan_b
    }

    /// The address DHT nodes in [`Lab::wan`] bind: reachable from both LANs.
    pub fn wan_host(&self) -> &'static str {
        WAN_HOST
    }

    /// natA's public address: what outside peers see LAN A's traffic come from.
    pub fn nat_a_public(&self) -> &'static str {
        NAT_A_PUBLIC
    }

    /// natB's public address: what outside peers see LAN B's traffic come from.
    pub fn nat_b_public(&self) -> &'static str {
        NAT_B_PUBLIC
    }

    /// `ip netns exec NS PROGRAM ARGS…`: a command to run in namespace `ns`.
    pub fn command<I, S>(&self, ns: &str, program: impl AsRef<OsStr>, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns]).arg(program).args(args);
        cmd
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for ns in self.created.iter().rev() {
            if let Err(why) = try_run(Command::new("ip").args(["netns", "del", ns]), None) {
                eprintln!("netns lab cleanup: {why}");
            }
        }
    }
}

/// Runs `f` on a fresh thread whose network namespace is `ns` and returns its result
/// (a panic in `f` is passed on). Sockets made inside `f` stay in `ns` for good, so
/// they can be handed out and used from any thread.
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    let thread = std::thread::spawn(move || {
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
        rustix::thread::move_into_link_name_space(
            std::os::fd::AsFd::as_fd(&file),
            Some(rustix::thread::LinkNameSpaceType::Network),
        )
        .unwrap_or_else(|e| panic!("setns({path}, CLONE_NEWNET): {e}"));
        drop(file);
        f()
    });
    thread
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Turns on IPv4 forwarding in namespace `ns` (its own copy of the sysctl).
fn set_forwarding(ns: &str) {
    let name = ns.to_string();
    in_netns(ns, move || {
        std::fs::write("/proc/sys/net/ipv4/ip_forward", "1")
            .unwrap_or_else(|e| panic!("ip_forward=1 in {name}: {e}"))
    });
}

/// `ip -n NS ARGS…`, panicking with stderr on failure.
fn ip(ns: &str, args: &[&str]) {
    run(Command::new("ip").args(["-n", ns]).args(args), None);
}

/// Runs `cmd` (feeding it `stdin` if given), panicking with the command and its stderr
/// on failure.
fn run(cmd: &mut Command, stdin: Option<&str>) {
    if let Err(why) = try_run(cmd, stdin) {
        panic!("netns lab setup failed: {why}");
    }
}

/// Runs `cmd` (feeding it `stdin` if given); on failure, says which command and why.
fn try_run(cmd: &mut Command, stdin: Option<&str>) -> Result<(), String> {
    use std::io::Write;
    let line = format!("{cmd:?}");
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{line}: {e}"))?;
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin piped");
        pipe.write_all(input.as_bytes())
            .map_err(|e| format!("{line}: writing stdin: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{line}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{line}: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// Checks `program` runs at all (`program arg`).
fn tool_present(program: &str, arg: &str) -> Result<(), String> {
    try_run(Command::new(program).arg(arg), None)
}

/// Namespaces can't be made: `None` with a note, or a panic under `CI=true`.
fn unavailable(why: String) -> Option<Lab> {
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "network namespaces unavailable ({why}). Under CI=true, failing to make \
         namespaces is a failure, not a skip: run as root with iproute2 and nftables"
    );
    eprintln!("skipping: network namespaces unavailable ({why}); needs root, ip and nft");
    None
}
