//! Protomux: many channels over one encrypted connection, wire-compatible with npm
//! `protomux@3` (`reference/wire/protomux.md`). Each frame is one secret-stream message:
//! `uint channel ‖ uint type ‖ payload`, channel 0 carrying the control messages (batch,
//! open, reject, close).
//!
//! [`Mux`] is sans-IO: feed it each received message with [`Mux::receive`], take the
//! frames to send with [`Mux::poll_transmit`] and what happened with
//! [`Mux::poll_event`]. It pairs our opens with the peer's by protocol and id, keeps
//! the peer's channel-id table as strictly as Node does (a gap or a reused live id is a
//! protocol error, and the connection must be dropped), buffers messages for a peer's
//! channel until it is claimed or rejected (bounded like Node's, see
//! [`MAX_BUFFERED`]), and batches output while corked.
//!
//! It knows nothing of what the channels carry: hypercore, or anything else.

use std::collections::VecDeque;

use super::codec::{DecodeError, Reader, Writer};

/// Bytes a peer may have buffered for channels we have not claimed yet (each message
/// counts 512 plus its length, as in Node). Node pauses the stream past this; a sans-IO
/// muxer cannot, so past it the peer is in error.
pub const MAX_BUFFERED: usize = 32 * 1024;

/// Batches are flushed before they grow past this.
const MAX_BATCH: usize = 8 * 1024 * 1024;

/// A control message type on channel 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ControlType(pub u64);

impl ControlType {
    /// Several messages in one frame.
    pub const BATCH: ControlType = ControlType(0);
    /// The sender opens a channel.
    pub const OPEN: ControlType = ControlType(1);
    /// The sender refuses the receiver's channel.
    pub const REJECT: ControlType = ControlType(2);
    /// The sender closed its channel.
    pub const CLOSE: ControlType = ControlType(3);
}

/// Why the peer's frames cannot be accepted; the connection must be dropped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MuxError {
    /// A frame that does not decode.
    #[error("malformed protomux frame: {0}")]
    Decode(#[from] DecodeError),
    /// An open with a channel id that skips ahead or is still in use.
    #[error("invalid open message (channel {0})")]
    InvalidOpen(u64),
    /// A reject for a channel we never opened.
    #[error("invalid reject message (channel {0})")]
    InvalidReject(u64),
    /// Too much buffered for unclaimed channels.
    #[error("the peer sent over {MAX_BUFFERED} bytes for channels not yet open")]
    Backlog,
}

/// What happened on the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The peer opened a channel nobody claimed yet: call [`Mux::open`] with the same
    /// protocol and id to accept it, or [`Mux::reject`] with `remote_id`.
    RemoteOpen {
        /// The peer's id for it.
        remote_id: u64,
        /// The protocol name.
        protocol: String,
        /// The channel id (e.g. a discovery key).
        id: Vec<u8>,
    },
    /// Both sides opened the channel; `handshake` is the peer's handshake bytes.
    Opened {
        /// Our id for it.
        local_id: u64,
        /// The peer's handshake.
        handshake: Vec<u8>,
    },
    /// A message on an open channel (`uint type ‖ payload`).
    Message {
        /// Our id for the channel.
        local_id: u64,
        /// The message.
        message: Vec<u8>,
    },
    /// A channel closed: by the peer (`remote`), or by a reject of our open.
    Closed {
        /// Our id for it.
        local_id: u64,
        /// The peer closed or rejected it.
        remote: bool,
    },
}

/// One of our channels.
#[derive(Debug)]
struct Local {
    key: Vec<u8>,
    remote_id: Option<u64>,
}

/// One of the peer's channels.
#[derive(Debug)]
struct Remote {
    key: Vec<u8>,
    /// Our channel it is paired with; `None` while unclaimed.
    local_id: Option<u64>,
    /// The peer's handshake, until paired.
    handshake: Vec<u8>,
    /// Messages that came before the pairing.
    pending: Vec<Vec<u8>>,
}

/// The multiplexer's state for one connection.
#[derive(Debug, Default)]
pub struct Mux {
    local: Vec<Option<Local>>,
    free: Vec<u64>,
    /// Our opens the peer has not answered, oldest first, with their channel keys (kept
    /// after a local close: the peer's late open or reject frees the id).
    outgoing: Vec<(u64, Vec<u8>)>,
    remote: Vec<Option<Remote>>,
    buffered: usize,
    corked: u32,
    batch: Vec<(u64, Vec<u8>)>,
    batch_len: usize,
    transmit: VecDeque<Vec<u8>>,
    events: VecDeque<Event>,
}

/// The pairing key of a channel: protocol and id, as Node's `protocol##hex(id)`.
fn channel_key(protocol: &str, id: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(protocol.len() + 1 + id.len());
    k.extend_from_slice(protocol.as_bytes());
    k.push(0);
    k.extend_from_slice(id);
    k
}

fn cost(message: &[u8]) -> usize {
    512 + message.len()
}

impl Mux {
    /// A muxer with no channels.
    pub fn new() -> Mux {
        Mux::default()
    }

    /// Opens our channel for `protocol` and `id` with our `handshake` bytes, and returns
    /// its local id; `None` if such a channel is already open. If the peer's open for
    /// the same channel is waiting, the two pair at once ([`Event::Opened`]).
    pub fn open(&mut self, protocol: &str, id: &[u8], handshake: &[u8]) -> Option<u64> {
        let key = channel_key(protocol, id);
        if self.local.iter().flatten().any(|l| l.key == key) {
            return None;
        }
        let local_id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.local.push(None);
                self.local.len() as u64
            }
        };
        let waiting = self.remote.iter().position(|r| {
            r.as_ref()
                .is_some_and(|r| r.local_id.is_none() && r.key == key)
        });
        self.local[(local_id - 1) as usize] = Some(Local {
            key: key.clone(),
            remote_id: waiting.map(|i| i as u64 + 1),
        });
        let mut w = Writer::new();
        w.uint(ControlType::OPEN.0)
            .uint(local_id)
            .buffer(protocol.as_bytes())
            .buffer(id)
            .bytes(handshake);
        self.write(0, w.into_vec());
        match waiting {
            Some(i) => self.pair(local_id, i),
            None => self.outgoing.push((local_id, key)),
        }
        Some(local_id)
    }

    /// Pairs our channel with the peer's waiting open in slot `i` and delivers what was
    /// buffered for it.
    fn pair(&mut self, local_id: u64, i: usize) {
        let Some(remote) = self.remote[i].as_mut() else {
            return;
        };
        remote.local_id = Some(local_id);
        let handshake = std::mem::take(&mut remote.handshake);
        let pending = std::mem::take(&mut remote.pending);
        if let Some(Some(l)) = self.local.get_mut((local_id - 1) as usize) {
            l.remote_id = Some(i as u64 + 1);
        }
        self.events.push_back(Event::Opened {
            local_id,
            handshake,
        });
        for message in pending {
            self.buffered = self.buffered.saturating_sub(cost(&message));
            self.events.push_back(Event::Message { local_id, message });
        }
    }

    /// Sends `message` (`uint type ‖ payload`) on our channel `local_id`; ignored if it
    /// is not open.
    pub fn send(&mut self, local_id: u64, message: Vec<u8>) {
        if self.local_channel(local_id).is_some() {
            self.write(local_id, message);
        }
    }

    fn local_channel(&self, local_id: u64) -> Option<&Local> {
        let i = usize::try_from(local_id.checked_sub(1)?).ok()?;
        self.local.get(i)?.as_ref()
    }

    /// Closes our channel `local_id` (the peer answers nothing).
    pub fn close(&mut self, local_id: u64) {
        if self.local_channel(local_id).is_none() {
            return;
        }
        let mut w = Writer::new();
        w.uint(ControlType::CLOSE.0).uint(local_id);
        self.write(0, w.into_vec());
        self.close_local(local_id, false);
    }

    fn close_local(&mut self, local_id: u64, remote: bool) {
        let Some(l) = self.local[(local_id - 1) as usize].take() else {
            return;
        };
        if let Some(rid) = l.remote_id {
            self.remote[(rid - 1) as usize] = None;
            // The peer has seen this id: it may be reused.
            self.free.push(local_id);
        }
        // Otherwise the id stays taken until the peer's reject or late open arrives.
        self.events.push_back(Event::Closed { local_id, remote });
    }

    /// Refuses the peer's channel `remote_id` (from [`Event::RemoteOpen`]).
    pub fn reject(&mut self, remote_id: u64) {
        let Some(slot) = usize::try_from(remote_id.wrapping_sub(1))
            .ok()
            .and_then(|i| self.remote.get_mut(i))
        else {
            return;
        };
        if slot.as_ref().is_some_and(|r| r.local_id.is_none()) {
            if let Some(r) = slot.take() {
                let freed: usize = r.pending.iter().map(|m| cost(m)).sum();
                self.buffered = self.buffered.saturating_sub(freed);
            }
            let mut w = Writer::new();
            w.uint(ControlType::REJECT.0).uint(remote_id);
            self.write(0, w.into_vec());
        }
    }

    /// Holds output until the matching [`Mux::uncork`], then sends it as one batch.
    pub fn cork(&mut self) {
        self.corked += 1;
    }

    /// See [`Mux::cork`].
    pub fn uncork(&mut self) {
        self.corked = self.corked.saturating_sub(1);
        if self.corked == 0 {
            self.flush_batch();
        }
    }

    fn write(&mut self, channel: u64, body: Vec<u8>) {
        if self.corked == 0 {
            let mut w = Writer::with_capacity(body.len() + 4);
            w.uint(channel).bytes(&body);
            self.transmit.push_back(w.into_vec());
            return;
        }
        if self.batch_len >= MAX_BATCH {
            self.flush_batch();
        }
        self.batch_len += body.len() + 20;
        self.batch.push((channel, body));
    }

    fn flush_batch(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.batch_len = 0;
        let Some((first, _)) = batch.first() else {
            return;
        };
        let mut w = Writer::new();
        w.uint(0).uint(ControlType::BATCH.0).uint(*first);
        let mut current = *first;
        for (channel, body) in &batch {
            if *channel != current {
                w.uint(0).uint(*channel);
                current = *channel;
            }
            w.buffer(body);
        }
        self.transmit.push_back(w.into_vec());
    }

    /// The next frame to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.transmit.pop_front()
    }

    /// The next event, if any.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// Takes one received frame. An error means the peer broke the protocol: drop the
    /// connection.
    pub fn receive(&mut self, frame: &[u8]) -> Result<(), MuxError> {
        if frame.is_empty() {
            return Ok(());
        }
        let mut r = Reader::new(frame);
        let channel = r.uint()?;
        self.dispatch(channel, r.remaining())
    }

    fn dispatch(&mut self, channel: u64, body: &[u8]) -> Result<(), MuxError> {
        if channel == 0 {
            return self.control(body);
        }
        let slot = usize::try_from(channel - 1)
            .ok()
            .and_then(|i| self.remote.get_mut(i))
            .and_then(Option::as_mut);
        // A message for a closed or unknown channel may just be in flight: ignored.
        let Some(remote) = slot else {
            return Ok(());
        };
        match remote.local_id {
            Some(local_id) => self.events.push_back(Event::Message {
                local_id,
                message: body.to_vec(),
            }),
            None => {
                self.buffered += cost(body);
                remote.pending.push(body.to_vec());
                if self.buffered > MAX_BUFFERED {
                    return Err(MuxError::Backlog);
                }
            }
        }
        Ok(())
    }

    fn control(&mut self, body: &[u8]) -> Result<(), MuxError> {
        let mut r = Reader::new(body);
        match ControlType(r.uint()?) {
            ControlType::BATCH => self.batch_in(&mut r),
            ControlType::OPEN => self.remote_open(&mut r),
            ControlType::REJECT => {
                let local_id = r.uint()?;
                let Some(pos) = self.outgoing.iter().position(|(id, _)| *id == local_id) else {
                    return Err(MuxError::InvalidReject(local_id));
                };
                self.outgoing.remove(pos);
                self.free.push(local_id);
                if self.local_channel(local_id).is_some() {
                    self.close_local(local_id, true);
                }
                Ok(())
            }
            ControlType::CLOSE => {
                let remote_id = r.uint()?;
                let paired = usize::try_from(remote_id.wrapping_sub(1))
                    .ok()
                    .and_then(|i| self.remote.get(i))
                    .and_then(Option::as_ref)
                    .and_then(|r| r.local_id);
                if let Some(local_id) = paired {
                    self.close_local(local_id, true);
                }
                Ok(())
            }
            // Unknown control messages are ignored, as in Node.
            _ => Ok(()),
        }
    }

    fn batch_in(&mut self, r: &mut Reader<'_>) -> Result<(), MuxError> {
        let mut channel = r.uint()?;
        let several = {
            // Node corks its replies when a batch holds more than one entry.
            let mut probe = r.clone();
            let mut entries = 0;
            while !probe.is_empty() && entries < 2 {
                let len = probe.len()?;
                if len == 0 {
                    probe.uint()?;
                } else {
                    probe.bytes(len)?;
                    entries += 1;
                }
            }
            entries > 1
        };
        if several {
            self.cork();
        }
        let result = (|| {
            while !r.is_empty() {
                let len = r.len()?;
                if len == 0 {
                    channel = r.uint()?;
                    continue;
                }
                let entry = r.bytes(len)?;
                self.dispatch(channel, entry)?;
            }
            Ok(())
        })();
        if several {
            self.uncork();
        }
        result
    }

    fn remote_open(&mut self, r: &mut Reader<'_>) -> Result<(), MuxError> {
        let remote_id = r.uint()?;
        let protocol = r.string()?.to_string();
        let id = r.buffer()?.to_vec();
        let handshake = r.remaining().to_vec();
        if remote_id == 0 {
            // Node rejects an open of the control channel.
            let mut w = Writer::new();
            w.uint(ControlType::REJECT.0).uint(0);
            self.write(0, w.into_vec());
            return Ok(());
        }
        let i = usize::try_from(remote_id - 1).map_err(|_| MuxError::InvalidOpen(remote_id))?;
        if i == self.remote.len() {
            self.remote.push(None);
        }
        if i >= self.remote.len() || self.remote[i].is_some() {
            return Err(MuxError::InvalidOpen(remote_id));
        }
        let key = channel_key(&protocol, &id);
        // Our oldest unanswered open of this channel pairs with it.
        let ours = match self.outgoing.iter().position(|(_, k)| *k == key) {
            Some(pos) => {
                let (local_id, _) = self.outgoing.remove(pos);
                if self.local_channel(local_id).is_none() {
                    // We closed it before the peer answered: its id is free now.
                    self.free.push(local_id);
                    return Ok(());
                }
                Some(local_id)
            }
            None => None,
        };
        self.remote[i] = Some(Remote {
            key,
            local_id: None,
            handshake,
            pending: Vec::new(),
        });
        if let Some(local_id) = ours {
            self.pair(local_id, i);
            return Ok(());
        }
        self.events.push_back(Event::RemoteOpen {
            remote_id,
            protocol,
            id,
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
