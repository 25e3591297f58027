//! The Hyperswarm stack, layered bottom-up: [`codec`] (compact-encoding) → [`udx`]
//! (reliable streams and datagrams on one UDP socket) → [`rpc`] (dht-rpc: requests,
//! routing, NAT sampling) → [`hyperdht`] (records, announcements, handshake relaying).
//! Beside them, [`noise`] (the IK/XX handshake) and [`secretstream`] (the encrypted
//! stream over a UDX stream) make the encrypted channel between two peers;
//! [`protomux`] multiplexes channels over it and [`discovery`] meets peers by topic.
//!
//! Nothing here prints, parses command lines or knows about HTTP: commands build on it.

pub mod bootstrap;
pub mod codec;
pub mod crypto;
pub mod discovery;
pub mod hyperdht;
pub mod node;
pub mod noise;
pub mod protomux;
pub mod rpc;
pub mod secretstream;
pub mod udx;

/// Locks a mutex, carrying on if a panicking thread poisoned it: the data behind every
/// lock in this stack is plain state that stays consistent between statements.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
