//! A dht-rpc node: its sockets, routing table, NAT view and the internal commands it
//! answers (PING, PING_NAT, FIND_NODE, DOWN_HINT, DELAYED_PING), with application
//! commands handed to a [`RequestHandler`] (HyperDHT).
//!
//! Background work (receive loops, the 750 ms drain tick, the 5 s maintenance tick)
//! runs in tasks that hold only a weak reference, so dropping the last [`DhtNode`]
//! handle stops the node.

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use tokio::task::AbortHandle;

use super::io::{Io, Outgoing, Reply, RequestError, DRAIN_INTERVAL};
use super::maintenance::Bucket;
use super::messages::{errors, internal, node_id, Message};
use super::nat::NatSampler;
use super::request::{IncomingRequest, RequestHandler};
use super::socket::RpcSocket;
use super::table::{Added, NodeEntry, RoutingTable};
use crate::swarm::crypto::Key32;
use crate::swarm::lock;
use crate::swarm::udx::Udx;

/// Maintenance tick.
pub const TICK_INTERVAL: Duration = Duration::from_secs(5);
/// Ticks between refresh queries when the table is healthy (~5 min).
pub(super) const REFRESH_TICKS: u64 = 60;
/// Ticks after which a node counts as "old" (~30 min).
pub(super) const OLD_NODE: u64 = 360;
/// Ticks within which a node counts as "recent" (~1 min).
pub(super) const RECENT_NODE: u64 = 12;
/// Concurrent DOWN_HINT/full-row checks.
pub(super) const MAX_CHECKS: usize = 10;
/// DOWN_HINTs we send per maintenance tick, at most.
pub(super) const DOWN_HINTS_PER_TICK: u32 = 50;

/// Inbound abuse limits. Named and configurable; the defaults leave loopback alone so
/// local test networks (where every peer is 127.0.0.1) never trip them.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Requests per second accepted from one source IP (a token bucket).
    pub requests_per_ip_per_sec: u32,
    /// Burst allowance above the steady rate.
    pub request_burst: u32,
    /// Apply the limits to loopback sources too.
    pub limit_loopback: bool,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            requests_per_ip_per_sec: 500,
            request_burst: 1000,
            limit_loopback: false,
        }
    }
}

/// How to start a node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Address to bind (both sockets use this host).
    pub host: Ipv4Addr,
    /// Server socket port (0: any).
    pub port: u16,
    /// Nodes to bootstrap from (empty: start a new network).
    pub bootstrap: Vec<SocketAddrV4>,
    /// Serve others from the start with a stable id (a `spork dht` node). Otherwise the
    /// node is ephemeral: it sends no id and is added to no one's table.
    pub persistent: bool,
    /// Inbound abuse limits.
    pub limits: RateLimits,
}

/// A handle to a running node. Cheap to clone; the node stops when the last handle is
/// dropped or [`DhtNode::close`] is called.
#[derive(Clone)]
pub struct DhtNode {
    inner: Arc<Inner>,
}

pub(super) struct Inner {
    io: Io,
    udx: Udx,
    server: RpcSocket,
    client: RpcSocket,
    state: Mutex<State>,
    handler: OnceLock<Arc<dyn RequestHandler>>,
    bootstrap: Vec<SocketAddrV4>,
    limits: RateLimits,
    tasks: Mutex<Vec<AbortHandle>>,
}

pub(super) struct State {
    pub(super) table: RoutingTable,
    pub(super) nat: NatSampler,
    pub(super) persistent: bool,
    pub(super) firewalled: bool,
    pub(super) tick: u64,
    pub(super) refresh_ticks: u64,
    pub(super) checks: usize,
    /// Responders without a (valid) id whose view of us was sampled (bootstrap nodes).
    pub(super) idless_samples: Vec<SocketAddrV4>,
    pub(super) buckets: HashMap<Ipv4Addr, Bucket>,
    /// True once the table id is the one our public address implies.
    pub(super) addressed: bool,
    /// DOWN_HINTs sent this tick.
    pub(super) down_hints_sent: u32,
    /// How requesters address us (their `to` field): lets a persistent node bound to
    /// 0.0.0.0 learn its address even as the first node of a network.
    pub(super) seen_as: NatSampler,
}

impl State {
    /// Adopts the id of our public address once `sampler` agrees on it (and on our
    /// own port: a persistent node must be reachable unmapped).
    fn adopt_id_from(&mut self, which: Sampler, server_port: u16) {
        if self.addressed || !self.persistent {
            return;
        }
        let sampler = match which {
            Sampler::Responses => &self.nat,
            Sampler::Requests => &self.seen_as,
        };
        if sampler.size() < 3 && which == Sampler::Requests {
            return;
        }
        if let (Some(host), port) = (sampler.host, sampler.port) {
            if port == server_port {
                self.table.rebuild(node_id(SocketAddrV4::new(host, port)));
                self.addressed = true;
            }
        }
    }
}

/// Which NAT view to learn our address from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sampler {
    /// What responders saw.
    Responses,
    /// What requesters sent to.
    Requests,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
        self.server.close();
        self.client.close();
    }
}

impl DhtNode {
    /// Binds the node's sockets and starts its background tasks. Does not bootstrap:
    /// call [`DhtNode::bootstrap`].
    pub async fn bind(config: NodeConfig) -> io::Result<DhtNode> {
        let udx = Udx::new();
        let server = RpcSocket::bind(
            &udx,
            SocketAddr::V4(SocketAddrV4::new(config.host, config.port)),
        )
        .await?;
        let client =
            RpcSocket::bind(&udx, SocketAddr::V4(SocketAddrV4::new(config.host, 0))).await?;
        let (table_id, addressed) = match server.local_addr() {
            SocketAddr::V4(a) if config.persistent && !a.ip().is_unspecified() => {
                (node_id(a), true)
            }
            _ => (rand::random(), false),
        };
        let inner = Arc::new(Inner {
            io: Io::new(),
            udx,
            server,
            client,
            state: Mutex::new(State {
                table: RoutingTable::new(table_id),
                nat: NatSampler::new(),
                persistent: config.persistent,
                firewalled: !config.persistent,
                tick: rand::random::<u8>() as u64,
                refresh_ticks: REFRESH_TICKS,
                checks: 0,
                idless_samples: Vec::new(),
                buckets: HashMap::new(),
                addressed,
                down_hints_sent: 0,
                seen_as: NatSampler::new(),
            }),
            handler: OnceLock::new(),
            bootstrap: config.bootstrap,
            limits: config.limits,
            tasks: Mutex::new(Vec::new()),
        });
        let node = DhtNode { inner };
        node.spawn_tasks();
        Ok(node)
    }

    fn spawn_tasks(&self) {
        let mut tasks = Vec::new();
        for socket in [self.inner.server.clone(), self.inner.client.clone()] {
            let weak = Arc::downgrade(&self.inner);
            tasks.push(tokio::spawn(recv_loop(weak, socket)).abort_handle());
        }
        let weak = Arc::downgrade(&self.inner);
        tasks.push(
            tokio::spawn(async move {
                let mut every = tokio::time::interval(DRAIN_INTERVAL);
                loop {
                    every.tick().await;
                    let Some(inner) = weak.upgrade() else { return };
                    inner.io.drain_tick();
                }
            })
            .abort_handle(),
        );
        let weak = Arc::downgrade(&self.inner);
        tasks.push(
            tokio::spawn(async move {
                let mut every = tokio::time::interval(TICK_INTERVAL);
                every.tick().await;
                loop {
                    every.tick().await;
                    let Some(inner) = weak.upgrade() else { return };
                    DhtNode { inner }.maintenance_tick().await;
                }
            })
            .abort_handle(),
        );
        lock(&self.inner.tasks).extend(tasks);
    }

    /// A weak handle (for tasks that must not keep the node alive).
    pub(super) fn weak(&self) -> Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    /// The node behind a handle from [`DhtNode::weak`].
    pub(super) fn from_inner(inner: Arc<Inner>) -> DhtNode {
        DhtNode { inner }
    }

    /// The transaction layer.
    pub(super) fn io(&self) -> &Io {
        &self.inner.io
    }

    /// The node's mutable state (locked).
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    /// The inbound limits.
    pub(super) fn limits(&self) -> &RateLimits {
        &self.inner.limits
    }

    /// The application handler, if installed.
    pub(super) fn handler(&self) -> Option<&Arc<dyn RequestHandler>> {
        self.inner.handler.get()
    }

    /// True if `socket` is our server socket.
    pub(super) fn is_server_socket(&self, socket: &RpcSocket) -> bool {
        socket.same(&self.inner.server)
    }

    /// The round-trip token we hand `host` now.
    pub(super) fn token_for(&self, host: Ipv4Addr) -> Key32 {
        self.inner.io.token(host)
    }

    /// Installs the handler for application commands (once).
    pub fn set_handler(&self, handler: Arc<dyn RequestHandler>) {
        let _ = self.inner.handler.set(handler);
    }

    /// Stops the background tasks, fails requests in flight and closes the sockets.
    pub fn close(&self) {
        for t in lock(&self.inner.tasks).drain(..) {
            t.abort();
        }
        self.inner.io.destroy_all();
        self.inner.server.close();
        self.inner.client.close();
    }

    /// The UDX instance the node's sockets belong to: connections create their streams
    /// here so that they share the node's sockets.
    pub fn udx(&self) -> &Udx {
        &self.inner.udx
    }

    /// The server socket (the one others reach once we are not firewalled).
    pub fn server_socket(&self) -> &crate::swarm::udx::Socket {
        self.inner.server.udx_socket()
    }

    /// The server socket's bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.server.local_addr()
    }

    /// The routing-table id.
    pub fn id(&self) -> Key32 {
        *lock(&self.inner.state).table.id()
    }

    /// True when the node serves others under a stable id.
    pub fn is_persistent(&self) -> bool {
        lock(&self.inner.state).persistent
    }

    /// Our public address as the network reports it, once samples agree.
    pub fn public_addr(&self) -> Option<SocketAddrV4> {
        let st = lock(&self.inner.state);
        st.nat.host.map(|h| SocketAddrV4::new(h, st.nat.port))
    }

    /// Nodes in the routing table.
    pub fn table_len(&self) -> usize {
        lock(&self.inner.state).table.len()
    }

    /// Addresses of the table's nodes closest to `target`.
    pub fn closest(&self, target: &Key32, k: usize) -> Vec<SocketAddrV4> {
        self.inner.closest_addrs(target, k)
    }

    /// The configured bootstrap nodes.
    pub fn bootstrap_nodes(&self) -> &[SocketAddrV4] {
        &self.inner.bootstrap
    }

    /// The id a persistent node answers with when reached at `to`.
    pub(super) fn reply_id(&self, to: SocketAddrV4) -> Option<Key32> {
        self.is_persistent().then(|| node_id(to))
    }

    /// The id our requests carry from `socket`: only a persistent node's server socket.
    pub(super) fn request_id(&self, socket: &RpcSocket) -> Option<Key32> {
        (self.is_persistent() && socket.same(&self.inner.server)).then(|| self.id())
    }

    /// The socket requests go out on: the client socket while firewalled.
    fn request_socket(&self) -> RpcSocket {
        if lock(&self.inner.state).firewalled {
            self.inner.client.clone()
        } else {
            self.inner.server.clone()
        }
    }

    /// Sends one request and waits for the answer; learns from the reply (routing table,
    /// NAT samples) and forgets a known node that timed out.
    pub async fn request(&self, to: SocketAddrV4, out: Outgoing) -> Result<Reply, RequestError> {
        let socket = self.request_socket();
        let id = self.request_id(&socket);
        let result = self.inner.io.request(&socket, to, id, out).await;
        if let Err(RequestError::Timeout) = result {
            lock(&self.inner.state).table.remove(&node_id(to));
        }
        result
    }

    /// PING `to`.
    pub async fn ping(&self, to: SocketAddrV4) -> Result<Reply, RequestError> {
        self.request(
            to,
            Outgoing {
                command: internal::PING,
                internal: true,
                ..Outgoing::default()
            },
        )
        .await
    }

    /// Joins the network: a FIND_NODE query for our own id, seeded from the bootstrap
    /// nodes, which fills the routing table. Returns the number of nodes known after.
    pub async fn bootstrap(&self) -> usize {
        if self.inner.bootstrap.is_empty() {
            return self.table_len();
        }
        let first = super::query::find_node(self, self.id()).await;
        let port = self.server_port();
        lock(&self.inner.state).adopt_id_from(Sampler::Responses, port);
        // A firewalled node checks whether its server socket is reachable after all;
        // if so its id changed, and a second walk fills the table around the new one.
        if self.is_firewalled() && super::firewall::update_network_state(self, &first).await {
            super::query::find_node(self, self.id()).await;
        }
        self.table_len()
    }

    /// True while the node believes its server socket cannot be reached from outside.
    pub fn is_firewalled(&self) -> bool {
        lock(&self.inner.state).firewalled
    }

    /// The server socket's port.
    pub(super) fn server_port(&self) -> u16 {
        self.inner.server.local_addr().port()
    }

    /// Our public address as sampled so far (port 0: unknown or randomised).
    pub(super) fn sampled_addr(&self) -> (Option<Ipv4Addr>, u16) {
        let st = lock(&self.inner.state);
        (st.nat.host, st.nat.port)
    }

    /// The most recently heard-from table nodes, newest first.
    pub(crate) fn recent_nodes(&self, n: usize) -> Vec<SocketAddrV4> {
        let st = lock(&self.inner.state);
        let mut nodes: Vec<&NodeEntry> = st.table.nodes().collect();
        nodes.sort_by_key(|e| std::cmp::Reverse(e.seen));
        nodes.into_iter().take(n).map(|e| e.addr).collect()
    }

    /// Marks the server socket reachable at `public`: requests move to it and the
    /// table is rebuilt around the id that address implies.
    /// `probe` (the samples the reachability check took) becomes our NAT view.
    pub(super) fn set_reachable(&self, public: SocketAddrV4, probe: NatSampler) {
        let mut st = lock(&self.inner.state);
        st.firewalled = false;
        st.nat = probe;
        st.idless_samples.clear();
        st.table.rebuild(node_id(public));
    }

    /// Learns from a message that carried a valid id (or samples NAT from one without).
    ///
    /// `sample` is false for messages that arrived on the socket we did not send from:
    /// their view of us is of the other socket.
    fn add_from_network(
        &self,
        from: SocketAddrV4,
        from_id: Option<Key32>,
        to: SocketAddrV4,
        sample: bool,
    ) {
        let mut st = lock(&self.inner.state);
        let tick = st.tick;
        let Some(id) = from_id else {
            let max = self.inner.bootstrap.len().max(1);
            if sample && st.idless_samples.len() < max && !st.idless_samples.contains(&from) {
                st.idless_samples.push(from);
                st.nat.add(*to.ip(), to.port());
            }
            return;
        };
        if let Some(n) = st.table.get_mut(&id) {
            n.seen = tick;
            n.pinged = tick;
            n.down_hints = 0;
            return;
        }
        let entry = NodeEntry {
            id,
            addr: from,
            added: tick,
            pinged: tick,
            seen: tick,
            down_hints: 0,
        };
        match st.table.add(entry) {
            Added::Yes if sample => {
                st.nat.add(*to.ip(), to.port());
            }
            Added::Yes => {}
            Added::RowFull(oldest) => {
                // Re-check the row's stalest node unless it is both recent and long-lived.
                let fresh = tick - oldest.pinged < RECENT_NODE && tick - oldest.added > OLD_NODE;
                drop(st);
                if !fresh {
                    self.check(oldest);
                }
            }
            Added::IsSelf => {}
        }
    }

    /// Learns from a request's `to` how others address us (persistent nodes that do
    /// not know their address yet).
    fn note_addressed_as(&self, to: SocketAddrV4) {
        let port = self.server_port();
        let mut st = lock(&self.inner.state);
        if st.addressed || !st.persistent || to.port() != port {
            return;
        }
        st.seen_as.add(*to.ip(), to.port());
        st.adopt_id_from(Sampler::Requests, port);
    }

    pub(super) fn on_datagram(&self, socket: &RpcSocket, buf: &[u8], from: SocketAddr) {
        let SocketAddr::V4(from) = from else { return };
        if buf.len() < 2 || from.port() == 0 {
            return;
        }
        let Ok(msg) = Message::decode(buf) else {
            return;
        };
        let expected = self.request_socket();
        let external = !socket.same(&expected);
        match msg {
            Message::Response(response) => {
                let from_id = response.id.filter(|id| *id == node_id(from));
                let to = response.to;
                let reply = Reply {
                    from,
                    from_id,
                    external,
                    response,
                };
                if self.inner.io.deliver(reply) {
                    self.add_from_network(from, from_id, to, !external);
                }
            }
            Message::Request(req) => {
                if !self.admit(*from.ip()) {
                    tracing::debug!(%from, "request over rate limit dropped");
                    return;
                }
                let from_id = req.id.filter(|id| *id == node_id(from));
                tracing::trace!(
                    %from,
                    command = req.command,
                    internal = req.internal,
                    tid = req.tid,
                    token = req.token.is_some(),
                    "request"
                );
                let incoming = IncomingRequest {
                    node: self.clone(),
                    socket: socket.clone(),
                    from,
                    from_id,
                    req,
                };
                if let Some(token) = &incoming.req.token {
                    if !self.inner.io.token_is_valid(*from.ip(), token) {
                        incoming.send_reply(errors::INVALID_TOKEN, None, true, true, from);
                        return;
                    }
                }
                if from_id.is_some() {
                    self.add_from_network(from, from_id, incoming.req.to, !external);
                }
                self.note_addressed_as(incoming.req.to);
                self.on_request(incoming);
            }
        }
    }
}

impl Inner {
    fn closest_addrs(&self, target: &Key32, k: usize) -> Vec<SocketAddrV4> {
        lock(&self.state)
            .table
            .closest(target, k)
            .into_iter()
            .map(|n| n.addr)
            .collect()
    }
}

async fn recv_loop(weak: Weak<Inner>, socket: RpcSocket) {
    loop {
        let (buf, from) = match socket.recv().await {
            Ok(x) => x,
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return,
            Err(e) => {
                tracing::trace!(error = %e, "recv error");
                continue;
            }
        };
        let Some(inner) = weak.upgrade() else { return };
        DhtNode { inner }.on_datagram(&socket, &buf, from);
    }
}
