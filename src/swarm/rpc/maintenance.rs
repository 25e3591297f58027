//! Keeping a node healthy: the 5 s maintenance tick (refreshing the table, pinging
//! stale nodes), re-checking suspect nodes, reporting dead ones (DOWN_HINT), and the
//! per-IP limit on inbound requests.

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use super::io::Outgoing;
use super::messages::internal;
use super::node::{DhtNode, DOWN_HINTS_PER_TICK, MAX_CHECKS, RECENT_NODE, REFRESH_TICKS};
use super::table::{NodeEntry, K};

/// A token bucket for one source IP.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bucket {
    pub(super) tokens: f64,
    pub(super) last: Instant,
}

impl DhtNode {
    /// One maintenance tick: refresh the table now and then, ping stale nodes.
    pub(super) async fn maintenance_tick(&self) {
        let (refresh, ping) = {
            let mut st = self.state();
            st.tick += 1;
            st.down_hints_sent = 0;
            st.buckets
                .retain(|_, b| b.last.elapsed() < Duration::from_secs(10));
            st.refresh_ticks = st.refresh_ticks.saturating_sub(1);
            let refresh =
                st.refresh_ticks == 0 || (st.table.is_empty() && st.tick.is_multiple_of(8));
            if refresh {
                st.refresh_ticks = if st.table.len() < K {
                    64
                } else {
                    REFRESH_TICKS
                };
            }
            let ping = if st.tick.is_multiple_of(8) {
                let mut nodes: Vec<_> = st.table.nodes().cloned().collect();
                nodes.sort_by_key(|n| n.seen);
                let recent = nodes
                    .first()
                    .is_some_and(|n| st.tick - n.pinged < RECENT_NODE);
                nodes.truncate(if recent { 2 } else { 5 });
                nodes
            } else {
                Vec::new()
            };
            (refresh, ping)
        };
        for node in ping {
            self.check(node);
        }
        if refresh {
            let target = {
                let st = self.state();
                st.table.random().map_or(*st.table.id(), |n| n.id)
            };
            let node = self.clone();
            tokio::spawn(async move { super::query::find_node(&node, target).await });
        }
    }

    /// Tells `referrer` that `down`, a node it pointed us to, did not answer (sent in
    /// the background, at most [`DOWN_HINTS_PER_TICK`] a tick).
    pub fn down_hint(&self, referrer: SocketAddrV4, down: SocketAddrV4) {
        {
            let mut st = self.state();
            if st.down_hints_sent >= DOWN_HINTS_PER_TICK {
                return;
            }
            st.down_hints_sent += 1;
        }
        let node = self.clone();
        let out = Outgoing {
            command: internal::DOWN_HINT,
            internal: true,
            value: Some(crate::swarm::codec::ipv4_address_bytes(down).to_vec()),
            retries: Some(3),
            ..Outgoing::default()
        };
        tokio::spawn(async move {
            let _ = node.request(referrer, out).await;
        });
    }

    /// Pings a table node; removes it if it does not answer.
    pub(super) fn check(&self, node: NodeEntry) {
        {
            let mut st = self.state();
            if st.checks >= MAX_CHECKS {
                return;
            }
            st.checks += 1;
            let tick = st.tick;
            if let Some(n) = st.table.get_mut(&node.id) {
                n.pinged = tick;
            }
        }
        let this = self.clone();
        tokio::spawn(async move {
            let ok = this.ping(node.addr).await.is_ok();
            let mut st = this.state();
            st.checks -= 1;
            if !ok {
                st.table.remove(&node.id);
            }
        });
    }

    /// True if a request from `ip` is within its rate limit (and spends one token).
    pub(super) fn admit(&self, ip: Ipv4Addr) -> bool {
        let limits = self.limits();
        if ip.is_loopback() && !limits.limit_loopback {
            return true;
        }
        let mut st = self.state();
        let now = Instant::now();
        let b = st.buckets.entry(ip).or_insert(Bucket {
            tokens: f64::from(limits.request_burst),
            last: now,
        });
        let refill =
            now.duration_since(b.last).as_secs_f64() * f64::from(limits.requests_per_ip_per_sec);
        b.tokens = (b.tokens + refill).min(f64::from(limits.request_burst));
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
