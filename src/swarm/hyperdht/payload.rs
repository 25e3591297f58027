//! The payloads HyperDHT encrypts end to end between client and server
//! (`hyperdht@6.34.0/lib/messages.js`, `lib/secure-payload.js`; hyperdht.md §6, §7.3):
//! [`NoisePayload`], the plaintext inside both Noise handshake messages, and
//! [`HolepunchPayload`], carried in PEER_HOLEPUNCH and sealed with [`SecurePayload`]
//! (XSalsa20-Poly1305 secretbox under the holepunch secret, `nonce(24) ‖ mac ‖ c`).
//!
//! Decoders follow the JS ones exactly, including an unknown noise-payload version
//! decoding to defaults with nothing else read; they never panic on hostile bytes.
//! Nothing here performs I/O or decides policy (which fields to send is the caller's).

use std::net::{SocketAddrV4, SocketAddrV6};

use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;

use crate::swarm::codec::{self, Reader, Writer};
use crate::swarm::crypto::{keyed_hash, Key32};

/// `noisePayload.holepunch`: the server's handshake slot and its relays.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolepunchInfo {
    /// The server's handshake slot, echoed in PEER_HOLEPUNCH.
    pub id: u64,
    /// Nodes the server announced to, with the server's address as each saw it.
    pub relays: Vec<RelayInfo>,
}

/// One relay of [`HolepunchInfo`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayInfo {
    /// The relay node.
    pub relay_address: SocketAddrV4,
    /// The server's address as the relay saw it.
    pub peer_address: SocketAddrV4,
}

/// `noisePayload.udx`: how to connect the UDX stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UdxInfo {
    /// Decoded version (always written as 1).
    pub version: u64,
    /// Feature bit 0: the sender's socket can be reused for the stream.
    pub reusable_socket: bool,
    /// The sender's local UDX stream id.
    pub id: u64,
    /// Initial sequence number (0).
    pub seq: u64,
}

/// `noisePayload.relayThrough`: the blind relay to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RelayThrough {
    /// Decoded version (always written as 1).
    pub version: u64,
    /// The blind relay's public key.
    pub public_key: Key32,
    /// The pairing token.
    pub token: Key32,
}

/// The plaintext of a Noise handshake message (`noisePayload`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoisePayload {
    /// Protocol version; anything but 1 decodes to defaults.
    pub version: u64,
    /// hyperdht error code (0 = none).
    pub error: u64,
    /// Firewall class of the sender.
    pub firewall: u64,
    /// Present if the sender can be holepunched through relays.
    pub holepunch: Option<HolepunchInfo>,
    /// IPv4 addresses (written only when non-empty).
    pub addresses4: Vec<SocketAddrV4>,
    /// IPv6 addresses (written only when non-empty).
    pub addresses6: Vec<SocketAddrV6>,
    /// UDX stream parameters.
    pub udx: Option<UdxInfo>,
    /// secret-stream version, if the sender speaks it (written as 1).
    pub secret_stream: Option<u64>,
    /// Blind-relay parameters.
    pub relay_through: Option<RelayThrough>,
    /// The nodes the server announced to (present even when empty, if set).
    pub relay_addresses: Option<Vec<SocketAddrV4>>,
}

impl Default for NoisePayload {
    fn default() -> Self {
        NoisePayload {
            version: 1,
            error: 0,
            firewall: 0,
            holepunch: None,
            addresses4: Vec::new(),
            addresses6: Vec::new(),
            udx: None,
            secret_stream: None,
            relay_through: None,
            relay_addresses: None,
        }
    }
}

impl NoisePayload {
    /// Encodes like the JS encoder (`version` is written as given, normally 1).
    pub fn encode(&self) -> Vec<u8> {
        let mut flags = 0u64;
        flags |= u64::from(self.holepunch.is_some());
        flags |= u64::from(!self.addresses4.is_empty()) << 1;
        flags |= u64::from(!self.addresses6.is_empty()) << 2;
        flags |= u64::from(self.udx.is_some()) << 3;
        flags |= u64::from(self.secret_stream.is_some()) << 4;
        flags |= u64::from(self.relay_through.is_some()) << 5;
        flags |= u64::from(self.relay_addresses.is_some()) << 6;
        let mut w = Writer::with_capacity(64);
        w.uint(self.version)
            .uint(flags)
            .uint(self.error)
            .uint(self.firewall);
        if let Some(h) = &self.holepunch {
            w.uint(h.id).array(&h.relays, |w, r| {
                w.ipv4_address(r.relay_address).ipv4_address(r.peer_address);
            });
        }
        if !self.addresses4.is_empty() {
            w.array(&self.addresses4, |w, a| {
                w.ipv4_address(*a);
            });
        }
        if !self.addresses6.is_empty() {
            w.array(&self.addresses6, |w, a| {
                w.ipv6_address(*a);
            });
        }
        if let Some(u) = &self.udx {
            w.uint(1)
                .uint(u64::from(u.reusable_socket))
                .uint(u.id)
                .uint(u.seq);
        }
        if self.secret_stream.is_some() {
            w.uint(1);
        }
        if let Some(r) = &self.relay_through {
            w.uint(1).uint(0).bytes(&r.public_key).bytes(&r.token);
        }
        if let Some(a) = &self.relay_addresses {
            w.array(a, |w, a| {
                w.ipv4_address(*a);
            });
        }
        w.into_vec()
    }

    /// Decodes like the JS decoder.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        let version = r.uint()?;
        if version != 1 {
            return Ok(NoisePayload {
                version,
                ..NoisePayload::default()
            });
        }
        let flags = r.uint()?;
        let error = r.uint()?;
        let firewall = r.uint()?;
        let holepunch = if flags & 1 != 0 {
            let id = r.uint()?;
            let relays = r.array(|r| {
                Ok(RelayInfo {
                    relay_address: r.ipv4_address()?,
                    peer_address: r.ipv4_address()?,
                })
            })?;
            Some(HolepunchInfo { id, relays })
        } else {
            None
        };
        let addresses4 = if flags & 2 != 0 {
            r.array(|r| r.ipv4_address())?
        } else {
            Vec::new()
        };
        let addresses6 = if flags & 4 != 0 {
            r.array(|r| r.ipv6_address())?
        } else {
            Vec::new()
        };
        let udx = if flags & 8 != 0 {
            let version = r.uint()?;
            let features = r.uint()?;
            Some(UdxInfo {
                version,
                reusable_socket: features & 1 != 0,
                id: r.uint()?,
                seq: r.uint()?,
            })
        } else {
            None
        };
        let secret_stream = if flags & 16 != 0 {
            Some(r.uint()?)
        } else {
            None
        };
        let relay_through = if flags & 32 != 0 {
            let version = r.uint()?;
            r.uint()?;
            Some(RelayThrough {
                version,
                public_key: r.fixed()?,
                token: r.fixed()?,
            })
        } else {
            None
        };
        let relay_addresses = if flags & 64 != 0 {
            Some(r.array(|r| r.ipv4_address())?)
        } else {
            None
        };
        Ok(NoisePayload {
            version,
            error,
            firewall,
            holepunch,
            addresses4,
            addresses6,
            udx,
            secret_stream,
            relay_through,
            relay_addresses,
        })
    }
}

/// The plaintext of a PEER_HOLEPUNCH payload (`holepunchPayload`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HolepunchPayload {
    /// hyperdht error code.
    pub error: u64,
    /// Firewall class of the sender.
    pub firewall: u64,
    /// Punching round.
    pub round: u64,
    /// The sender is already connected.
    pub connected: bool,
    /// The sender is punching now.
    pub punching: bool,
    /// The sender's addresses (flag set even when empty, if present).
    pub addresses: Option<Vec<SocketAddrV4>>,
    /// The peer's address as the sender sees it.
    pub remote_address: Option<SocketAddrV4>,
    /// The sender's token for the peer's address.
    pub token: Option<Key32>,
    /// The peer's token, echoed back.
    pub remote_token: Option<Key32>,
}

impl HolepunchPayload {
    /// Encodes like the JS encoder.
    pub fn encode(&self) -> Vec<u8> {
        let flags = u64::from(self.connected)
            | u64::from(self.punching) << 1
            | u64::from(self.addresses.is_some()) << 2
            | u64::from(self.remote_address.is_some()) << 3
            | u64::from(self.token.is_some()) << 4
            | u64::from(self.remote_token.is_some()) << 5;
        let mut w = Writer::with_capacity(96);
        w.uint(flags)
            .uint(self.error)
            .uint(self.firewall)
            .uint(self.round);
        if let Some(a) = &self.addresses {
            w.array(a, |w, a| {
                w.ipv4_address(*a);
            });
        }
        if let Some(a) = self.remote_address {
            w.ipv4_address(a);
        }
        if let Some(t) = &self.token {
            w.bytes(t);
        }
        if let Some(t) = &self.remote_token {
            w.bytes(t);
        }
        w.into_vec()
    }

    /// Decodes like the JS decoder.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        let flags = r.uint()?;
        let error = r.uint()?;
        let firewall = r.uint()?;
        let round = r.uint()?;
        Ok(HolepunchPayload {
            error,
            firewall,
            round,
            connected: flags & 1 != 0,
            punching: flags & 2 != 0,
            addresses: if flags & 4 != 0 {
                Some(r.array(|r| r.ipv4_address())?)
            } else {
                None
            },
            remote_address: if flags & 8 != 0 {
                Some(r.ipv4_address()?)
            } else {
                None
            },
            token: if flags & 16 != 0 {
                Some(r.fixed()?)
            } else {
                None
            },
            remote_token: if flags & 32 != 0 {
                Some(r.fixed()?)
            } else {
                None
            },
        })
    }
}

/// Seals and opens holepunch payloads with the holepunch secret, and makes the
/// address tokens of one handshake (`lib/secure-payload.js`).
pub struct SecurePayload {
    cipher: XSalsa20Poly1305,
    local_secret: Key32,
}

impl std::fmt::Debug for SecurePayload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecurePayload")
    }
}

impl SecurePayload {
    /// A sealer for `holepunch_secret` with a random local token secret.
    pub fn new(holepunch_secret: &Key32) -> SecurePayload {
        SecurePayload::with_local_secret(holepunch_secret, rand::random())
    }

    /// A sealer with a given local token secret (tests).
    pub fn with_local_secret(holepunch_secret: &Key32, local_secret: Key32) -> SecurePayload {
        SecurePayload {
            cipher: XSalsa20Poly1305::new(holepunch_secret.into()),
            local_secret,
        }
    }

    /// `nonce(24) ‖ secretbox(encode(payload))` with a random nonce.
    pub fn encrypt(&self, payload: &HolepunchPayload) -> Vec<u8> {
        self.encrypt_with_nonce(payload, &rand::random())
    }

    /// [`SecurePayload::encrypt`] with a given nonce (tests).
    pub fn encrypt_with_nonce(&self, payload: &HolepunchPayload, nonce: &[u8; 24]) -> Vec<u8> {
        let plain = payload.encode();
        let mut out = Vec::with_capacity(24 + 16 + plain.len());
        out.extend_from_slice(nonce);
        // Encryption with a valid key only fails beyond 2^38 bytes.
        if let Ok(c) = self.cipher.encrypt(nonce.into(), plain.as_slice()) {
            out.extend_from_slice(&c);
        }
        out
    }

    /// Opens and decodes a sealed payload; `None` if short, forged or malformed.
    pub fn decrypt(&self, buf: &[u8]) -> Option<HolepunchPayload> {
        if buf.len() <= 40 {
            return None;
        }
        let (nonce, c) = buf.split_at(24);
        let plain = self.cipher.decrypt(nonce.into(), c).ok()?;
        HolepunchPayload::decode(&plain).ok()
    }

    /// The token for an address host: `BLAKE2b-256(message = host, key = local secret)`.
    pub fn token(&self, host: &str) -> Key32 {
        keyed_hash(&self.local_secret, host.as_bytes())
    }
}
