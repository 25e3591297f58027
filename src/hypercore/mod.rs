//! Hypercore: the signed append-only log the home cloud's data lives on, byte- and
//! wire-compatible with npm `hypercore@11` (`reference/wire/hypercore.md`).
//!
//! Built bottom-up like the transport: [`flat`] indexes the merkle tree, [`tree`] hashes
//! its nodes and roots, [`caps`] holds the namespaces every hash is scoped by, and
//! [`manifest`] turns a tree into a signature Node accepts and back, [`proof`] builds
//! what a reader asks for and [`verify`] checks it. Storage and replication come next (see `ARCHITECTURE.md`).
//!
//! This floor sits on `swarm` (compact-encoding, BLAKE2b) and `keys`; it knows nothing
//! of ADB, the host or the terminal, and never panics on bytes from the network.

pub mod caps;
pub mod flat;
pub mod id;
pub mod manifest;
pub mod messages;
pub mod proof;
pub mod replicate;
pub mod seed;
pub mod session;
pub mod storage;
#[cfg(test)]
pub(crate) mod test_vectors;
pub mod tree;
pub mod verify;
