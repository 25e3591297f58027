//! Interop of our Noise IK handshake and SecretStream with the real Node packages
//! (noise-handshake@4 + noise-curve-ed, @hyperswarm/secret-stream@6 over udx-native)
//! on 127.0.0.1, through `tests/interop/secretstream_peer.js`: the handshake in both
//! role assignments (messages passed over stdin/stdout), then one encrypted datagram
//! and 16 MiB each way with equal sha256, and half-close.
//!
//! Under `CI=true` a missing `node` or `node_modules` fails; otherwise it skips with a note.

mod common;

use common::pattern;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use spork::swarm::hyperdht::NS_PEER_HANDSHAKE;
use spork::swarm::noise::{HandshakeResult, Initiator, Keypair, Responder};
use spork::swarm::secretstream::SecretStream;
use spork::swarm::udx::Udx;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{ChildStdin, ChildStdout, Command};
use tokio::time::timeout;

const T: Duration = Duration::from_secs(120);
const BYTES: usize = 16 << 20;

struct Io {
    lines: Lines<BufReader<ChildStdout>>,
    stdin: ChildStdin,
}

impl Io {
    async fn recv(&mut self) -> Value {
        let l = timeout(T, self.lines.next_line())
            .await
            .expect("node answers in time")
            .expect("read node stdout")
            .expect("a line from node");
        serde_json::from_str(&l).expect("json line")
    }

    async fn send(&mut self, v: Value) {
        let mut l = v.to_string();
        l.push('\n');
        self.stdin.write_all(l.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().expect("hex string")).expect("hex")
}

async fn run(rust_initiates: bool) {
    if !common::node_available() {
        return;
    }
    let role = if rust_initiates {
        "responder"
    } else {
        "initiator"
    };
    let mut child = Command::new("node")
        .arg(common::interop_dir().join("secretstream_peer.js"))
        .args([role, &BYTES.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn node");
    let mut io = Io {
        lines: BufReader::new(child.stdout.take().unwrap()).lines(),
        stdin: child.stdin.take().unwrap(),
    };
    let hello = io.recv().await;
    let node_port = hello["port"].as_u64().unwrap() as u16;
    let node_pk: [u8; 32] = unhex(&hello["publicKey"]).try_into().unwrap();

    let udx = Udx::new();
    let sock = udx
        .bind("127.0.0.1:0".parse::<SocketAddr>().unwrap())
        .await
        .unwrap();
    let raw = udx.stream(42).unwrap();
    let node_addr: SocketAddr = ([127, 0, 0, 1], node_port).into();
    raw.connect(&sock, hello["id"].as_u64().unwrap() as u32, node_addr)
        .unwrap();

    let me = Keypair::random();
    let my_pk = hex::encode(me.public());
    let port = sock.local_addr().port();
    let res: HandshakeResult = if rust_initiates {
        let mut i = Initiator::new(me, node_pk, &*NS_PEER_HANDSHAKE, None);
        let m1 = i.write_message1(b"rust initiator").unwrap();
        io.send(json!({"port": port, "id": 42, "publicKey": my_pk, "msg1": hex::encode(m1)}))
            .await;
        let r = io.recv().await;
        assert_eq!(unhex(&r["payload"]), b"rust initiator");
        assert_eq!(r["remotePublicKey"].as_str().unwrap(), my_pk);
        let (p2, res) = i.read_message2(&unhex(&r["msg2"])).unwrap();
        assert_eq!(p2, b"node responder");
        res
    } else {
        io.send(json!({"port": port, "id": 42, "publicKey": my_pk}))
            .await;
        let r = io.recv().await;
        let mut resp = Responder::new(me, &*NS_PEER_HANDSHAKE, None);
        let (rs, p1) = resp.read_message1(&unhex(&r["msg1"])).unwrap();
        assert_eq!((rs, p1.as_slice()), (node_pk, &b"node initiator"[..]));
        let (m2, res) = resp.write_message2(b"rust responder").unwrap();
        io.send(json!({"msg2": hex::encode(m2)})).await;
        res
    };
    assert_eq!(res.remote_public_key, node_pk);

    let ss = timeout(T, SecretStream::new(raw, &res))
        .await
        .unwrap()
        .expect("secret stream with node");
    ss.send_datagram(b"datagram from rust").await.unwrap();
    let dg = timeout(T, ss.recv_datagram()).await.unwrap().unwrap();
    assert_eq!(dg, b"datagram from node");

    let data = pattern(BYTES, 7);
    let want_sent = hex::encode(Sha256::digest(&data));
    let (mut r, mut w) = tokio::io::split(ss);
    let writer = tokio::spawn(async move {
        for c in data.chunks(50_000) {
            w.write_all(c).await.unwrap();
        }
        w.shutdown().await.unwrap();
        w
    });
    let mut got = Vec::new();
    timeout(T, r.read_to_end(&mut got)).await.unwrap().unwrap();
    let _w = writer.await.unwrap();
    let fin = io.recv().await;
    assert!(fin.get("error").is_none(), "node: {fin}");
    assert_eq!(
        fin["handshakeHash"].as_str().unwrap(),
        hex::encode(res.hash)
    );
    assert_eq!(fin["datagram"], "datagram from rust");
    assert_eq!(fin["recvBytes"].as_u64().unwrap() as usize, BYTES);
    assert_eq!(fin["recv"].as_str().unwrap(), want_sent, "Rust→Node bytes");
    assert_eq!(got.len(), BYTES);
    assert_eq!(
        hex::encode(Sha256::digest(&got)),
        fin["sent"].as_str().unwrap(),
        "Node→Rust bytes"
    );
    let _ = timeout(T, child.wait()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_initiator_node_responder() {
    run(true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_initiator_rust_responder() {
    run(false).await;
}
