//! dht-rpc transactions: sending requests with retries and timeouts, matching responses
//! by transaction id, replying and relaying, the round-trip tokens, and the outgoing
//! request window that keeps a node from flooding the network.
//!
//! Everything on the receive path is synchronous and non-blocking (`try_send`): a
//! datagram that cannot be sent at once is dropped, as UDP would anyway.

use std::collections::HashMap;
use std::net::{SocketAddr, SocketAddrV4};
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use tokio::sync::{oneshot, Notify};

use super::messages::{Request, Response};
use super::socket::RpcSocket;
use crate::swarm::crypto::{hash, keyed_hash, Key32};
use crate::swarm::lock;

/// Per-attempt timeout when the request sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Resends after the first send, by default (4 transmissions in all).
pub const DEFAULT_RETRIES: u32 = 3;
/// Interval of the drain tick that rotates the request window and the token secrets.
pub const DRAIN_INTERVAL: Duration = Duration::from_millis(750);
/// Token secrets rotate every this many drain ticks (7.5 s).
const ROTATE_TICKS: u32 = 10;
/// New transmissions allowed per drain bucket (dht-rpc's `maxWindow`).
pub const MAX_WINDOW: u32 = 80;

/// Why a request got no usable answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// Every attempt timed out.
    #[error("request timed out")]
    Timeout,
    /// The node shut down while the request was in flight.
    #[error("request destroyed")]
    Destroyed,
}

/// A response together with where it came from.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The responder's address (the datagram source).
    pub from: SocketAddrV4,
    /// The responder's id, only if it matches `from` (see [`super::messages::node_id`]).
    pub from_id: Option<Key32>,
    /// True if it arrived on the socket we did not send from.
    pub external: bool,
    /// The decoded response.
    pub response: Response,
}

/// The two token secrets and their rotation.
#[derive(Debug)]
struct Secrets {
    keys: [Key32; 2],
    ticks_left: u32,
}

impl Secrets {
    fn new() -> Self {
        Secrets {
            keys: [rand::random(), rand::random()],
            ticks_left: ROTATE_TICKS,
        }
    }

    /// One drain tick: every tenth, `[s0, s1] → [s1, hash(s0)]`.
    fn tick(&mut self) {
        self.ticks_left -= 1;
        if self.ticks_left == 0 {
            self.ticks_left = ROTATE_TICKS;
            let old0 = self.keys[0];
            self.keys = [self.keys[1], hash(&[&old0])];
        }
    }
}

/// The round-trip token for a host under one secret: `BLAKE2b(host text, key = secret)`.
pub fn token_for(secret: &Key32, host: std::net::Ipv4Addr) -> Key32 {
    keyed_hash(secret, host.to_string().as_bytes())
}

/// dht-rpc's congestion window: four buckets rotated every drain tick.
#[derive(Debug, Default)]
struct Window {
    i: usize,
    total: u32,
    buckets: [u32; 4],
}

impl Window {
    fn is_full(&self) -> bool {
        self.total >= 2 * MAX_WINDOW || self.buckets[self.i] >= MAX_WINDOW
    }
    fn send(&mut self) {
        self.total += 1;
        self.buckets[self.i] += 1;
    }
    fn recv(&mut self) {
        if self.buckets[self.i] > 0 {
            self.buckets[self.i] -= 1;
            self.total -= 1;
        }
    }
    fn drain(&mut self) {
        self.i = (self.i + 1) & 3;
        self.total -= self.buckets[self.i];
        self.buckets[self.i] = 0;
    }
}

/// What an outgoing request needs besides its destination.
#[derive(Debug, Clone, Default)]
pub struct Outgoing {
    /// dht-rpc command (internal) or application command.
    pub command: u64,
    /// True for dht-rpc's own commands.
    pub internal: bool,
    /// The key the request is about.
    pub target: Option<Key32>,
    /// A token the destination issued earlier.
    pub token: Option<Key32>,
    /// Payload.
    pub value: Option<Vec<u8>>,
    /// Resends after the first send (`None`: [`DEFAULT_RETRIES`]).
    pub retries: Option<u32>,
    /// Per-attempt timeout (`None`: [`DEFAULT_TIMEOUT`]).
    pub timeout: Option<Duration>,
    /// Bypass the request window.
    pub force: bool,
}

/// The transaction layer shared by a node's sockets.
#[derive(Debug)]
pub struct Io {
    next_tid: AtomicU16,
    inflight: Mutex<HashMap<u16, oneshot::Sender<Reply>>>,
    secrets: Mutex<Secrets>,
    window: Mutex<Window>,
    window_open: Notify,
}

impl Default for Io {
    fn default() -> Self {
        Self::new()
    }
}

impl Io {
    /// A fresh transaction layer with random secrets and a random first tid.
    pub fn new() -> Self {
        Io {
            next_tid: AtomicU16::new(rand::random()),
            inflight: Mutex::new(HashMap::new()),
            secrets: Mutex::new(Secrets::new()),
            window: Mutex::new(Window::default()),
            window_open: Notify::new(),
        }
    }

    /// The token we hand out to `host` now (under the newer secret).
    pub fn token(&self, host: std::net::Ipv4Addr) -> Key32 {
        let secrets = lock(&self.secrets);
        token_for(&secrets.keys[1], host)
    }

    /// True if `token` was issued to `host` within the last two secret periods.
    pub fn token_is_valid(&self, host: std::net::Ipv4Addr, token: &Key32) -> bool {
        let secrets = lock(&self.secrets);
        secrets.keys.iter().any(|k| &token_for(k, host) == token)
    }

    /// One drain tick (every [`DRAIN_INTERVAL`]): rotate secrets, free window room.
    pub fn drain_tick(&self) {
        lock(&self.secrets).tick();
        lock(&self.window).drain();
        self.window_open.notify_waiters();
    }

    /// Hands a response to the request waiting for its tid. Returns false if none was.
    pub fn deliver(&self, reply: Reply) -> bool {
        let waiter = lock(&self.inflight).remove(&reply.response.tid);
        match waiter {
            Some(tx) => {
                lock(&self.window).recv();
                let _ = tx.send(reply);
                true
            }
            None => false,
        }
    }

    /// Fails every request in flight (on shutdown).
    pub fn destroy_all(&self) {
        lock(&self.inflight).clear();
    }

    /// Sends a request from `socket` and waits for its response, resending on each
    /// timeout. `id` is our node id when the request should carry it.
    pub async fn request(
        &self,
        socket: &RpcSocket,
        to: SocketAddrV4,
        id: Option<Key32>,
        out: Outgoing,
    ) -> Result<Reply, RequestError> {
        let (tx, mut rx) = oneshot::channel();
        let tid = self.register(tx);
        let bytes = Request {
            tid,
            to,
            id,
            token: out.token,
            internal: out.internal,
            command: out.command,
            target: out.target,
            value: out.value,
        }
        .encode();
        let retries = out.retries.unwrap_or(DEFAULT_RETRIES);
        let timeout = out.timeout.unwrap_or(DEFAULT_TIMEOUT);
        // Whatever ends this request, its tid must not stay registered.
        let _guard = TidGuard { io: self, tid };
        for _ in 0..=retries {
            if !out.force {
                self.wait_for_window().await;
            }
            lock(&self.window).send();
            socket.try_send(&bytes, SocketAddr::V4(to));
            match tokio::time::timeout(timeout, &mut rx).await {
                Ok(Ok(reply)) => return Ok(reply),
                Ok(Err(_)) => return Err(RequestError::Destroyed),
                Err(_) => continue,
            }
        }
        Err(RequestError::Timeout)
    }

    fn register(&self, tx: oneshot::Sender<Reply>) -> u16 {
        let mut inflight = lock(&self.inflight);
        // 65,536 tids: skip any still in flight (only possible under extreme load).
        loop {
            let tid = self.next_tid.fetch_add(1, Ordering::Relaxed);
            if let std::collections::hash_map::Entry::Vacant(e) = inflight.entry(tid) {
                e.insert(tx);
                return tid;
            }
        }
    }

    async fn wait_for_window(&self) {
        loop {
            let notified = self.window_open.notified();
            if !lock(&self.window).is_full() {
                return;
            }
            notified.await;
        }
    }
}

/// Unregisters a tid when its request ends, however it ends.
struct TidGuard<'a> {
    io: &'a Io,
    tid: u16,
}

impl Drop for TidGuard<'_> {
    fn drop(&mut self) {
        if lock(&self.io.inflight).remove(&self.tid).is_some() {
            lock(&self.io.window).recv();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_dht_rpc_vectors() {
        let s1 = [0x22; 32];
        assert_eq!(
            hex::encode(token_for(&s1, "192.0.2.10".parse().unwrap())),
            "3df723b1a1cac46b57b698d4c93c9c2c2ba5dc1d7e0ad39cee0263a137a2df27"
        );
    }

    #[test]
    fn secrets_rotate_every_tenth_tick() {
        let mut s = Secrets::new();
        s.keys = [[0x11; 32], [0x22; 32]];
        for _ in 0..9 {
            s.tick();
        }
        assert_eq!(s.keys[0], [0x11; 32]);
        s.tick();
        assert_eq!(s.keys[0], [0x22; 32]);
        assert_eq!(
            hex::encode(s.keys[1]),
            "d4ffaeeac45aa41825e0bc3f875570af061acbf0b950ad752ff0f9463fe13ad5"
        );
    }

    #[test]
    fn window_fills_and_drains() {
        let mut w = Window::default();
        for _ in 0..MAX_WINDOW {
            w.send();
        }
        assert!(w.is_full());
        w.drain();
        assert!(!w.is_full());
        for _ in 0..4 {
            w.drain();
        }
        assert_eq!(w.total, 0);
    }
}
