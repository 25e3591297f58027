//! HTTP over p2p: the gateway that routes `{key}.DOMAIN` to the peer with that key
//! (keep-alive connections pooled per key, bodies streamed, WebSockets passed through),
//! the static file server behind `spork serve`, and serving HTTP on TCP sockets and
//! p2p connections alike.
//!
//! It never prints: the gateway reports each request through a callback and the
//! command decides what to show.
//!
//! - [`routing`]: which peer a Host names;
//! - [`proxy`]: forwarding one request and its answer;
//! - [`pool`]: keep-alive connections per key;
//! - [`pages`]: the gateway's own pages (landing, 404, 502, 504);
//! - [`server`]: HTTP/1.1 on any connection, with limits;
//! - [`static_files`]: the file server behind `spork serve`.

pub mod pages;
pub mod pool;
pub mod proxy;
pub mod routing;
pub mod rpc;
pub mod server;
pub mod static_files;
pub mod unix;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use hyper::body::Incoming;
use hyper::{Request, Response};
use tokio::net::TcpListener;

use crate::keys::KeyPair;
use crate::swarm::node::Node;
use pool::Pool;
use routing::Route;

/// One request as the access log shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLog {
    /// HTTP method.
    pub method: String,
    /// The Host asked for.
    pub host: String,
    /// Path and query.
    pub path: String,
    /// Response status.
    pub status: u16,
    /// Milliseconds until the response head.
    pub ms: u64,
}

/// Called once per request.
pub type OnRequest = Arc<dyn Fn(&RequestLog) + Send + Sync>;

/// An HTTP gateway to peers.
pub struct Gateway {
    pool: Pool,
    domains: Vec<String>,
    on_request: Option<OnRequest>,
}

impl Gateway {
    /// A gateway dialling peers from `node` as `keypair`, answering for `localhost`
    /// and each of `domains`; a peer not reached within `connect_timeout` gets a 504.
    pub fn new(
        node: Node,
        keypair: KeyPair,
        domains: Vec<String>,
        connect_timeout: Duration,
    ) -> Gateway {
        Gateway {
            pool: Pool::new(node, keypair, connect_timeout),
            domains,
            on_request: None,
        }
    }

    /// Reports every request to `f` (the access log).
    pub fn on_request(mut self, f: OnRequest) -> Gateway {
        self.on_request = Some(f);
        self
    }

    /// Answers one request from `client`.
    pub async fn handle(&self, req: Request<Incoming>, client: SocketAddr) -> Response<Body> {
        let started = Instant::now();
        let host = req
            .headers()
            .get(hyper::header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| req.uri().host())
            .unwrap_or_default()
            .to_string();
        let method = req.method().to_string();
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let hosts = req.headers().get_all(hyper::header::HOST).iter().count();
        let res = match routing::route(&host, &self.domains) {
            _ if hosts > 1 => pages::bad_request("the request has more than one Host header"),
            _ if req.method() == hyper::Method::CONNECT => {
                pages::not_a_proxy(req.method().as_str())
            }
            Route::Landing => pages::landing(&self.domains),
            Route::NotAKey(label) => pages::not_a_key(&label),
            Route::UnknownHost(name) => pages::unknown_host(&name),
            Route::Peer(key) => proxy::forward(&self.pool, key, req.map(Body::new), client).await,
        };
        if let Some(log) = &self.on_request {
            log(&RequestLog {
                method,
                host,
                path,
                status: res.status().as_u16(),
                ms: started.elapsed().as_millis() as u64,
            });
        }
        res
    }

    /// Serves the gateway on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) {
        server::serve_tcp(listener, move |client| {
            let gateway = self.clone();
            hyper::service::service_fn(move |req| {
                let gateway = gateway.clone();
                async move { Ok::<_, std::convert::Infallible>(gateway.handle(req, client).await) }
            })
        })
        .await
    }
}
