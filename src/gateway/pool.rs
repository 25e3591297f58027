//! Keep-alive HTTP/1.1 connections to peers, pooled by public key: one p2p handshake
//! serves many requests. hyper's client does the pooling (idle connections reused,
//! closed after a minute unused); this module gives it a connector whose "host" is a
//! peer's key and whose transport is an encrypted p2p connection, plus the bounds on
//! requests in flight per key, shared fairly: every client (source IP) may always use
//! up to its share; beyond it, only while more than a reserve of the key's slots is
//! free, so one client (slow uploads, a burst) can never take the slots the others
//! need. A request refused its share is answered at once; one that finds the key full
//! waits a little, then is refused: never a silent, open-ended wait.
//!
//! It never routes or rewrites requests: the gateway decides what to send where.

use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use hyper::Uri;
use hyper_util::client::legacy::connect::{Connected, Connection as HyperConnection};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::keys::{KeyPair, PublicKey};
use crate::swarm::node::{Connection, Node};

/// Idle connections kept per key.
const MAX_IDLE_PER_KEY: usize = 32;
/// Requests in flight per key (each may hold a connection).
pub const MAX_IN_FLIGHT_PER_KEY: usize = 64;
/// Requests in flight a client (source IP) may always have toward a key. A browser
/// opens at most 6 connections per host; many households share one IP.
pub const CLIENT_SHARE: usize = 16;
/// Slots of a key kept for clients within their share: a client past its share gets
/// a slot only while more than this many are free (so it can hold at most 48 of 64,
/// and a reverse proxy in front, where every client has the proxy's address, still
/// gets most of them).
pub const RESERVED_FOR_OTHERS: usize = 16;
/// How long a request waits for one of a busy key's slots before a 503.
pub const SLOT_WAIT: Duration = Duration::from_secs(3);
/// Unused connections are closed after this.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a peer could not be reached.
#[derive(Debug, thiserror::Error)]
pub enum ReachError {
    /// The URI did not name a key (a bug in the caller).
    #[error("not a peer address: {0}")]
    NotAKey(String),
    /// The handshake did not complete in time.
    #[error("timed out connecting to the peer")]
    TimedOut,
    /// The DHT said why.
    #[error(transparent)]
    Connect(#[from] crate::swarm::node::ConnectError),
}

/// A byte stream (a p2p connection, a unix socket) as hyper's client wants it.
pub struct StreamIo<T>(pub TokioIo<T>);

/// A p2p connection as hyper's client wants it.
pub type PeerIo = StreamIo<Connection>;

impl<T> HyperConnection for StreamIo<T> {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl<T: tokio::io::AsyncRead + Unpin> hyper::rt::Read for StreamIo<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl<T: tokio::io::AsyncWrite + Unpin> hyper::rt::Write for StreamIo<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

/// Opens p2p connections for hyper: the URI's host is the peer's base32 key.
#[derive(Clone)]
pub struct PeerConnector {
    node: Node,
    keypair: Arc<KeyPair>,
    timeout: Duration,
}

impl tower::Service<Uri> for PeerConnector {
    type Response = PeerIo;
    type Error = ReachError;
    type Future = Pin<Box<dyn Future<Output = Result<PeerIo, ReachError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ReachError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let host = uri.host().unwrap_or_default();
            let key: PublicKey = host
                .parse()
                .map_err(|_| ReachError::NotAKey(host.to_string()))?;
            let conn = tokio::time::timeout(this.timeout, this.node.connect(&key, &this.keypair))
                .await
                .map_err(|_| ReachError::TimedOut)??;
            tracing::debug!(peer = %key, "new pooled connection");
            Ok(StreamIo(TokioIo::new(conn)))
        })
    }
}

/// Why a request gets no slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Busy {
    /// This client is past its share, and the key's free slots are kept for others.
    #[error("too many requests from your address to this site at once")]
    Client,
    /// The key's slots stayed taken for [`SLOT_WAIT`].
    #[error("this site is busy")]
    Key,
}

/// A request's place in the limits: held until the response head arrives.
pub struct Slot {
    _key: OwnedSemaphorePermit,
    _client: ClientShare,
}

/// One in-flight request of a client toward a key; counted down on drop.
struct ClientShare {
    counts: Arc<Mutex<HashMap<(PublicKey, IpAddr), usize>>>,
    id: (PublicKey, IpAddr),
}

impl Drop for ClientShare {
    fn drop(&mut self) {
        let mut counts = crate::swarm::lock(&self.counts);
        if let Some(n) = counts.get_mut(&self.id) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.id);
            }
        }
    }
}

/// The pool: a keep-alive HTTP client over p2p connections, and the limits.
#[derive(Clone)]
pub struct Pool {
    client: Client<PeerConnector, Body>,
    fresh: Client<PeerConnector, Body>,
    limits: Arc<Mutex<HashMap<PublicKey, Arc<Semaphore>>>>,
    clients: Arc<Mutex<HashMap<(PublicKey, IpAddr), usize>>>,
}

impl Pool {
    /// A pool dialling from `node` as `keypair`; a connection that is not up within
    /// `connect_timeout` fails.
    pub fn new(node: Node, keypair: KeyPair, connect_timeout: Duration) -> Pool {
        let connector = PeerConnector {
            node,
            keypair: Arc::new(keypair),
            timeout: connect_timeout,
        };
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IDLE_PER_KEY)
            .pool_timer(TokioTimer::new())
            .build(connector.clone());
        let fresh = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build(connector);
        Pool {
            client,
            fresh,
            limits: Arc::new(Mutex::new(HashMap::new())),
            clients: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A request slot toward `key` for `client` (held until the [`Slot`] is dropped):
    /// refused at once past the client's share when only the reserve is free, or after
    /// [`SLOT_WAIT`] when the key stays full.
    pub async fn slot(&self, key: &PublicKey, client: IpAddr) -> Result<Slot, Busy> {
        let sem = crate::swarm::lock(&self.limits)
            .entry(*key)
            .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_KEY)))
            .clone();
        let share = {
            let mut counts = crate::swarm::lock(&self.clients);
            let n = counts.entry((*key, client)).or_insert(0);
            if *n >= CLIENT_SHARE && sem.available_permits() <= RESERVED_FOR_OTHERS {
                return Err(Busy::Client);
            }
            *n += 1;
            ClientShare {
                counts: self.clients.clone(),
                id: (*key, client),
            }
        };
        match tokio::time::timeout(SLOT_WAIT, sem.acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Slot {
                _key: permit,
                _client: share,
            }),
            // The semaphore is never closed; a timeout is the busy case.
            _ => Err(Busy::Key),
        }
    }

    /// The client, for sending requests whose URI host is a key.
    pub fn client(&self) -> &Client<PeerConnector, Body> {
        &self.client
    }

    /// A client that opens a new connection for every request (for a retry after a
    /// pooled connection failed: the other idle ones may be just as dead).
    pub fn fresh_client(&self) -> &Client<PeerConnector, Body> {
        &self.fresh
    }
}

/// The URI a request to `key` goes out with (the pool's host is the key).
pub fn peer_uri(key: &PublicKey, path_and_query: &str) -> Result<Uri, hyper::http::Error> {
    Uri::builder()
        .scheme("http")
        .authority(key.to_string())
        .path_and_query(path_and_query)
        .build()
}
