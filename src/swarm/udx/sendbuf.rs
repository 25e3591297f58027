//! The queue of bytes written to a stream but not yet packetized.
//!
//! Written bytes are copied once into fixed-size chunks; packets are cut out of a chunk
//! as zero-copy [`Bytes`] slices (kept for retransmission). A chunk is never grown or
//! reallocated, so queued bytes are never copied again; only a packet that straddles
//! two chunks is assembled by copying (once per chunk).

use std::collections::VecDeque;

use bytes::{Buf, Bytes, BytesMut};

/// Bytes per chunk.
const CHUNK: usize = 256 * 1024;

/// Unsent stream bytes.
#[derive(Default)]
pub struct SendBuf {
    chunks: VecDeque<BytesMut>,
    len: usize,
}

impl SendBuf {
    /// Queued bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends up to `max_total - len()` bytes of `buf`; returns how many were taken.
    pub fn push(&mut self, mut buf: &[u8], max_total: usize) -> usize {
        let mut taken = 0;
        while !buf.is_empty() && self.len < max_total {
            let need_chunk = none_or_full(self.chunks.back());
            if need_chunk {
                self.chunks.push_back(BytesMut::with_capacity(CHUNK));
            }
            let Some(c) = self.chunks.back_mut() else {
                break;
            };
            let k = (c.capacity() - c.len())
                .min(buf.len())
                .min(max_total - self.len);
            c.extend_from_slice(&buf[..k]);
            buf = &buf[k..];
            self.len += k;
            taken += k;
        }
        taken
    }

    /// Removes and returns the first `n` bytes (`n <= len()`).
    pub fn take(&mut self, n: usize) -> Bytes {
        let n = n.min(self.len);
        self.len -= n;
        let front_len = self.chunks.front().map_or(0, |c| c.len());
        let out = if front_len >= n {
            match self.chunks.front_mut() {
                Some(c) => c.split_to(n).freeze(),
                None => Bytes::new(),
            }
        } else {
            let mut out = BytesMut::with_capacity(n);
            while out.len() < n {
                let Some(c) = self.chunks.front_mut() else {
                    break;
                };
                let k = c.len().min(n - out.len());
                out.extend_from_slice(&c[..k]);
                c.advance(k);
                if c.is_empty() && self.chunks.len() > 1 {
                    self.chunks.pop_front();
                }
            }
            out.freeze()
        };
        // Drop exhausted chunks, but keep the last one while it still has room.
        while self
            .chunks
            .front()
            .is_some_and(|c| c.is_empty() && (self.chunks.len() > 1 || c.capacity() == 0))
        {
            self.chunks.pop_front();
        }
        out
    }
}

/// Whether a new chunk is needed: none yet, or the last one is full.
fn none_or_full(c: Option<&BytesMut>) -> bool {
    c.is_none_or(|c| c.len() == c.capacity())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packets_across_chunks_keep_order() {
        let data: Vec<u8> = (0..(3 * CHUNK + 777)).map(|i| (i % 251) as u8).collect();
        let mut q = SendBuf::default();
        let mut fed = 0;
        while fed < data.len() {
            let end = (fed + 10_000).min(data.len());
            fed += q.push(&data[fed..end], usize::MAX);
        }
        assert_eq!(q.len(), data.len());
        let mut out = Vec::new();
        while !q.is_empty() {
            out.extend_from_slice(&q.take(1452));
        }
        assert_eq!(out, data);
        assert!(q.take(10).is_empty());
        assert_eq!(q.push(&data, 100), 100, "bounded by max_total");
    }
}
