//! HyperDHT's payloads carried in dht-rpc `value` fields (hyperdht@6.34.0
//! `lib/messages.js`): handshake and holepunch envelopes, peer records, announce,
//! lookup replies and mutable records.

use std::net::SocketAddrV4;

use crate::swarm::codec::{self, Reader, Writer};
use crate::swarm::crypto::Key32;

/// Who sent a handshake or holepunch envelope, and to whom it goes next.
pub mod mode {
    /// Client → node.
    pub const FROM_CLIENT: u64 = 0;
    /// Server → node.
    pub const FROM_SERVER: u64 = 1;
    /// Node → server.
    pub const FROM_RELAY: u64 = 2;
    /// Node → the node holding the server's announcement.
    pub const FROM_SECOND_RELAY: u64 = 3;
    /// Node → client (a response, not a request).
    pub const REPLY: u64 = 4;
}

/// The PEER_HANDSHAKE envelope around a Noise message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    /// One of [`mode`].
    pub mode: u64,
    /// The Noise message (opaque to relays).
    pub noise: Vec<u8>,
    /// The other peer's address, as the relaying node saw it.
    pub peer_address: Option<SocketAddrV4>,
    /// Where a second relay should send the server's answer.
    pub relay_address: Option<SocketAddrV4>,
}

impl Handshake {
    /// Encodes the envelope.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(16 + self.noise.len());
        let flags =
            u64::from(self.peer_address.is_some()) | u64::from(self.relay_address.is_some()) << 1;
        w.uint(flags).uint(self.mode).buffer(&self.noise);
        if let Some(a) = self.peer_address {
            w.ipv4_address(a);
        }
        if let Some(a) = self.relay_address {
            w.ipv4_address(a);
        }
        w.into_vec()
    }

    /// Decodes the envelope.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        let flags = r.uint()?;
        Ok(Handshake {
            mode: r.uint()?,
            noise: r.buffer()?.to_vec(),
            peer_address: (flags & 1 != 0).then(|| r.ipv4_address()).transpose()?,
            relay_address: (flags & 2 != 0).then(|| r.ipv4_address()).transpose()?,
        })
    }
}

/// The PEER_HOLEPUNCH envelope around an encrypted holepunch payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holepunch {
    /// One of [`mode`].
    pub mode: u64,
    /// The server's handshake slot.
    pub id: u64,
    /// The encrypted payload (opaque to relays).
    pub payload: Vec<u8>,
    /// The other peer's address.
    pub peer_address: Option<SocketAddrV4>,
}

impl Holepunch {
    /// Encodes the envelope.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(16 + self.payload.len());
        w.uint(u64::from(self.peer_address.is_some()))
            .uint(self.mode)
            .uint(self.id)
            .buffer(&self.payload);
        if let Some(a) = self.peer_address {
            w.ipv4_address(a);
        }
        w.into_vec()
    }

    /// Decodes the envelope.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        let flags = r.uint()?;
        Ok(Holepunch {
            mode: r.uint()?,
            id: r.uint()?,
            payload: r.buffer()?.to_vec(),
            peer_address: (flags & 1 != 0).then(|| r.ipv4_address()).transpose()?,
        })
    }
}

/// A peer record: a public key and the DHT nodes it can be reached through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerRecord {
    /// The peer's Ed25519 public key.
    pub public_key: Key32,
    /// Nodes that relay handshakes to it (at most 3 are kept).
    pub relay_addresses: Vec<SocketAddrV4>,
}

impl PeerRecord {
    fn write(&self, w: &mut Writer) {
        w.bytes(&self.public_key)
            .array(&self.relay_addresses, |w, a| {
                w.ipv4_address(*a);
            });
    }

    /// Encodes the record.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(33 + 6 * self.relay_addresses.len());
        self.write(&mut w);
        w.into_vec()
    }

    fn read(r: &mut Reader<'_>) -> codec::Result<Self> {
        Ok(PeerRecord {
            public_key: r.fixed()?,
            relay_addresses: r.array(Reader::ipv4_address)?,
        })
    }

    /// Decodes a record.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        Self::read(&mut Reader::new(buf))
    }
}

/// ANNOUNCE / UNANNOUNCE request value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Announce {
    /// The record to store.
    pub peer: Option<PeerRecord>,
    /// A refresh secret: a later announce of just `hash(refresh)` re-adds the record.
    pub refresh: Option<Key32>,
    /// Ed25519 signature over [`announce_signable`].
    pub signature: Option<[u8; 64]>,
    /// A freshness hint (ms timestamp), not signed; 0 is absent.
    pub bump: u64,
}

impl Announce {
    /// Encodes the message.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(160);
        let flags = u64::from(self.peer.is_some())
            | u64::from(self.refresh.is_some()) << 1
            | u64::from(self.signature.is_some()) << 2
            | u64::from(self.bump > 0) << 3;
        w.uint(flags);
        if let Some(p) = &self.peer {
            p.write(&mut w);
        }
        if let Some(r) = &self.refresh {
            w.bytes(r);
        }
        if let Some(s) = &self.signature {
            w.bytes(s);
        }
        if self.bump > 0 {
            w.uint(self.bump);
        }
        w.into_vec()
    }

    /// Decodes the message.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        let flags = r.uint()?;
        Ok(Announce {
            peer: (flags & 1 != 0)
                .then(|| PeerRecord::read(&mut r))
                .transpose()?,
            refresh: (flags & 2 != 0).then(|| r.fixed()).transpose()?,
            signature: (flags & 4 != 0).then(|| r.fixed()).transpose()?,
            bump: if flags & 8 != 0 { r.uint()? } else { 0 },
        })
    }
}

/// Encodes a LOOKUP reply from already-encoded peer records.
pub fn encode_lookup_reply(records: &[&[u8]], bump: u64) -> Vec<u8> {
    let mut w = Writer::with_capacity(8 + records.iter().map(|r| r.len()).sum::<usize>());
    w.uint(records.len() as u64);
    for r in records {
        w.bytes(r);
    }
    w.uint(bump);
    w.into_vec()
}

/// Decodes a LOOKUP reply: the records and the bump (0 when absent).
pub fn decode_lookup_reply(buf: &[u8]) -> codec::Result<(Vec<PeerRecord>, u64)> {
    let mut r = Reader::new(buf);
    let peers = r.array(PeerRecord::read)?;
    let bump = if r.is_empty() { 0 } else { r.uint()? };
    Ok((peers, bump))
}

/// MUTABLE_PUT request value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutablePut {
    /// The signer; the target is `hash(public_key)`.
    pub public_key: Key32,
    /// Version number; higher replaces lower.
    pub seq: u64,
    /// The stored bytes.
    pub value: Vec<u8>,
    /// Signature over [`mutable_signable`].
    pub signature: [u8; 64],
}

impl MutablePut {
    /// Encodes the request.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(110 + self.value.len());
        w.bytes(&self.public_key)
            .uint(self.seq)
            .buffer(&self.value)
            .bytes(&self.signature);
        w.into_vec()
    }

    /// Decodes the request.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        Ok(MutablePut {
            public_key: r.fixed()?,
            seq: r.uint()?,
            value: r.buffer()?.to_vec(),
            signature: r.fixed()?,
        })
    }
}

/// MUTABLE_GET reply value (also how a node stores a mutable record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutableGet {
    /// Version number.
    pub seq: u64,
    /// The stored bytes.
    pub value: Vec<u8>,
    /// The writer's signature.
    pub signature: [u8; 64],
}

impl MutableGet {
    /// Encodes the reply.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(80 + self.value.len());
        w.uint(self.seq).buffer(&self.value).bytes(&self.signature);
        w.into_vec()
    }

    /// Decodes the reply.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        Ok(MutableGet {
            seq: r.uint()?,
            value: r.buffer()?.to_vec(),
            signature: r.fixed()?,
        })
    }
}

/// `NS ‖ BLAKE2b(target ‖ node_id ‖ token ‖ encode(peer) ‖ refresh?)`: what an
/// announce or unannounce signs, valid at one node for one token period.
pub fn announce_signable(
    ns: &Key32,
    target: &Key32,
    node_id: &Key32,
    token: &Key32,
    peer: &PeerRecord,
    refresh: Option<&Key32>,
) -> [u8; 64] {
    let inner = crate::swarm::crypto::hash(&[
        target,
        node_id,
        token,
        &peer.encode(),
        refresh.map_or(&[][..], |r| &r[..]),
    ]);
    concat64(ns, &inner)
}

/// `NS_MUTABLE_PUT ‖ BLAKE2b(uint(seq) ‖ buffer(value))`: what a mutable put signs.
pub fn mutable_signable(ns: &Key32, seq: u64, value: &[u8]) -> [u8; 64] {
    let mut w = Writer::with_capacity(10 + value.len());
    w.uint(seq).buffer(value);
    concat64(ns, &crate::swarm::crypto::hash(&[&w.into_vec()]))
}

fn concat64(a: &Key32, b: &Key32) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(a);
    out[32..].copy_from_slice(b);
    out
}
