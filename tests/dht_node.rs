//! The dht-rpc node in Rust-only networks on 127.0.0.1: firewall detection and the
//! inbound rate limit.

use std::net::SocketAddrV4;

use spork::swarm::hyperdht::HyperDht;
use spork::swarm::rpc::{NodeConfig, Outgoing, RateLimits};

async fn node(bootstrap: Vec<SocketAddrV4>, persistent: bool, limits: RateLimits) -> HyperDht {
    HyperDht::bind(NodeConfig {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        bootstrap,
        persistent,
        limits,
    })
    .await
    .expect("bind")
}

fn addr(d: &HyperDht) -> SocketAddrV4 {
    match d.node().local_addr() {
        std::net::SocketAddr::V4(a) => a,
        other => panic!("not v4: {other}"),
    }
}

/// Three persistent nodes; returns them and the first one's address.
async fn network() -> (Vec<HyperDht>, SocketAddrV4) {
    let first = node(vec![], true, RateLimits::default()).await;
    let boot = addr(&first);
    let mut nodes = vec![first];
    for _ in 0..2 {
        let n = node(vec![boot], true, RateLimits::default()).await;
        n.node().bootstrap().await;
        nodes.push(n);
    }
    (nodes, boot)
}

#[tokio::test]
async fn persistent_nodes_find_each_other() {
    let (nodes, _) = network().await;
    // The last joiner walked past both others.
    assert_eq!(nodes[2].node().table_len(), 2);
}

#[tokio::test]
async fn ephemeral_node_on_loopback_learns_it_is_reachable() {
    let (_nodes, boot) = network().await;
    let client = node(vec![boot], false, RateLimits::default()).await;
    assert!(client.node().is_firewalled());
    let known = client.node().bootstrap().await;
    assert_eq!(known, 3);
    assert!(
        !client.node().is_firewalled(),
        "PING_NAT replies reached the server socket"
    );
    assert_eq!(client.node().public_addr(), Some(addr(&client)));
}

#[tokio::test]
async fn requests_over_the_rate_limit_are_dropped() {
    let limits = RateLimits {
        requests_per_ip_per_sec: 1,
        request_burst: 5,
        limit_loopback: true,
    };
    let server = node(vec![], true, limits).await;
    let client = node(vec![], false, RateLimits::default()).await;
    let mut answered = 0;
    for _ in 0..20 {
        let ping = Outgoing {
            command: 0,
            internal: true,
            retries: Some(0),
            timeout: Some(std::time::Duration::from_millis(200)),
            ..Outgoing::default()
        };
        if client.node().request(addr(&server), ping).await.is_ok() {
            answered += 1;
        }
    }
    // The burst of 5, plus at most a couple refilled during the 20 attempts.
    assert!((5..=8).contains(&answered), "answered {answered}");
}

/// A persistent node bound to 0.0.0.0 cannot know its address up front; it adopts the
/// id of the address others reach it at, so its requests carry a verifiable id.
#[tokio::test]
async fn wildcard_bound_persistent_node_adopts_its_address_id() {
    let first = HyperDht::bind(NodeConfig {
        host: "0.0.0.0".parse().unwrap(),
        port: 0,
        bootstrap: vec![],
        persistent: true,
        limits: RateLimits::default(),
    })
    .await
    .unwrap();
    let port = first.node().local_addr().port();
    let reached_at = SocketAddrV4::new("127.0.0.1".parse().unwrap(), port);
    let before = first.node().id();
    for _ in 0..3 {
        let n = node(vec![reached_at], false, RateLimits::default()).await;
        n.node().bootstrap().await;
    }
    let expected = spork::swarm::rpc::messages::node_id(reached_at);
    assert_ne!(before, expected);
    assert_eq!(first.node().id(), expected);
}

/// A DOWN_HINT makes the receiver re-check the named node and drop it when it does not
/// answer.
#[tokio::test]
async fn down_hint_evicts_a_dead_node() {
    let (mut nodes, boot) = network().await;
    let dead = nodes.pop().unwrap();
    let dead_addr = addr(&dead);
    dead.node().close();
    drop(dead);
    let first = &nodes[0];
    let before = first.node().table_len();
    assert_eq!(before, 2);
    let reporter = node(vec![boot], false, RateLimits::default()).await;
    reporter.node().down_hint(boot, dead_addr);
    // The re-check is a PING with retries: about 4 s until it gives up.
    for _ in 0..100 {
        if first.node().table_len() == 1 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the dead node is still in the table");
}

/// A node's socket carries UDX streams and dht-rpc side by side: bytes flow over a
/// stream between two nodes' server sockets while the nodes keep answering requests.
#[tokio::test]
async fn udx_streams_share_the_dht_socket() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let a = node(vec![], true, RateLimits::default()).await;
    let b = node(vec![addr(&a)], true, RateLimits::default()).await;
    b.node().bootstrap().await;

    let sa = a.node().udx().stream(1).unwrap();
    let sb = b.node().udx().stream(2).unwrap();
    sa.connect(a.node().server_socket(), 2, b.node().local_addr())
        .unwrap();
    sb.connect(b.node().server_socket(), 1, a.node().local_addr())
        .unwrap();

    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let sent = data.clone();
    let writer = tokio::spawn(async move {
        let mut sa = sa;
        sa.write_all(&sent).await.unwrap();
        sa.shutdown().await.unwrap();
        sa
    });
    let mut got = Vec::new();
    let mut sb = sb;
    let reading = sb.read_to_end(&mut got);
    let pinging = async {
        for _ in 0..5 {
            b.node().ping(addr(&a)).await.expect("ping during transfer");
        }
    };
    let (read, ()) = tokio::join!(reading, pinging);
    read.unwrap();
    writer.await.unwrap();
    assert_eq!(got, data);
}

use spork::swarm::hyperdht::router::{PendingReply, ServerReply};

/// A test server that answers a handshake with the message reversed.
struct Mirror;

impl spork::swarm::hyperdht::router::LocalServer for Mirror {
    fn on_handshake(
        &self,
        noise: &[u8],
        _client: SocketAddrV4,
        _direct: bool,
    ) -> Option<ServerReply> {
        Some(ServerReply {
            payload: noise.iter().rev().copied().collect(),
            via: None,
        })
    }
    fn on_holepunch(
        self: std::sync::Arc<Self>,
        _id: u64,
        payload: Vec<u8>,
        _client: SocketAddrV4,
        _relay: SocketAddrV4,
    ) -> PendingReply {
        Box::pin(async move { Some(ServerReply { payload, via: None }) })
    }
}

/// A handshake sent to the node holding a server's announcement travels
/// FROM_CLIENT → FROM_RELAY → FROM_SERVER → REPLY and comes back with the server's
/// address; sent to the server's own node it is answered directly.
#[tokio::test]
async fn handshakes_reach_a_local_server_through_its_relay() {
    use spork::swarm::hyperdht::router::{peer_handshake, peer_holepunch};

    let (_nodes, boot) = network().await;
    let server = node(vec![boot], false, RateLimits::default()).await;
    server.node().bootstrap().await;
    let kp = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let target = spork::swarm::crypto::hash(&[kp.verifying_key().as_bytes()]);
    server.add_local_server(target, std::sync::Arc::new(Mirror));
    let announcer = server.announce_server(kp).await;
    let relay = announcer.relays()[0];

    let client = node(vec![boot], false, RateLimits::default()).await;
    client.node().bootstrap().await;

    let reply = peer_handshake(&client, target, b"noise one".to_vec(), relay.relay_address)
        .await
        .expect("relayed handshake");
    assert!(reply.relayed);
    assert_eq!(reply.noise, b"eno esion");
    assert_eq!(reply.server_address, relay.peer_address);
    assert_eq!(reply.client_address, addr(&client));

    let reply = peer_handshake(&client, target, b"noise one".to_vec(), addr(&server))
        .await
        .expect("direct handshake");
    assert!(!reply.relayed);
    assert_eq!(reply.noise, b"eno esion");
    assert_eq!(reply.server_address, addr(&server));

    let via = client.node().pool_socket().expect("pool socket");
    let punch = peer_holepunch(
        &client,
        &via,
        target,
        0,
        b"punch".to_vec(),
        relay.peer_address,
        relay.relay_address,
    )
    .await
    .expect("relayed holepunch");
    assert_eq!(punch.payload, b"punch");
    assert_eq!(punch.peer_address, relay.peer_address);
    assert_eq!(punch.from, relay.relay_address);
    // The request went out on the pool socket and its answer came back there.
    assert_eq!(punch.to.port(), via.local_addr().port());
}
