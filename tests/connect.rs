//! Encrypted connections by public key over HyperDHT, Rust ↔ Rust and against the real
//! Node hyperdht@6, on 127.0.0.1.

mod common;

use std::sync::Arc;

use common::{exchange, pattern, rust_network as network, rust_node as node, sha_hex as hexsha};
use spork::swarm::noise::Keypair;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_reaches_rust_server_and_both_directions_arrive() {
    let (_nodes, boot) = network().await;
    let server_dht = node(vec![boot], false).await;
    let client_dht = node(vec![boot], false).await;
    let server_kp = Keypair::from_seed([1; 32]);
    let client_kp = Keypair::from_seed([2; 32]);
    let mut server = server_dht
        .listen(server_kp.clone(), Arc::new(|_, _| true))
        .await;

    let (to_server, to_client) = (pattern(16 << 20, 1), pattern(16 << 20, 2));
    let (hs, hc) = (hexsha(&to_server), hexsha(&to_client));
    let serving = tokio::spawn(async move {
        let conn = server.accept().await.expect("a connection");
        assert_eq!(
            conn.remote_public_key(),
            Keypair::from_seed([2; 32]).public()
        );
        let got = exchange(conn, to_client).await;
        (got, server)
    });
    let conn = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        client_dht.connect(*server_kp.public(), &client_kp),
    )
    .await
    .expect("connect in time")
    .expect("connect");
    assert_eq!(conn.remote_public_key(), server_kp.public());
    let got_by_client = exchange(conn, to_server).await;
    let (got_by_server, server) = serving.await.unwrap();
    assert_eq!(hexsha(&got_by_client), hc);
    assert_eq!(hexsha(&got_by_server), hs);
    server.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firewall_refuses_unlisted_client_keys() {
    let (_nodes, boot) = network().await;
    let server_dht = node(vec![boot], false).await;
    let client_dht = node(vec![boot], false).await;
    let server_kp = Keypair::from_seed([3; 32]);
    let allowed = *Keypair::from_seed([4; 32]).public();
    let _server = server_dht
        .listen(server_kp.clone(), Arc::new(move |k, _| *k == allowed))
        .await;
    let refused = client_dht
        .connect(*server_kp.public(), &Keypair::from_seed([5; 32]))
        .await;
    assert!(refused.is_err(), "an unlisted key must not get in");
}

/// A Node hyperdht client connects to a Rust server by public key; 16 MiB each way
/// arrives intact and half-close ends both directions.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_client_reaches_rust_server() {
    if !common::node_available() {
        return;
    }
    let (_net, info) = common::node_testnet(5, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let dht = node(vec![boot.parse().unwrap()], false).await;
    let kp = Keypair::from_seed([9; 32]);
    let mut server = dht.listen(kp.clone(), Arc::new(|_, _| true)).await;
    let out = pattern(16 << 20, 7);
    let sent = hexsha(&out);
    let serving = tokio::spawn(async move {
        let conn = server.accept().await.expect("a connection");
        let got = exchange(conn, out).await;
        (hexsha(&got), server)
    });
    let pk = hex::encode(kp.public());
    let r = tokio::task::spawn_blocking(move || {
        common::node_tool(&["connect", &boot, &pk, "16777216"])
    })
    .await
    .unwrap();
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["received"], sent.as_str(), "Node got our bytes");
    let (got, server) = serving.await.unwrap();
    assert_eq!(r["sent"], got.as_str(), "we got Node's bytes");
    server.close().await;
}

/// A Rust client connects to a Node hyperdht server by public key; 16 MiB each way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_client_reaches_node_server() {
    if !common::node_available() {
        return;
    }
    let (_net, info) = common::node_testnet(5, None);
    let boot = info["bootstrap"][0].as_str().unwrap().to_string();
    let mut served = common::node_serve(&boot, &hex::encode([8u8; 32]), 16 << 20);
    let pk: [u8; 32] = hex::decode(served.1["public_key"].as_str().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let dht = node(vec![boot.parse().unwrap()], false).await;
    let client_kp = Keypair::from_seed([10; 32]);
    let conn = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        dht.connect(pk, &client_kp),
    )
    .await
    .expect("connect in time")
    .expect("connect to the Node server");
    let out = pattern(16 << 20, 3);
    let sent = hexsha(&out);
    let got = exchange(conn, out).await;
    let line = tokio::task::spawn_blocking(move || {
        let line = served.0.json_line(std::time::Duration::from_secs(20));
        (line, served)
    })
    .await
    .unwrap()
    .0;
    assert_eq!(line["received"], sent.as_str(), "Node got our bytes");
    assert_eq!(line["sent"], hexsha(&got).as_str(), "we got Node's bytes");
    assert_eq!(line["remote_key"], hex::encode(client_kp.public()).as_str());
}

/// 50 connections at once from the same client key all come up and carry their own
/// bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_connections_from_one_key() {
    let (_nodes, boot) = network().await;
    let server_dht = node(vec![boot], false).await;
    let client_dht = node(vec![boot], false).await;
    let server_kp = Keypair::from_seed([11; 32]);
    let client_kp = Keypair::from_seed([12; 32]);
    let mut server = server_dht
        .listen(server_kp.clone(), Arc::new(|_, _| true))
        .await;
    // The server echoes every connection.
    tokio::spawn(async move {
        while let Some(conn) = server.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = tokio::io::split(conn);
                let _ = tokio::io::copy(&mut r, &mut w).await;
                let _ = w.shutdown().await;
            });
        }
    });
    let mut set = tokio::task::JoinSet::new();
    for i in 0..50u8 {
        let (dht, kp, pk) = (client_dht.clone(), client_kp.clone(), *server_kp.public());
        set.spawn(async move {
            let conn =
                tokio::time::timeout(std::time::Duration::from_secs(30), dht.connect(pk, &kp))
                    .await
                    .expect("connect in time")
                    .expect("connect");
            let out = pattern(64 << 10, i);
            let got = exchange(conn, out.clone()).await;
            assert_eq!(hexsha(&got), hexsha(&out), "connection {i}");
        });
    }
    let mut done = 0;
    while let Some(r) = set.join_next().await {
        r.unwrap();
        done += 1;
    }
    assert_eq!(done, 50);
}
