//! Serving HTTP/1.1 on any byte stream, a TCP socket or a p2p connection, with the
//! limits every spork HTTP server shares: a bounded request head, an idle timeout and
//! protocol upgrades passed on. Knows nothing of what is served.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::Router;
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tower::ServiceExt;

/// The largest request head (request line and headers) accepted.
pub const MAX_HEAD: usize = 64 * 1024;
/// A connection that sends no complete request head for this long is closed (slow
/// clients and idle keep-alive connections alike).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether a request's headers announce a body (chunked, or a non-zero length).
pub fn has_body(headers: &hyper::HeaderMap) -> bool {
    headers.contains_key(hyper::header::TRANSFER_ENCODING)
        || headers
            .get(hyper::header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// Serves HTTP/1.1 requests on `io` with `service` until the connection ends.
pub async fn serve_connection<I, S>(io: I, service: S)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(IDLE_TIMEOUT)
        .max_header_size(MAX_HEAD)
        .keep_alive(true);
    if let Err(e) = builder
        .serve_connection(TokioIo::new(io), service)
        .with_upgrades()
        .await
    {
        tracing::debug!(error = %e, "http connection ended with an error");
    }
}

/// An axum router as a hyper service.
pub fn router_service(
    router: Router,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Body>,
    Error = Infallible,
    Future = impl Send,
> + Clone
       + Send
       + 'static {
    hyper::service::service_fn(move |req: Request<Incoming>| {
        router.clone().oneshot(req.map(Body::new))
    })
}

/// Serves HTTP/1.1 on every connection `listener` accepts, each in its own task with
/// the service `service_for` makes for its client address; runs until dropped.
pub async fn serve_tcp<F, S>(listener: TcpListener, service_for: F)
where
    F: Fn(std::net::SocketAddr) -> S,
    S: hyper::service::Service<Request<Incoming>, Response = Response<Body>, Error = Infallible>
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((tcp, client)) => {
                let _ = tcp.set_nodelay(true);
                tokio::spawn(serve_connection(tcp, service_for(client)));
            }
            // Out of file descriptors and the like: wait, don't spin.
            Err(e) => {
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}
