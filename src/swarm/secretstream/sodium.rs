//! libsodium's `crypto_secretstream_xchacha20poly1305`, byte for byte: HChaCha20
//! subkey from the header, a 12-byte state nonce (32-bit counter ‖ 8-byte inonce), one
//! encrypted tag block per message, Poly1305 over `ad ‖ pad ‖ tag block ‖ c ‖ pad ‖
//! lengths` (with libsodium's `mlen & 15` padding quirk), the MAC folded into the
//! inonce, and a rekey when the counter wraps or on `TAG_REKEY`.
//!
//! Built on the RustCrypto `chacha20` and `poly1305` primitives; encryption and
//! decryption are in place so a frame costs one pass of each. No I/O here.

use chacha20::cipher::{KeyIvInit, StreamCipher};
use chacha20::ChaCha20;
use poly1305::universal_hash::{KeyInit, UniversalHash};
use poly1305::Poly1305;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Header length (`crypto_secretstream_xchacha20poly1305_HEADERBYTES`).
pub const HEADERBYTES: usize = 24;
/// Per-message overhead: encrypted tag byte plus MAC.
pub const ABYTES: usize = 17;
/// An ordinary message.
pub const TAG_MESSAGE: u8 = 0;
/// Asks both sides to rekey after this message.
pub const TAG_REKEY: u8 = 2;

/// A pull failed: too short or not authentic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("secretstream message failed authentication")]
pub struct AuthError;

/// One direction's state (libsodium `crypto_secretstream_xchacha20poly1305_state`).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct State {
    k: [u8; 32],
    nonce: [u8; 12],
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("secretstream::State")
    }
}

impl State {
    /// `init_push` / `init_pull` with a given header (random for a push in practice).
    pub fn new(key: &[u8; 32], header: &[u8; HEADERBYTES]) -> State {
        let mut input = [0u8; 16];
        input.copy_from_slice(&header[..16]);
        let sub = chacha20::hchacha::<chacha20::cipher::consts::U10>(key.into(), &input.into());
        let mut k = [0u8; 32];
        k.copy_from_slice(&sub);
        let mut nonce = [0u8; 12];
        nonce[0] = 1;
        nonce[4..].copy_from_slice(&header[16..]);
        State { k, nonce }
    }

    /// A push state with a fresh random header, which the caller sends to the peer.
    pub fn init_push(key: &[u8; 32]) -> (State, [u8; HEADERBYTES]) {
        let mut header = [0u8; HEADERBYTES];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut header);
        (State::new(key, &header), header)
    }

    fn cipher(&self) -> ChaCha20 {
        ChaCha20::new((&self.k).into(), (&self.nonce).into())
    }

    /// Encrypts `buf[1..len-16]` in place as one message with `tag`. Layout of `buf`:
    /// 1 byte for the tag, the message, 16 bytes for the MAC (`len >= ABYTES`).
    pub fn push_in_place(&mut self, buf: &mut [u8], tag: u8) {
        debug_assert!(buf.len() >= ABYTES);
        let mlen = buf.len() - ABYTES;
        let mut cipher = self.cipher();
        let mut block = [0u8; 64];
        cipher.apply_keystream(&mut block);
        let mac = Poly1305::new((&block[..32]).into());
        block = [0u8; 64];
        block[0] = tag;
        cipher.apply_keystream(&mut block);
        buf[0] = block[0];
        let (body, tail) = buf[1..].split_at_mut(mlen);
        cipher.apply_keystream(body);
        let t = mac_of(mac, &block, body);
        block.zeroize();
        tail.copy_from_slice(&t);
        self.finish(&t, tag);
    }

    /// Verifies and decrypts `buf` (`enc_tag ‖ c ‖ mac`) in place; returns the tag.
    /// On success the message is `buf[1..len-16]`. On failure the state is unchanged.
    pub fn pull_in_place(&mut self, buf: &mut [u8]) -> Result<u8, AuthError> {
        if buf.len() < ABYTES {
            return Err(AuthError);
        }
        let mlen = buf.len() - ABYTES;
        let mut cipher = self.cipher();
        let mut block = [0u8; 64];
        cipher.apply_keystream(&mut block);
        let mac = Poly1305::new((&block[..32]).into());
        block = [0u8; 64];
        block[0] = buf[0];
        cipher.apply_keystream(&mut block);
        let tag = block[0];
        block[0] = buf[0];
        let (body, tail) = buf[1..].split_at_mut(mlen);
        let t = mac_of(mac, &block, body);
        block.zeroize();
        let ok: bool = subtle_eq(&t, tail);
        if !ok {
            return Err(AuthError);
        }
        cipher.apply_keystream(body);
        self.finish(&t, tag);
        Ok(tag)
    }

    fn finish(&mut self, mac: &[u8; 16], tag: u8) {
        for (n, m) in self.nonce[4..].iter_mut().zip(mac) {
            *n ^= m;
        }
        let mut ctr =
            u32::from_le_bytes([self.nonce[0], self.nonce[1], self.nonce[2], self.nonce[3]]);
        ctr = ctr.wrapping_add(1);
        self.nonce[..4].copy_from_slice(&ctr.to_le_bytes());
        if tag & TAG_REKEY != 0 || ctr == 0 {
            self.rekey();
        }
    }

    /// `crypto_secretstream_xchacha20poly1305_rekey`.
    pub fn rekey(&mut self) {
        let mut buf = [0u8; 40];
        buf[..32].copy_from_slice(&self.k);
        buf[32..].copy_from_slice(&self.nonce[4..]);
        let mut c = ChaCha20::new((&self.k).into(), (&self.nonce).into());
        c.apply_keystream(&mut buf);
        self.k.copy_from_slice(&buf[..32]);
        self.nonce[4..].copy_from_slice(&buf[32..]);
        self.nonce[..4].copy_from_slice(&1u32.to_le_bytes());
        buf.zeroize();
    }
}

/// Poly1305 over `tag block(64) ‖ c ‖ zeros(mlen & 15) ‖ le64(adlen = 0) ‖
/// le64(64 + mlen)`. The padding is libsodium's `(0x10 - 64 + mlen) & 0xf`, which is
/// `mlen & 15` and not the usual pad to a block boundary.
fn mac_of(mut mac: Poly1305, block: &[u8; 64], c: &[u8]) -> [u8; 16] {
    mac.update_padded(block);
    let full = c.len() & !15;
    mac.update_padded(&c[..full]);
    let rest = &c[full..];
    let mut tail = [0u8; 46];
    let r = rest.len();
    tail[..r].copy_from_slice(rest);
    // zeros(r) of padding follow, then the two lengths.
    let lens_at = 2 * r;
    tail[lens_at + 8..lens_at + 16].copy_from_slice(&(64 + c.len() as u64).to_le_bytes());
    mac.compute_unpadded(&tail[..lens_at + 16]).into()
}

fn subtle_eq(a: &[u8; 16], b: &[u8]) -> bool {
    let mut d = 0u8;
    for (x, y) in a.iter().zip(b) {
        d |= x ^ y;
    }
    d == 0 && b.len() == 16
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frames from libsodium (sodium-native) with key 00..1f and header a0..b7: tags
    /// MESSAGE, REKEY, MESSAGE, PUSH, an explicit rekey, then the counter set to
    /// 0xffffffff so that the next push wraps it and rekeys.
    const FRAMES: [&str; 7] = [
        "357e8c021aa86181beb0e2bf0281d92b93ba",
        "af4f33d8295acd8cf104eac4a5a8363a89bdd2",
        "e19558737d0b0b3b6f32ee9277b0d5f24f1018c2",
        "e0dd4e26c3cce77e279a6bc31a7f97b12f",
        "6ded0cfd91b69054dff9c38d521d3fa7fca310e597f8dc655bdf8c323315c866485e2ffdb9",
        "7b65f9369c778d39a4139d66eca57bf2d049de7bdc",
        "8b87c5810313c9d862a959f3970e855544b6cb6dc4a48b7ea5a943",
    ];
    const BEFORE_WRAP: &str =
        "290ada89a2034b2d435a8760ab0a8c84c13e7403bb6eee647b4724234af6aa18ffffffff04cffe448e937229";
    const MSGS: [(&str, u8); 7] = [
        ("a", TAG_MESSAGE),
        ("bb", TAG_REKEY),
        ("ccc", TAG_MESSAGE),
        ("", 1),
        ("after explicit rekey", TAG_MESSAGE),
        ("wrap", TAG_MESSAGE),
        ("after wrap", TAG_MESSAGE),
    ];

    fn fixed() -> State {
        let key: [u8; 32] = std::array::from_fn(|i| i as u8);
        let header: [u8; 24] = std::array::from_fn(|i| 0xa0 + i as u8);
        State::new(&key, &header)
    }

    fn step(st: &mut State, i: usize) {
        if i == 4 {
            st.rekey();
        }
        if i == 5 {
            st.nonce[..4].copy_from_slice(&[0xff; 4]);
            let mut now = st.k.to_vec();
            now.extend_from_slice(&st.nonce);
            assert_eq!(hex::encode(now), BEFORE_WRAP);
        }
    }

    #[test]
    fn push_matches_libsodium_through_rekeys_and_counter_wrap() {
        let mut st = fixed();
        for (i, ((m, tag), want)) in MSGS.iter().zip(FRAMES).enumerate() {
            step(&mut st, i);
            let mut buf = vec![0u8; m.len() + ABYTES];
            buf[1..1 + m.len()].copy_from_slice(m.as_bytes());
            st.push_in_place(&mut buf, *tag);
            assert_eq!(hex::encode(&buf), want, "frame {i}");
        }
    }

    #[test]
    fn pull_matches_libsodium_through_rekeys_and_counter_wrap() {
        let mut st = fixed();
        for (i, ((m, tag), f)) in MSGS.iter().zip(FRAMES).enumerate() {
            step(&mut st, i);
            let mut buf = hex::decode(f).unwrap();
            assert_eq!(st.pull_in_place(&mut buf), Ok(*tag), "frame {i}");
            assert_eq!(&buf[1..buf.len() - 16], m.as_bytes());
        }
    }

    #[test]
    fn short_or_forged_frames_fail_and_keep_the_state() {
        let mut st = fixed();
        assert_eq!(st.pull_in_place(&mut [0u8; 16]), Err(AuthError));
        let mut forged = hex::decode(FRAMES[0]).unwrap();
        forged[0] ^= 1;
        assert_eq!(st.pull_in_place(&mut forged), Err(AuthError));
        let mut good = hex::decode(FRAMES[0]).unwrap();
        assert_eq!(st.pull_in_place(&mut good), Ok(TAG_MESSAGE));
    }
}
