//! Keep-alive HTTP/1.1 connections to peers, pooled by public key: one p2p handshake
//! serves many requests. hyper's client does the pooling (idle connections reused,
//! closed after a minute unused); this module gives it a connector whose "host" is a
//! peer's key and whose transport is an encrypted p2p connection, plus a bound on the
//! requests in flight per key.
//!
//! It never routes or rewrites requests: the gateway decides what to send where.

use std::collections::HashMap;
use std::future::Future;
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

/// A p2p connection as hyper's client wants it.
pub struct PeerIo(TokioIo<Connection>);

impl HyperConnection for PeerIo {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for PeerIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for PeerIo {
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
            let conn = tokio::time::timeout(
                this.timeout,
                this.node.connect(*key.as_bytes(), &this.keypair),
            )
            .await
            .map_err(|_| ReachError::TimedOut)??;
            tracing::debug!(peer = %key, "new pooled connection");
            Ok(PeerIo(TokioIo::new(conn)))
        })
    }
}

/// The pool: a keep-alive HTTP client over p2p connections, and the per-key limits.
#[derive(Clone)]
pub struct Pool {
    client: Client<PeerConnector, Body>,
    limits: Arc<Mutex<HashMap<PublicKey, Arc<Semaphore>>>>,
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
            .build(connector);
        Pool {
            client,
            limits: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// Waits for a request slot toward `key` (held until the permit is dropped).
    /// `None` only if the limit was torn down, which the pool never does.
    pub async fn slot(&self, key: &PublicKey) -> Option<OwnedSemaphorePermit> {
        let sem = crate::swarm::lock(&self.limits)
            .entry(*key)
            .or_insert_with(|| Arc::new(Semaphore::new(MAX_IN_FLIGHT_PER_KEY)))
            .clone();
        sem.acquire_owned().await.ok()
    }

    /// The client, for sending requests whose URI host is a key.
    pub fn client(&self) -> &Client<PeerConnector, Body> {
        &self.client
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
