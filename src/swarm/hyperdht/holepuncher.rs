//! Punching a hole through two NATs (hyperdht `lib/holepuncher.js`): each side gets a
//! fresh pool socket, learns how its NAT maps it ([`Nat`]), and once both sides have
//! swapped their views through the relay, both fire one-byte probes at each other's
//! mappings. The first probe that gets through opens the path.
//!
//! Who connects: the server side (not the initiator) answers every probe with a probe
//! on the same socket; the client takes the first probe it receives as success and
//! connects its UDX stream there. Strategies by NAT pair (OPEN counts as CONSISTENT):
//! consistent/consistent probe each other's addresses once a second; a consistent side
//! facing a random one sprays probes at random ports of the random side's host; the
//! random side opens up to 256 sockets aimed at the consistent side (a birthday
//! attack). Two random NATs are not attempted.

use std::net::SocketAddrV4;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use tokio::task::AbortHandle;

use super::nat::{Nat, NatView};
use super::{firewall, HyperDht};
use crate::swarm::lock;
use crate::swarm::rpc::PoolSocket;
use crate::swarm::udx::Socket;

/// Sockets a random-NAT side opens toward a consistent one.
const BIRTHDAY_SOCKETS: usize = 256;
/// How often an unstable NAT view may be retried on a fresh socket.
const MAX_REOPENS: usize = 3;
/// Consistent probing: rounds, one second apart.
const CONSISTENT_ROUNDS: u32 = 10;
/// Random probing: tries, 20 ms apart (~35 s).
const RANDOM_TRIES: u32 = 1750;
const RANDOM_SPACING: Duration = Duration::from_millis(20);
/// Random-NAT punches a process runs at once.
pub const RANDOM_PUNCH_LIMIT: usize = 1;
/// The pause between two random-NAT punches.
pub const RANDOM_PUNCH_INTERVAL: Duration = Duration::from_secs(20);

/// Where a punch stands.
#[derive(Debug, Clone)]
pub enum Status {
    /// Sampling, negotiating or probing.
    Running,
    /// (Initiator) a probe came through on this socket from this address.
    Connected(Socket, SocketAddrV4),
    /// Gave up, or was destroyed.
    Aborted,
}

/// One address the peer told us, and whether its host proved it receives from us.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteAddress {
    /// The address (port 0 for a random NAT's host).
    pub addr: SocketAddrV4,
    /// The peer echoed our token for this host.
    pub verified: bool,
}

/// What the peer last told us.
#[derive(Debug, Clone, Default)]
pub struct Remote {
    /// Its firewall class.
    pub firewall: u64,
    /// Its NAT addresses.
    pub addresses: Vec<RemoteAddress>,
    /// It is punching (or about to).
    pub punching: bool,
}

/// The mutable part of a puncher.
struct State {
    /// The sockets in use; the first carries the negotiation and sampling.
    sockets: Vec<Arc<PoolSocket>>,
    nat: Arc<Nat>,
    remote: Remote,
    punching: bool,
    punch_result: Option<bool>,
    randomized: bool,
    tasks: Vec<AbortHandle>,
}

/// One side of one holepunch. Dropping it (or [`Holepuncher::destroy`]) stops every
/// probe and releases its sockets (except one a stream is connected on).
pub struct Holepuncher {
    dht: HyperDht,
    initiator: bool,
    state: Mutex<State>,
    status: watch::Sender<Status>,
    me: Weak<Holepuncher>,
}

impl Drop for Holepuncher {
    fn drop(&mut self) {
        // A punch cancelled from outside (a lost race, a timeout) must give back its
        // random-punch slot, or no random-NAT punch would ever run again.
        self.uncount_randomized(false);
        self.stop();
    }
}

impl Holepuncher {
    /// A puncher on a fresh pool socket, its NAT sampling started. `remote_firewall`
    /// is what the peer's handshake said.
    pub fn new(
        dht: &HyperDht,
        initiator: bool,
        remote_firewall: u64,
    ) -> std::io::Result<Arc<Holepuncher>> {
        let socket = Arc::new(dht.node().pool_socket()?);
        let nat = Arc::new(Nat::sample(dht, socket.clone()));
        let (status, _) = watch::channel(Status::Running);
        let puncher = Arc::new_cyclic(|me| Holepuncher {
            dht: dht.clone(),
            initiator,
            state: Mutex::new(State {
                sockets: Vec::new(),
                nat,
                remote: Remote {
                    firewall: remote_firewall,
                    ..Remote::default()
                },
                punching: false,
                punch_result: None,
                randomized: false,
                tasks: Vec::new(),
            }),
            status,
            me: me.clone(),
        });
        puncher.add_socket(socket);
        Ok(puncher)
    }

    /// The socket that negotiates (holepunch requests go out on it).
    pub fn socket(&self) -> Arc<PoolSocket> {
        lock(&self.state).sockets[0].clone()
    }

    /// The current NAT view of our socket.
    pub fn nat(&self) -> NatView {
        lock(&self.state).nat.view()
    }

    /// Adds a sample seen through a holepunch reply.
    pub fn add_sample(&self, seen: SocketAddrV4, from: SocketAddrV4) {
        lock(&self.state).nat.add(seen, from);
    }

    /// Freezes our NAT verdict (it is being told to the peer).
    pub fn freeze(&self) {
        lock(&self.state).nat.freeze();
    }

    /// What the peer last told us.
    pub fn remote(&self) -> Remote {
        lock(&self.state).remote.clone()
    }

    /// True while probes are being sent.
    pub fn punching(&self) -> bool {
        lock(&self.state).punching
    }

    /// A receiver of the status (the initiator waits on it for the connection).
    pub fn status(&self) -> watch::Receiver<Status> {
        self.status.subscribe()
    }

    /// True once connected or given up.
    pub fn done(&self) -> bool {
        !matches!(*self.status.borrow(), Status::Running)
    }

    /// Records the peer's latest view; `verified` is a host that echoed our token.
    pub fn update_remote(
        &self,
        punching: bool,
        firewall: u64,
        addresses: &[SocketAddrV4],
        verified: Option<std::net::Ipv4Addr>,
    ) {
        let mut st = lock(&self.state);
        let was_verified = |host: &std::net::Ipv4Addr| {
            st.remote
                .addresses
                .iter()
                .any(|a| a.verified && a.addr.ip() == host)
        };
        let addresses = addresses
            .iter()
            .map(|a| RemoteAddress {
                addr: *a,
                verified: verified == Some(*a.ip()) || was_verified(a.ip()),
            })
            .collect();
        st.remote = Remote {
            firewall,
            addresses,
            punching,
        };
    }

    /// Sends one probe to `to` from the negotiating socket.
    pub fn ping(&self, to: SocketAddrV4) {
        self.socket().probe(to, false);
    }

    /// Sends a low-TTL probe to `to`: opens our NAT's mapping toward it without
    /// reaching the peer's NAT.
    pub fn open_session(&self, to: SocketAddrV4) {
        self.socket().probe(to, true);
    }

    /// Waits for our NAT verdict. Unstable (unknown, or random facing random): false,
    /// unless `allow_reopen`, which retries on fresh sockets up to three times and
    /// says whether we ended up consistent.
    pub async fn analyze(&self, allow_reopen: bool) -> bool {
        let nat = lock(&self.state).nat.clone();
        nat.analyzed().await;
        if !self.unstable() {
            return true;
        }
        if !allow_reopen {
            return false;
        }
        for _ in 0..MAX_REOPENS {
            if !self.unstable() || self.done() || self.punching() {
                break;
            }
            let Ok(nat) = self.reset() else { break };
            nat.analyzed().await;
        }
        coerce(self.nat().firewall) == firewall::CONSISTENT
    }

    fn unstable(&self) -> bool {
        let st = lock(&self.state);
        let ours = st.nat.view().firewall;
        (st.remote.firewall >= firewall::RANDOM && ours >= firewall::RANDOM)
            || ours == firewall::UNKNOWN
    }

    /// Replaces the negotiating socket with a fresh one and samples again. (Only
    /// before punching, so it is the only socket.)
    fn reset(&self) -> std::io::Result<Arc<Nat>> {
        let socket = Arc::new(self.dht.node().pool_socket()?);
        let nat = Arc::new(Nat::sample(&self.dht, socket.clone()));
        self.listen_for_probes(&socket);
        let mut st = lock(&self.state);
        st.sockets[0] = socket;
        st.nat = nat.clone();
        Ok(nat)
    }

    /// Starts the probing strategy for our NAT pair (once; later calls return the
    /// first answer). False if there is nothing we can do.
    pub fn punch(&self) -> bool {
        if let Some(r) = lock(&self.state).punch_result {
            return r;
        }
        let r = self.start_punch();
        lock(&self.state).punch_result = Some(r);
        r
    }

    fn start_punch(&self) -> bool {
        let (local, remote, addresses) = {
            let st = lock(&self.state);
            (
                coerce(st.nat.view().firewall),
                coerce(st.remote.firewall),
                st.remote.addresses.clone(),
            )
        };
        if self.done() || addresses.is_empty() {
            return false;
        }
        tracing::debug!(
            initiator = self.initiator,
            local,
            remote,
            ?addresses,
            socket = %self.socket().local_addr(),
            "punching"
        );
        lock(&self.state).punching = true;
        if local == firewall::CONSISTENT && remote == firewall::CONSISTENT {
            self.spawn(consistent_probe(self.me.clone(), self.initiator));
            return true;
        }
        let Some(verified) = addresses.iter().find(|a| a.verified).map(|a| a.addr) else {
            return false;
        };
        if local == firewall::CONSISTENT && remote >= firewall::RANDOM {
            self.count_randomized();
            self.spawn(random_probes(self.me.clone(), verified));
            return true;
        }
        if local >= firewall::RANDOM && remote == firewall::CONSISTENT {
            self.count_randomized();
            self.spawn(birthday(self.me.clone(), verified));
            return true;
        }
        false
    }

    fn spawn(&self, f: impl std::future::Future<Output = ()> + Send + 'static) {
        let task = tokio::spawn(f).abort_handle();
        lock(&self.state).tasks.push(task);
    }

    /// Adds a socket and starts listening on it for probes.
    fn add_socket(&self, socket: Arc<PoolSocket>) {
        self.listen_for_probes(&socket);
        lock(&self.state).sockets.push(socket);
    }

    /// Hands the probes arriving on `socket` to [`Holepuncher::on_probe`].
    fn listen_for_probes(&self, socket: &Arc<PoolSocket>) {
        if let Some(mut probes) = socket.take_probes() {
            let me = self.me.clone();
            let on = socket.clone();
            self.spawn(async move {
                while let Some(from) = probes.recv().await {
                    let Some(p) = me.upgrade() else { return };
                    p.on_probe(&on, from);
                }
            });
        }
    }

    fn on_probe(&self, socket: &Arc<PoolSocket>, from: SocketAddrV4) {
        if !self.initiator {
            // The client connects on whichever probe reaches it first: answer them all.
            socket.probe(from, false);
            return;
        }
        if self.done() {
            return;
        }
        tracing::debug!(%from, local = %socket.local_addr(), "holepunch probe came through");
        let _ = self
            .status
            .send_replace(Status::Connected(socket.udx_socket().clone(), from));
        self.uncount_randomized(true);
        self.stop();
    }

    /// Gives up: stops probing and releases the sockets.
    pub fn destroy(&self) {
        if !self.done() {
            self.status.send_replace(Status::Aborted);
        }
        self.uncount_randomized(false);
        self.stop();
    }

    /// Stops every task and releases the sockets (the one a stream is connected on
    /// stays open for the stream).
    fn stop(&self) {
        let mut st = lock(&self.state);
        st.punching = false;
        for t in st.tasks.drain(..) {
            t.abort();
        }
        st.sockets.truncate(1);
    }

    /// Ends a strategy that ran out of tries.
    fn give_up(&self) {
        if !matches!(*self.status.borrow(), Status::Connected(..)) {
            tracing::debug!("holepunch probes ran out");
            self.destroy();
        }
    }

    fn count_randomized(&self) {
        let mut st = lock(&self.state);
        if !st.randomized {
            st.randomized = true;
            self.dht.random_punches().fetch_add(1, Ordering::SeqCst);
        }
    }

    fn uncount_randomized(&self, succeeded: bool) {
        let mut st = lock(&self.state);
        if st.randomized {
            st.randomized = false;
            self.dht.random_punches().fetch_sub(1, Ordering::SeqCst);
            if succeeded {
                *lock(self.dht.last_random_punch()) = Some(Instant::now());
            }
        }
    }

    fn sockets(&self) -> Vec<Arc<PoolSocket>> {
        lock(&self.state).sockets.clone()
    }
}

/// OPEN punches like CONSISTENT.
fn coerce(fw: u64) -> u64 {
    if fw == firewall::OPEN {
        firewall::CONSISTENT
    } else {
        fw
    }
}

/// Up to ten rounds a second apart, each probing every remote address (unverified
/// ones only every fourth round). The server waits a second first: the client's
/// fast-mode probe is already on its way.
async fn consistent_probe(me: Weak<Holepuncher>, initiator: bool) {
    if !initiator {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    for tries in 1..=CONSISTENT_ROUNDS {
        let Some(p) = me.upgrade() else { return };
        if !p.punching() {
            return;
        }
        let socket = p.socket();
        for a in p.remote().addresses {
            if a.verified || tries & 3 == 0 {
                socket.probe(a.addr, false);
            }
        }
        drop(p);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    if let Some(p) = me.upgrade() {
        p.give_up();
    }
}

/// Probes random ports of the random side's host, 20 ms apart.
async fn random_probes(me: Weak<Holepuncher>, remote: SocketAddrV4) {
    for _ in 0..RANDOM_TRIES {
        let Some(p) = me.upgrade() else { return };
        if !p.punching() {
            return;
        }
        let port = rand::Rng::gen_range(&mut rand::thread_rng(), 1000..=65535);
        p.socket()
            .probe(SocketAddrV4::new(*remote.ip(), port), false);
        drop(p);
        tokio::time::sleep(RANDOM_SPACING).await;
    }
    if let Some(p) = me.upgrade() {
        p.give_up();
    }
}

/// Opens sockets until there are [`BIRTHDAY_SOCKETS`], each firing a low-TTL probe at
/// the consistent side, then cycles through them (the first cycle low TTL as well).
async fn birthday(me: Weak<Holepuncher>, remote: SocketAddrV4) {
    loop {
        let Some(p) = me.upgrade() else { return };
        if !p.punching() || lock(&p.state).sockets.len() >= BIRTHDAY_SOCKETS {
            break;
        }
        match p.dht.node().pool_socket() {
            Ok(s) => {
                let s = Arc::new(s);
                s.probe(remote, true);
                p.add_socket(s);
            }
            Err(e) => {
                tracing::debug!(error = %e, "no more birthday sockets");
                break;
            }
        }
        drop(p);
        tokio::task::yield_now().await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut i = 0;
    let mut low_ttl_rounds = 1;
    for _ in 0..RANDOM_TRIES {
        let Some(p) = me.upgrade() else { return };
        if !p.punching() {
            return;
        }
        let sockets = p.sockets();
        if i >= sockets.len() {
            i = 0;
            low_ttl_rounds = 0;
        }
        sockets[i].probe(remote, low_ttl_rounds > 0);
        i += 1;
        drop(p);
        tokio::time::sleep(RANDOM_SPACING).await;
    }
    if let Some(p) = me.upgrade() {
        p.give_up();
    }
}
