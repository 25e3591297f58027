//! The Hyperswarm stack, layered bottom-up: [`codec`] (compact-encoding) → [`udx`]
//! (reliable streams and datagrams on one UDP socket) → [`rpc`] (dht-rpc: requests,
//! routing, NAT sampling) → [`hyperdht`] (records, announcements, handshake relaying).
//!
//! Nothing here prints, parses command lines or knows about HTTP: commands build on it.

pub mod codec;
pub mod crypto;
pub mod hyperdht;
pub mod rpc;
pub mod udx;
