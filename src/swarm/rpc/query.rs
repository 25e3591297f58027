//! The iterative Kademlia query: walk toward `target` by asking ever closer nodes,
//! keeping the k closest that answered (with their tokens, for a later commit).
//!
//! Seeded from the routing table, topped up with the bootstrap nodes when the table
//! knows fewer than k; at most `concurrency` requests in flight.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddrV4;

use tokio::task::JoinSet;

use super::io::{Outgoing, Reply};
use super::messages::{internal, node_id};
use super::node::DhtNode;
use super::table::K;
use crate::swarm::crypto::Key32;

/// Requests in flight at once during a query.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// Resends per query request (6 transmissions in all), as dht-rpc does.
const QUERY_RETRIES: u32 = 5;

/// What to ask every node on the way.
#[derive(Debug, Clone)]
pub struct QuerySpec {
    /// Command number.
    pub command: u64,
    /// True for dht-rpc's own commands.
    pub internal: bool,
    /// The key walked toward.
    pub target: Key32,
    /// Payload sent to each node.
    pub value: Option<Vec<u8>>,
    /// Requests in flight at once.
    pub concurrency: usize,
}

/// Everything a query learned.
#[derive(Debug, Default)]
pub struct QueryResult {
    /// Up to k replies from the nodes closest to the target, nearest first; only nodes
    /// that proved their id and answered without error.
    pub closest: Vec<Reply>,
    /// Every reply, in arrival order.
    pub replies: Vec<Reply>,
}

/// XOR distance of `id` to `target`, comparable byte-wise.
fn distance(id: &Key32, target: &Key32) -> Key32 {
    std::array::from_fn(|i| id[i] ^ target[i])
}

/// Runs a query to completion.
pub async fn query(node: &DhtNode, spec: QuerySpec) -> QueryResult {
    let target = spec.target;
    let own = node.id();
    let mut seen: HashSet<SocketAddrV4> = HashSet::new();
    // Who told us about each node, so a node that turns out dead can be reported.
    let mut referrers: HashMap<SocketAddrV4, Vec<SocketAddrV4>> = HashMap::new();
    let mut pending: Vec<SocketAddrV4> = Vec::new();
    let seeds = node.closest(&target, K);
    let need_bootstrap = seeds.len() < K;
    // The stack pops from the end: push the farthest first.
    for a in seeds.into_iter().rev() {
        if seen.insert(a) {
            pending.push(a);
        }
    }
    if need_bootstrap {
        for &a in node.bootstrap_nodes() {
            if seen.insert(a) {
                pending.insert(0, a);
            }
        }
    }

    let mut result = QueryResult::default();
    let mut inflight: JoinSet<(SocketAddrV4, Option<Reply>)> = JoinSet::new();
    let concurrency = spec.concurrency.max(1);

    loop {
        while inflight.len() < concurrency {
            let Some(addr) = pending.pop() else { break };
            if !is_closer(&result.closest, &node_id(addr), &target) {
                continue;
            }
            let node = node.clone();
            let out = Outgoing {
                command: spec.command,
                internal: spec.internal,
                target: Some(target),
                value: spec.value.clone(),
                retries: Some(QUERY_RETRIES),
                ..Outgoing::default()
            };
            inflight.spawn(async move {
                let reply = node.request(addr, out).await;
                (addr, reply.ok())
            });
        }
        let Some(done) = inflight.join_next().await else {
            break;
        };
        let Ok((addr, reply)) = done else { continue };
        let Some(reply) = reply else {
            for referrer in referrers.remove(&addr).unwrap_or_default() {
                node.down_hint(referrer, addr);
            }
            continue;
        };

        if reply.response.error == 0 {
            if let Some(id) = reply.from_id {
                insert_closest(&mut result.closest, reply.clone(), &id, &target);
            }
        }
        for &addr in &reply.response.closer_nodes {
            let id = node_id(addr);
            if id == own {
                continue;
            }
            if !seen.insert(addr) {
                if let Some(refs) = referrers.get_mut(&addr) {
                    if !refs.contains(&reply.from) {
                        refs.push(reply.from);
                    }
                }
                continue;
            }
            if !is_closer(&result.closest, &id, &target) {
                break;
            }
            referrers.insert(addr, vec![reply.from]);
            pending.push(addr);
        }
        result.replies.push(reply);
    }
    result
}

/// A FIND_NODE query toward `target` (bootstrap and table refresh).
pub async fn find_node(node: &DhtNode, target: Key32) -> QueryResult {
    query(
        node,
        QuerySpec {
            command: internal::FIND_NODE,
            internal: true,
            target,
            value: None,
            concurrency: DEFAULT_CONCURRENCY,
        },
    )
    .await
}

/// True if `id` would enter the k closest (or fewer than k are known).
fn is_closer(closest: &[Reply], id: &Key32, target: &Key32) -> bool {
    if closest.len() < K {
        return true;
    }
    let worst = closest[closest.len() - 1].from_id.unwrap_or([0xff; 32]);
    distance(id, target) < distance(&worst, target)
}

/// Inserts a reply into the sorted, deduplicated, k-capped closest list.
fn insert_closest(closest: &mut Vec<Reply>, reply: Reply, id: &Key32, target: &Key32) {
    let d = distance(id, target);
    let at = closest.partition_point(|r| distance(&r.from_id.unwrap_or([0xff; 32]), target) < d);
    if closest.get(at).and_then(|r| r.from_id).as_ref() == Some(id) {
        return;
    }
    closest.insert(at, reply);
    closest.truncate(K);
}
