//! dht-rpc: the Kademlia-style UDP request/response layer under HyperDHT
//! (wire-compatible with npm `dht-rpc@6.27.0`).
//!
//! - [`messages`]: the request and response datagrams and the node-id rule;
//! - [`io`]: transactions (tids, retries, timeouts), tokens, the request window;
//! - [`table`]: the k-bucket routing table;
//! - [`nat`]: learning our public address from what others see;
//! - [`firewall`]: finding out whether others can reach our server socket;
//! - [`query`]: the iterative walk toward a target;
//! - [`node`]: the node tying them together; [`request`] and [`internal`] answer
//!   requests, [`maintenance`] keeps the table healthy;
//! - [`pool`]: extra sockets for holepunching (probes, NAT sampling per socket).
//!
//! It knows nothing of HyperDHT's commands: those arrive through [`RequestHandler`].

pub mod firewall;
pub mod internal;
pub mod io;
pub mod maintenance;
pub mod messages;
pub mod nat;
pub mod node;
pub mod pool;
pub mod query;
pub mod request;
pub mod socket;
pub mod table;

pub use io::{Outgoing, Reply, RequestError};
pub use node::{DhtNode, NodeConfig, RateLimits};
pub use pool::PoolSocket;
pub use request::{IncomingRequest, RequestHandler};
