//! One UDP socket and its receive task: batched receive (GRO / `recvmmsg` through
//! `quinn-udp`), demultiplexing of stream packets from raw datagrams in libudx's order
//! (udx.md §5), per-batch ACKs, and batched GSO sends for the stream drivers.
//!
//! A datagram is a stream packet only if it has a 20-byte header with magic and version
//! and its id names a live stream of this [`Udx`](super::Udx) instance; everything else
//! is queued for [`Socket::recv_from`]. Stream packets are accepted from any source
//! address and on any socket of the instance (hyperdht's firewall adoption).

use std::collections::VecDeque;
use std::io::{self, IoSliceMut};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use bytes::Bytes;
use quinn_udp::{RecvMeta, Transmit, UdpSockRef, UdpSocketState};
use tokio::io::Interest;
use tokio::net::UdpSocket;
use tokio::sync::Notify;

use super::packet::{Header, Packet};
use super::stream::StreamInner;
use super::Udx;
use crate::swarm::lock;

/// Raw datagrams waiting for `recv_from` beyond this are dropped (UDP semantics).
const RAW_QUEUE_MAX: usize = 4096;
/// Bytes per receive slot: one GRO super-datagram.
const SLOT: usize = 64 * 1024;
/// Receive slots per `recvmmsg`.
const SLOTS: usize = 4;
/// Socket buffer sizes we ask for.
const SOCK_BUF: usize = 4 << 20;
/// Default TTL (libudx).
const DEFAULT_TTL: u32 = 64;

/// The shared inside of a socket.
pub struct SocketInner {
    io: UdpSocket,
    state: UdpSocketState,
    local: SocketAddr,
    udx: Udx,
    raw: Mutex<VecDeque<(Bytes, SocketAddr)>>,
    raw_notify: Notify,
    closed: AtomicBool,
    ttl_lock: Mutex<()>,
    handle: Mutex<Weak<SocketHandle>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Closes the socket when the last [`Socket`] clone goes away.
struct SocketHandle {
    inner: Arc<SocketInner>,
}

impl Drop for SocketHandle {
    fn drop(&mut self) {
        self.inner.close();
    }
}

/// A bound UDP socket carrying UDX streams and raw datagrams. Cheap to clone; the
/// socket closes on [`Socket::close`] or when the last clone (including those held by
/// connected streams) is dropped.
#[derive(Clone)]
pub struct Socket {
    handle: Arc<SocketHandle>,
}

impl std::fmt::Debug for Socket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Socket")
            .field("local", &self.handle.inner.local)
            .finish()
    }
}

impl Socket {
    /// Binds now (inside a tokio runtime) and starts the receive task.
    pub(crate) fn bind(udx: Udx, addr: SocketAddr) -> io::Result<Socket> {
        let domain = socket2::Domain::for_address(addr);
        let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
        s.set_nonblocking(true)?;
        // Best effort: bigger buffers absorb bursts; the kernel caps them.
        let _ = s.set_recv_buffer_size(SOCK_BUF);
        let _ = s.set_send_buffer_size(SOCK_BUF);
        s.bind(&addr.into())?;
        let std_sock: std::net::UdpSocket = s.into();
        let io = UdpSocket::from_std(std_sock)?;
        let state = UdpSocketState::new(UdpSockRef::from(&io))?;
        let local = io.local_addr()?;
        let inner = Arc::new(SocketInner {
            io,
            state,
            local,
            udx,
            raw: Mutex::new(VecDeque::new()),
            raw_notify: Notify::new(),
            closed: AtomicBool::new(false),
            ttl_lock: Mutex::new(()),
            handle: Mutex::new(Weak::new()),
            task: Mutex::new(None),
        });
        let handle = Arc::new(SocketHandle {
            inner: inner.clone(),
        });
        *lock(&inner.handle) = Arc::downgrade(&handle);
        let task = tokio::spawn(recv_loop(inner.clone()));
        *lock(&inner.task) = Some(task);
        Ok(Socket { handle })
    }

    /// `to` as this socket can send to it (IPv4 becomes v4-mapped on an IPv6 socket).
    pub(crate) fn sendable(&self, to: SocketAddr) -> SocketAddr {
        match (self.handle.inner.local, to) {
            (SocketAddr::V6(_), SocketAddr::V4(v4)) => {
                SocketAddr::new(v4.ip().to_ipv6_mapped().into(), v4.port())
            }
            _ => to,
        }
    }

    pub(crate) fn inner(&self) -> &Arc<SocketInner> {
        &self.handle.inner
    }

    pub(crate) fn from_inner(inner: &Arc<SocketInner>) -> Option<Socket> {
        lock(&inner.handle)
            .upgrade()
            .map(|handle| Socket { handle })
    }

    /// The bound local address.
    pub fn local_addr(&self) -> SocketAddr {
        self.handle.inner.local
    }

    /// Sends one raw datagram.
    pub async fn send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<()> {
        self.handle
            .inner
            .send(buf, buf.len(), self.sendable(to))
            .await
    }

    /// Sends one raw datagram now with the given TTL (holepunch probes), then restores
    /// the default TTL. Fails with `WouldBlock` if the socket buffer is full.
    pub fn try_send_to_with_ttl(&self, buf: &[u8], to: SocketAddr, ttl: u32) -> io::Result<()> {
        let inner = &self.handle.inner;
        inner.check_open()?;
        let _g = lock(&inner.ttl_lock);
        let sock = socket2::SockRef::from(&inner.io);
        let v6 = inner.local.is_ipv6();
        let set = |t: u32| {
            if v6 {
                sock.set_unicast_hops_v6(t)
            } else {
                sock.set_ttl_v4(t)
            }
        };
        set(ttl)?;
        let r = sock.send_to(buf, &self.sendable(to).into()).map(|_| ());
        let _ = set(DEFAULT_TTL);
        r
    }

    /// Sends one raw datagram now if the socket can take it; fails with `WouldBlock`
    /// when its buffer is full (UDP semantics: callers may drop it).
    pub fn try_send_to(&self, buf: &[u8], to: SocketAddr) -> io::Result<()> {
        self.handle.inner.try_send(buf, self.sendable(to))
    }

    /// Receives the next datagram that is not a stream packet, in arrival order.
    /// Fails with `NotConnected` once the socket is closed.
    pub async fn recv_from(&self) -> io::Result<(Bytes, SocketAddr)> {
        let inner = &self.handle.inner;
        loop {
            let notified = inner.raw_notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(d) = lock(&inner.raw).pop_front() {
                return Ok(d);
            }
            inner.check_open()?;
            notified.await;
        }
    }

    /// Closes the socket: the receive task stops and `recv_from` fails.
    pub fn close(&self) {
        self.handle.inner.close();
    }
}

impl SocketInner {
    fn close(&self) {
        if self.closed.swap(true, Ordering::SeqCst) {
            return;
        }
        if let Some(t) = lock(&self.task).take() {
            t.abort();
        }
        self.raw_notify.notify_waiters();
    }

    fn check_open(&self) -> io::Result<()> {
        if self.closed.load(Ordering::Relaxed) {
            Err(io::Error::new(io::ErrorKind::NotConnected, "socket closed"))
        } else {
            Ok(())
        }
    }

    /// How many segments one GSO send may carry.
    pub(crate) fn max_segments(&self, seg: usize) -> usize {
        self.state
            .max_gso_segments()
            .min(65_000 / seg.max(1))
            .max(1)
    }

    fn transmit<'a>(buf: &'a [u8], seg: usize, to: SocketAddr) -> Transmit<'a> {
        Transmit {
            destination: to,
            ecn: None,
            contents: buf,
            segment_size: (buf.len() > seg).then_some(seg),
            src_ip: None,
        }
    }

    /// Sends `buf` as segments of `seg` bytes (one datagram if `seg >= buf.len()`).
    pub(crate) async fn send(&self, buf: &[u8], seg: usize, to: SocketAddr) -> io::Result<()> {
        self.check_open()?;
        if buf.len() > seg && self.state.max_gso_segments() <= 1 {
            for chunk in buf.chunks(seg) {
                Box::pin(self.send(chunk, chunk.len(), to)).await?;
            }
            return Ok(());
        }
        let t = Self::transmit(buf, seg, to);
        // Try the non-blocking socket directly first: tokio's readiness may not be
        // known yet, and this saves a readiness round trip on the hot path.
        match self.state.send(UdpSockRef::from(&self.io), &t) {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            r => return r,
        }
        self.io
            .async_io(Interest::WRITABLE, || {
                self.check_open()?;
                self.state.send(UdpSockRef::from(&self.io), &t)
            })
            .await
    }

    /// Sends one datagram now if the socket can take it (best effort).
    pub(crate) fn try_send(&self, buf: &[u8], to: SocketAddr) -> io::Result<()> {
        self.check_open()?;
        let t = Self::transmit(buf, buf.len(), to);
        self.state.send(UdpSockRef::from(&self.io), &t)
    }
}

/// Streams touched by one receive batch.
struct Touched {
    stream: Arc<StreamInner>,
    kick: bool,
    event: bool,
}

async fn recv_loop(sock: Arc<SocketInner>) {
    let mut slots: [Vec<u8>; SLOTS] = std::array::from_fn(|_| vec![0u8; SLOT]);
    let mut meta = [RecvMeta::default(); SLOTS];
    let mut touched: Vec<Touched> = Vec::new();
    let mut ack_buf: Vec<u8> = Vec::with_capacity(512);
    let mut errors = 0u32;
    loop {
        let n = {
            let mut iovs = slots.each_mut().map(|s| IoSliceMut::new(s));
            let r = sock
                .io
                .async_io(Interest::READABLE, || {
                    sock.state
                        .recv(UdpSockRef::from(&sock.io), &mut iovs, &mut meta)
                })
                .await;
            match r {
                Ok(n) => {
                    errors = 0;
                    n
                }
                Err(e) => {
                    if sock.closed.load(Ordering::Relaxed) {
                        return;
                    }
                    // ICMP errors (e.g. port unreachable) surface here once each; keep
                    // going, but never spin on an error that repeats.
                    tracing::debug!("udx recv error: {e}");
                    errors += 1;
                    if errors > 16 {
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    }
                    continue;
                }
            }
        };
        let now = Instant::now();
        for (slot, m) in slots.iter().zip(meta.iter()).take(n) {
            let from = canonical(m.addr);
            let data = &slot[..m.len.min(SLOT)];
            let stride = if m.stride == 0 {
                data.len().max(1)
            } else {
                m.stride
            };
            for dgram in data.chunks(stride) {
                handle_datagram(&sock, dgram, from, now, &mut touched);
            }
        }
        for t in touched.drain(..) {
            if t.event {
                t.stream.events.notify_waiters();
            }
            if t.kick {
                t.stream.driver.notify_one();
            }
            let dest = {
                let mut st = lock(&t.stream.state);
                if !st.need_ack || st.dropped && st.error.is_some() {
                    None
                } else if let (Some(peer), Some(link)) = (st.conn, t.stream.link.get()) {
                    ack_buf.clear();
                    st.write_ack(&mut ack_buf);
                    Some((link.socket.clone(), peer.remote))
                } else {
                    None // deferred until connect
                }
            };
            if let Some((s, r)) = dest {
                let _ = s.send(&ack_buf, ack_buf.len(), r).await;
            }
        }
    }
}

pub(crate) fn canonical(a: SocketAddr) -> SocketAddr {
    match a {
        SocketAddr::V6(v6) => match v6.ip().to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(v4.into(), v6.port()),
            None => a,
        },
        a => a,
    }
}

fn handle_datagram(
    sock: &Arc<SocketInner>,
    dgram: &[u8],
    from: SocketAddr,
    now: Instant,
    touched: &mut Vec<Touched>,
) {
    let stream = Header::peek_id(dgram).and_then(|id| {
        if let Some(t) = touched.iter().find(|t| t.stream.id == id) {
            return Some(t.stream.clone());
        }
        sock.udx.lookup(id)
    });
    let Some(stream) = stream else {
        let mut q = lock(&sock.raw);
        if q.len() < RAW_QUEUE_MAX {
            q.push_back((Bytes::copy_from_slice(dgram), from));
            drop(q);
            sock.raw_notify.notify_waiters();
        }
        return;
    };
    // From here on the datagram is consumed as a stream packet, even if dropped.
    let Some(pkt) = Packet::decode(dgram) else {
        return;
    };
    let fx = {
        let mut st = lock(&stream.state);
        if st.error.is_some() {
            return;
        }
        let first = st.conn.is_none() && stream.first_packet.set((sock.clone(), from)).is_ok();
        let mut fx = st.on_packet(&pkt, now);
        fx.event |= first;
        fx
    };
    match touched.iter_mut().find(|t| Arc::ptr_eq(&t.stream, &stream)) {
        Some(t) => {
            t.kick |= fx.kick;
            t.event |= fx.event;
        }
        None => touched.push(Touched {
            stream,
            kick: fx.kick,
            event: fx.event,
        }),
    }
}
