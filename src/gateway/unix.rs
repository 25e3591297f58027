//! HTTP to local services over unix sockets: a hyper connector whose URI host names
//! the socket (a resolver turns `http://hello/` into `…/sockets/hello/service.sock`),
//! so the host's proxy and API gateway keep pooled keep-alive connections to each
//! service the way the gateway keeps them to peers.
//!
//! It never opens a TCP connection, never reaches a socket its resolver did not name,
//! and never follows a symlink in the last step of the path: the folder of a service's
//! socket is writable by that service, which could otherwise point the host (and its
//! privileges) at any socket on the machine.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};

use super::pool::StreamIo;

/// Turns a URI host into the socket to connect to (`None`: no such service).
pub type Resolve = Arc<dyn Fn(&str) -> Option<PathBuf> + Send + Sync>;

/// How long connecting to a local socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to the unix socket its resolver names for the URI's host.
#[derive(Clone)]
pub struct UnixConnector {
    resolve: Resolve,
}

impl tower::Service<Uri> for UnixConnector {
    type Response = StreamIo<tokio::net::UnixStream>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let host = uri.host().unwrap_or_default().to_owned();
        let path = (self.resolve)(&host);
        Box::pin(async move {
            let path = path.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no socket for {host}"),
                )
            })?;
            let stream =
                tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::UnixStream::connect(&path))
                    .await
                    .map_err(|_| {
                        std::io::Error::new(std::io::ErrorKind::TimedOut, "connect timed out")
                    })??;
            Ok(StreamIo(TokioIo::new(stream)))
        })
    }
}

/// Connects to the unix socket at `path` only if that very name is a socket, not a
/// symlink to one: the name is opened `O_PATH | O_NOFOLLOW`, checked to be a socket, and
/// connected through `/proc/self/fd`, so no swap between check and connect can redirect
/// it.
pub async fn connect_no_follow(path: &std::path::Path) -> std::io::Result<tokio::net::UnixStream> {
    use rustix::fs::{FileType, Mode, OFlags};
    use std::os::fd::AsRawFd;
    let fd = rustix::fs::open(
        path,
        OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let kind = FileType::from_raw_mode(rustix::fs::fstat(&fd)?.st_mode);
    if kind != FileType::Socket {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!("{} is not a socket", path.display()),
        ));
    }
    let via = format!("/proc/self/fd/{}", fd.as_raw_fd());
    let stream = tokio::net::UnixStream::connect(&via).await;
    drop(fd);
    stream
}

/// A pooled HTTP/1.1 client over unix sockets named by `resolve`.
pub fn client(resolve: Resolve) -> Client<UnixConnector, Body> {
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(64)
        .build(UnixConnector { resolve })
}
