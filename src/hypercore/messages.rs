//! The ten messages of hypercore's `hypercore/alpha` protomux channel, byte for byte
//! as `hypercore@11/lib/messages.js` writes them (`reference/wire/hypercore-replication.md`
//! §2–3). A message on the wire is `uint type ‖ payload`; the channel id in front of it
//! belongs to protomux, not to this module.
//!
//! Decoding is total (a [`DecodeError`] for anything short or malformed) and tolerant
//! where Node is: trailing bytes are ignored, optional trailing flags default to 0.
//! Nothing here acts on a message; the replication state machine does.

use crate::swarm::codec::{self, DecodeError, Reader, Writer};

use super::manifest::Manifest;
use super::proof::{
    BlockProof, BlockRequest, HashProof, HashRequest, Proof, ProofRequest, SeekProof, SeekRequest,
    UpgradeProof, UpgradeRequest,
};
use super::tree::Node;

/// A message type: its index in the order Node registers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageType(pub u64);

impl MessageType {
    /// `sync`: fork, length and flags.
    pub const SYNC: MessageType = MessageType(0);
    /// `request`: ask for a proof.
    pub const REQUEST: MessageType = MessageType(1);
    /// `cancel`: forget a request.
    pub const CANCEL: MessageType = MessageType(2);
    /// `data`: a proof.
    pub const DATA: MessageType = MessageType(3);
    /// `noData`: a request cannot be answered.
    pub const NO_DATA: MessageType = MessageType(4);
    /// `want`: announce interest in a range.
    pub const WANT: MessageType = MessageType(5);
    /// `unwant`: withdraw interest.
    pub const UNWANT: MessageType = MessageType(6);
    /// `bitfield`: which blocks the sender has, 32 per word.
    pub const BITFIELD: MessageType = MessageType(7);
    /// `range`: the sender has (or dropped) a range of blocks.
    pub const RANGE: MessageType = MessageType(8);
    /// `extension`: an application message.
    pub const EXTENSION: MessageType = MessageType(9);
}

/// Why a request got `noData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoDataReason(pub u64);

impl NoDataReason {
    /// No reason given.
    pub const NONE: NoDataReason = NoDataReason(0);
    /// The sender does not have what was asked.
    pub const NOT_AVAILABLE: NoDataReason = NoDataReason(1);
    /// The request was malformed or out of bounds.
    pub const INVALID_REQUEST: NoDataReason = NoDataReason(2);
}

/// `sync`: the sender's fork and length, its view of the receiver's length, and flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sync {
    /// The sender's fork.
    pub fork: u64,
    /// The sender's length.
    pub length: u64,
    /// The receiver's length as the sender last saw it.
    pub remote_length: u64,
    /// The sender can prove an upgrade from the receiver's length.
    pub can_upgrade: bool,
    /// The sender serves requests.
    pub uploading: bool,
    /// The sender wants data (Node closes the channel when neither side does).
    pub downloading: bool,
    /// The sender has a (non-compat) manifest.
    pub has_manifest: bool,
    /// The sender accepts unsolicited data.
    pub allow_push: bool,
}

/// `request`: a proof request with its id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// The request id (≥ 1; 0 is for conflict checks).
    pub id: u64,
    /// The fork the request is about.
    pub fork: u64,
    /// What to prove.
    pub proof: ProofRequest,
    /// Send the manifest too.
    pub manifest: bool,
    /// 0 normal, 1 high, 2 very high.
    pub priority: u64,
}

/// `data`: a proof answering a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Data {
    /// The request id answered (0: unsolicited).
    pub request: u64,
    /// The proof (its fork is the message's).
    pub proof: Proof,
    /// The manifest, when asked for.
    pub manifest: Option<Manifest>,
}

/// A block range in `want`, `unwant` and `range`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Span {
    /// The first block.
    pub start: u64,
    /// How many blocks.
    pub length: u64,
}

/// A message of the `hypercore/alpha` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// See [`Sync`].
    Sync(Sync),
    /// See [`Request`].
    Request(Request),
    /// Forget the request with this id.
    Cancel {
        /// The id.
        request: u64,
    },
    /// See [`Data`] (boxed: a proof is large next to the other messages).
    Data(Box<Data>),
    /// The request with this id will not be answered.
    NoData {
        /// The id.
        request: u64,
        /// Why.
        reason: NoDataReason,
    },
    /// The sender wants these blocks (`any`: one of them will do).
    Want {
        /// The blocks.
        span: Span,
        /// Any one block of the range.
        any: bool,
    },
    /// The sender no longer wants these blocks.
    Unwant {
        /// The blocks.
        span: Span,
        /// As in `want`.
        any: bool,
    },
    /// Which blocks from `start` the sender has: bit `i` of the little-endian words is
    /// block `start + i`.
    Bitfield {
        /// The first block (a multiple of 32 from Node).
        start: u64,
        /// The bits, 32 per word.
        words: Vec<u32>,
    },
    /// The sender has (or, with `drop`, lost) these blocks.
    Range {
        /// The blocks.
        span: Span,
        /// Lost rather than gained.
        drop: bool,
    },
    /// An extension message: its name (empty: the previous one's) and raw bytes.
    Extension {
        /// The extension's name.
        name: String,
        /// Its payload.
        message: Vec<u8>,
    },
}

// Flag bits, as `messages.js` names them.
const SYNC_CAN_UPGRADE: u64 = 1;
const SYNC_UPLOADING: u64 = 1 << 1;
const SYNC_DOWNLOADING: u64 = 1 << 2;
const SYNC_HAS_MANIFEST: u64 = 1 << 3;
const SYNC_ALLOW_PUSH: u64 = 1 << 4;
const PART_BLOCK: u64 = 1;
const PART_HASH: u64 = 1 << 1;
const PART_SEEK: u64 = 1 << 2;
const PART_UPGRADE: u64 = 1 << 3;
const PART_MANIFEST: u64 = 1 << 4;
const REQUEST_PRIORITY: u64 = 1 << 5;
const NO_DATA_HAS_REASON: u64 = 1;
const WANT_ANY: u64 = 1;
const RANGE_DROP: u64 = 1;
const RANGE_ONE: u64 = 1 << 1;

fn flag(on: bool, bit: u64) -> u64 {
    if on {
        bit
    } else {
        0
    }
}

impl Message {
    /// The message's type number.
    pub fn kind(&self) -> MessageType {
        match self {
            Message::Sync(_) => MessageType::SYNC,
            Message::Request(_) => MessageType::REQUEST,
            Message::Cancel { .. } => MessageType::CANCEL,
            Message::Data(_) => MessageType::DATA,
            Message::NoData { .. } => MessageType::NO_DATA,
            Message::Want { .. } => MessageType::WANT,
            Message::Unwant { .. } => MessageType::UNWANT,
            Message::Bitfield { .. } => MessageType::BITFIELD,
            Message::Range { .. } => MessageType::RANGE,
            Message::Extension { .. } => MessageType::EXTENSION,
        }
    }

    /// `uint type ‖ payload`.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(64);
        w.uint(self.kind().0);
        match self {
            Message::Sync(s) => {
                w.uint(
                    flag(s.can_upgrade, SYNC_CAN_UPGRADE)
                        | flag(s.uploading, SYNC_UPLOADING)
                        | flag(s.downloading, SYNC_DOWNLOADING)
                        | flag(s.has_manifest, SYNC_HAS_MANIFEST)
                        | flag(s.allow_push, SYNC_ALLOW_PUSH),
                )
                .uint(s.fork)
                .uint(s.length)
                .uint(s.remote_length);
            }
            Message::Request(r) => encode_request(&mut w, r),
            Message::Cancel { request } => {
                w.uint(*request);
            }
            Message::Data(d) => encode_data(&mut w, d),
            Message::NoData { request, reason } => {
                w.uint(*request);
                if *reason == NoDataReason::NONE {
                    w.uint(0);
                } else {
                    w.uint(NO_DATA_HAS_REASON).uint(reason.0);
                }
            }
            Message::Want { span, any } | Message::Unwant { span, any } => {
                w.uint(span.start).uint(span.length);
                if *any {
                    w.uint(WANT_ANY);
                }
            }
            Message::Bitfield { start, words } => {
                w.uint(*start).uint(words.len() as u64);
                for word in words {
                    w.u32(*word);
                }
            }
            Message::Range { span, drop } => {
                let one = span.length == 1;
                w.uint(flag(*drop, RANGE_DROP) | flag(one, RANGE_ONE))
                    .uint(span.start);
                if !one {
                    w.uint(span.length);
                }
            }
            Message::Extension { name, message } => {
                w.buffer(name.as_bytes()).bytes(message);
            }
        }
        w.into_vec()
    }

    /// Reads `uint type ‖ payload`.
    pub fn decode(bytes: &[u8]) -> Result<Message, DecodeError> {
        let mut r = Reader::new(bytes);
        let kind = MessageType(r.uint()?);
        Ok(match kind {
            MessageType::SYNC => {
                let flags = r.uint()?;
                Message::Sync(Sync {
                    fork: r.uint()?,
                    length: r.uint()?,
                    remote_length: r.uint()?,
                    can_upgrade: flags & SYNC_CAN_UPGRADE != 0,
                    uploading: flags & SYNC_UPLOADING != 0,
                    downloading: flags & SYNC_DOWNLOADING != 0,
                    has_manifest: flags & SYNC_HAS_MANIFEST != 0,
                    allow_push: flags & SYNC_ALLOW_PUSH != 0,
                })
            }
            MessageType::REQUEST => Message::Request(decode_request(&mut r)?),
            MessageType::CANCEL => Message::Cancel { request: r.uint()? },
            MessageType::DATA => Message::Data(Box::new(decode_data(&mut r)?)),
            MessageType::NO_DATA => {
                let request = r.uint()?;
                let flags = if r.is_empty() { 0 } else { r.uint()? };
                let reason = if flags & NO_DATA_HAS_REASON != 0 {
                    NoDataReason(r.uint()?)
                } else {
                    NoDataReason::NONE
                };
                Message::NoData { request, reason }
            }
            MessageType::WANT | MessageType::UNWANT => {
                let span = Span {
                    start: r.uint()?,
                    length: r.uint()?,
                };
                let any = !r.is_empty() && r.uint()? & WANT_ANY != 0;
                if kind == MessageType::WANT {
                    Message::Want { span, any }
                } else {
                    Message::Unwant { span, any }
                }
            }
            MessageType::BITFIELD => {
                let start = r.uint()?;
                let n = r.array_len()?;
                // Bounds first: a hostile count must not allocate before the bytes exist.
                let raw = r.bytes(n.checked_mul(4).ok_or(DecodeError::OutOfBounds)?)?;
                let words = raw
                    .chunks_exact(4)
                    .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                Message::Bitfield { start, words }
            }
            MessageType::RANGE => {
                let flags = r.uint()?;
                let start = r.uint()?;
                let length = if flags & RANGE_ONE != 0 { 1 } else { r.uint()? };
                Message::Range {
                    span: Span { start, length },
                    drop: flags & RANGE_DROP != 0,
                }
            }
            MessageType::EXTENSION => Message::Extension {
                name: r.string()?.to_string(),
                message: r.remaining().to_vec(),
            },
            _ => return Err(DecodeError::Invalid),
        })
    }
}

fn encode_request(w: &mut Writer, r: &Request) {
    let p = &r.proof;
    w.uint(
        flag(p.block.is_some(), PART_BLOCK)
            | flag(p.hash.is_some(), PART_HASH)
            | flag(p.seek.is_some(), PART_SEEK)
            | flag(p.upgrade.is_some(), PART_UPGRADE)
            | flag(r.manifest, PART_MANIFEST)
            | flag(r.priority != 0, REQUEST_PRIORITY),
    )
    .uint(r.id)
    .uint(r.fork);
    if let Some(b) = p.block {
        w.uint(b.index).uint(b.nodes);
    }
    if let Some(h) = p.hash {
        w.uint(h.index).uint(h.nodes);
    }
    if let Some(s) = p.seek {
        w.uint(s.bytes).uint(s.padding);
    }
    if let Some(u) = p.upgrade {
        w.uint(u.start).uint(u.length);
    }
    if r.priority != 0 {
        w.uint(r.priority);
    }
}

fn decode_request(r: &mut Reader<'_>) -> codec::Result<Request> {
    let flags = r.uint()?;
    let id = r.uint()?;
    let fork = r.uint()?;
    let mut two = |on: u64| -> codec::Result<Option<(u64, u64)>> {
        Ok(if flags & on != 0 {
            Some((r.uint()?, r.uint()?))
        } else {
            None
        })
    };
    let block = two(PART_BLOCK)?.map(|(index, nodes)| BlockRequest { index, nodes });
    let hash = two(PART_HASH)?.map(|(index, nodes)| HashRequest { index, nodes });
    let seek = two(PART_SEEK)?.map(|(bytes, padding)| SeekRequest { bytes, padding });
    let upgrade = two(PART_UPGRADE)?.map(|(start, length)| UpgradeRequest { start, length });
    let priority = if flags & REQUEST_PRIORITY != 0 {
        r.uint()?
    } else {
        0
    };
    Ok(Request {
        id,
        fork,
        proof: ProofRequest {
            block,
            hash,
            seek,
            upgrade,
        },
        manifest: flags & PART_MANIFEST != 0,
        priority,
    })
}

fn encode_nodes(w: &mut Writer, nodes: &[Node]) {
    w.array(nodes, |w, n| n.encode(w));
}

fn decode_nodes(r: &mut Reader<'_>) -> codec::Result<Vec<Node>> {
    r.array(Node::decode)
}

fn encode_data(w: &mut Writer, d: &Data) {
    let p = &d.proof;
    w.uint(
        flag(p.block.is_some(), PART_BLOCK)
            | flag(p.hash.is_some(), PART_HASH)
            | flag(p.seek.is_some(), PART_SEEK)
            | flag(p.upgrade.is_some(), PART_UPGRADE)
            | flag(d.manifest.is_some(), PART_MANIFEST),
    )
    .uint(d.request)
    .uint(p.fork);
    if let Some(b) = &p.block {
        w.uint(b.index).buffer(&b.value);
        encode_nodes(w, &b.nodes);
    }
    if let Some(h) = &p.hash {
        w.uint(h.index);
        encode_nodes(w, &h.nodes);
    }
    if let Some(s) = &p.seek {
        w.uint(s.bytes);
        encode_nodes(w, &s.nodes);
    }
    if let Some(u) = &p.upgrade {
        w.uint(u.start).uint(u.length);
        encode_nodes(w, &u.nodes);
        encode_nodes(w, &u.additional_nodes);
        w.buffer(&u.signature);
    }
    if let Some(m) = &d.manifest {
        w.bytes(&m.encode());
    }
}

fn decode_data(r: &mut Reader<'_>) -> codec::Result<Data> {
    let flags = r.uint()?;
    let request = r.uint()?;
    let fork = r.uint()?;
    let mut proof = Proof {
        fork,
        ..Proof::default()
    };
    if flags & PART_BLOCK != 0 {
        proof.block = Some(BlockProof {
            index: r.uint()?,
            value: r.buffer()?.to_vec(),
            nodes: decode_nodes(r)?,
        });
    }
    if flags & PART_HASH != 0 {
        proof.hash = Some(HashProof {
            index: r.uint()?,
            nodes: decode_nodes(r)?,
        });
    }
    if flags & PART_SEEK != 0 {
        proof.seek = Some(SeekProof {
            bytes: r.uint()?,
            nodes: decode_nodes(r)?,
        });
    }
    if flags & PART_UPGRADE != 0 {
        proof.upgrade = Some(UpgradeProof {
            start: r.uint()?,
            length: r.uint()?,
            nodes: decode_nodes(r)?,
            additional_nodes: decode_nodes(r)?,
            signature: r.buffer()?.to_vec(),
        });
    }
    let manifest = if flags & PART_MANIFEST != 0 {
        // A manifest that does not decode makes the whole message invalid, as in Node.
        Some(Manifest::decode_from(r).map_err(|_| DecodeError::Invalid)?)
    } else {
        None
    };
    Ok(Data {
        request,
        proof,
        manifest,
    })
}

#[cfg(test)]
mod tests;
