//! Firewall detection: can others reach our server socket?
//!
//! A node starts out firewalled, sending from a throwaway client socket. After its
//! bootstrap walk it asks nodes for PING_NAT: "reply to my server port". If replies
//! arrive there from enough nodes, agree with the address the network already reports
//! for us, and show the port unmapped, the node is reachable: requests move to the
//! server socket and the routing table is rebuilt around the id of that address
//! (dht-rpc's quick firewall test and `_checkIfFirewalled`).

use std::net::SocketAddrV4;

use super::io::{Outgoing, Reply};
use super::messages::internal;
use super::nat::NatSampler;
use super::node::DhtNode;
use super::query::QueryResult;

/// Nodes asked in the full check.
const CHECK_NODES: usize = 5;

async fn ping_nat(node: &DhtNode, to: SocketAddrV4) -> Option<Reply> {
    let out = Outgoing {
        command: internal::PING_NAT,
        internal: true,
        value: Some(node.server_port().to_le_bytes().to_vec()),
        ..Outgoing::default()
    };
    node.request(to, out).await.ok()
}

/// Runs the firewall check after a bootstrap walk; true if the node turned out to be
/// reachable (its id changed).
pub async fn update_network_state(node: &DhtNode, bootstrap_walk: &QueryResult) -> bool {
    // Quick test first: one PING_NAT to the first node that answered the walk. Unlike
    // dht-rpc, we wait for it, so a tiny network does not lose the race.
    let Some(first) = bootstrap_walk.replies.first() else {
        return false;
    };
    if !ping_nat(node, first.from).await.is_some_and(|r| r.external) {
        return false;
    }
    let (Some(host), port) = node.sampled_addr() else {
        return false;
    };
    if port == 0 {
        return false;
    }
    let mut asked = node.recent_nodes(CHECK_NODES);
    for b in node.bootstrap_nodes() {
        if asked.len() >= CHECK_NODES {
            break;
        }
        if !asked.contains(b) {
            asked.push(*b);
        }
    }
    let mut pings = tokio::task::JoinSet::new();
    for a in asked.iter().copied() {
        let node = node.clone();
        pings.spawn(async move { ping_nat(&node, a).await });
    }
    let mut probe = NatSampler::new();
    let mut count = 0;
    // Only replies that came in on the server socket prove it reachable.
    while let Some(r) = pings.join_next().await {
        let Ok(Some(r)) = r else { continue };
        if !r.external {
            continue;
        }
        count += 1;
        probe.add(*r.response.to.ip(), r.response.to.port());
    }
    let needed = if asked.len() >= CHECK_NODES { 3 } else { 1 };
    if count < needed || probe.host != Some(host) || probe.port != node.server_port() {
        return false;
    }
    node.set_reachable(SocketAddrV4::new(host, probe.port), probe);
    true
}
