//! The receiving half of a UDX stream: in-order delivery into the read buffer, the
//! out-of-order store, END detection, the SACK blocks and the advertised window.
//!
//! `ooo[i]` holds the packet with seq `ack + 1 + i`, so delivery and SACK generation are
//! index arithmetic, not searches. Memory is bounded: out-of-order packets further than
//! [`MAX_OOO`] ahead and in-order data beyond twice the window are dropped (unacked, so
//! a compliant sender retransmits them later).

use std::collections::VecDeque;
use std::task::Waker;

use bytes::{Buf, Bytes, BytesMut};

use super::packet::{seq_diff, FLAG_END, MAX_SACKS};

/// Largest receive window we advertise (and the initial assumed peer window).
pub const RWND_MAX: usize = 4 << 20;
/// Out-of-order packets further than this ahead of the cumulative ack are dropped.
const MAX_OOO: usize = 8192;
/// In-order data is dropped once this much is buffered unread (the peer ignores rwnd).
const HARD_LIMIT: usize = 2 * RWND_MAX;

/// Receive-side state of one stream.
#[derive(Default)]
pub struct Receiver {
    /// Next seq expected from the peer (our cumulative ack).
    pub ack: u32,
    ooo: VecDeque<Option<(u8, Bytes)>>,
    ooo_count: usize,
    buf: BytesMut,
    /// The peer's END was delivered in order.
    pub ended: bool,
    /// Stop buffering data (the handle is gone).
    pub discard: bool,
    /// The window we last told the peer.
    pub last_adv: u32,
    /// The reader waiting for data.
    pub waker: Option<Waker>,
}

impl Receiver {
    /// A fresh receiver.
    pub fn new() -> Receiver {
        Receiver {
            last_adv: RWND_MAX as u32,
            ..Default::default()
        }
    }

    /// The window to advertise now.
    pub fn rwnd(&self) -> u32 {
        RWND_MAX.saturating_sub(self.buf.len()) as u32
    }

    /// Takes a DATA and/or END packet. Returns false if it was dropped for lack of room.
    pub fn on_data(&mut self, seq: u32, flags: u8, payload: &[u8]) -> bool {
        let d = seq_diff(seq, self.ack);
        if d < 0 || self.ended {
            return true; // duplicate: just ack again
        }
        if d == 0 {
            if self.buf.len() + payload.len() > HARD_LIMIT {
                return false;
            }
            self.deliver(flags, payload);
            while let Some(front) = self.ooo.pop_front() {
                match front {
                    Some((f, b)) => {
                        self.ooo_count -= 1;
                        self.deliver(f, &b);
                    }
                    None => break,
                }
            }
            if let Some(w) = self.waker.take() {
                w.wake();
            }
            return true;
        }
        let idx = d as usize - 1;
        if idx >= MAX_OOO {
            return false;
        }
        if self.ooo.len() <= idx {
            self.ooo.resize(idx + 1, None);
        }
        if self.ooo[idx].is_none() {
            self.ooo[idx] = Some((flags, Bytes::copy_from_slice(payload)));
            self.ooo_count += 1;
        }
        true
    }

    fn deliver(&mut self, flags: u8, payload: &[u8]) {
        self.ack = self.ack.wrapping_add(1);
        if self.ended {
            return;
        }
        if !payload.is_empty() && !self.discard {
            self.buf.extend_from_slice(payload);
        }
        if flags & FLAG_END != 0 {
            self.ended = true;
            self.ooo.clear();
            self.ooo_count = 0;
        }
    }

    /// The SACK blocks `[start, end)` describing out-of-order data, at most 50.
    pub fn sack_blocks(&self, blocks: &mut [(u32, u32); MAX_SACKS]) -> usize {
        let mut n = 0;
        let mut seen = 0;
        let mut run: Option<u32> = None;
        for (i, slot) in self.ooo.iter().enumerate() {
            let seq = self.ack.wrapping_add(1 + i as u32);
            match (slot.is_some(), run) {
                (true, None) => run = Some(seq),
                (false, Some(start)) => {
                    blocks[n] = (start, seq);
                    n += 1;
                    run = None;
                }
                _ => {}
            }
            if slot.is_some() {
                seen += 1;
            }
            if n == MAX_SACKS || (run.is_none() && seen == self.ooo_count) {
                return n;
            }
        }
        if let Some(start) = run {
            blocks[n] = (start, self.ack.wrapping_add(1 + self.ooo.len() as u32));
            n += 1;
        }
        n
    }

    /// Copies buffered bytes into `out`. Returns the count and whether a window update
    /// is due (the advertised window had shrunk below half and is back above it).
    pub fn read_into(&mut self, out: &mut [u8]) -> (usize, bool) {
        let n = self.buf.len().min(out.len());
        out[..n].copy_from_slice(&self.buf[..n]);
        self.buf.advance(n);
        let update = n > 0
            && (self.last_adv as usize) < RWND_MAX / 2
            && self.rwnd() as usize >= RWND_MAX / 2;
        (n, update)
    }

    /// Whether unread data is buffered.
    pub fn has_data(&self) -> bool {
        !self.buf.is_empty()
    }

    /// Drops unread data and any future data.
    pub fn discard_input(&mut self) {
        self.discard = true;
        self.buf = BytesMut::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::udx::packet::FLAG_DATA;

    #[test]
    fn reorders_and_sacks() {
        let mut r = Receiver::new();
        let mut blocks = [(0, 0); MAX_SACKS];
        assert!(r.on_data(0, FLAG_DATA, b"a"));
        assert!(r.on_data(2, FLAG_DATA, b"c"));
        assert!(r.on_data(3, FLAG_DATA, b"d"));
        assert!(r.on_data(5, FLAG_DATA | FLAG_END, b"f"));
        assert_eq!(r.ack, 1);
        let n = r.sack_blocks(&mut blocks);
        assert_eq!(&blocks[..n], &[(2, 4), (5, 6)]);
        assert!(r.on_data(1, FLAG_DATA, b"b"));
        assert_eq!(r.ack, 4);
        let n = r.sack_blocks(&mut blocks);
        assert_eq!(&blocks[..n], &[(5, 6)]);
        assert!(!r.ended);
        assert!(r.on_data(4, FLAG_DATA, b"e"));
        assert!(r.ended);
        assert_eq!(r.ack, 6);
        let mut out = [0u8; 16];
        assert_eq!(r.read_into(&mut out).0, 6);
        assert_eq!(&out[..6], b"abcdef");
        assert_eq!(r.sack_blocks(&mut blocks), 0);
    }

    #[test]
    fn wraps_and_bounds() {
        let mut r = Receiver::new();
        r.ack = u32::MAX;
        assert!(r.on_data(0, FLAG_DATA, b"y"));
        assert!(r.on_data(u32::MAX, FLAG_DATA, b"x"));
        assert_eq!(r.ack, 1);
        assert!(!r.on_data(1 + MAX_OOO as u32 + 5, FLAG_DATA, b"far"));
        let mut blocks = [(0, 0); MAX_SACKS];
        // 60 separate holes: only 50 blocks are reported.
        for i in 0..60u32 {
            r.on_data(3 + 2 * i, FLAG_DATA, b"z");
        }
        assert_eq!(r.sack_blocks(&mut blocks), MAX_SACKS);
    }
}
