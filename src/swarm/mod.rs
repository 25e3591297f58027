//! The Hyperswarm stack, layered bottom-up: [`codec`] (compact-encoding) → [`udx`]
//! (reliable streams and datagrams on one UDP socket) → [`rpc`] (dht-rpc: requests,
//! routing, NAT sampling) → [`hyperdht`] (records, announcements, handshake relaying).
//! Beside them, [`noise`] (the IK/XX handshake) and [`secretstream`] (the encrypted
//! stream over a UDX stream) make the encrypted channel between two peers.
//!
//! Nothing here prints, parses command lines or knows about HTTP: commands build on it.

pub mod codec;
pub mod crypto;
pub mod hyperdht;
pub mod node;
pub mod noise;
pub mod rpc;
pub mod secretstream;
pub mod udx;
