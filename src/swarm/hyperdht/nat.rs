//! Classifying the NAT in front of one pool socket (hyperdht `lib/nat.js`): ping a few
//! DHT nodes from the socket, collect the address each saw us at, and decide whether
//! the NAT keeps one mapping for all destinations (CONSISTENT: the peer can aim at it)
//! or picks a new port per destination (RANDOM: only the host is worth telling).
//!
//! [`NatView`] is the pure bookkeeping, kept identical to hyperdht's so both sides of
//! a holepunch reach the same verdicts; [`sample`] does the pinging.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::firewall;
use super::HyperDht;
use crate::swarm::lock;
use crate::swarm::rpc::PoolSocket;

/// Samples wanted before a verdict is final.
const MIN_SAMPLES: usize = 4;
/// When this many nodes are known, skip the most recent few (they are likely the
/// nodes the peer's relay used too, and more distinct views help).
const SKIP_IF_KNOWN: usize = 8;
const SKIP: usize = 5;
/// Per-ping timeout while sampling (no retries: a lost ping just counts as missing).
const PING_TIMEOUT: Duration = Duration::from_secs(1);

/// One observed address of ours and how often it was seen (port 0: host only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Sample {
    addr: SocketAddrV4,
    hits: u32,
}

/// What the samples say about the NAT, as hyperdht computes it.
#[derive(Debug, Clone)]
pub struct NatView {
    by_host: Vec<Sample>,
    by_addr: Vec<Sample>,
    /// Nodes asked (1) or answered (2).
    visited: HashMap<SocketAddrV4, u8>,
    sampled: usize,
    frozen: bool,
    /// True while our node is firewalled (an open node is OPEN whatever it samples).
    firewalled: bool,
    /// The verdict: one of [`firewall`]'s values.
    pub firewall: u64,
    /// The addresses to tell the peer (`None` while UNKNOWN).
    pub addresses: Option<Vec<SocketAddrV4>>,
}

impl NatView {
    /// A view with no samples yet, for a node that is (or is not) firewalled.
    pub fn new(firewalled: bool) -> NatView {
        NatView {
            by_host: Vec::new(),
            by_addr: Vec::new(),
            visited: HashMap::new(),
            sampled: 0,
            frozen: false,
            firewalled,
            firewall: if firewalled {
                firewall::UNKNOWN
            } else {
                firewall::OPEN
            },
            addresses: None,
        }
    }

    /// Samples taken.
    pub fn sampled(&self) -> usize {
        self.sampled
    }

    /// Stops updating the verdict (it was told to the peer).
    pub fn freeze(&mut self) {
        self.frozen = true;
    }

    /// Whether the analysis can stop waiting: a usable verdict or enough samples.
    pub fn resolved(&self) -> bool {
        matches!(self.firewall, firewall::CONSISTENT | firewall::OPEN)
            || self.sampled >= MIN_SAMPLES
    }

    /// Records that `from` saw us at `seen` (once per node).
    pub fn add(&mut self, seen: SocketAddrV4, from: SocketAddrV4) {
        if self.visited.get(&from) == Some(&2) {
            return;
        }
        self.visited.insert(from, 2);
        add_sample(&mut self.by_host, SocketAddrV4::new(*seen.ip(), 0));
        add_sample(&mut self.by_addr, seen);
        self.sampled += 1;
        if (self.sampled >= 3 || !self.firewalled) && !self.frozen {
            self.update();
        }
    }

    fn update(&mut self) {
        self.update_firewall();
        self.update_addresses();
    }

    fn update_firewall(&mut self) {
        if !self.firewalled {
            self.firewall = firewall::OPEN;
            return;
        }
        if self.sampled < 3 {
            return;
        }
        let max = self.by_addr[0].hits;
        self.firewall = if max >= 3 {
            firewall::CONSISTENT
        } else if max == 1 {
            firewall::RANDOM
        } else if self.by_host.len() == 1 && self.sampled > 3 {
            // One host, two hits on one port and misses on others.
            firewall::RANDOM
        } else if self.by_host.len() > 1 && self.by_addr[1].hits > 1 {
            // Two hosts, each seen twice on one port: a consistent multi-homed NAT.
            firewall::CONSISTENT
        } else if self.sampled > 4 {
            firewall::RANDOM
        } else {
            self.firewall
        };
    }

    fn update_addresses(&mut self) {
        self.addresses = match self.firewall {
            firewall::RANDOM => Some(vec![self.by_host[0].addr]),
            firewall::CONSISTENT => {
                let mut out = Vec::new();
                for s in &self.by_addr {
                    if s.hits >= 2 || out.len() < 2 {
                        out.push(s.addr);
                    }
                }
                Some(out)
            }
            _ => None,
        };
    }
}

/// Counts a sample and keeps the list sorted by hits (stable, as hyperdht's).
fn add_sample(samples: &mut Vec<Sample>, addr: SocketAddrV4) {
    if let Some(mut i) = samples.iter().position(|s| s.addr == addr) {
        samples[i].hits += 1;
        while i > 0 && samples[i - 1].hits < samples[i].hits {
            samples.swap(i - 1, i);
            i -= 1;
        }
        return;
    }
    samples.push(Sample { addr, hits: 1 });
}

/// A view being filled by a sampling task; `changed` ticks when it resolves.
#[derive(Debug)]
pub struct Nat {
    view: Arc<Mutex<NatView>>,
    resolved: watch::Receiver<bool>,
    task: tokio::task::AbortHandle,
}

impl Drop for Nat {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Nat {
    /// Starts sampling `socket`'s mapping by pinging DHT nodes from it.
    pub fn sample(dht: &HyperDht, socket: Arc<PoolSocket>) -> Nat {
        let view = Arc::new(Mutex::new(NatView::new(dht.node().is_firewalled())));
        let (tx, resolved) = watch::channel(false);
        let task = tokio::spawn(run_sampling(dht.clone(), socket, view.clone(), tx)).abort_handle();
        Nat {
            view,
            resolved,
            task,
        }
    }

    /// The current view.
    pub fn view(&self) -> NatView {
        lock(&self.view).clone()
    }

    /// Adds a sample seen elsewhere (a holepunch reply through a relay).
    pub fn add(&self, seen: SocketAddrV4, from: SocketAddrV4) {
        lock(&self.view).add(seen, from);
    }

    /// Freezes the verdict.
    pub fn freeze(&self) {
        lock(&self.view).freeze();
    }

    /// Waits until the sampling reached a verdict or ran out of nodes.
    pub async fn analyzed(&self) -> NatView {
        let mut rx = self.resolved.clone();
        let _ = rx.wait_for(|done| *done).await;
        self.view()
    }
}

/// Pings up to [`MIN_SAMPLES`] nodes from the socket (twice over if too few answer),
/// adding each answer's view of us; signals when resolved.
async fn run_sampling(
    dht: HyperDht,
    socket: Arc<PoolSocket>,
    view: Arc<Mutex<NatView>>,
    resolved: watch::Sender<bool>,
) {
    for _pass in 0..2 {
        let known = dht.node().recent_nodes(usize::MAX);
        let skip = if known.len() >= SKIP_IF_KNOWN {
            SKIP
        } else {
            0
        };
        let mut pings = tokio::task::JoinSet::new();
        {
            let mut v = lock(&view);
            let mut pending = 0;
            for node in known.into_iter().skip(skip) {
                if v.sampled + pending >= MIN_SAMPLES {
                    break;
                }
                if v.visited.contains_key(&node) {
                    continue;
                }
                v.visited.insert(node, 1);
                pending += 1;
                let (dht, socket) = (dht.clone(), socket.clone());
                pings.spawn(async move {
                    dht.node()
                        .ping_from(&socket, node, PING_TIMEOUT)
                        .await
                        .map(|seen| (seen, node))
                });
            }
        }
        while let Some(done) = pings.join_next().await {
            if let Ok(Some((seen, from))) = done {
                let mut v = lock(&view);
                v.add(seen, from);
                if v.resolved() {
                    resolved.send_replace(true);
                }
            }
        }
        if lock(&view).sampled >= MIN_SAMPLES {
            break;
        }
    }
    resolved.send_replace(true);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    fn view_of(samples: &[&str]) -> NatView {
        let mut v = NatView::new(true);
        for (i, s) in samples.iter().enumerate() {
            v.add(
                a(s),
                SocketAddrV4::new([10, 0, 0, i as u8 + 1].into(), 1000),
            );
        }
        v
    }

    #[test]
    fn three_equal_samples_are_consistent() {
        let v = view_of(&["1.2.3.4:5000", "1.2.3.4:5000", "1.2.3.4:5000"]);
        assert_eq!(v.firewall, firewall::CONSISTENT);
        assert_eq!(v.addresses, Some(vec![a("1.2.3.4:5000")]));
        assert!(v.resolved());
    }

    #[test]
    fn distinct_ports_are_random_and_tell_only_the_host() {
        let v = view_of(&["1.2.3.4:5000", "1.2.3.4:5001", "1.2.3.4:5002"]);
        assert_eq!(v.firewall, firewall::RANDOM);
        assert_eq!(v.addresses, Some(vec![a("1.2.3.4:0")]));
        assert!(!v.resolved(), "random waits for a fourth sample");
    }

    #[test]
    fn two_hits_on_one_host_decide_after_four_samples() {
        let v = view_of(&["1.2.3.4:5000", "1.2.3.4:5000", "1.2.3.4:5001"]);
        assert_eq!(v.firewall, firewall::UNKNOWN);
        assert_eq!(v.addresses, None);
        let v = view_of(&[
            "1.2.3.4:5000",
            "1.2.3.4:5000",
            "1.2.3.4:5001",
            "1.2.3.4:5002",
        ]);
        assert_eq!(v.firewall, firewall::RANDOM);
    }

    #[test]
    fn two_hosts_each_seen_twice_are_consistent() {
        let v = view_of(&[
            "1.2.3.4:5000",
            "1.2.3.4:5000",
            "5.6.7.8:6000",
            "5.6.7.8:6000",
        ]);
        assert_eq!(v.firewall, firewall::CONSISTENT);
        assert_eq!(
            v.addresses,
            Some(vec![a("1.2.3.4:5000"), a("5.6.7.8:6000")])
        );
    }

    #[test]
    fn one_node_counts_once_and_frozen_views_keep_their_verdict() {
        let mut v = NatView::new(true);
        for _ in 0..4 {
            v.add(a("1.2.3.4:5000"), a("10.0.0.1:1000"));
        }
        assert_eq!(v.sampled(), 1);
        let mut v = view_of(&["1.2.3.4:5000", "1.2.3.4:5000", "1.2.3.4:5000"]);
        v.freeze();
        v.add(a("1.2.3.4:6000"), a("10.0.0.9:1000"));
        v.add(a("1.2.3.4:6001"), a("10.0.0.8:1000"));
        assert_eq!(v.firewall, firewall::CONSISTENT);
    }

    #[test]
    fn an_open_node_is_open() {
        let mut v = NatView::new(false);
        assert_eq!(v.firewall, firewall::OPEN);
        v.add(a("1.2.3.4:5000"), a("10.0.0.1:1000"));
        assert_eq!(v.firewall, firewall::OPEN);
        assert!(v.resolved());
    }
}
