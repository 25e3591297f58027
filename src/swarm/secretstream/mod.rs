//! `@hyperswarm/secret-stream@6` framing over any byte stream (the UDX [`Stream`] in
//! practice), keyed by a finished Noise handshake (`reference/wire/secret-stream.md`).
//!
//! Each side first sends a header message (`uint24le(56) ‖ own stream id ‖ 24-byte
//! secretstream header`) and checks the peer's; then every write becomes frames
//! `uint24le(len + 17) ‖ push(msg, TAG_MESSAGE)` of at most [`MAX_FRAME`] plaintext
//! bytes. [`SecretStream`] is a tokio `AsyncRead + AsyncWrite`: shutdown half-closes
//! the inner stream (no FINAL frame, as in JS) and reads return `Ok(0)` at the peer's
//! end. Empty frames are keepalives and are never delivered. Frames are encrypted and
//! decrypted in place in the stream's own buffers (one copy in, one out). This module
//! never runs the handshake itself and never parses anything inside the plaintext.
//!
//! [`Stream`]: crate::swarm::udx::Stream

pub mod datagram;
pub mod messages;
pub mod sodium;

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{ready, Context, Poll, Wake, Waker};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::time::{Instant, Sleep};

use crate::swarm::noise::{stream_id, HandshakeResult};
use datagram::DatagramBox;
use sodium::{State, ABYTES, HEADERBYTES, TAG_MESSAGE};

/// Length of a header message body: stream id (32) + secretstream header (24).
pub const ID_HEADER_BYTES: usize = 32 + HEADERBYTES;
/// Plaintext bytes per frame when a write is split (one AEAD pass each).
pub const MAX_FRAME: usize = 64 * 1024;
/// The largest frame body the wire allows (`uint24`).
pub const MAX_FRAME_BODY: usize = (1 << 24) - 1;
/// Encrypted bytes held before `poll_write` pushes back.
const HIGH_WATER: usize = 256 * 1024;
/// Initial size of the receive buffer: small, since most connections carry little and
/// a thousand of them at once must not cost a quarter of a gigabyte.
const RAW_INITIAL: usize = 16 * 1024;
/// The receive buffer doubles, up to this, while reads keep filling it (bulk data).
const RAW_MAX: usize = 256 * 1024;

/// The header message a side sends first: `uint24le(56) ‖ id ‖ header`.
pub fn header_message(id: &[u8; 32], header: &[u8; HEADERBYTES]) -> [u8; 3 + ID_HEADER_BYTES] {
    let mut out = [0u8; 3 + ID_HEADER_BYTES];
    out[0] = ID_HEADER_BYTES as u8;
    out[3..35].copy_from_slice(id);
    out[35..].copy_from_slice(header);
    out
}

/// Appends one data frame carrying `msg` to `out`, encrypted with `push`.
pub fn encode_frame(push: &mut State, msg: &[u8], out: &mut Vec<u8>) {
    let len = msg.len() + ABYTES;
    let start = out.len();
    out.reserve(3 + len);
    out.extend_from_slice(&(len as u32).to_le_bytes()[..3]);
    out.push(TAG_MESSAGE);
    out.extend_from_slice(msg);
    out.extend_from_slice(&[0u8; 16]);
    push.push_in_place(&mut out[start + 3..], TAG_MESSAGE);
}

fn invalid(msg: &'static str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

/// An encrypted, authenticated byte stream over `S`.
pub struct SecretStream<S> {
    inner: S,
    push: State,
    pull: State,
    hash: [u8; 64],
    remote_public_key: [u8; 32],
    is_initiator: bool,
    datagrams: DatagramBox,
    out: Vec<u8>,
    out_pos: usize,
    shut: bool,
    raw: Vec<u8>,
    raw_start: usize,
    raw_end: usize,
    plain: (usize, usize),
    eof: bool,
    keepalive: Option<Duration>,
    timer: Option<Pin<Box<Sleep>>>,
    last_write: Instant,
    wakers: Arc<Wakers>,
    shared: Waker,
}

/// The tasks to wake when the inner stream can take more bytes or the keepalive timer
/// fires: both the reading and the writing task may have queued frames (after
/// `tokio::io::split` they are different tasks, and the inner stream keeps only one
/// waker), so both are woken.
#[derive(Default)]
struct Wakers {
    slots: Mutex<[Option<Waker>; 2]>,
}

const READER: usize = 0;
const WRITER: usize = 1;

impl Wakers {
    fn set(&self, slot: usize, w: &Waker) {
        let mut s = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        match &s[slot] {
            Some(old) if old.will_wake(w) => {}
            _ => s[slot] = Some(w.clone()),
        }
    }
}

impl Wake for Wakers {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let taken = {
            let mut s = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            [s[0].take(), s[1].take()]
        };
        for w in taken.into_iter().flatten() {
            w.wake();
        }
    }
}

impl<S> std::fmt::Debug for SecretStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStream")
            .field("remote_public_key", &hex::encode(self.remote_public_key))
            .field("is_initiator", &self.is_initiator)
            .finish_non_exhaustive()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> SecretStream<S> {
    /// Starts the secret stream on `inner` with the keys of `hs`: sends this side's
    /// header message and waits for the peer's, which must carry the peer's stream id.
    pub async fn new(inner: S, hs: &HandshakeResult) -> io::Result<Self> {
        let (push, header) = State::init_push(&hs.tx);
        Self::with_push_state(inner, hs, push, &header).await
    }

    /// [`SecretStream::new`] with a given secretstream header (for tests and vectors;
    /// production code must use a random one).
    pub async fn with_header(
        inner: S,
        hs: &HandshakeResult,
        header: &[u8; HEADERBYTES],
    ) -> io::Result<Self> {
        Self::with_push_state(inner, hs, State::new(&hs.tx, header), header).await
    }

    async fn with_push_state(
        mut inner: S,
        hs: &HandshakeResult,
        push: State,
        header: &[u8; HEADERBYTES],
    ) -> io::Result<Self> {
        let own = stream_id(&hs.hash, hs.is_initiator);
        inner.write_all(&header_message(&own, header)).await?;
        inner.flush().await?;
        let mut len = [0u8; 3];
        inner.read_exact(&mut len).await?;
        if u32::from_le_bytes([len[0], len[1], len[2], 0]) as usize != ID_HEADER_BYTES {
            return Err(invalid("Invalid header message received"));
        }
        let mut body = [0u8; ID_HEADER_BYTES];
        inner.read_exact(&mut body).await?;
        if body[..32] != stream_id(&hs.hash, !hs.is_initiator) {
            return Err(invalid("Invalid header received"));
        }
        let mut peer_header = [0u8; HEADERBYTES];
        peer_header.copy_from_slice(&body[32..]);
        let wakers = Arc::new(Wakers::default());
        Ok(SecretStream {
            inner,
            push,
            pull: State::new(&hs.rx, &peer_header),
            hash: hs.hash,
            remote_public_key: hs.remote_public_key,
            is_initiator: hs.is_initiator,
            datagrams: DatagramBox::random(&hs.hash, hs.is_initiator),
            out: Vec::new(),
            out_pos: 0,
            shut: false,
            raw: vec![0u8; RAW_INITIAL],
            raw_start: 0,
            raw_end: 0,
            plain: (0, 0),
            eof: false,
            keepalive: None,
            timer: None,
            last_write: Instant::now(),
            shared: Waker::from(Arc::clone(&wakers)),
            wakers,
        })
    }
}

impl<S> SecretStream<S> {
    /// The peer's static public key from the handshake.
    pub fn remote_public_key(&self) -> &[u8; 32] {
        &self.remote_public_key
    }

    /// The 64-byte Noise handshake hash.
    pub fn handshake_hash(&self) -> &[u8; 64] {
        &self.hash
    }

    /// Whether this side was the Noise initiator.
    pub fn is_initiator(&self) -> bool {
        self.is_initiator
    }

    /// The inner stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The datagram sealer/opener of this stream (secret-stream.md §6).
    pub fn datagrams(&self) -> &DatagramBox {
        &self.datagrams
    }

    /// Sends an empty frame whenever nothing was written for `every` (JS `keepAlive`;
    /// HyperDHT uses 5 s). `None` disables it. The timer runs while the stream is
    /// being polled (reading or writing), which is how it is normally used.
    pub fn set_keepalive(&mut self, every: Option<Duration>) {
        self.keepalive = every.filter(|d| !d.is_zero());
        self.timer = self
            .keepalive
            .map(|d| Box::pin(tokio::time::sleep_until(self.last_write + d)));
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> SecretStream<S> {
    /// Writes queued frames until at most `keep` bytes remain queued.
    fn poll_drain(&mut self, slot: usize, cx: &Context<'_>, keep: usize) -> Poll<io::Result<()>> {
        self.wakers.set(slot, cx.waker());
        let shared = self.shared.clone();
        let cx = &mut Context::from_waker(&shared);
        while self.out.len() - self.out_pos > keep {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out[self.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_pos += n;
        }
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
        Poll::Ready(Ok(()))
    }

    /// Queues an empty frame if the keepalive timer ran out.
    fn poll_keepalive(&mut self, slot: usize, cx: &Context<'_>) {
        let Some(every) = self.keepalive else { return };
        self.wakers.set(slot, cx.waker());
        let shared = self.shared.clone();
        let cx = &mut Context::from_waker(&shared);
        let Some(timer) = self.timer.as_mut() else {
            return;
        };
        if timer.as_mut().poll(cx).is_pending() {
            return;
        }
        if Instant::now() >= self.last_write + every && !self.shut {
            self.queue(&[]);
            self.last_write = Instant::now();
        }
        let deadline = self.last_write + every;
        if let Some(timer) = self.timer.as_mut() {
            timer.as_mut().reset(deadline);
            // Register the new deadline with this task.
            let _ = timer.as_mut().poll(cx);
        }
    }

    fn queue(&mut self, msg: &[u8]) {
        if self.out_pos >= HIGH_WATER {
            self.out.drain(..self.out_pos);
            self.out_pos = 0;
        }
        encode_frame(&mut self.push, msg, &mut self.out);
    }

    /// Decrypts the next complete frame in the receive buffer, if there is one.
    fn next_frame(&mut self) -> io::Result<bool> {
        let avail = self.raw_end - self.raw_start;
        if avail < 3 {
            return Ok(false);
        }
        let b = &self.raw[self.raw_start..];
        let len = u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize;
        if avail < 3 + len {
            return Ok(false);
        }
        if len < ABYTES {
            return Err(invalid("Invalid message received"));
        }
        let body = self.raw_start + 3;
        self.pull
            .pull_in_place(&mut self.raw[body..body + len])
            .map_err(|_| invalid("secret-stream frame failed authentication"))?;
        self.plain = (body + 1, body + len - 16);
        self.raw_start += 3 + len;
        Ok(true)
    }

    /// Reads more encrypted bytes from the inner stream into the receive buffer (sets
    /// `eof` at its end), growing the buffer while reads keep filling it.
    fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.make_room();
        let free = self.raw.len() - self.raw_end;
        let mut rb = ReadBuf::new(&mut self.raw[self.raw_end..]);
        ready!(Pin::new(&mut self.inner).poll_read(cx, &mut rb))?;
        let n = rb.filled().len();
        if n == 0 {
            self.eof = true;
        }
        self.raw_end += n;
        if n == free && self.raw.len() < RAW_MAX {
            // The read filled the buffer: more is coming, read more at a time.
            let bigger = (self.raw.len() * 2).min(RAW_MAX);
            self.raw.resize(bigger, 0);
        }
        Poll::Ready(Ok(()))
    }

    /// Makes room in the receive buffer for the frame being received.
    fn make_room(&mut self) {
        if self.raw_start == self.raw_end {
            self.raw_start = 0;
            self.raw_end = 0;
        }
        let avail = self.raw_end - self.raw_start;
        let need = if avail >= 3 {
            let b = &self.raw[self.raw_start..];
            3 + u32::from_le_bytes([b[0], b[1], b[2], 0]) as usize
        } else {
            3
        };
        let free = self.raw.len() - self.raw_end;
        if self.raw_start > 0 && (free < MAX_FRAME || self.raw_start + need > self.raw.len()) {
            self.raw.copy_within(self.raw_start..self.raw_end, 0);
            self.raw_end = avail;
            self.raw_start = 0;
        }
        if need > self.raw.len() {
            self.raw.resize(need, 0);
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for SecretStream<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.poll_keepalive(READER, cx);
        if this.out_pos < this.out.len() {
            // Queued frames (a keepalive, or a write left behind) go out while reading.
            if let Poll::Ready(Err(e)) = this.poll_drain(READER, cx, 0) {
                return Poll::Ready(Err(e));
            }
        }
        loop {
            let (s, e) = this.plain;
            if s < e {
                let n = (e - s).min(buf.remaining());
                buf.put_slice(&this.raw[s..s + n]);
                this.plain.0 += n;
                return Poll::Ready(Ok(()));
            }
            if this.next_frame()? {
                continue;
            }
            if this.eof {
                if this.raw_end > this.raw_start {
                    return Poll::Ready(Err(io::ErrorKind::UnexpectedEof.into()));
                }
                return Poll::Ready(Ok(()));
            }
            ready!(this.poll_fill(cx))?;
        }
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for SecretStream<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.shut {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        }
        this.poll_keepalive(WRITER, cx);
        ready!(this.poll_drain(WRITER, cx, HIGH_WATER))?;
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        // At least one frame (returning Ok(0) would mean "write zero"), then more while
        // the queue is below the high-water mark.
        let mut n = 0;
        loop {
            let take = (buf.len() - n).min(MAX_FRAME);
            this.queue(&buf[n..n + take]);
            n += take;
            if n == buf.len() || this.out.len() - this.out_pos >= HIGH_WATER {
                break;
            }
        }
        this.last_write = Instant::now();
        // Push what the inner stream takes now; the rest waits for the next call.
        if let Poll::Ready(Err(e)) = this.poll_drain(WRITER, cx, 0) {
            return Poll::Ready(Err(e));
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(WRITER, cx, 0))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(WRITER, cx, 0))?;
        this.shut = true;
        this.keepalive = None;
        this.timer = None;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}

impl SecretStream<crate::swarm::udx::Stream> {
    /// Sends one encrypted unordered datagram (a UDX MESSAGE packet).
    pub async fn send_datagram(&self, msg: &[u8]) -> io::Result<()> {
        let wire = self.datagrams.seal(msg).map_err(io::Error::other)?;
        self.inner.send_message(&wire).await
    }

    /// Receives the next authentic datagram; forged or short ones are dropped.
    pub async fn recv_datagram(&self) -> io::Result<Vec<u8>> {
        loop {
            let m = self.inner.recv_message().await?;
            if let Some(p) = self.datagrams.open(&m) {
                return Ok(p);
            }
        }
    }
}
