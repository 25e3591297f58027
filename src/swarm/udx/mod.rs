//! UDX: reliable, ordered, congestion-controlled streams plus raw datagrams over one UDP
//! socket, wire-compatible with libudx (npm `udx-native@1.21.3`).
//!
//! [`Udx`] is one instance: the table of live streams shared by all its sockets (stream
//! ids are unique per instance, as in libudx). [`Socket`] is one bound UDP socket with a
//! receive task that demultiplexes stream packets from plain datagrams (dht-rpc shares
//! the socket through [`Socket::recv_from`]). [`Stream`] is a tokio byte stream; there
//! is no handshake: both ends swap ids out of band and call [`Stream::connect`].
//!
//! Layout: [`packet`] (wire format), `state` (per-stream protocol machine, with its
//! `timers` and `transmit` halves), `recv` (reordering, SACK blocks, window), `sendbuf`
//! (unsent bytes), `mtu` (path-MTU probing), `congestion` (window, RTT, pacing), `socket`
//! (batched I/O and demux), `stream` (the handle and its driver task). Differences from
//! libudx that do not touch the wire: NewReno-style congestion control with rate pacing
//! instead of BBR, one ACK per receive batch instead of per packet, and every stream
//! packet is accepted whatever socket of the instance it arrives on (hyperdht's firewall
//! policy). This module never parses anything above UDX and never prints.

mod congestion;
mod mtu;
pub mod packet;
mod recv;
mod sendbuf;
mod socket;
mod state;
mod stream;

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

pub use socket::Socket;
pub use stream::Stream;
use stream::StreamInner;

use crate::swarm::lock;

/// The stream table shared by every socket of one instance (ids are unique per instance).
#[derive(Clone, Default)]
pub struct Udx {
    streams: Arc<Mutex<HashMap<u32, Arc<StreamInner>>>>,
}

impl std::fmt::Debug for Udx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Udx")
            .field("streams", &lock(&self.streams).len())
            .finish()
    }
}

impl Udx {
    /// A new instance with no sockets and no streams.
    pub fn new() -> Udx {
        Udx::default()
    }

    /// Binds a UDP socket (use port 0 for any free port) and starts its receive task.
    pub async fn bind(&self, addr: SocketAddr) -> io::Result<Socket> {
        Socket::bind(self.clone(), addr)
    }

    /// [`Udx::bind`] without awaiting (it never waits): for callers that are not async.
    pub fn bind_now(&self, addr: SocketAddr) -> io::Result<Socket> {
        Socket::bind(self.clone(), addr)
    }

    /// Creates an unconnected stream with local id `local_id`; fails if the id is taken.
    pub fn stream(&self, local_id: u32) -> io::Result<Stream> {
        let mut t = lock(&self.streams);
        if t.contains_key(&local_id) {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("udx stream id {local_id} is already in use"),
            ));
        }
        let inner = Arc::new(StreamInner::new(local_id, self.clone()));
        t.insert(local_id, inner.clone());
        Ok(Stream::new(inner))
    }

    /// How many streams are live (created and not yet closed).
    pub fn live_streams(&self) -> usize {
        lock(&self.streams).len()
    }

    /// Whether a live stream has this id.
    pub fn has_stream(&self, id: u32) -> bool {
        lock(&self.streams).contains_key(&id)
    }

    /// Destroys every live stream at once (a DESTROY packet to each peer), as a
    /// process about to exit does: its peers learn now that the connections are
    /// gone, instead of after their peer timeout.
    pub fn destroy_all(&self) {
        let streams: Vec<Arc<StreamInner>> = lock(&self.streams).values().cloned().collect();
        for s in &streams {
            stream::destroy(s);
        }
    }

    pub(crate) fn lookup(&self, id: u32) -> Option<Arc<StreamInner>> {
        lock(&self.streams).get(&id).cloned()
    }

    pub(crate) fn remove(&self, s: &Arc<StreamInner>) {
        let mut t = lock(&self.streams);
        if t.get(&s.id).is_some_and(|x| Arc::ptr_eq(x, s)) {
            t.remove(&s.id);
        }
    }
}
