//! The primitives under the Noise handshake, as `noise-handshake@4.2.0` with
//! `noise-curve-ed@2.1.0` runs them: Ed25519 keypairs, DH as Ed25519 scalar
//! multiplication (libsodium `crypto_scalarmult_ed25519_noclamp`, no X25519
//! conversion), BLAKE2b-512, HMAC-BLAKE2b, HKDF, and the ChaCha20-Poly1305 (IETF)
//! symmetric state. Nothing here knows about message patterns or the wire.

use blake2::{Blake2b512, Digest};
use chacha20poly1305::aead::{AeadInPlace, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;
use curve25519_dalek::edwards::CompressedEdwardsY;
use ed25519_dalek::SigningKey;
use sha2::Sha512;
use zeroize::{Zeroize, ZeroizeOnDrop};

use super::NoiseError;

/// Length of a BLAKE2b-512 digest (Noise `HASHLEN`).
pub const HASHLEN: usize = 64;
/// Length of a public key and of a DH output.
pub const DHLEN: usize = 32;
/// Poly1305 tag length.
pub const TAGLEN: usize = 16;
/// The largest Noise message noise-handshake accepts.
pub const MAX_MESSAGE: usize = 65535;

/// An Ed25519 keypair: the 32-byte seed (libsodium's secret key is `seed ‖ public`) and
/// the public key. The DH scalar is derived from the seed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Keypair {
    seed: [u8; 32],
    #[zeroize(skip)]
    public: [u8; 32],
}

impl std::fmt::Debug for Keypair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keypair")
            .field("public", &hex::encode(self.public))
            .finish_non_exhaustive()
    }
}

impl Keypair {
    /// The keypair `crypto_sign_seed_keypair(seed)` makes.
    pub fn from_seed(seed: [u8; 32]) -> Keypair {
        let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
        Keypair { seed, public }
    }

    /// A fresh random keypair (`crypto_sign_keypair`).
    pub fn random() -> Keypair {
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        let kp = Keypair::from_seed(seed);
        seed.zeroize();
        kp
    }

    /// The 32-byte seed.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The Ed25519 public key (compressed Edwards point).
    pub fn public(&self) -> &[u8; 32] {
        &self.public
    }

    /// libsodium's 64-byte secret key, `seed ‖ public`.
    pub fn secret_key(&self) -> [u8; 64] {
        let mut sk = [0u8; 64];
        sk[..32].copy_from_slice(&self.seed);
        sk[32..].copy_from_slice(&self.public);
        sk
    }

    /// The clamped Ed25519 secret scalar: `SHA-512(seed)[0..32]` with bits 0-2 and 255
    /// cleared and bit 254 set.
    pub fn scalar(&self) -> [u8; 32] {
        let mut h: [u8; 64] = Sha512::digest(self.seed).into();
        let mut s = [0u8; 32];
        s.copy_from_slice(&h[..32]);
        h.zeroize();
        s[0] &= 248;
        s[31] &= 127;
        s[31] |= 64;
        s
    }

    /// DH with a remote Ed25519 public key (see [`dh`]).
    pub fn dh(&self, remote: &[u8; 32]) -> Result<[u8; 32], NoiseError> {
        let mut s = self.scalar();
        let out = dh(&s, remote);
        s.zeroize();
        out
    }
}

/// `crypto_scalarmult_ed25519_noclamp(scalar, point)`: rejects non-canonical
/// encodings, points that do not decode, small-order points, points outside the
/// prime-order subgroup, and an identity result, as libsodium does.
pub fn dh(scalar: &[u8; 32], point: &[u8; 32]) -> Result<[u8; 32], NoiseError> {
    if !is_canonical(point) {
        return Err(NoiseError::InvalidPublicKey);
    }
    let p = CompressedEdwardsY(*point)
        .decompress()
        .ok_or(NoiseError::InvalidPublicKey)?;
    if p.is_small_order() || !p.is_torsion_free() {
        return Err(NoiseError::InvalidPublicKey);
    }
    if scalar.iter().all(|&b| b == 0) {
        return Err(NoiseError::InvalidPublicKey);
    }
    let mut t = *scalar;
    t[31] &= 127;
    // The point has prime order l, so reducing the scalar mod l changes nothing.
    let s = curve25519_dalek::Scalar::from_bytes_mod_order(t);
    t.zeroize();
    let q = (s * p).compress().to_bytes();
    let mut identity = [0u8; 32];
    identity[0] = 1;
    if q == identity {
        return Err(NoiseError::InvalidPublicKey);
    }
    Ok(q)
}

/// libsodium's `ge25519_is_canonical`: the y coordinate must be below 2^255 - 19.
fn is_canonical(s: &[u8; 32]) -> bool {
    let top = s[31] & 0x7f == 0x7f && s[1..31].iter().all(|&b| b == 0xff);
    !(top && s[0] >= 0xed)
}

/// BLAKE2b-512 of the concatenation of `parts`.
pub fn hash(parts: &[&[u8]]) -> [u8; HASHLEN] {
    let mut h = Blake2b512::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// HMAC-BLAKE2b-512 with a 128-byte block (keys longer than a block are hashed first).
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; HASHLEN] {
    let mut k = [0u8; 128];
    if key.len() > 128 {
        k[..HASHLEN].copy_from_slice(&hash(&[key]));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut ipad = [0x36u8; 128];
    let mut opad = [0x5cu8; 128];
    for i in 0..128 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let mut inner = Blake2b512::new();
    inner.update(ipad);
    for p in parts {
        inner.update(p);
    }
    let inner: [u8; HASHLEN] = inner.finalize().into();
    let out = hash(&[&opad, &inner]);
    k.zeroize();
    ipad.zeroize();
    opad.zeroize();
    out
}

/// Noise HKDF with empty info: two 64-byte outputs.
pub fn hkdf(ck: &[u8; HASHLEN], ikm: &[u8]) -> ([u8; HASHLEN], [u8; HASHLEN]) {
    let mut prk = hmac(ck, &[ikm]);
    let o1 = hmac(&prk, &[&[1]]);
    let o2 = hmac(&prk, &[&o1, &[2]]);
    prk.zeroize();
    (o1, o2)
}

/// The 12-byte IETF nonce noise-handshake builds: 4 zero bytes, the counter as
/// uint32 LE, 4 zero bytes.
fn nonce(n: u64) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[4..8].copy_from_slice(&(n as u32).to_le_bytes());
    out
}

/// Noise `SymmetricState`: chaining key, handshake hash and the current cipher key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SymmetricState {
    /// The handshake hash `h`.
    pub h: [u8; HASHLEN],
    /// The chaining key `ck`.
    pub ck: [u8; HASHLEN],
    k: Option<[u8; 32]>,
    n: u64,
}

impl SymmetricState {
    /// `InitializeSymmetric(protocol_name)`.
    pub fn new(protocol_name: &[u8]) -> SymmetricState {
        let mut h = [0u8; HASHLEN];
        if protocol_name.len() <= HASHLEN {
            h[..protocol_name.len()].copy_from_slice(protocol_name);
        } else {
            h = hash(&[protocol_name]);
        }
        SymmetricState {
            h,
            ck: h,
            k: None,
            n: 0,
        }
    }

    /// The current cipher key, if one has been mixed in.
    pub fn key(&self) -> Option<&[u8; 32]> {
        self.k.as_ref()
    }

    /// `MixHash(data)`.
    pub fn mix_hash(&mut self, data: &[u8]) {
        self.h = hash(&[&self.h, data]);
    }

    /// `MixKey(ikm)`.
    pub fn mix_key(&mut self, ikm: &[u8]) {
        let (ck, mut t) = hkdf(&self.ck, ikm);
        self.ck = ck;
        let mut k = [0u8; 32];
        k.copy_from_slice(&t[..32]);
        t.zeroize();
        self.k = Some(k);
        self.n = 0;
    }

    /// `EncryptAndHash(plaintext)`, appending the result to `out`.
    pub fn encrypt_and_hash(&mut self, plaintext: &[u8], out: &mut Vec<u8>) {
        let start = out.len();
        out.extend_from_slice(plaintext);
        if let Some(k) = &self.k {
            let cipher = ChaCha20Poly1305::new(k.into());
            let tag = cipher
                .encrypt_in_place_detached(&nonce(self.n).into(), &self.h, &mut out[start..])
                .map_err(|_| NoiseError::MessageTooLarge);
            // ChaCha20-Poly1305 only fails beyond 2^38 bytes, far above MAX_MESSAGE.
            if let Ok(tag) = tag {
                out.extend_from_slice(&tag);
            }
            self.n += 1;
        }
        let h = hash(&[&self.h, &out[start..]]);
        self.h = h;
    }

    /// `DecryptAndHash(ciphertext)`.
    pub fn decrypt_and_hash(&mut self, ciphertext: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let plain = match &self.k {
            None => ciphertext.to_vec(),
            Some(k) => {
                if ciphertext.len() < TAGLEN {
                    return Err(NoiseError::ShortMessage);
                }
                let (body, tag) = ciphertext.split_at(ciphertext.len() - TAGLEN);
                let mut buf = body.to_vec();
                ChaCha20Poly1305::new(k.into())
                    .decrypt_in_place_detached(&nonce(self.n).into(), &self.h, &mut buf, tag.into())
                    .map_err(|_| NoiseError::Decrypt)?;
                self.n += 1;
                buf
            }
        };
        self.mix_hash(ciphertext);
        Ok(plain)
    }

    /// `Split()`: the two 32-byte transport keys (initiator→responder first).
    pub fn split(&self) -> ([u8; 32], [u8; 32]) {
        let (mut a, mut b) = hkdf(&self.ck, &[]);
        let mut k1 = [0u8; 32];
        let mut k2 = [0u8; 32];
        k1.copy_from_slice(&a[..32]);
        k2.copy_from_slice(&b[..32]);
        a.zeroize();
        b.zeroize();
        (k1, k2)
    }
}
