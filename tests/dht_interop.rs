//! `spork dht` against the real Node hyperdht@6 stack, all on 127.0.0.1.

mod common;

use std::net::SocketAddrV4;
use std::time::Duration;

use common::{node_available, node_testnet, node_tool, spork_dht, spork_network};
use spork::swarm::hyperdht::HyperDht;
use spork::swarm::rpc::query::find_node;
use spork::swarm::rpc::{NodeConfig, RateLimits};

/// Two Node peers that know only spork nodes find each other by public key through
/// them (announce, FIND_PEER, handshake relay) and move 1 MiB each way intact.
#[test]
fn node_peers_meet_through_a_spork_network() {
    if !node_available() {
        return;
    }
    let (_nodes, boot) = spork_network(3);
    let r = node_tool(&["pair", &boot, "1048576"]);
    assert_eq!(r["ok"], true, "{r}");
}

/// Mutable and immutable records put from one Node peer are read by another, through
/// a network of spork nodes only.
#[test]
fn node_records_are_stored_by_spork_nodes() {
    if !node_available() {
        return;
    }
    let (_nodes, boot) = spork_network(3);
    let r = node_tool(&["records", &boot]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["mutable"], "version two", "{r}");
    assert_eq!(r["mutable_seq"], 2, "{r}");
}

fn rust_node(bootstrap: Vec<SocketAddrV4>, rt: &tokio::runtime::Runtime) -> HyperDht {
    rt.block_on(HyperDht::bind(NodeConfig {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        bootstrap,
        persistent: true,
        limits: RateLimits::default(),
    }))
    .expect("bind rust node")
}

fn addrs(v: &serde_json::Value) -> Vec<SocketAddrV4> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().parse().unwrap())
        .collect()
}

/// A Rust node bootstraps off Node's testnet and fills its routing table with it.
#[test]
fn rust_node_bootstraps_off_a_node_testnet() {
    if !node_available() {
        return;
    }
    let (_net, info) = node_testnet(5, None);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dht = rust_node(addrs(&info["bootstrap"]), &rt);
    let known = rt.block_on(dht.node().bootstrap());
    // As in Node, only nodes whose id verifies enter a table (a lone first node has none).
    let with_ids = info["ids"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !i.is_null())
        .count();
    assert!(with_ids >= 4, "{info}");
    assert_eq!(
        known, with_ids,
        "routing table should hold every testnet node with an id"
    );
}

/// In a mixed network (Node testnet + spork nodes), FIND_NODE works from either side:
/// a Node query hears from spork nodes (their ids verify), and a Rust query hears from
/// Node nodes.
#[test]
fn mixed_network_answers_find_node_both_ways() {
    if !node_available() {
        return;
    }
    let (_net, info) = node_testnet(3, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let (_a, spork_a) = spork_dht(Some(&boot));
    let (_b, spork_b) = spork_dht(Some(&boot));
    std::thread::sleep(Duration::from_millis(1000));

    let target = hex::encode(rand::random::<[u8; 32]>());
    let r = node_tool(&["find-node", &boot, &target]);
    assert_eq!(r["ok"], true, "{r}");
    let closest: Vec<String> = r["closest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for spork in [&spork_a, &spork_b] {
        assert!(
            closest.contains(spork),
            "Node's closest replies {closest:?} lack spork node {spork}"
        );
    }

    let rt = tokio::runtime::Runtime::new().unwrap();
    let dht = rust_node(vec![spork_a.parse().unwrap()], &rt);
    rt.block_on(dht.node().bootstrap());
    let result = rt.block_on(find_node(dht.node(), rand::random()));
    let node_addrs: Vec<SocketAddrV4> = addrs(&info["nodes"])
        .into_iter()
        .zip(info["ids"].as_array().unwrap())
        .filter(|(_, id)| !id.is_null())
        .map(|(a, _)| a)
        .collect();
    assert_eq!(node_addrs.len(), 2, "{info}");
    let heard_node = result
        .closest
        .iter()
        .filter(|r| node_addrs.contains(&r.from))
        .count();
    assert_eq!(
        heard_node, 2,
        "Rust query should verify every Node node with an id"
    );
}

/// A Rust client and a Node client read each other's mutable and immutable records,
/// stored on a Node testnet; a stale Rust put is refused with SEQ_TOO_LOW.
#[test]
fn rust_and_node_clients_share_records() {
    if !node_available() {
        return;
    }
    let (_net, info) = node_testnet(4, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dht = rust_client(&boot, &rt);

    // Rust writes, Node reads.
    let kp = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    rt.block_on(dht.mutable_put(&kp, b"from rust, seq 2", 2))
        .unwrap();
    let hash = rt
        .block_on(dht.immutable_put(b"from rust, immutable"))
        .unwrap();
    let pk = hex::encode(kp.verifying_key().to_bytes());
    let r = node_tool(&["get-records", &boot, &pk, &hex::encode(hash)]);
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["mutable"], "from rust, seq 2", "{r}");
    assert_eq!(r["mutable_seq"], 2, "{r}");
    assert_eq!(r["immutable"], "from rust, immutable", "{r}");

    let stale = rt.block_on(dht.mutable_put(&kp, b"older", 1));
    assert_eq!(
        stale,
        Err(spork::swarm::hyperdht::client::PutError::SeqTooLow)
    );

    // Node writes, Rust reads.
    let r = node_tool(&["put-records", &boot]);
    assert_eq!(r["ok"], true, "{r}");
    let node_pk: [u8; 32] = hex::decode(r["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let node_hash: [u8; 32] = hex::decode(r["hash"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let m = rt
        .block_on(dht.mutable_get(&node_pk, 0, true))
        .expect("mutable record written by Node");
    assert_eq!((m.seq, m.value.as_slice()), (5, &b"from node, seq 5"[..]));
    let i = rt
        .block_on(dht.immutable_get(node_hash))
        .expect("immutable record written by Node");
    assert_eq!(i, b"from node, immutable");
}

/// Topic announcements cross both ways: Node finds what Rust announced, Rust finds
/// what Node announced, and a Rust unannounce removes its record.
#[test]
fn rust_and_node_clients_meet_by_topic_records() {
    if !node_available() {
        return;
    }
    let (_net, info) = node_testnet(4, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dht = rust_client(&boot, &rt);

    let topic: [u8; 32] = rand::random();
    let kp = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let stored = rt.block_on(dht.announce(topic, &kp, &[])).unwrap();
    assert!(stored >= 1);
    let r = node_tool(&["lookup", &boot, &hex::encode(topic)]);
    let ours = hex::encode(kp.verifying_key().to_bytes());
    assert!(
        r["public_keys"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == &ours),
        "{r}"
    );

    let r = node_tool(&["announce", &boot, &hex::encode(topic)]);
    let theirs = r["public_key"].as_str().unwrap().to_string();
    let found = rt.block_on(dht.lookup(topic));
    let keys: Vec<String> = found
        .iter()
        .map(|f| hex::encode(f.peer.public_key))
        .collect();
    assert!(keys.contains(&theirs), "{keys:?}");
    assert!(keys.contains(&ours), "{keys:?}");

    rt.block_on(dht.unannounce(topic, &kp)).unwrap();
    let found = rt.block_on(dht.lookup(topic));
    assert!(
        found.iter().all(|f| hex::encode(f.peer.public_key) != ours),
        "unannounced record still found"
    );
}

fn rust_client(boot: &str, rt: &tokio::runtime::Runtime) -> HyperDht {
    let dht = rt
        .block_on(HyperDht::bind(NodeConfig {
            host: "127.0.0.1".parse().unwrap(),
            port: 0,
            bootstrap: vec![boot.parse().unwrap()],
            persistent: false,
            limits: RateLimits::default(),
        }))
        .expect("bind rust client");
    rt.block_on(dht.node().bootstrap());
    dht
}

/// A Rust server announces itself on a Node testnet: Node finds its record at the
/// nodes it chose; after stop() no node holds it any more.
#[test]
fn rust_server_announcement_is_found_by_node_and_withdrawn() {
    if !node_available() {
        return;
    }
    let (_net, info) = node_testnet(5, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dht = rust_client(&boot, &rt);
    let kp = ed25519_dalek::SigningKey::from_bytes(&rand::random());
    let pk = hex::encode(kp.verifying_key().to_bytes());

    let announcer = rt.block_on(dht.announce_server(kp));
    let relays: Vec<String> = announcer
        .relays()
        .iter()
        .map(|r| r.relay_address.to_string())
        .collect();
    assert_eq!(relays.len(), 3, "announced at the 3 closest nodes");

    let r = node_tool(&["find-peer", &boot, &pk]);
    let holders: Vec<String> = r["holders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect();
    assert!(!holders.is_empty(), "{r}");
    assert!(
        holders.iter().all(|h| relays.contains(h)),
        "{holders:?} vs {relays:?}"
    );

    rt.block_on(announcer.stop());
    let r = node_tool(&["find-peer", &boot, &pk]);
    assert_eq!(r["holders"].as_array().unwrap().len(), 0, "{r}");
}
