//! secret-stream's unordered datagram channel (`send`/`trySend`, secret-stream.md §6):
//! each datagram is `counter(8) ‖ crypto_secretbox_easy(msg, counter ‖ 0^16, key)`
//! (XSalsa20-Poly1305, MAC first), with per-direction keys derived from the handshake
//! hash. The counter starts at 8 random bytes and is incremented before every send;
//! wrapping back to the start is refused. There is no replay protection, as in JS.
//! No I/O: the caller carries the bytes (UDX MESSAGE packets).

use std::sync::atomic::{AtomicU64, Ordering};

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;

use crate::swarm::crypto::keyed_hash;
use crate::swarm::noise::{NS_INITIATOR, NS_RESPONDER, NS_SEND};

/// Bytes a datagram adds: counter (8) + MAC (16).
pub const OVERHEAD: usize = 24;

/// The datagram key of one side: `BLAKE2b-256(message = NS_side ‖ NS_SEND, key = hash)`.
pub fn datagram_key(hash: &[u8; 64], initiator: bool) -> [u8; 32] {
    let ns = if initiator {
        &*NS_INITIATOR
    } else {
        &*NS_RESPONDER
    };
    let mut msg = [0u8; 64];
    msg[..32].copy_from_slice(ns);
    msg[32..].copy_from_slice(&*NS_SEND);
    keyed_hash(hash, &msg)
}

/// The counter wrapped back to its initial value: no more datagrams can be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("udp send nonce exhausted")]
pub struct NonceExhausted;

/// Seals outgoing and opens incoming datagrams of one secret stream.
pub struct DatagramBox {
    send: XSalsa20Poly1305,
    recv: XSalsa20Poly1305,
    counter: AtomicU64,
    initial: u64,
}

impl std::fmt::Debug for DatagramBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatagramBox")
    }
}

fn nonce(counter: u64) -> crypto_secretbox::Nonce {
    let mut n = [0u8; 24];
    n[..8].copy_from_slice(&counter.to_le_bytes());
    n.into()
}

impl DatagramBox {
    /// The box of the side `initiator` after a handshake with hash `hash`, with the
    /// initial counter `initial` (8 random bytes in practice, little-endian).
    pub fn new(hash: &[u8; 64], initiator: bool, initial: u64) -> DatagramBox {
        let send = datagram_key(hash, initiator);
        let recv = datagram_key(hash, !initiator);
        DatagramBox {
            send: XSalsa20Poly1305::new((&send).into()),
            recv: XSalsa20Poly1305::new((&recv).into()),
            counter: AtomicU64::new(initial),
            initial,
        }
    }

    /// Like [`DatagramBox::new`] with a random initial counter.
    pub fn random(hash: &[u8; 64], initiator: bool) -> DatagramBox {
        DatagramBox::new(hash, initiator, rand::random())
    }

    /// Seals one datagram (increments the counter first).
    pub fn seal(&self, msg: &[u8]) -> Result<Vec<u8>, NonceExhausted> {
        let c = self.counter.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
        if c == self.initial {
            return Err(NonceExhausted);
        }
        let boxed = self
            .send
            .encrypt(&nonce(c), msg)
            .map_err(|_| NonceExhausted)?;
        let mut out = Vec::with_capacity(8 + boxed.len());
        out.extend_from_slice(&c.to_le_bytes());
        out.extend_from_slice(&boxed);
        Ok(out)
    }

    /// Opens one datagram; `None` if it is short or not authentic (JS drops those).
    pub fn open(&self, wire: &[u8]) -> Option<Vec<u8>> {
        if wire.len() < OVERHEAD {
            return None;
        }
        let mut c = [0u8; 8];
        c.copy_from_slice(&wire[..8]);
        self.recv
            .decrypt(&nonce(u64::from_le_bytes(c)), &wire[8..])
            .ok()
    }
}
