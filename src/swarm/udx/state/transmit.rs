//! The sending side of a stream's [`State`]: which packets go out next (retransmissions
//! first and limited by cwnd only, then new data within cwnd, the peer's window and the
//! pacer, an occasional padded MTU probe), written back to back into one buffer of
//! equal-sized segments for a single GSO send.

use std::time::Instant;

use bytes::Bytes;

use super::{Sent, State, SEND_BUF_MAX};
use crate::swarm::udx::packet::*;

impl State {
    fn send_window(&self) -> usize {
        if self.send_rwnd == 0 {
            return 0;
        }
        let rw = (self.send_rwnd as usize / self.mtu.mss()).max(1);
        rw.min(self.cc.cwnd as usize)
    }

    /// Fills `out` with up to `max_segs` packets of one size (the last may be shorter),
    /// ready for one GSO send. Returns the segment size, or `None` if nothing is due.
    pub fn fill_transmit(
        &mut self,
        now: Instant,
        out: &mut Vec<u8>,
        max_segs: usize,
    ) -> Option<usize> {
        out.clear();
        self.conn.as_ref()?;
        if self.error.is_some() {
            return None;
        }
        if self.need_ack {
            self.write_ack(out);
            return Some(out.len());
        }
        if self.pending_heartbeat {
            self.pending_heartbeat = false;
            self.write_control(FLAG_HEARTBEAT, out);
            self.last_send = now;
            return Some(out.len());
        }
        let pkt = self.mtu.mss() + HEADER_LEN;
        self.cc.refill(now, pkt);
        self.pacing_blocked = false;
        let mut seg = 0usize;
        let mut count = 0usize;
        let mut closed = false; // a short segment ends the batch
        let cwnd = self.cc.cwnd as usize;
        while count < max_segs && self.in_flight < cwnd.max(1) {
            let Some(&seq) = self.rtx.front() else { break };
            let idx = seq_diff(seq, self.remote_acked);
            if idx < 0 || idx as usize >= self.inflight.len() {
                self.rtx.pop_front();
                continue;
            }
            let (ack, rwnd, id) = (self.rx.ack, self.rwnd(), self.header(0, 0).id);
            let p = &mut self.inflight[idx as usize];
            if !p.lost || p.sacked {
                self.rtx.pop_front();
                continue;
            }
            let len = HEADER_LEN + p.payload.len();
            if count > 0 && (closed || len > seg) {
                break;
            }
            let start = out.len();
            out.resize(start + HEADER_LEN, 0);
            Header {
                flags: p.flags,
                data_offset: 0,
                id,
                rwnd,
                seq: p.seq,
                ack,
            }
            .write(&mut out[start..]);
            out.extend_from_slice(&p.payload);
            p.lost = false;
            p.xmits = p.xmits.saturating_add(1);
            p.sent_at = now;
            self.in_flight += 1;
            self.rtx.pop_front();
            self.cc.spend(len);
            if count == 0 {
                seg = len;
            } else if len < seg {
                closed = true;
            }
            count += 1;
        }
        let wnd = self.send_window();
        if count == 0 && self.in_flight < wnd {
            if let Some(len) = self.try_probe(now, out) {
                return Some(len);
            }
        }
        while count < max_segs && self.in_flight < wnd && !self.end_sent && !closed {
            let n = self.send_buf.len().min(self.mtu.mss());
            let end_now = self.end_queued && n == self.send_buf.len();
            if n == 0 && !end_now {
                break;
            }
            let len = HEADER_LEN + n;
            if !self.cc.can_send(len) {
                self.pacing_blocked = true;
                break;
            }
            if count > 0 && len > seg {
                break;
            }
            let payload = self.send_buf.take(n);
            let flags = (if n > 0 { FLAG_DATA } else { 0 }) | (if end_now { FLAG_END } else { 0 });
            let seq = self.seq;
            let start = out.len();
            out.resize(start + HEADER_LEN, 0);
            self.header(flags, seq).write(&mut out[start..]);
            out.extend_from_slice(&payload);
            self.push_sent(now, seq, flags, payload);
            self.cc.spend(len);
            if end_now {
                self.end_sent = true;
            }
            if count == 0 {
                seg = len;
            } else if len < seg {
                closed = true;
            }
            count += 1;
        }
        if count == 0 {
            return None;
        }
        self.last_send = now;
        self.rx.last_adv = self.rwnd();
        if self.send_buf.len() < SEND_BUF_MAX / 2 {
            if let Some(w) = self.write_waker.take() {
                w.wake();
            }
        }
        Some(seg)
    }

    /// Sends a full DATA packet padded to the next MTU probe size, if one is due.
    fn try_probe(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<usize> {
        let pad = self.mtu.want_probe()?;
        let mss = self.mtu.mss();
        if self.send_buf.len() < mss || (self.end_queued && self.send_buf.len() == mss) {
            return None;
        }
        let len = HEADER_LEN + pad + mss;
        if !self.cc.can_send(len) {
            return None;
        }
        let payload = self.send_buf.take(mss);
        let seq = self.seq;
        let mut h = self.header(FLAG_DATA, seq);
        h.data_offset = pad as u8;
        out.resize(HEADER_LEN + pad, 0);
        h.write(out);
        out.extend_from_slice(&payload);
        self.push_sent(now, seq, FLAG_DATA, payload);
        self.cc.spend(len);
        self.mtu.probe_sent(seq);
        self.last_send = now;
        Some(out.len())
    }

    fn push_sent(&mut self, now: Instant, seq: u32, flags: u8, payload: Bytes) {
        if self.inflight.is_empty() {
            self.rto_armed = now;
        }
        self.inflight.push_back(Sent {
            seq,
            flags,
            payload,
            sent_at: now,
            xmits: 1,
            sacked: false,
            lost: false,
        });
        self.seq = seq.wrapping_add(1);
        self.in_flight += 1;
    }
}
