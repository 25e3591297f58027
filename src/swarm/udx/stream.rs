//! The public [`Stream`] handle (tokio `AsyncRead` + `AsyncWrite`, messages, connect,
//! destroy, keepalive) and its driver task, which sends data, retransmissions, ACKs and
//! probes and runs the timers of one stream.
//!
//! Receiving happens in the socket task; the driver is woken through a `Notify` when
//! there is something to send and otherwise sleeps until the next timer.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;

use super::packet::{FLAG_DESTROY, FLAG_MESSAGE, HEADER_LEN};
use super::socket::{Socket, SocketInner};
use super::state::State;
use super::Udx;
use crate::swarm::lock;

/// How long a stream whose handle was dropped after `shutdown` keeps running to get
/// its data and END acknowledged.
const LINGER: Duration = Duration::from_secs(30);

/// The socket a connected stream sends through.
pub struct Link {
    /// Where the stream's packets go out.
    pub socket: Arc<SocketInner>,
    /// Keeps the socket open while the stream is connected.
    _keep: Socket,
}

/// The shared inside of a stream: its state plus the driver's and waiters' signals.
pub struct StreamInner {
    /// The local stream id.
    pub id: u32,
    /// Protocol state (sans-IO).
    pub state: Mutex<State>,
    /// The socket, once connected (a stream connects once).
    pub link: OnceLock<Link>,
    /// Where the first packet arrived, for an unconnected stream.
    pub first_packet: OnceLock<(Arc<SocketInner>, SocketAddr)>,
    /// Wakes the driver task.
    pub driver: Notify,
    /// Wakes `recv_message` / `first_packet` waiters.
    pub events: Notify,
    udx: Udx,
}

impl StreamInner {
    pub(crate) fn new(id: u32, udx: Udx) -> Self {
        StreamInner {
            id,
            state: Mutex::new(State::new(Instant::now())),
            link: OnceLock::new(),
            first_packet: OnceLock::new(),
            driver: Notify::new(),
            events: Notify::new(),
            udx,
        }
    }
}

/// A reliable, ordered UDX byte stream. Reads return `Ok(0)` at the peer's END;
/// `shutdown` sends END (half-close); dropping without shutdown destroys (resets) it.
pub struct Stream {
    inner: Arc<StreamInner>,
}

impl std::fmt::Debug for Stream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream")
            .field("id", &self.inner.id)
            .finish()
    }
}

fn err(kind: io::ErrorKind) -> io::Error {
    let msg = match kind {
        io::ErrorKind::ConnectionReset => "stream reset by peer",
        io::ErrorKind::TimedOut => "stream timed out",
        io::ErrorKind::ConnectionAborted => "stream destroyed",
        io::ErrorKind::BrokenPipe => "stream ended",
        _ => "stream error",
    };
    io::Error::new(kind, msg)
}

impl Stream {
    pub(crate) fn new(inner: Arc<StreamInner>) -> Stream {
        Stream { inner }
    }

    /// The local stream id.
    pub fn id(&self) -> u32 {
        self.inner.id
    }

    /// Connects to `remote_id` at `remote` through `socket`. Nothing is sent; data can
    /// flow at once. Fails if already connected or the port is 0.
    pub fn connect(&self, socket: &Socket, remote_id: u32, remote: SocketAddr) -> io::Result<()> {
        if remote.port() == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "remote port is 0",
            ));
        }
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| io::Error::other("Stream::connect needs a tokio runtime"))?;
        {
            let mut st = lock(&self.inner.state);
            if let Some(e) = st.error {
                return Err(err(e));
            }
            let link = Link {
                socket: socket.inner().clone(),
                _keep: socket.clone(),
            };
            // Set once, under the state lock, together with the state's peer.
            if self.inner.link.set(link).is_err() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "stream already connected",
                ));
            }
            st.connect(remote_id, socket.sendable(remote));
        }
        handle.spawn(drive(self.inner.clone()));
        self.inner.driver.notify_one();
        Ok(())
    }

    /// For an unconnected stream: the socket and source address of the first packet
    /// that arrived for its id. Waits until one arrives (wrap it in a timeout).
    pub async fn first_packet(&self) -> (Socket, SocketAddr) {
        loop {
            let notified = self.inner.events.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some((s, a)) = self.inner.first_packet.get() {
                if let Some(s) = Socket::from_inner(s) {
                    return (s, *a);
                }
            }
            notified.await;
        }
    }

    /// Resets the stream: sends DESTROY if connected; later reads and writes fail.
    pub fn destroy(&self) {
        destroy(&self.inner);
    }

    /// Sends an unreliable MESSAGE datagram on the stream (needs a connection).
    pub async fn send_message(&self, buf: &[u8]) -> io::Result<()> {
        let mut out = Vec::with_capacity(HEADER_LEN + buf.len());
        let (sock, to) = {
            let mut st = lock(&self.inner.state);
            if let Some(e) = st.error {
                return Err(err(e));
            }
            let (Some(peer), Some(link)) = (st.conn, self.inner.link.get()) else {
                return Err(io::Error::new(
                    io::ErrorKind::NotConnected,
                    "stream not connected",
                ));
            };
            st.write_control(FLAG_MESSAGE, &mut out);
            (link.socket.clone(), peer.remote)
        };
        out.extend_from_slice(buf);
        sock.send(&out, out.len(), to).await
    }

    /// Receives the next MESSAGE datagram; fails once the stream is reset or destroyed.
    pub async fn recv_message(&self) -> io::Result<Bytes> {
        loop {
            let notified = self.inner.events.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = lock(&self.inner.state);
                if let Some(m) = st.messages.pop_front() {
                    return Ok(m);
                }
                if let Some(e) = st.error {
                    return Err(err(e));
                }
            }
            notified.await;
        }
    }

    /// Waits until everything written (and the END, after `shutdown`) has been
    /// acknowledged by the peer, or the stream failed. A process about to exit calls
    /// this so its last bytes are not lost with it.
    pub async fn flushed(&self) -> io::Result<()> {
        loop {
            let notified = self.inner.events.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let st = lock(&self.inner.state);
                if let Some(e) = st.error {
                    return Err(err(e));
                }
                if st.all_acked() {
                    return Ok(());
                }
            }
            // ACKs do not always wake waiters: look again shortly either way.
            let _ = tokio::time::timeout(Duration::from_millis(20), notified).await;
        }
    }

    /// Sends a HEARTBEAT whenever the stream has been idle for `every` (0 disables).
    pub fn set_keepalive(&self, every: Duration) {
        lock(&self.inner.state).keepalive = (!every.is_zero()).then_some(every);
        self.inner.driver.notify_one();
    }

    /// Fails the stream with "stream timed out" once the peer has been silent for
    /// `after` (0 disables). Needs a keepalive shorter than `after` on an idle
    /// stream, or a live peer looks dead.
    pub fn set_peer_timeout(&self, after: Duration) {
        lock(&self.inner.state)
            .set_peer_timeout((!after.is_zero()).then_some(after), Instant::now());
        self.inner.driver.notify_one();
    }

    /// The peer's address once connected.
    pub fn remote_addr(&self) -> Option<SocketAddr> {
        lock(&self.inner.state)
            .conn
            .as_ref()
            .map(|c| super::socket::canonical(c.remote))
    }
}

pub(crate) fn destroy(inner: &Arc<StreamInner>) {
    let mut out = Vec::with_capacity(HEADER_LEN);
    let dest = {
        let mut st = lock(&inner.state);
        if st.error.is_some() {
            return;
        }
        let dest = st
            .conn
            .zip(inner.link.get())
            .map(|(peer, link)| (link.socket.clone(), peer.remote));
        if dest.is_some() {
            st.write_control(FLAG_DESTROY, &mut out);
        }
        st.fail(io::ErrorKind::ConnectionAborted);
        dest
    };
    if let Some((s, to)) = dest {
        if let Err(e) = s.try_send(&out, to) {
            // Socket buffer full: send it as soon as it drains, if we can.
            if e.kind() == io::ErrorKind::WouldBlock {
                if let Ok(h) = tokio::runtime::Handle::try_current() {
                    h.spawn(async move {
                        let _ = tokio::time::timeout(
                            Duration::from_secs(5),
                            s.send(&out, out.len(), to),
                        )
                        .await;
                    });
                }
            }
        }
    } else {
        inner.udx.remove(inner);
    }
    inner.events.notify_waiters();
    inner.driver.notify_one();
}

impl Drop for Stream {
    fn drop(&mut self) {
        let linger = {
            let mut st = lock(&self.inner.state);
            st.dropped = true;
            st.rx.discard_input();
            let clean = st.end_queued && st.error.is_none() && st.conn.is_some();
            if clean {
                st.linger_until = Some(Instant::now() + LINGER);
            }
            clean
        };
        if linger {
            self.inner.driver.notify_one();
        } else {
            destroy(&self.inner);
            self.inner.udx.remove(&self.inner);
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let mut st = lock(&self.inner.state);
        if let Some(e) = st.error {
            return Poll::Ready(Err(err(e)));
        }
        if st.rx.has_data() {
            let n = st.read_into(buf.initialize_unfilled());
            buf.advance(n);
            if st.need_ack {
                drop(st);
                self.inner.driver.notify_one();
            }
            return Poll::Ready(Ok(()));
        }
        if st.rx.ended || buf.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        st.rx.waker = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut st = lock(&self.inner.state);
        if let Some(e) = st.error {
            return Poll::Ready(Err(err(e)));
        }
        if st.end_queued {
            return Poll::Ready(Err(err(io::ErrorKind::BrokenPipe)));
        }
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = st.queue_write(buf);
        if n == 0 {
            st.write_waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        drop(st);
        self.inner.driver.notify_one();
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match lock(&self.inner.state).error {
            Some(e) => Poll::Ready(Err(err(e))),
            None => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let mut st = lock(&self.inner.state);
        if let Some(e) = st.error {
            return Poll::Ready(Err(err(e)));
        }
        if !st.end_queued {
            st.end_queued = true;
            drop(st);
            self.inner.driver.notify_one();
        }
        Poll::Ready(Ok(()))
    }
}

/// The per-stream driver: sends whatever is due, then sleeps until kicked or a timer.
async fn drive(inner: Arc<StreamInner>) {
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    loop {
        let mut now = Instant::now();
        {
            let mut st = lock(&inner.state);
            if st.on_timers(now) {
                drop(st);
                inner.events.notify_waiters();
                break;
            }
        }
        loop {
            let tx = {
                let mut st = lock(&inner.state);
                let (Some(peer), Some(link)) = (st.conn, inner.link.get()) else {
                    break;
                };
                let sock = link.socket.clone();
                let to = peer.remote;
                let max = sock.max_segments(super::mtu::MAX_MTU);
                st.fill_transmit(now, &mut buf, max)
                    .map(|seg| (sock, to, seg))
            };
            let Some((sock, to, seg)) = tx else { break };
            if let Err(e) = sock.send(&buf, seg, to).await {
                tracing::debug!("udx stream {} send error: {e}", inner.id);
                if e.kind() == io::ErrorKind::NotConnected {
                    lock(&inner.state).fail(io::ErrorKind::NotConnected);
                    break;
                }
            }
            now = Instant::now();
        }
        let deadline = {
            let st = lock(&inner.state);
            let done = st.error.is_some()
                || (st.dropped
                    && (st.linger_until.is_some_and(|t| now >= t)
                        || (st.all_acked() && st.rx.ended)))
                || (st.dropped && st.linger_until.is_none());
            if done {
                break;
            }
            st.next_deadline()
        };
        match deadline {
            Some(t) => {
                tokio::select! {
                    _ = inner.driver.notified() => {}
                    _ = tokio::time::sleep_until(t.into()) => {}
                }
            }
            None => inner.driver.notified().await,
        }
    }
    inner.events.notify_waiters();
    inner.udx.remove(&inner);
}
