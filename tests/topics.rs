//! Peers meeting by topic, the way hyperswarm does it: servers announce their key under
//! the topic, clients look the topic up and connect to the keys they find. Rust ↔ Rust
//! and Rust ↔ Node hyperswarm@4, on 127.0.0.1.

mod common;

use std::net::SocketAddrV4;
use std::sync::Arc;

use common::{exchange, sha_hex as hexsha};
use spork::keys::KeyPair;
use spork::swarm::node::Node;
use tokio::io::AsyncWriteExt;

async fn join(boot: &str) -> Node {
    let boot: SocketAddrV4 = boot.parse().unwrap();
    Node::join(vec![boot], 0).await.expect("join")
}

/// Serves a fresh key, announces it under `topic`, echoes every connection.
async fn topic_server(node: &Node, topic: [u8; 32]) -> KeyPair {
    let kp = KeyPair::generate();
    let mut server = node.listen(&kp, Arc::new(|_, _| true)).await;
    let stored = node
        .announce_topic(topic, &kp, &server.relay_addresses())
        .await
        .expect("announce");
    assert!(stored >= 1);
    tokio::spawn(async move {
        while let Some(conn) = server.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = tokio::io::split(conn);
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    kp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_rust_peers_meet_by_topic() {
    let (_dht, boot) = common::spork_network(3);
    let (a, b) = (join(&boot).await, join(&boot).await);
    let topic: [u8; 32] = rand::random();
    let server_key = topic_server(&a, topic).await;
    let found = b.lookup_topic(topic).await;
    assert_eq!(found, vec![server_key.public_key()]);
    let conn = b
        .connect(&found[0], &KeyPair::generate())
        .await
        .expect("connect");
    let out = vec![7u8; 1 << 20];
    assert_eq!(exchange(conn, out.clone()).await, out);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_meets_node_hyperswarm_server_by_topic() {
    if !common::node_available() {
        return;
    }
    let (_net, info) = common::node_testnet(5, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let topic: [u8; 32] = rand::random();
    let mut peer = common::node_swarm(&boot, &hex::encode(topic), "server", 1 << 20);
    let node_key = peer.1["public_key"].as_str().unwrap().to_string();

    let me = join(&boot).await;
    let found = me.lookup_topic(topic).await;
    let keys: Vec<String> = found.iter().map(|k| k.to_hex()).collect();
    assert!(keys.contains(&node_key), "{keys:?}");
    let pk: spork::keys::PublicKey = node_key.parse().unwrap();
    let kp = KeyPair::generate();
    let conn = me
        .connect(&pk, &kp)
        .await
        .expect("connect to the hyperswarm peer");
    let out = vec![5u8; 1 << 20];
    let got = exchange(conn, out.clone()).await;
    let line = tokio::task::spawn_blocking(move || {
        let l = peer.0.json_line(std::time::Duration::from_secs(30));
        (l, peer)
    })
    .await
    .unwrap()
    .0;
    assert_eq!(line["received"], hexsha(&out).as_str());
    assert_eq!(line["sent"], hexsha(&got).as_str());
    assert_eq!(
        line["remote_key"],
        hex::encode(kp.public_key().as_bytes()).as_str()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_hyperswarm_client_meets_rust_server_by_topic() {
    if !common::node_available() {
        return;
    }
    let (_net, info) = common::node_testnet(5, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let topic: [u8; 32] = rand::random();
    let me = join(&boot).await;
    let server_key = topic_server(&me, topic).await;
    let topic_hex = hex::encode(topic);
    let (mut peer, _) = tokio::task::spawn_blocking(move || {
        common::node_swarm(&boot, &topic_hex, "client", 1 << 20)
    })
    .await
    .unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let l = peer.json_line(std::time::Duration::from_secs(60));
        (l, peer)
    })
    .await
    .unwrap()
    .0;
    // Our server echoes: Node gets back exactly what it sent.
    assert_eq!(line["received"], line["sent"], "{line}");
    assert_eq!(
        line["remote_key"],
        hex::encode(server_key.public_key().as_bytes()).as_str()
    );
}
