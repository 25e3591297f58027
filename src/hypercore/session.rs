//! Replicating a corestore over one encrypted connection, as `store.replicate(conn)`
//! does in Node: a protomux on the secret stream, one `hypercore/alpha` channel and one
//! [`Peer`] per core. The cores we name are opened at once, and those added to a
//! [`CoreSet`] while the session runs as they come (a seeder given a new key must not
//! wait for a new connection to peers it already has); the peer's opens for discovery
//! keys the store holds are claimed, the others rejected.
//!
//! The loop only moves bytes and wakes: protocol decisions live in [`Mux`] and [`Peer`].
//! It ends when the peer closes the connection (`Ok`), or with an error when the peer
//! breaks the protocol, sends bad data, or leaves a request unanswered past
//! [`super::replicate::REQUEST_TIMEOUT`] — the caller then drops the connection. It
//! never waits without a timer: a stalled peer is noticed within a second of its
//! deadline. Proofs are stored on the task that runs the loop (one fsync each).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;

use crate::swarm::protomux::{Event, Mux, MuxError};
use crate::swarm::secretstream::SecretStream;

use super::replicate::{handshake, Peer, PeerEvent, ReplicateError, PROTOCOL};
use super::storage::{Core, Corestore, StorageError};

/// How often the loop checks request deadlines.
const TICK: Duration = Duration::from_secs(1);

/// Frames taken in one wake-up at most (their answers are stored in one commit).
const MAX_FRAMES_PER_WAKE: usize = 64;

/// Queued output past which the loop stops reading (a peer that does not read our
/// answers must not make us buffer without bound).
const MAX_QUEUED: usize = 4 * 1024 * 1024;

/// What the session does with the cores it replicates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    /// Follow the peer's length.
    pub live: bool,
    /// Fetch every block the peer has.
    pub download: bool,
}

/// Why a session ended early.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The connection failed.
    #[error("connection: {0}")]
    Io(#[from] io::Error),
    /// The peer broke protomux's rules.
    #[error(transparent)]
    Mux(#[from] MuxError),
    /// The peer misbehaved on a core's channel.
    #[error("core {core}: {source}")]
    Peer {
        /// The core's key, hex.
        core: String,
        /// What it did.
        source: ReplicateError,
    },
    /// Our storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A request went unanswered too long.
    #[error("the peer left a request for core {0} unanswered")]
    Timeout(String),
}

/// The cores a session opens on its own, which may grow while it runs.
pub type CoreSet = watch::Receiver<Vec<Arc<Core>>>;

type Changed<T> = Pin<Box<dyn Future<Output = watch::Receiver<T>> + Send>>;

fn wait_change<T: Send + Sync + 'static>(mut rx: watch::Receiver<T>) -> Changed<T> {
    Box::pin(async move {
        if rx.changed().await.is_err() {
            // The sender is gone: nothing will change again.
            std::future::pending::<()>().await;
        }
        rx
    })
}

enum Wake {
    Frame(Option<Vec<u8>>),
    Changed(watch::Receiver<u64>),
    Cores(CoreSet),
    Tick,
}

/// Replicates `cores` over `stream` until the peer closes it; `on_event` hears every
/// upgrade and download. A peer's channel for any other core of `store` is rejected,
/// even when the peer knows its key: a core is served only where its owner shares it
/// (a home's private databases live in the same store as its public ones).
pub async fn replicate<S, F>(
    stream: &mut SecretStream<S>,
    store: &Corestore,
    cores: &[Arc<Core>],
    mode: Mode,
    on_event: F,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(&Arc<Core>, PeerEvent),
{
    let (_fixed, cores) = watch::channel(cores.to_vec());
    replicate_set(stream, store, cores, mode, on_event).await
}

/// [`replicate`] with a set of cores that may grow while the session runs: each core
/// added is opened on this connection at once.
pub async fn replicate_set<S, F>(
    stream: &mut SecretStream<S>,
    store: &Corestore,
    cores: CoreSet,
    mode: Mode,
    mut on_event: F,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(&Arc<Core>, PeerEvent),
{
    let mut peers: HashMap<u64, Peer> = HashMap::new();
    let result = run(stream, store, cores, mode, &mut on_event, &mut peers).await;
    // However the session ended, every open channel is closed now.
    for peer in peers.values() {
        on_event(peer.core(), PeerEvent::Closed);
    }
    result
}

async fn run<S, F>(
    stream: &mut SecretStream<S>,
    store: &Corestore,
    mut cores: CoreSet,
    mode: Mode,
    on_event: &mut F,
    peers: &mut HashMap<u64, Peer>,
) -> Result<(), SessionError>
where
    S: AsyncRead + AsyncWrite + Unpin,
    F: FnMut(&Arc<Core>, PeerEvent),
{
    let hash = *stream.handshake_hash();
    let initiator = stream.is_initiator();
    let mut mux = Mux::new();
    // Channels we opened, waiting for the peer's open; then the running peers.
    let mut opening: HashMap<u64, Arc<Core>> = HashMap::new();
    let open_ours = |mux: &mut Mux, opening: &mut HashMap<u64, Arc<Core>>, cores: &mut CoreSet| {
        mux.cork();
        for core in cores.borrow_and_update().iter() {
            let hs = handshake(core.key(), initiator, &hash);
            // `None`: this core's channel is open already (ours, or the peer's claimed).
            if let Some(id) = mux.open(PROTOCOL, core.discovery_key(), &hs) {
                opening.insert(id, core.clone());
            }
        }
        mux.uncork();
    };
    open_ours(&mut mux, &mut opening, &mut cores);
    // What the peer may open: the set as it is at the moment it asks.
    let shared = cores.clone();
    let mut cores_changed = wait_change(cores);
    let mut changed = wait_change(store.subscribe());
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // Everything the peers said goes out, batched per wake-up.
        mux.cork();
        for (id, peer) in peers.iter_mut() {
            while let Some(m) = peer.poll_message() {
                mux.send(*id, m);
            }
        }
        mux.uncork();
        while let Some(frame) = mux.poll_transmit() {
            stream.queue_message(&frame)?;
        }
        let wake = std::future::poll_fn(|cx| {
            if let Poll::Ready(Err(e)) = stream.poll_send_queued(cx) {
                return Poll::Ready(Err(e));
            }
            if stream.queued_bytes() < MAX_QUEUED {
                if let Poll::Ready(r) = stream.poll_recv_message(cx) {
                    return Poll::Ready(r.map(Wake::Frame));
                }
            }
            if let Poll::Ready(rx) = changed.as_mut().poll(cx) {
                return Poll::Ready(Ok(Wake::Changed(rx)));
            }
            if let Poll::Ready(rx) = cores_changed.as_mut().poll(cx) {
                return Poll::Ready(Ok(Wake::Cores(rx)));
            }
            if tick.poll_tick(cx).is_ready() {
                return Poll::Ready(Ok(Wake::Tick));
            }
            Poll::Pending
        })
        .await?;
        let now = Instant::now();
        match wake {
            Wake::Frame(None) => return Ok(()),
            Wake::Frame(Some(frame)) => {
                mux.receive(&frame)?;
                // Take what else has already arrived, so one commit stores it all.
                let mut noop = std::task::Context::from_waker(std::task::Waker::noop());
                for _ in 0..MAX_FRAMES_PER_WAKE {
                    match stream.poll_recv_message(&mut noop) {
                        Poll::Ready(Ok(Some(frame))) => mux.receive(&frame)?,
                        Poll::Ready(Ok(None)) | Poll::Pending => break,
                        Poll::Ready(Err(e)) => return Err(e.into()),
                    }
                }
            }
            Wake::Changed(rx) => {
                changed = wait_change(rx);
                for peer in peers.values_mut() {
                    peer.on_local_change(now).map_err(|e| peer_error(peer, e))?;
                }
            }
            Wake::Cores(mut rx) => {
                // A core taken out of the set (a database made private) stops now.
                let gone: Vec<u64> = peers
                    .iter()
                    .filter(|(_, p)| !rx.borrow().iter().any(|c| c.key() == p.core().key()))
                    .map(|(id, _)| *id)
                    .collect();
                for id in gone {
                    if let Some(peer) = peers.remove(&id) {
                        mux.close(id);
                        on_event(peer.core(), PeerEvent::Closed);
                    }
                }
                open_ours(&mut mux, &mut opening, &mut rx);
                cores_changed = wait_change(rx);
            }
            Wake::Tick => {
                if let Some(p) = peers.values().find(|p| p.timed_out(now)) {
                    return Err(SessionError::Timeout(hex::encode(p.core().key())));
                }
            }
        }
        while let Some(event) = mux.poll_event() {
            match event {
                Event::RemoteOpen {
                    remote_id,
                    protocol,
                    id,
                } => {
                    let known = match <[u8; 32]>::try_from(&id[..]) {
                        Ok(dk) if protocol == PROTOCOL => shared
                            .borrow()
                            .iter()
                            .find(|c| *c.discovery_key() == dk)
                            .cloned(),
                        _ => None,
                    };
                    let claimed = known.and_then(|core| {
                        let hs = handshake(core.key(), initiator, &hash);
                        mux.open(PROTOCOL, &id, &hs).map(|local| (local, core))
                    });
                    match claimed {
                        Some((local, core)) => {
                            opening.insert(local, core);
                        }
                        None => mux.reject(remote_id),
                    }
                }
                Event::Opened {
                    local_id,
                    handshake: remote_hs,
                } => {
                    let Some(core) = opening.remove(&local_id) else {
                        continue;
                    };
                    let mut peer = Peer::new(core, mode.live, mode.download);
                    peer.on_open(&remote_hs, initiator, &hash)
                        .map_err(|e| peer_error(&peer, e))?;
                    on_event(peer.core(), PeerEvent::Opened);
                    peers.insert(local_id, peer);
                }
                Event::Message { local_id, message } => {
                    if let Some(peer) = peers.get_mut(&local_id) {
                        peer.on_message(&message, now)
                            .map_err(|e| peer_error(peer, e))?;
                        while let Some(ev) = peer.poll_event() {
                            on_event(peer.core(), ev);
                        }
                    }
                }
                Event::Closed { local_id, .. } => {
                    opening.remove(&local_id);
                    if let Some(peer) = peers.remove(&local_id) {
                        on_event(peer.core(), PeerEvent::Closed);
                    }
                }
            }
        }
        for peer in peers.values_mut() {
            peer.flush(now).map_err(|e| peer_error(peer, e))?;
            while let Some(ev) = peer.poll_event() {
                on_event(peer.core(), ev);
            }
        }
    }
}

fn peer_error(peer: &Peer, source: ReplicateError) -> SessionError {
    SessionError::Peer {
        core: hex::encode(peer.core().key()),
        source,
    }
}
