//! spork: a peer-to-peer toolkit on the Hyperswarm network.
//!
//! The library is layered bottom-up, and an arrow only points down:
//! - [`swarm`]: the Hyperswarm stack we speak on the wire (compact-encoding, UDX,
//!   dht-rpc, HyperDHT), wire-compatible with the Node packages;
//! - [`keys`]: Ed25519 keypairs, the text forms of public keys, keyfiles;
//! - [`hypercore`]: the signed append-only log, compatible with Node's hypercore@11:
//!   tree, proofs, storage, replication, the seeder;
//! - [`files`]: owner-only files created atomically (keyfiles, the host's secrets);
//! - [`memory`]: giving freed heap back to the system (glibc keeps it);
//! - [`tunnel`]: piping a p2p connection to and from a TCP socket;
//! - [`beam`]: hyperbeam's passphrase pairing;
//! - [`gateway`]: HTTP over p2p (the gateway, the static file server);
//! - [`host`]: the home cloud, assembled from the floors below (growing; today the
//!   service manifest);
//! - [`cli`]: the command line as clap sees it (the binary parses with it);
//! - [`commands`]: one thin module per subcommand, turning flags into library calls and
//!   events into output (only this layer prints);
//! - [`ui`]: the shared output conventions (JSON events, error lines).
//!
//! The `spork` binary only parses arguments and dispatches into [`commands`].

pub mod adb;
pub mod beam;
pub mod cli;
pub mod commands;
pub mod device;
pub mod files;
pub mod gateway;
pub mod host;
pub mod hypercore;
pub mod keys;
pub mod memory;
pub mod swarm;
pub mod tunnel;
pub mod ui;
