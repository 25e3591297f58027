//! The host's place on the DHT, joined on first need: a host that seeds nothing never
//! touches the network. Once joined, the node is shared by whatever needs it (the
//! seeder now; remote access next).
//!
//! Nothing prints: a join that has to go on in the background is told through
//! [`HostEvent::Dht`].

use tokio::sync::OnceCell;

use super::{HostEvent, HostEvents};
use crate::swarm::bootstrap::{self, BootstrapError, BootstrapNode};
use crate::swarm::node::{JoinError, Node};

/// Where the host's node joins.
#[derive(Debug, Clone)]
pub struct DhtOptions {
    /// The bootstrap list, parsed (resolved when the node is first needed).
    pub bootstrap: Vec<BootstrapNode>,
    /// The UDP port (0: any).
    pub port: u16,
}

/// Why the host could not join the DHT.
#[derive(Debug, thiserror::Error)]
pub enum DhtError {
    /// A bootstrap name did not resolve.
    #[error(transparent)]
    Bootstrap(#[from] BootstrapError),
    /// The UDP socket could not be bound.
    #[error(transparent)]
    Join(#[from] JoinError),
}

/// The host's DHT node, made when first asked for.
pub struct Dht {
    options: DhtOptions,
    events: HostEvents,
    node: OnceCell<Node>,
}

impl Dht {
    /// A node to be joined through `options`, reporting to `events`.
    pub fn new(options: DhtOptions, events: HostEvents) -> Dht {
        Dht {
            options,
            events,
            node: OnceCell::new(),
        }
    }

    /// The node, joined now if it was not yet (going on in the background when no
    /// bootstrap node answers).
    pub async fn node(&self) -> Result<Node, DhtError> {
        let node = self
            .node
            .get_or_try_init(|| async {
                let nodes = bootstrap::resolve(&self.options.bootstrap).await?;
                let events = self.events.clone();
                let node = Node::join_in_background(nodes, self.options.port, move |ev| {
                    events(HostEvent::Dht(ev))
                })
                .await?;
                Ok::<_, DhtError>(node)
            })
            .await?;
        Ok(node.clone())
    }
}
