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
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

use super::io::{lock, Io, Outgoing, Reply, RequestError, DRAIN_INTERVAL};
use super::messages::{errors, internal, node_id, Message, Request, Response};
use super::nat::NatSampler;
use super::socket::{RpcSocket, MAX_DATAGRAM};
use super::table::{Added, NodeEntry, RoutingTable, K};
use crate::swarm::crypto::{hash, Key32};

/// Maintenance tick.
pub const TICK_INTERVAL: Duration = Duration::from_secs(5);
/// Ticks between refresh queries when the table is healthy (~5 min).
const REFRESH_TICKS: u64 = 60;
/// Ticks after which a node counts as "old" (~30 min).
const OLD_NODE: u64 = 360;
/// Ticks within which a node counts as "recent" (~1 min).
const RECENT_NODE: u64 = 12;
/// Longest DELAYED_PING delay we honour.
const MAX_PING_DELAY_MS: u32 = 10_000;
/// Concurrent DOWN_HINT/full-row checks.
const MAX_CHECKS: usize = 10;
/// DOWN_HINTs we send per maintenance tick, at most.
const DOWN_HINTS_PER_TICK: u32 = 50;

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

/// Application requests (the non-internal command space) go here.
pub trait RequestHandler: Send + Sync + 'static {
    /// Handles one request, or hands it back if the command is not handled here (the
    /// node then replies UNKNOWN_COMMAND).
    fn on_request(&self, req: IncomingRequest) -> Result<(), Box<IncomingRequest>>;
}

/// A request received from the network, with the means to answer it.
pub struct IncomingRequest {
    node: DhtNode,
    socket: RpcSocket,
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
        let bytes = Request {
            tid: self.req.tid,
            to,
            id: self.node.request_id(&self.socket),
            token: None,
            internal: self.req.internal,
            command: self.req.command,
            target: self.req.target,
            value,
        }
        .encode();
        self.socket.try_send(&bytes, SocketAddr::V4(to));
    }

    fn send_reply(
        &self,
        error: u64,
        value: Option<Vec<u8>>,
        token: bool,
        closer_nodes: bool,
        to: SocketAddrV4,
    ) {
        let inner = &self.node.inner;
        let closer = match (&self.req.target, closer_nodes) {
            (Some(target), true) => inner.closest_addrs(target, K),
            _ => Vec::new(),
        };
        let id = if self.socket.same(&inner.server) {
            self.our_id()
        } else {
            None
        };
        let res = Response {
            tid: self.req.tid,
            to,
            id,
            token: token.then(|| inner.io.token(*to.ip())),
            closer_nodes: closer,
            error,
            value,
        };
        self.socket.try_send(&res.encode(), SocketAddr::V4(to));
    }
}

/// A handle to a running node. Cheap to clone; the node stops when the last handle is
/// dropped or [`DhtNode::close`] is called.
#[derive(Clone)]
pub struct DhtNode {
    inner: Arc<Inner>,
}

struct Inner {
    io: Io,
    server: RpcSocket,
    client: RpcSocket,
    state: Mutex<State>,
    handler: OnceLock<Arc<dyn RequestHandler>>,
    bootstrap: Vec<SocketAddrV4>,
    limits: RateLimits,
    tasks: Mutex<Vec<AbortHandle>>,
}

struct State {
    table: RoutingTable,
    nat: NatSampler,
    persistent: bool,
    firewalled: bool,
    tick: u64,
    refresh_ticks: u64,
    checks: usize,
    /// Responders without a (valid) id whose view of us was sampled (bootstrap nodes).
    idless_samples: Vec<SocketAddrV4>,
    buckets: HashMap<Ipv4Addr, Bucket>,
    /// True once the table id is the one our public address implies.
    addressed: bool,
    /// DOWN_HINTs sent this tick.
    down_hints_sent: u32,
    /// How requesters address us (their `to` field): lets a persistent node bound to
    /// 0.0.0.0 learn its address even as the first node of a network.
    seen_as: NatSampler,
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

/// A token bucket for one source IP.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for t in lock(&self.tasks).drain(..) {
            t.abort();
        }
    }
}

impl DhtNode {
    /// Binds the node's sockets and starts its background tasks. Does not bootstrap:
    /// call [`DhtNode::bootstrap`].
    pub async fn bind(config: NodeConfig) -> io::Result<DhtNode> {
        let server =
            RpcSocket::bind(SocketAddr::V4(SocketAddrV4::new(config.host, config.port))).await?;
        let client = RpcSocket::bind(SocketAddr::V4(SocketAddrV4::new(config.host, 0))).await?;
        let (table_id, addressed) = match server.local_addr() {
            SocketAddr::V4(a) if config.persistent && !a.ip().is_unspecified() => {
                (node_id(a), true)
            }
            _ => (rand::random(), false),
        };
        let inner = Arc::new(Inner {
            io: Io::new(),
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

    /// Installs the handler for application commands (once).
    pub fn set_handler(&self, handler: Arc<dyn RequestHandler>) {
        let _ = self.inner.handler.set(handler);
    }

    /// Stops the background tasks and fails requests in flight.
    pub fn close(&self) {
        for t in lock(&self.inner.tasks).drain(..) {
            t.abort();
        }
        self.inner.io.destroy_all();
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
    fn reply_id(&self, to: SocketAddrV4) -> Option<Key32> {
        self.is_persistent().then(|| node_id(to))
    }

    /// The id our requests carry from `socket`: only a persistent node's server socket.
    fn request_id(&self, socket: &RpcSocket) -> Option<Key32> {
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
    pub(super) fn recent_nodes(&self, n: usize) -> Vec<SocketAddrV4> {
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

    /// One maintenance tick: refresh the table now and then, ping stale nodes.
    async fn maintenance_tick(&self) {
        let (refresh, ping) = {
            let mut st = lock(&self.inner.state);
            st.tick += 1;
            st.down_hints_sent = 0;
            st.buckets
                .retain(|_, b| b.last.elapsed() < Duration::from_secs(10));
            st.refresh_ticks = st.refresh_ticks.saturating_sub(1);
            let refresh = st.refresh_ticks == 0 || (st.table.is_empty() && st.tick % 8 == 0);
            if refresh {
                st.refresh_ticks = if st.table.len() < K {
                    64
                } else {
                    REFRESH_TICKS
                };
            }
            let ping = if st.tick % 8 == 0 {
                let mut nodes: Vec<_> = st.table.nodes().cloned().collect();
                nodes.sort_by_key(|n| n.seen);
                let recent = nodes
                    .first()
                    .is_some_and(|n| st.tick - n.pinged < RECENT_NODE);
                nodes.truncate(if recent { 2 } else { 5 });
                nodes
            } else {
                Vec::new()
            };
            (refresh, ping)
        };
        for node in ping {
            self.check(node);
        }
        if refresh {
            let target = {
                let st = lock(&self.inner.state);
                st.table.random().map_or(*st.table.id(), |n| n.id)
            };
            let node = self.clone();
            tokio::spawn(async move { super::query::find_node(&node, target).await });
        }
    }

    /// Tells `referrer` that `down`, a node it pointed us to, did not answer (sent in
    /// the background, at most [`DOWN_HINTS_PER_TICK`] a tick).
    pub fn down_hint(&self, referrer: SocketAddrV4, down: SocketAddrV4) {
        {
            let mut st = lock(&self.inner.state);
            if st.down_hints_sent >= DOWN_HINTS_PER_TICK {
                return;
            }
            st.down_hints_sent += 1;
        }
        let node = self.clone();
        let out = Outgoing {
            command: internal::DOWN_HINT,
            internal: true,
            value: Some(crate::swarm::codec::ipv4_address_bytes(down).to_vec()),
            retries: Some(3),
            ..Outgoing::default()
        };
        tokio::spawn(async move {
            let _ = node.request(referrer, out).await;
        });
    }

    /// Pings a table node; removes it if it does not answer.
    fn check(&self, node: NodeEntry) {
        {
            let mut st = lock(&self.inner.state);
            if st.checks >= MAX_CHECKS {
                return;
            }
            st.checks += 1;
            let tick = st.tick;
            if let Some(n) = st.table.get_mut(&node.id) {
                n.pinged = tick;
            }
        }
        let this = self.clone();
        tokio::spawn(async move {
            let ok = this.ping(node.addr).await.is_ok();
            let mut st = lock(&this.inner.state);
            st.checks -= 1;
            if !ok {
                st.table.remove(&node.id);
            }
        });
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

    /// True if a request from `ip` is within its rate limit (and spends one token).
    fn admit(&self, ip: Ipv4Addr) -> bool {
        let limits = &self.inner.limits;
        if ip.is_loopback() && !limits.limit_loopback {
            return true;
        }
        let mut st = lock(&self.inner.state);
        let now = Instant::now();
        let b = st.buckets.entry(ip).or_insert(Bucket {
            tokens: f64::from(limits.request_burst),
            last: now,
        });
        let refill =
            now.duration_since(b.last).as_secs_f64() * f64::from(limits.requests_per_ip_per_sec);
        b.tokens = (b.tokens + refill).min(f64::from(limits.request_burst));
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    fn on_datagram(&self, socket: &RpcSocket, buf: &[u8], from: SocketAddr) {
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

    fn on_request(&self, r: IncomingRequest) {
        if !r.req.internal {
            let unhandled = match self.inner.handler.get() {
                Some(h) => h.on_request(r).err(),
                None => Some(Box::new(r)),
            };
            if let Some(r) = unhandled {
                r.error(errors::UNKNOWN_COMMAND);
            }
            return;
        }
        match r.req.command {
            internal::PING => r.reply(None, false, false),
            internal::PING_NAT => {
                let port = match r.req.value.as_deref() {
                    Some([lo, hi, ..]) => u16::from_le_bytes([*lo, *hi]),
                    _ => return,
                };
                if port == 0 {
                    return;
                }
                let to = SocketAddrV4::new(*r.from.ip(), port);
                r.send_reply(0, None, false, false, to);
            }
            internal::FIND_NODE => {
                if r.req.target.is_some() {
                    r.reply(None, false, true);
                }
            }
            internal::DOWN_HINT => {
                let Some(v) = r.req.value.as_deref().filter(|v| v.len() >= 6) else {
                    return;
                };
                let id = hash(&[&v[..6]]);
                let suspect = {
                    let mut st = lock(&self.inner.state);
                    let tick = st.tick;
                    match st.table.get_mut(&id) {
                        Some(n) if n.pinged < tick || n.down_hints == 0 => {
                            n.down_hints += 1;
                            Some(n.clone())
                        }
                        _ => None,
                    }
                };
                if let Some(node) = suspect {
                    self.check(node);
                }
                r.reply(None, false, false);
            }
            internal::DELAYED_PING => {
                let delay = match r.req.value.as_deref() {
                    Some([a, b, c, d, ..]) => u32::from_le_bytes([*a, *b, *c, *d]),
                    _ => return,
                };
                if delay > MAX_PING_DELAY_MS {
                    return;
                }
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(u64::from(delay))).await;
                    r.reply(None, false, false);
                });
            }
            _ => r.error(errors::UNKNOWN_COMMAND),
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
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                // ICMP errors surface here on some systems; they are not fatal.
                tracing::trace!(error = %e, "recv error");
                continue;
            }
        };
        let Some(inner) = weak.upgrade() else { return };
        DhtNode { inner }.on_datagram(&socket, &buf[..n], from);
    }
}
