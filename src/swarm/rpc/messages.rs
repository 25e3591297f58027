//! The two dht-rpc datagrams, request (`0x03`) and response (`0x13`), and the node id
//! rule (`id = BLAKE2b-256(ipv4Address)`), byte for byte as dht-rpc@6.27.0 writes them.
//!
//! Decoding is total: any malformed datagram is an error to drop, never a panic.

use std::net::SocketAddrV4;

use crate::swarm::codec::{self, DecodeError, Reader, Writer};
use crate::swarm::crypto::{hash, Key32};

/// First byte of a request: `(0 << 4) | version 3`.
pub const REQUEST_ID: u8 = 0x03;
/// First byte of a response: `(1 << 4) | version 3`.
pub const RESPONSE_ID: u8 = 0x13;

/// Internal command numbers (the `internal` flag bit set).
pub mod internal {
    /// Liveness check.
    pub const PING: u64 = 0;
    /// "Reply to my other port": tests whether the sender's server socket is reachable.
    pub const PING_NAT: u64 = 1;
    /// Return the nodes closest to `target`.
    pub const FIND_NODE: u64 = 2;
    /// "This node seems down": the receiver re-checks it.
    pub const DOWN_HINT: u64 = 3;
    /// A ping answered after a delay.
    pub const DELAYED_PING: u64 = 4;
}

/// dht-rpc error codes carried in responses.
pub mod errors {
    /// The command is not handled here.
    pub const UNKNOWN_COMMAND: u64 = 1;
    /// The request's token matched neither current secret.
    pub const INVALID_TOKEN: u64 = 2;
}

/// A decoded or to-be-encoded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Transaction id, echoed by the response.
    pub tid: u16,
    /// The address the sender sends to: the receiver's address as the sender sees it.
    pub to: SocketAddrV4,
    /// The sender's node id (persistent senders on their server socket only).
    pub id: Option<Key32>,
    /// A token the receiver issued earlier (required for writes).
    pub token: Option<Key32>,
    /// True for dht-rpc's own commands, false for the application's (HyperDHT).
    pub internal: bool,
    /// Command number in the namespace `internal` selects.
    pub command: u64,
    /// The 32-byte key the command is about.
    pub target: Option<Key32>,
    /// Command payload.
    pub value: Option<Vec<u8>>,
}

/// A decoded or to-be-encoded response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The request's transaction id.
    pub tid: u16,
    /// The requester's address as the responder saw it (the NAT-sampling signal).
    pub to: SocketAddrV4,
    /// The responder's node id (persistent responders on their server socket only).
    pub id: Option<Key32>,
    /// A fresh token for the requester's IP.
    pub token: Option<Key32>,
    /// Nodes closer to the request's target (empty means absent on the wire).
    pub closer_nodes: Vec<SocketAddrV4>,
    /// Non-zero error code; 0 is absent on the wire.
    pub error: u64,
    /// Reply payload.
    pub value: Option<Vec<u8>>,
}

/// Either datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// `0x03 …`
    Request(Request),
    /// `0x13 …`
    Response(Response),
}

/// The fields requests and responses start with, in the same order: tid, to, and the
/// optional id and token (flag bits 0 and 1).
struct Prefix {
    tid: u16,
    to: SocketAddrV4,
    id: Option<Key32>,
    token: Option<Key32>,
}

impl Prefix {
    /// Reads the flags and the prefix fields.
    fn decode(r: &mut Reader<'_>) -> codec::Result<(u64, Self)> {
        let flags = r.uint()?;
        let tid = r.u16()?;
        let to = r.ipv4_address()?;
        let id = (flags & 1 != 0).then(|| r.fixed()).transpose()?;
        let token = (flags & 2 != 0).then(|| r.fixed()).transpose()?;
        Ok((flags, Prefix { tid, to, id, token }))
    }

    /// Writes the type byte, the flags and the prefix fields.
    fn encode(&self, w: &mut Writer, type_byte: u8, flags: u8) {
        w.u8(type_byte)
            .u8(flags)
            .u16(self.tid)
            .ipv4_address(self.to);
        if let Some(id) = &self.id {
            w.bytes(id);
        }
        if let Some(token) = &self.token {
            w.bytes(token);
        }
    }
}

/// The dht-rpc node id of a node reachable at `addr`.
pub fn node_id(addr: SocketAddrV4) -> Key32 {
    hash(&[&codec::ipv4_address_bytes(addr)])
}

impl Request {
    fn prefix(&self) -> Prefix {
        Prefix {
            tid: self.tid,
            to: self.to,
            id: self.id,
            token: self.token,
        }
    }

    /// Encodes the request as dht-rpc sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(64 + self.value.as_ref().map_or(0, Vec::len));
        let flags = u8::from(self.id.is_some())
            | u8::from(self.token.is_some()) << 1
            | u8::from(self.internal) << 2
            | u8::from(self.target.is_some()) << 3
            | u8::from(self.value.is_some()) << 4;
        self.prefix().encode(&mut w, REQUEST_ID, flags);
        w.uint(self.command);
        if let Some(target) = &self.target {
            w.bytes(target);
        }
        if let Some(value) = &self.value {
            w.buffer(value);
        }
        w.into_vec()
    }

    fn decode_body(r: &mut Reader<'_>) -> codec::Result<Self> {
        let (flags, Prefix { tid, to, id, token }) = Prefix::decode(r)?;
        let internal = flags & 4 != 0;
        let command = r.uint()?;
        let target = (flags & 8 != 0).then(|| r.fixed()).transpose()?;
        let value = (flags & 16 != 0)
            .then(|| r.buffer().map(<[u8]>::to_vec))
            .transpose()?;
        Ok(Request {
            tid,
            to,
            id,
            token,
            internal,
            command,
            target,
            value,
        })
    }
}

impl Response {
    fn prefix(&self) -> Prefix {
        Prefix {
            tid: self.tid,
            to: self.to,
            id: self.id,
            token: self.token,
        }
    }

    /// Encodes the response as dht-rpc sends it.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(
            64 + 6 * self.closer_nodes.len() + self.value.as_ref().map_or(0, Vec::len),
        );
        let flags = u8::from(self.id.is_some())
            | u8::from(self.token.is_some()) << 1
            | u8::from(!self.closer_nodes.is_empty()) << 2
            | u8::from(self.error > 0) << 3
            | u8::from(self.value.is_some()) << 4;
        self.prefix().encode(&mut w, RESPONSE_ID, flags);
        if !self.closer_nodes.is_empty() {
            w.array(&self.closer_nodes, |w, a| {
                w.ipv4_address(*a);
            });
        }
        if self.error > 0 {
            w.uint(self.error);
        }
        if let Some(value) = &self.value {
            w.buffer(value);
        }
        w.into_vec()
    }

    fn decode_body(r: &mut Reader<'_>) -> codec::Result<Self> {
        let (flags, Prefix { tid, to, id, token }) = Prefix::decode(r)?;
        let closer_nodes = if flags & 4 != 0 {
            r.array(Reader::ipv4_address)?
        } else {
            Vec::new()
        };
        let error = if flags & 8 != 0 { r.uint()? } else { 0 };
        let value = (flags & 16 != 0)
            .then(|| r.buffer().map(<[u8]>::to_vec))
            .transpose()?;
        Ok(Response {
            tid,
            to,
            id,
            token,
            closer_nodes,
            error,
            value,
        })
    }
}

impl Message {
    /// Decodes a datagram. Trailing bytes are ignored, as dht-rpc does.
    pub fn decode(buf: &[u8]) -> codec::Result<Self> {
        let mut r = Reader::new(buf);
        match r.u8()? {
            REQUEST_ID => Request::decode_body(&mut r).map(Message::Request),
            RESPONSE_ID => Response::decode_body(&mut r).map(Message::Response),
            _ => Err(DecodeError::Invalid),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_request_matches_dht_rpc() {
        let req = Request {
            tid: 0x1234,
            to: "127.0.0.1:49737".parse().unwrap(),
            id: None,
            token: None,
            internal: true,
            command: internal::PING,
            target: None,
            value: None,
        };
        assert_eq!(hex::encode(req.encode()), "030434127f00000149c200");
        assert_eq!(
            Message::decode(&req.encode()).unwrap(),
            Message::Request(req)
        );
    }

    #[test]
    fn node_id_of_localhost() {
        assert_eq!(
            hex::encode(node_id("127.0.0.1:49737".parse().unwrap())),
            "d1dcf835b0d62b9230c41393cb96a34f5f8b9f814f421ca3382dfc1678022e0e"
        );
    }
}
