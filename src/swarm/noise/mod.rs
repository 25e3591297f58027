//! The Noise handshake HyperDHT runs to authenticate and key a peer connection:
//! `Noise_IK_Ed25519_ChaChaPoly_BLAKE2b` with prologue `NS_PEER_HANDSHAKE`
//! (`noise-handshake@4.2.0` + `noise-curve-ed@2.1.0`, see `reference/wire/noise.md`),
//! plus the `XX` variant stand-alone `@hyperswarm/secret-stream` uses.
//!
//! [`Initiator`] and [`Responder`] are the two IK roles; [`Handshake`] is the generic
//! engine under them (use it directly for XX). The result is the pair of transport keys
//! and the 64-byte handshake hash, from which [`stream_id`] and [`holepunch_secret`]
//! derive. Everything here is pure computation: no I/O, no framing (hyperdht carries
//! the messages in PEER_HANDSHAKE, secret-stream frames XX messages itself). Hostile
//! input yields a [`NoiseError`], never a panic.

mod primitives;

use std::sync::LazyLock;

pub use primitives::{dh, hash, hkdf, hmac, Keypair, SymmetricState, HASHLEN, MAX_MESSAGE};

use crate::swarm::crypto::{keyed_hash, Key32};
use primitives::{DHLEN, TAGLEN};

/// Why a handshake step failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NoiseError {
    /// The message is shorter than its fixed parts.
    #[error("noise message too short")]
    ShortMessage,
    /// A message or payload above 65535 bytes.
    #[error("noise message too large")]
    MessageTooLarge,
    /// A ciphertext failed authentication.
    #[error("noise decryption failed")]
    Decrypt,
    /// A public key is not a valid prime-order Ed25519 point, or DH gave the identity.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// The call does not fit the handshake's progress (wrong turn, already done).
    #[error("handshake called out of order")]
    WrongState,
    /// The pattern needs the remote static key up front and none was given.
    #[error("remote static key required")]
    MissingRemoteKey,
}

/// The message patterns supported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// `<- s; -> e, es, s, ss; <- e, ee, se` (HyperDHT connections).
    IK,
    /// `-> e; <- e, ee, s, es; -> s, se` (stand-alone secret-stream).
    XX,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    E,
    S,
    EE,
    ES,
    SE,
    SS,
}

impl Pattern {
    fn name(self) -> &'static [u8] {
        match self {
            Pattern::IK => b"Noise_IK_Ed25519_ChaChaPoly_BLAKE2b",
            Pattern::XX => b"Noise_XX_Ed25519_ChaChaPoly_BLAKE2b",
        }
    }

    fn messages(self) -> &'static [&'static [Token]] {
        use Token::*;
        match self {
            Pattern::IK => &[&[E, ES, S, SS], &[E, EE, SE]],
            Pattern::XX => &[&[E], &[E, EE, S, ES], &[S, SE]],
        }
    }
}

/// What a completed handshake yields.
#[derive(Clone)]
pub struct HandshakeResult {
    /// Key this side encrypts with.
    pub tx: [u8; 32],
    /// Key this side decrypts with.
    pub rx: [u8; 32],
    /// The final handshake hash `h`.
    pub hash: [u8; 64],
    /// The peer's static Ed25519 public key.
    pub remote_public_key: [u8; 32],
    /// Whether this side was the initiator.
    pub is_initiator: bool,
}

impl std::fmt::Debug for HandshakeResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandshakeResult")
            .field("remote_public_key", &hex::encode(self.remote_public_key))
            .field("is_initiator", &self.is_initiator)
            .finish_non_exhaustive()
    }
}

impl Drop for HandshakeResult {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.tx.zeroize();
        self.rx.zeroize();
    }
}

fn secret_stream_ns(i: u8) -> Key32 {
    crate::swarm::crypto::namespace(b"hyperswarm/secret-stream", i)
}

/// secret-stream's namespace of the initiator's stream id.
pub static NS_INITIATOR: LazyLock<Key32> = LazyLock::new(|| secret_stream_ns(0));
/// secret-stream's namespace of the responder's stream id.
pub static NS_RESPONDER: LazyLock<Key32> = LazyLock::new(|| secret_stream_ns(1));
/// secret-stream's namespace of datagram keys.
pub static NS_SEND: LazyLock<Key32> = LazyLock::new(|| secret_stream_ns(2));

/// The secret-stream id of the initiator's (`initiator = true`) or responder's side:
/// `BLAKE2b-256(message = NS_INITIATOR | NS_RESPONDER, key = hash)`.
pub fn stream_id(hash: &[u8; 64], initiator: bool) -> Key32 {
    let ns = if initiator {
        &*NS_INITIATOR
    } else {
        &*NS_RESPONDER
    };
    keyed_hash(hash, ns)
}

/// The key of holepunch payloads: `BLAKE2b-256(message = NS_PEER_HOLEPUNCH, key = hash)`.
pub fn holepunch_secret(hash: &[u8; 64]) -> Key32 {
    keyed_hash(hash, &*crate::swarm::hyperdht::NS_PEER_HOLEPUNCH)
}

/// The generic handshake engine: one side of a [`Pattern`].
pub struct Handshake {
    pattern: Pattern,
    initiator: bool,
    sym: SymmetricState,
    s: Keypair,
    e: Option<Keypair>,
    rs: Option<[u8; 32]>,
    re: Option<[u8; 32]>,
    step: usize,
    result: Option<HandshakeResult>,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake")
            .field("pattern", &self.pattern)
            .field("initiator", &self.initiator)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

impl Handshake {
    /// Starts one side. `remote_static` is required for the IK initiator (the
    /// pre-message `<- s`) and ignored otherwise; `ephemeral` fixes the ephemeral key
    /// (tests), otherwise a random one is made.
    pub fn new(
        pattern: Pattern,
        initiator: bool,
        static_keypair: Keypair,
        prologue: &[u8],
        remote_static: Option<[u8; 32]>,
        ephemeral: Option<Keypair>,
    ) -> Result<Handshake, NoiseError> {
        let rs = match (pattern, initiator, remote_static) {
            (Pattern::IK, true, None) => return Err(NoiseError::MissingRemoteKey),
            (Pattern::IK, true, rs) => rs,
            _ => None,
        };
        Ok(Handshake::start(
            pattern,
            initiator,
            static_keypair,
            prologue,
            rs,
            ephemeral,
        ))
    }

    /// [`Handshake::new`] once the remote key requirement is checked.
    fn start(
        pattern: Pattern,
        initiator: bool,
        static_keypair: Keypair,
        prologue: &[u8],
        rs: Option<[u8; 32]>,
        ephemeral: Option<Keypair>,
    ) -> Handshake {
        let mut sym = SymmetricState::new(pattern.name());
        sym.mix_hash(prologue);
        if pattern == Pattern::IK {
            // The pre-message `<- s`: the responder's static key.
            match &rs {
                Some(k) if initiator => sym.mix_hash(k),
                _ => sym.mix_hash(static_keypair.public()),
            }
        }
        Handshake {
            pattern,
            initiator,
            sym,
            s: static_keypair,
            e: Some(ephemeral.unwrap_or_else(Keypair::random)),
            rs,
            re: None,
            step: 0,
            result: None,
        }
    }

    /// The symmetric state (`h`, `ck`, current key), for tracing against vectors.
    pub fn symmetric(&self) -> &SymmetricState {
        &self.sym
    }

    /// Whether it is this side's turn to write.
    pub fn is_my_turn(&self) -> bool {
        self.result.is_none() && self.step.is_multiple_of(2) == self.initiator
    }

    /// The result, once the last message has been written or read.
    pub fn result(&self) -> Option<&HandshakeResult> {
        self.result.as_ref()
    }

    /// The remote static key, once known.
    pub fn remote_static(&self) -> Option<&[u8; 32]> {
        self.rs.as_ref()
    }

    fn dh_token(&mut self, t: Token) -> Result<(), NoiseError> {
        let e = self.e.as_ref().ok_or(NoiseError::WrongState)?;
        let re = self.re.as_ref();
        let rs = self.rs.as_ref();
        let missing = NoiseError::WrongState;
        let out = match (t, self.initiator) {
            (Token::EE, _) => e.dh(re.ok_or(missing)?),
            (Token::SS, _) => self.s.dh(rs.ok_or(missing)?),
            (Token::ES, true) | (Token::SE, false) => e.dh(rs.ok_or(missing)?),
            (Token::ES, false) | (Token::SE, true) => self.s.dh(re.ok_or(missing)?),
            _ => return Err(NoiseError::WrongState),
        };
        let mut out = out?;
        self.sym.mix_key(&out);
        zeroize::Zeroize::zeroize(&mut out);
        Ok(())
    }

    /// Writes this side's next message carrying `payload`. On failure (a message
    /// above 65535 bytes) the state is left as it was.
    pub fn write_message(&mut self, payload: &[u8]) -> Result<Vec<u8>, NoiseError> {
        if !self.is_my_turn() {
            return Err(NoiseError::WrongState);
        }
        if payload.len() > MAX_MESSAGE {
            return Err(NoiseError::MessageTooLarge);
        }
        let saved = self.sym.clone();
        let out = self.write_tokens(payload);
        if out.is_err() {
            self.sym = saved;
        }
        out
    }

    fn write_tokens(&mut self, payload: &[u8]) -> Result<Vec<u8>, NoiseError> {
        let tokens = self.pattern.messages()[self.step];
        let mut out = Vec::with_capacity(96 + payload.len() + TAGLEN);
        for &t in tokens {
            match t {
                Token::E => {
                    let e = self.e.as_ref().ok_or(NoiseError::WrongState)?.public();
                    out.extend_from_slice(e);
                    self.sym.mix_hash(e);
                }
                Token::S => {
                    let s = *self.s.public();
                    self.sym.encrypt_and_hash(&s, &mut out);
                }
                _ => self.dh_token(t)?,
            }
        }
        self.sym.encrypt_and_hash(payload, &mut out);
        if out.len() > MAX_MESSAGE {
            return Err(NoiseError::MessageTooLarge);
        }
        self.advance()?;
        Ok(out)
    }

    /// Reads the peer's next message and returns its payload. A message that fails
    /// leaves the state as it was, so the genuine message can still be read.
    pub fn read_message(&mut self, msg: &[u8]) -> Result<Vec<u8>, NoiseError> {
        if self.result.is_some() || self.is_my_turn() {
            return Err(NoiseError::WrongState);
        }
        let saved = (self.sym.clone(), self.rs, self.re);
        let out = self.read_tokens(msg);
        if out.is_err() {
            (self.sym, self.rs, self.re) = saved;
        }
        out
    }

    fn read_tokens(&mut self, msg: &[u8]) -> Result<Vec<u8>, NoiseError> {
        if msg.len() > MAX_MESSAGE {
            return Err(NoiseError::MessageTooLarge);
        }
        let tokens = self.pattern.messages()[self.step];
        let mut rest = msg;
        for &t in tokens {
            match t {
                Token::E => {
                    let (e, tail) = take(rest, DHLEN)?;
                    let mut re = [0u8; 32];
                    re.copy_from_slice(e);
                    self.sym.mix_hash(e);
                    self.re = Some(re);
                    rest = tail;
                }
                Token::S => {
                    let n = if self.sym.key().is_some() {
                        DHLEN + TAGLEN
                    } else {
                        DHLEN
                    };
                    let (c, tail) = take(rest, n)?;
                    let plain = self.sym.decrypt_and_hash(c)?;
                    let rs: [u8; 32] = plain.try_into().map_err(|_| NoiseError::Decrypt)?;
                    self.rs = Some(rs);
                    rest = tail;
                }
                _ => self.dh_token(t)?,
            }
        }
        let payload = self.sym.decrypt_and_hash(rest)?;
        self.advance()?;
        Ok(payload)
    }

    fn advance(&mut self) -> Result<(), NoiseError> {
        self.step += 1;
        if self.step == self.pattern.messages().len() {
            let (k1, k2) = self.sym.split();
            let (tx, rx) = if self.initiator { (k1, k2) } else { (k2, k1) };
            self.result = Some(HandshakeResult {
                tx,
                rx,
                hash: self.sym.h,
                remote_public_key: self.rs.ok_or(NoiseError::MissingRemoteKey)?,
                is_initiator: self.initiator,
            });
            self.e = None;
            self.re = None;
        }
        Ok(())
    }
}

fn take(b: &[u8], n: usize) -> Result<(&[u8], &[u8]), NoiseError> {
    if b.len() < n {
        Err(NoiseError::ShortMessage)
    } else {
        Ok(b.split_at(n))
    }
}

/// The IK initiator (the connecting client, which knows the server's key).
#[derive(Debug)]
pub struct Initiator(Handshake);

impl Initiator {
    /// Starts an IK handshake towards `remote_static_pk`.
    pub fn new(
        static_keypair: Keypair,
        remote_static_pk: [u8; 32],
        prologue: &[u8],
        ephemeral: Option<Keypair>,
    ) -> Initiator {
        Initiator(Handshake::start(
            Pattern::IK,
            true,
            static_keypair,
            prologue,
            Some(remote_static_pk),
            ephemeral,
        ))
    }

    /// Message 1 (`e, es, s, ss` + payload).
    pub fn write_message1(&mut self, payload: &[u8]) -> Result<Vec<u8>, NoiseError> {
        self.0.write_message(payload)
    }

    /// Reads message 2 and completes the handshake.
    pub fn read_message2(&mut self, msg: &[u8]) -> Result<(Vec<u8>, HandshakeResult), NoiseError> {
        let payload = self.0.read_message(msg)?;
        let res = self.0.result().cloned().ok_or(NoiseError::WrongState)?;
        Ok((payload, res))
    }

    /// The engine, for tracing.
    pub fn handshake(&self) -> &Handshake {
        &self.0
    }
}

/// The IK responder (the server, which learns the client's key from message 1).
#[derive(Debug)]
pub struct Responder(Handshake);

impl Responder {
    /// Starts the responder side.
    pub fn new(static_keypair: Keypair, prologue: &[u8], ephemeral: Option<Keypair>) -> Responder {
        Responder(Handshake::start(
            Pattern::IK,
            false,
            static_keypair,
            prologue,
            None,
            ephemeral,
        ))
    }

    /// Reads message 1: the initiator's static key and its payload.
    pub fn read_message1(&mut self, msg: &[u8]) -> Result<([u8; 32], Vec<u8>), NoiseError> {
        let payload = self.0.read_message(msg)?;
        let rs = *self.0.remote_static().ok_or(NoiseError::WrongState)?;
        Ok((rs, payload))
    }

    /// Message 2 (`e, ee, se` + payload) and the completed result.
    pub fn write_message2(
        &mut self,
        payload: &[u8],
    ) -> Result<(Vec<u8>, HandshakeResult), NoiseError> {
        let msg = self.0.write_message(payload)?;
        let res = self.0.result().cloned().ok_or(NoiseError::WrongState)?;
        Ok((msg, res))
    }

    /// The engine, for tracing.
    pub fn handshake(&self) -> &Handshake {
        &self.0
    }
}
