//! The protocol state machine of one UDX stream, free of I/O: what a received packet
//! does (acks, SACKs, reordering, END, DESTROY, MESSAGE, HEARTBEAT), which packets to
//! send next (retransmissions first, then new data within cwnd, rwnd and the pacer),
//! and the timers (RTO with backoff and the 6-strike timeout, RACK reordering window,
//! tail-loss probe, zero-window probe, keepalive).
//!
//! The socket task and the stream driver lock a [`State`], call into it and do the
//! sending themselves; nothing here blocks, holds or touches a socket, so the tests
//! drive it with a synthetic clock alone.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::task::Waker;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::congestion::{Congestion, RttEstimator};
use super::mtu::Mtu;
use super::packet::*;
use super::recv::{Receiver, RWND_MAX};
use super::sendbuf::SendBuf;

mod timers;
mod transmit;

/// The writer blocks once this many unsent bytes are queued.
pub const SEND_BUF_MAX: usize = 2 << 20;
/// A stream fails with `TimedOut` after this many consecutive RTO expiries.
const MAX_RTO_TIMEOUTS: u32 = 6;
/// Queued unread MESSAGE datagrams beyond this are dropped.
const MAX_MESSAGES: usize = 1024;
/// IPv4 + UDP + UDX header overhead (libudx).
const OVERHEAD_V4: usize = 48;
/// IPv6 + UDP + UDX header overhead (libudx).
const OVERHEAD_V6: usize = 68;
/// The base MTU every path is assumed to carry.
pub const BASE_MTU: usize = 1200;

/// A sent, not yet cumulatively acknowledged packet.
struct Sent {
    seq: u32,
    flags: u8,
    payload: Bytes,
    sent_at: Instant,
    xmits: u16,
    sacked: bool,
    lost: bool,
}

/// The peer of a connected stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// The peer's stream id.
    pub remote_id: u32,
    /// The peer's address, as the stream's socket sends to it.
    pub remote: SocketAddr,
}

/// What a caller must do after [`State::on_packet`].
#[derive(Default, Clone, Copy)]
pub struct Effects {
    /// The driver should run (window opened, packets acked or lost).
    pub kick: bool,
    /// Message / first-packet / error waiters should be woken.
    pub event: bool,
}

/// The full per-stream state (guarded by the stream's mutex).
pub struct State {
    /// Destination once connected.
    pub conn: Option<Peer>,
    /// Terminal error: every read and write fails with it.
    pub error: Option<io::ErrorKind>,
    /// The `Stream` handle was dropped (after shutdown: lingering until done).
    pub dropped: bool,
    /// When a lingering stream gives up.
    pub linger_until: Option<Instant>,
    /// Keepalive interval, if any.
    pub keepalive: Option<Duration>,
    /// The stream fails with `TimedOut` once the peer has been silent this long.
    peer_timeout: Option<Duration>,
    /// When the last packet of this stream arrived from the peer.
    last_recv: Instant,
    // -- send side --
    seq: u32,
    remote_acked: u32,
    send_buf: SendBuf,
    /// `shutdown` was called: END goes out after the queued bytes.
    pub end_queued: bool,
    end_sent: bool,
    /// Our END has been acknowledged.
    pub end_acked: bool,
    inflight: VecDeque<Sent>,
    in_flight: usize,
    rtx: VecDeque<u32>,
    cc: Congestion,
    rtt: RttEstimator,
    send_rwnd: u32,
    wnd_seq: u32,
    wnd_ack: u32,
    rto_armed: Instant,
    rto_backoff: u32,
    rto_strikes: u32,
    rack: Option<(Instant, u32)>,
    rack_rtt: Duration,
    rack_timer: Option<Instant>,
    sacked_count: usize,
    tlp_armed: bool,
    zwp_armed: Option<Instant>,
    last_send: Instant,
    pacing_blocked: bool,
    pending_heartbeat: bool,
    /// The writer waiting for buffer space.
    pub write_waker: Option<Waker>,
    mtu: Mtu,
    // -- receive side --
    /// In-order delivery, reordering, SACK blocks and the advertised window.
    pub rx: Receiver,
    /// An ACK is owed to the peer.
    pub need_ack: bool,
    /// Received MESSAGE payloads not yet taken.
    pub messages: VecDeque<Bytes>,
}

impl State {
    /// A fresh, unconnected stream state.
    pub fn new(now: Instant) -> State {
        State {
            conn: None,
            error: None,
            dropped: false,
            linger_until: None,
            keepalive: None,
            peer_timeout: None,
            last_recv: now,
            seq: 0,
            remote_acked: 0,
            send_buf: SendBuf::default(),
            end_queued: false,
            end_sent: false,
            end_acked: false,
            inflight: VecDeque::new(),
            in_flight: 0,
            rtx: VecDeque::new(),
            cc: Congestion::new(now),
            rtt: RttEstimator::default(),
            send_rwnd: RWND_MAX as u32,
            wnd_seq: 0,
            wnd_ack: 0,
            rto_armed: now,
            rto_backoff: 1,
            rto_strikes: 0,
            rack: None,
            rack_rtt: Duration::ZERO,
            rack_timer: None,
            sacked_count: 0,
            tlp_armed: true,
            zwp_armed: None,
            last_send: now,
            pacing_blocked: false,
            pending_heartbeat: false,
            write_waker: None,
            mtu: Mtu::new(OVERHEAD_V4),
            rx: Receiver::new(),
            need_ack: false,
            messages: VecDeque::new(),
        }
    }

    /// Binds the stream to its peer (`remote` as the socket sends to it).
    pub fn connect(&mut self, remote_id: u32, remote: SocketAddr) {
        let overhead = if remote.is_ipv4() {
            OVERHEAD_V4
        } else {
            OVERHEAD_V6
        };
        self.mtu = Mtu::new(overhead);
        self.conn = Some(Peer { remote_id, remote });
    }

    /// Fails the stream with `TimedOut` once the peer has been silent for `timeout`
    /// (`None`: never), counting from `now` at the latest.
    pub fn set_peer_timeout(&mut self, timeout: Option<Duration>, now: Instant) {
        self.peer_timeout = timeout;
        self.last_recv = now.max(self.last_recv);
    }

    /// Sets the terminal error (first one wins) and wakes reader and writer.
    pub fn fail(&mut self, kind: io::ErrorKind) {
        if self.error.is_none() {
            self.error = Some(kind);
        }
        self.wake_all();
    }

    fn wake_all(&mut self) {
        if let Some(w) = self.rx.waker.take() {
            w.wake();
        }
        if let Some(w) = self.write_waker.take() {
            w.wake();
        }
    }

    /// The receive window we advertise now.
    pub fn rwnd(&self) -> u32 {
        self.rx.rwnd()
    }

    fn header(&self, flags: u8, seq: u32) -> Header {
        Header {
            flags,
            data_offset: 0,
            id: self.conn.as_ref().map_or(0, |c| c.remote_id),
            rwnd: self.rwnd(),
            seq,
            ack: self.rx.ack,
        }
    }

    /// Appends an ACK (with SACK blocks for out-of-order data) to `out`; clears `need_ack`.
    pub fn write_ack(&mut self, out: &mut Vec<u8>) {
        let mut blocks: [(u32, u32); MAX_SACKS] = [(0, 0); MAX_SACKS];
        let n = self.rx.sack_blocks(&mut blocks);
        let flags = if n > 0 { FLAG_SACK } else { 0 };
        let start = out.len();
        out.resize(start + HEADER_LEN, 0);
        let h = self.header(flags, self.seq);
        h.write(&mut out[start..]);
        write_sacks(out, &blocks[..n]);
        self.rx.last_adv = h.rwnd;
        self.need_ack = false;
    }

    /// Writes a header-only control packet (DESTROY or HEARTBEAT) into `out`.
    pub fn write_control(&mut self, flags: u8, out: &mut Vec<u8>) {
        let start = out.len();
        out.resize(start + HEADER_LEN, 0);
        self.header(flags, self.seq).write(&mut out[start..]);
        if flags & FLAG_DESTROY != 0 {
            self.seq = self.seq.wrapping_add(1);
        }
    }

    /// Handles one received stream packet.
    pub fn on_packet(&mut self, p: &Packet<'_>, now: Instant) -> Effects {
        let mut fx = Effects::default();
        if self.error.is_some() {
            return fx;
        }
        self.last_recv = now.max(self.last_recv);
        let h = p.header;
        if h.flags & FLAG_HEARTBEAT != 0 {
            self.need_ack = true;
            return fx;
        }
        if h.flags & FLAG_DESTROY != 0 {
            if seq_diff(h.seq, self.rx.ack) >= 0 {
                self.fail(io::ErrorKind::ConnectionReset);
                fx.event = true;
                fx.kick = true;
            }
            return fx;
        }
        if h.flags & FLAG_MESSAGE != 0 {
            if self.messages.len() < MAX_MESSAGES {
                self.messages.push_back(Bytes::copy_from_slice(p.payload));
            }
            fx.event = true;
            return fx;
        }
        self.on_ack_fields(p, now, &mut fx);
        if h.flags & (FLAG_DATA | FLAG_END) != 0 {
            let payload = if h.flags & FLAG_DATA != 0 {
                p.payload
            } else {
                &[]
            };
            if self
                .rx
                .on_data(h.seq, h.flags & (FLAG_DATA | FLAG_END), payload)
            {
                self.need_ack = true;
            }
        }
        fx
    }

    fn on_ack_fields(&mut self, p: &Packet<'_>, now: Instant, fx: &mut Effects) {
        let h = p.header;
        // Window update, TCP WL1/WL2 style.
        let ack_ok = seq_diff(h.ack, self.remote_acked) >= 0 && seq_diff(h.ack, self.seq) <= 0;
        if ack_ok
            && (seq_diff(h.seq, self.wnd_seq) > 0
                || (h.seq == self.wnd_seq && seq_diff(h.ack, self.wnd_ack) >= 0))
        {
            if h.rwnd > self.send_rwnd {
                fx.kick = true;
            }
            self.send_rwnd = h.rwnd;
            self.wnd_seq = h.seq;
            self.wnd_ack = h.ack;
            if h.rwnd > 0 {
                self.zwp_armed = None;
            }
        }
        let mut newly = 0usize;
        let mut sample: Option<Duration> = None;
        let d = seq_diff(h.ack, self.remote_acked);
        if d > 0 && seq_diff(h.ack, self.seq) <= 0 {
            for _ in 0..d {
                let Some(s) = self.inflight.pop_front() else {
                    break;
                };
                if !s.sacked {
                    newly += 1;
                    if !s.lost {
                        self.in_flight = self.in_flight.saturating_sub(1);
                    }
                    self.rack_update(&s, now, &mut sample);
                    if self.mtu.is_probe(s.seq) && s.xmits == 1 {
                        self.mtu.on_probe_acked();
                    }
                }
                if s.sacked {
                    self.sacked_count = self.sacked_count.saturating_sub(1);
                }
                if s.flags & FLAG_END != 0 {
                    self.end_acked = true;
                }
            }
            self.remote_acked = h.ack;
            self.rto_strikes = 0;
            self.rto_backoff = 1;
            self.rto_armed = now;
            self.tlp_armed = true;
            self.cc.on_cumulative(h.ack);
            fx.kick = true;
        }
        for (s, e) in p.sacks() {
            if seq_diff(s, e) >= 0
                || seq_diff(e, self.seq) > 0
                || seq_diff(s, self.remote_acked) < 0
            {
                continue;
            }
            let from = seq_diff(s, self.remote_acked) as usize;
            let to = (seq_diff(e, self.remote_acked) as usize).min(self.inflight.len());
            for i in from..to {
                let p = &mut self.inflight[i];
                if p.sacked {
                    continue;
                }
                p.sacked = true;
                if !p.lost {
                    self.in_flight = self.in_flight.saturating_sub(1);
                }
                newly += 1;
                self.sacked_count += 1;
                let (sent_at, seq, xmits) = (p.sent_at, p.seq, p.xmits);
                self.rack_update_raw(sent_at, seq, xmits, now, &mut sample);
                if self.mtu.is_probe(seq) && xmits == 1 {
                    self.mtu.on_probe_acked();
                }
            }
            fx.kick = true;
        }
        if let Some(rtt) = sample {
            self.rtt.sample(rtt);
            self.rto_backoff = 1;
        }
        if newly > 0 {
            self.mtu.on_data_acked();
            let cap =
                (self.send_rwnd as usize / self.mtu.mss()).max(self.in_flight * 2) as f64 + 16.0;
            self.cc.on_ack(newly, cap);
            self.cc
                .update_rate(self.rtt.srtt, self.mtu.mss() + HEADER_LEN);
            if let Some(w) = self.write_waker.take() {
                w.wake();
            }
        }
        if self.sacked_count > 0 || self.rack_timer.is_some() {
            self.detect_loss(now, fx);
        }
    }

    fn rack_update(&mut self, s: &Sent, now: Instant, sample: &mut Option<Duration>) {
        self.rack_update_raw(s.sent_at, s.seq, s.xmits, now, sample);
    }

    fn rack_update_raw(
        &mut self,
        sent_at: Instant,
        seq: u32,
        xmits: u16,
        now: Instant,
        sample: &mut Option<Duration>,
    ) {
        let rtt = now.saturating_duration_since(sent_at);
        if xmits == 1 {
            *sample = Some(rtt);
        } else if rtt < self.rtt.min_rtt {
            return; // probably the original transmission was delivered
        }
        let newer = match self.rack {
            None => true,
            Some((t, s)) => sent_at > t || (sent_at == t && seq_diff(seq, s) > 0),
        };
        if newer {
            self.rack = Some((sent_at, seq));
            self.rack_rtt = rtt;
        }
    }

    /// RACK: packets sent before the newest delivered one and older than
    /// `rack_rtt + reo_wnd` are lost; the rest arm the reordering timer.
    fn detect_loss(&mut self, now: Instant, fx: &mut Effects) {
        let Some((rt, rseq)) = self.rack else {
            return;
        };
        let reo = if self.cc.recovery_high.is_some() {
            Duration::ZERO
        } else {
            (self.rtt.min_rtt / 4).min(self.rtt.srtt_or(Duration::ZERO))
        };
        let thr = self.rack_rtt + reo;
        self.rack_timer = None;
        let mut lost = false;
        for i in 0..self.inflight.len() {
            let p = &self.inflight[i];
            if seq_diff(p.seq, rseq) >= 0 {
                break;
            }
            if p.sacked || p.lost || p.sent_at > rt {
                continue;
            }
            let deadline = p.sent_at + thr;
            if now >= deadline {
                let seq = p.seq;
                lost |= self.mark_lost(i, seq, true);
            } else {
                self.rack_timer = Some(self.rack_timer.map_or(deadline, |t| t.min(deadline)));
            }
        }
        if lost {
            self.cc.on_loss(self.seq);
            fx.kick = true;
        }
    }

    /// Marks a packet lost and queues it for retransmission. Returns true if the loss
    /// counts as congestion (a lost MTU probe does not). `verdict` is false for RTO and
    /// tail-loss-probe retransmissions: a probe caught in those is retried, not failed.
    fn mark_lost(&mut self, idx: usize, seq: u32, verdict: bool) -> bool {
        let p = &mut self.inflight[idx];
        if p.lost || p.sacked {
            return false;
        }
        p.lost = true;
        self.in_flight = self.in_flight.saturating_sub(1);
        self.rtx.push_back(seq);
        if self.mtu.is_probe(seq) {
            if verdict {
                self.mtu.on_probe_lost();
            } else {
                self.mtu.on_probe_abandoned();
            }
            return false;
        }
        true
    }

    /// Queues bytes from the writer; returns how many were taken (0 = full).
    pub fn queue_write(&mut self, buf: &[u8]) -> usize {
        self.send_buf.push(buf, SEND_BUF_MAX)
    }

    /// Copies buffered in-order bytes into `out`; returns the count (0 = none buffered).
    /// Queues a window update when the advertised window had shrunk a lot.
    pub fn read_into(&mut self, out: &mut [u8]) -> usize {
        let (n, update) = self.rx.read_into(out);
        if update && self.conn.is_some() {
            self.need_ack = true;
        }
        n
    }

    /// Everything we sent (including END, if queued) has been acknowledged.
    pub fn all_acked(&self) -> bool {
        self.inflight.is_empty() && self.send_buf.is_empty() && (!self.end_queued || self.end_acked)
    }
}

#[cfg(test)]
mod tests;
