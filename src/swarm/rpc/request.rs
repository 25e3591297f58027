//! A request received from the network and the means to answer it: reply, error,
//! reply to a third party, or relay onward (HyperDHT's handshake forwarding).
//!
//! Replies are sent at once, without waiting, from the socket the request arrived on.

use std::net::{SocketAddr, SocketAddrV4};

use super::messages::{Request, Response};
use super::node::DhtNode;
use super::socket::RpcSocket;
use super::table::K;
use crate::swarm::codec;
use crate::swarm::crypto::Key32;

/// Application requests (the non-internal command space) go here.
pub trait RequestHandler: Send + Sync + 'static {
    /// Handles one request, or hands it back if the command is not handled here (the
    /// node then replies UNKNOWN_COMMAND).
    fn on_request(&self, req: IncomingRequest) -> Result<(), Box<IncomingRequest>>;
}

/// A request received from the network, with the means to answer it.
pub struct IncomingRequest {
    pub(super) node: DhtNode,
    pub(super) socket: RpcSocket,
    /// Who sent it (the datagram source).
    pub from: SocketAddrV4,
    /// The sender's id, if it sent one matching `from`.
    pub from_id: Option<Key32>,
    /// The decoded request.
    pub req: Request,
}

impl IncomingRequest {
    /// The node that received the request.
    pub fn node(&self) -> &DhtNode {
        &self.node
    }

    /// The request's value decoded with `decode`; `None` if absent or malformed.
    pub fn value_as<T>(&self, decode: impl FnOnce(&[u8]) -> codec::Result<T>) -> Option<T> {
        self.req.value.as_deref().and_then(|v| decode(v).ok())
    }

    /// The id we answer with: the one matching the address the sender reached us at,
    /// which is what it will verify our id against.
    pub fn our_id(&self) -> Option<Key32> {
        self.node.reply_id(self.req.to)
    }

    /// Replies with `value`; `token` adds a fresh token, `closer_nodes` the nodes
    /// closest to the target.
    pub fn reply(&self, value: Option<Vec<u8>>, token: bool, closer_nodes: bool) {
        self.send_reply(0, value, token, closer_nodes, self.from);
    }

    /// Replies with an error code (no token, closer nodes if a target was given).
    pub fn error(&self, code: u64) {
        self.send_reply(code, None, false, true, self.from);
    }

    /// Sends the reply to `to` instead of the requester (HyperDHT's last relay hop).
    pub fn reply_to(&self, value: Option<Vec<u8>>, to: SocketAddrV4) {
        self.send_reply(0, value, false, false, to);
    }

    /// Forwards the request (same tid, command and target, a new value, no token) to
    /// `to`; the final hop answers the original requester directly.
    pub fn relay(&self, value: Option<Vec<u8>>, to: SocketAddrV4) {
        self.relay_on(&self.socket, value, to);
    }

    pub(super) fn relay_on(&self, socket: &RpcSocket, value: Option<Vec<u8>>, to: SocketAddrV4) {
        let bytes = Request {
            tid: self.req.tid,
            to,
            id: self.node.request_id(socket),
            token: None,
            internal: self.req.internal,
            command: self.req.command,
            target: self.req.target,
            value,
        }
        .encode();
        socket.try_send(&bytes, SocketAddr::V4(to));
    }

    pub(super) fn send_reply(
        &self,
        error: u64,
        value: Option<Vec<u8>>,
        token: bool,
        closer_nodes: bool,
        to: SocketAddrV4,
    ) {
        let closer = match (&self.req.target, closer_nodes) {
            (Some(target), true) => self.node.closest(target, K),
            _ => Vec::new(),
        };
        let id = if self.node.is_server_socket(&self.socket) {
            self.our_id()
        } else {
            None
        };
        let res = Response {
            tid: self.req.tid,
            to,
            id,
            token: token.then(|| self.node.token_for(*to.ip())),
            closer_nodes: closer,
            error,
            value,
        };
        self.socket.try_send(&res.encode(), SocketAddr::V4(to));
    }
}
