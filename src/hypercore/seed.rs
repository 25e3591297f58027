//! A blind seeder: keep cores available. Each seeded core's discovery key is joined on
//! the swarm; every connection replicates every seeded core (and any other core of the
//! store a peer asks for), downloading everything and following appends live. Keys may
//! be added and removed while it runs: an added core is opened at once on every
//! connection already up, a removed one is no longer announced (its blocks stay, and
//! are still served to a peer that asks for them).
//!
//! [`Seeds`] is a folder's seeding — the keys (`seeds.json`, owner-only, replaced
//! atomically, so a restart seeds the same cores), the store (`cores.redb`), the
//! seeder's keypair (`seed-key.json`) — and, once started, the [`Seeder`] running on the
//! swarm. `spork seed` and `spork host` both drive one; one process at a time can, as
//! the store opens exclusively. Progress is reported per core when it changes, at most
//! [`REPORT_EVERY`] apart, and always when a core becomes complete. The store is
//! checkpointed on the same timer, so a power cut loses at most a second of downloads.
//!
//! Nothing here prints.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};

use crate::keys::{KeyPair, KeyfileError, PublicKey};
use crate::swarm::crypto::Key32;
use crate::swarm::discovery::{self, Discovery};
use crate::swarm::node::Node;

use super::replicate::PeerEvent;
use super::session::{replicate_set, CoreSet, Mode};
use super::storage::{Core, Corestore, StorageError};

/// The shortest time between two progress reports of one core.
pub const REPORT_EVERY: Duration = Duration::from_millis(250);

/// Why the seed list could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct SeedListError {
    /// The list's file.
    pub path: PathBuf,
    /// What failed.
    pub message: String,
}

/// The keys a store seeds, kept in `seeds.json` beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedList {
    path: PathBuf,
    keys: BTreeSet<Key32>,
}

impl SeedList {
    /// Reads the list in `dir` (empty if there is none).
    pub fn load(dir: &Path) -> Result<SeedList, SeedListError> {
        let path = dir.join("seeds.json");
        let err = |message: String| SeedListError {
            path: path.clone(),
            message,
        };
        let keys = match std::fs::read(&path) {
            Ok(bytes) => {
                let hexes: Vec<String> =
                    serde_json::from_slice(&bytes).map_err(|e| err(e.to_string()))?;
                hexes
                    .iter()
                    .map(|h| super::id::parse_key(h).map_err(|e| err(e.to_string())))
                    .collect::<Result<_, _>>()?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
            Err(e) => return Err(err(e.to_string())),
        };
        Ok(SeedList { path, keys })
    }

    /// The keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key32> {
        self.keys.iter()
    }

    /// Adds `key`; true if it was new.
    pub fn add(&mut self, key: Key32) -> bool {
        self.keys.insert(key)
    }

    /// Removes `key`; true if it was there.
    pub fn remove(&mut self, key: &Key32) -> bool {
        self.keys.remove(key)
    }

    /// Writes the list (owner-only, atomically).
    pub fn save(&self) -> Result<(), SeedListError> {
        let hexes: Vec<String> = self.keys.iter().map(hex::encode).collect();
        let mut json = serde_json::to_vec_pretty(&hexes).unwrap_or_default();
        json.push(b'\n');
        crate::files::replace_private(&self.path, &json).map_err(|e| SeedListError {
            path: self.path.clone(),
            message: e.to_string(),
        })
    }
}

/// Where one seeded core stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedStatus {
    /// The core's key.
    pub key: Key32,
    /// Its verified length.
    pub length: u64,
    /// Blocks stored.
    pub downloaded: u64,
    /// Peers replicating it now.
    pub peers: usize,
    /// Its fork.
    pub fork: u64,
}

/// What a running seeder tells.
#[derive(Debug)]
pub enum SeedEvent {
    /// A core's progress changed (or it was just added).
    Status(SeedStatus),
    /// A peer proved that a seeded core's writer truncated it, and the seeder follows
    /// (told once per fork).
    Forked(ForkSeen),
    /// The store failed: the seeder has stopped.
    Failed(StorageError),
}

/// A later fork of a seeded core, proven by a peer: the seeder follows it (the blocks
/// past the point where it leaves the old one are fetched again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}: its writer truncated it; following fork {fork} (length {length})",
    hex::encode(key)
)]
pub struct ForkSeen {
    /// The core's key.
    pub key: Key32,
    /// The fork proven.
    pub fork: u64,
    /// The core's length on that fork.
    pub length: u64,
}

/// One seeded core as a listing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedInfo {
    /// The core's key, hex.
    pub key: String,
    /// Its verified length.
    pub length: u64,
    /// Blocks stored.
    pub downloaded: u64,
    /// Bytes of blocks stored.
    pub bytes: u64,
    /// Peers replicating it now.
    pub peers: usize,
    /// Its fork.
    pub fork: u64,
}

/// Why seeding could not go on.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The list of keys.
    #[error(transparent)]
    List(#[from] SeedListError),
    /// The store.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The seeder's keyfile.
    #[error(transparent)]
    Keyfile(#[from] KeyfileError),
    /// A key to remove that is not seeded.
    #[error("{key} is not seeded in {}", dir.display())]
    NotSeeded {
        /// The key, hex.
        key: String,
        /// The folder.
        dir: PathBuf,
    },
}

type PeerCounts = Arc<Mutex<HashMap<Key32, usize>>>;

fn lock_counts(
    m: &Mutex<HashMap<Key32, usize>>,
) -> std::sync::MutexGuard<'_, HashMap<Key32, usize>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn peers_of(counts: &PeerCounts, key: &Key32) -> usize {
    lock_counts(counts).get(key).copied().unwrap_or(0)
}

/// A running seeder: cores may be added and removed while it runs. It stops when
/// stopped, when dropped (without waiting), or when the store fails
/// ([`SeedEvent::Failed`]).
pub struct Seeder {
    cores: watch::Sender<Vec<Arc<Core>>>,
    peers: PeerCounts,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Seeder {
    /// Seeds `cores` of `store` through `node` as `keypair`, telling `report` how it
    /// goes, until stopped.
    pub async fn start<F>(
        store: Corestore,
        node: Node,
        keypair: KeyPair,
        cores: Vec<Arc<Core>>,
        report: F,
    ) -> Seeder
    where
        F: FnMut(SeedEvent) + Send + 'static,
    {
        let (discovery, incoming) = Discovery::start(node, keypair, Arc::new(|_, _| true)).await;
        let (cores_tx, cores_rx) = watch::channel(cores);
        let peers = PeerCounts::default();
        let (stop, stopped) = oneshot::channel();
        let (forks_tx, forks) = mpsc::unbounded_channel();
        let task = tokio::spawn(run(
            Loop {
                store,
                discovery: Arc::new(discovery),
                cores: cores_rx,
                peers: peers.clone(),
                forks: forks_tx,
            },
            Inbox { incoming, forks },
            report,
            stopped,
        ));
        Seeder {
            cores: cores_tx,
            peers,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Seeds `core` too; false if it already was.
    pub fn add(&self, core: Arc<Core>) -> bool {
        self.cores.send_if_modified(|cores| {
            let new = !cores.iter().any(|c| c.key() == core.key());
            if new {
                cores.push(core);
            }
            new
        })
    }

    /// Stops seeding the core `key`; false if it was not seeded.
    pub fn remove(&self, key: &Key32) -> bool {
        self.cores.send_if_modified(|cores| {
            let before = cores.len();
            cores.retain(|c| c.key() != key);
            cores.len() != before
        })
    }

    /// How many peers replicate the core `key` now.
    pub fn peers(&self, key: &Key32) -> usize {
        peers_of(&self.peers, key)
    }

    /// Stops seeding: no more announcements or connections, and waits for that.
    pub async fn stop(mut self) {
        drop(self.stop.take());
        if let Some(task) = self.task.take() {
            if let Err(e) = task.await {
                if e.is_panic() {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
        }
    }
}

/// What the seeder's loop shares with the sessions it spawns.
struct Loop {
    store: Corestore,
    discovery: Arc<Discovery>,
    cores: CoreSet,
    peers: PeerCounts,
    forks: mpsc::UnboundedSender<ForkSeen>,
}

impl Loop {
    fn status(&self, core: &Arc<Core>) -> SeedStatus {
        SeedStatus {
            key: *core.key(),
            length: core.length(),
            downloaded: core.blocks_held(),
            peers: peers_of(&self.peers, core.key()),
            fork: core.fork(),
        }
    }

    /// Replicates every seeded core with `peer` until the connection ends.
    fn replicate(&self, peer: discovery::Peer, sessions: &mut JoinSet<()>) {
        let (store, cores, peers, discovery, forks) = (
            self.store.clone(),
            self.cores.clone(),
            self.peers.clone(),
            self.discovery.clone(),
            self.forks.clone(),
        );
        sessions.spawn(async move {
            let mut connection = peer.connection;
            let mode = Mode {
                live: true,
                download: true,
            };
            let ended = replicate_set(&mut connection, &store, cores, mode, |core, ev| {
                let mut counts = lock_counts(&peers);
                let n = counts.entry(*core.key()).or_default();
                match ev {
                    PeerEvent::Opened => *n += 1,
                    PeerEvent::Closed => *n = n.saturating_sub(1),
                    PeerEvent::Forked { fork, length } => {
                        let key = *core.key();
                        let _ = forks.send(ForkSeen { key, fork, length });
                    }
                    PeerEvent::Upgraded(_) | PeerEvent::Downloaded(_) => {}
                }
            })
            .await;
            tracing::debug!(remote = %peer.remote, ?ended, "replication ended");
            discovery.disconnected(&peer.remote);
        });
    }
}

/// What the loop receives: connections, and forks the sessions saw.
struct Inbox {
    incoming: mpsc::Receiver<discovery::Peer>,
    forks: mpsc::UnboundedReceiver<ForkSeen>,
}

async fn run<F>(state: Loop, inbox: Inbox, mut report: F, stop: oneshot::Receiver<()>)
where
    F: FnMut(SeedEvent),
{
    if let Err(e) = seed(state, inbox, &mut report, stop).await {
        report(SeedEvent::Failed(e));
    }
}

async fn seed<F>(
    mut state: Loop,
    mut inbox: Inbox,
    report: &mut F,
    mut stop: oneshot::Receiver<()>,
) -> Result<(), StorageError>
where
    F: FnMut(SeedEvent),
{
    let mut forks_told: HashSet<(Key32, u64)> = HashSet::new();
    // Sessions end with the loop: nothing holds the store once the seeder has stopped.
    let mut sessions = JoinSet::new();
    let mut joined: HashSet<Key32> = HashSet::new();
    let mut last: HashMap<Key32, (SeedStatus, tokio::time::Instant)> = HashMap::new();
    let mut tick = tokio::time::interval(REPORT_EVERY);
    let mut cores_changed = true;
    loop {
        if cores_changed {
            // Topics follow the seeded set; a core new to it is reported at once.
            let cores: Vec<Arc<Core>> = state.cores.borrow_and_update().clone();
            let now = tokio::time::Instant::now();
            let topics: HashSet<Key32> = cores.iter().map(|c| *c.discovery_key()).collect();
            for gone in joined.difference(&topics) {
                state.discovery.leave(gone);
            }
            for core in &cores {
                state.discovery.join(*core.discovery_key());
                if !last.contains_key(core.key()) {
                    let s = state.status(core);
                    report(SeedEvent::Status(s));
                    last.insert(*core.key(), (s, now));
                }
            }
            last.retain(|key, _| cores.iter().any(|c| c.key() == key));
            joined = topics;
        }
        cores_changed = false;
        tokio::select! {
            _ = &mut stop => break,
            changed = state.cores.changed() => match changed {
                Ok(()) => cores_changed = true,
                Err(_) => break,
            },
            Some(peer) = inbox.incoming.recv() => state.replicate(peer, &mut sessions),
            Some(_) = sessions.join_next() => {}
            Some(seen) = inbox.forks.recv() => {
                if forks_told.insert((seen.key, seen.fork)) {
                    report(SeedEvent::Forked(seen));
                }
            }
            _ = tick.tick() => {
                // At most a second of downloads is exposed to a power cut.
                state.store.flush_if_due()?;
                let now = tokio::time::Instant::now();
                let cores: Vec<Arc<Core>> = state.cores.borrow().clone();
                for core in &cores {
                    let s = state.status(core);
                    let (before, at) = last.get(core.key()).copied().unwrap_or((s, now));
                    let complete = s.downloaded == s.length && before.downloaded != s.downloaded;
                    let due = now.duration_since(at) >= REPORT_EVERY;
                    if s != before && (due || complete) {
                        report(SeedEvent::Status(s));
                        last.insert(*core.key(), (s, now));
                    }
                }
            }
        }
    }
    sessions.shutdown().await;
    state.store.flush()
}

/// A folder's seeding: its keys, its store and, once started, its [`Seeder`].
pub struct Seeds {
    dir: PathBuf,
    list: SeedList,
    store: Corestore,
    seeder: Option<Seeder>,
}

impl Seeds {
    /// Opens the seeding in `dir` (which must exist): its list and its store. The store
    /// opens exclusively: a second process gets a [`StorageError`].
    pub fn open(dir: &Path) -> Result<Seeds, SeedError> {
        let list = SeedList::load(dir)?;
        let store = Corestore::open(&dir.join("cores.redb"))?;
        Ok(Seeds {
            dir: dir.to_owned(),
            list,
            store,
            seeder: None,
        })
    }

    /// The store the cores are kept in.
    pub fn store(&self) -> &Corestore {
        &self.store
    }

    /// The seeded keys, in order.
    pub fn keys(&self) -> impl Iterator<Item = &Key32> {
        self.list.keys()
    }

    /// Whether nothing is seeded.
    pub fn is_empty(&self) -> bool {
        self.list.keys().next().is_none()
    }

    /// Whether the seeder runs.
    pub fn is_running(&self) -> bool {
        self.seeder.is_some()
    }

    /// Seeds `keys` too, remembered before this returns; the ones that were new.
    pub fn add(&mut self, keys: &[Key32]) -> Result<Vec<Key32>, SeedError> {
        let cores = keys
            .iter()
            .map(|k| self.store.get(k))
            .collect::<Result<Vec<_>, _>>()?;
        let added: Vec<Key32> = keys.iter().copied().filter(|k| self.list.add(*k)).collect();
        if !added.is_empty() {
            self.list.save()?;
        }
        if let Some(seeder) = &self.seeder {
            for core in cores {
                seeder.add(core);
            }
        }
        Ok(added)
    }

    /// Stops seeding `keys` (all or, if one is not seeded, none); their blocks stay.
    pub fn remove(&mut self, keys: &[Key32]) -> Result<(), SeedError> {
        if let Some(key) = keys.iter().find(|k| !self.list.keys().any(|s| s == *k)) {
            return Err(SeedError::NotSeeded {
                key: hex::encode(key),
                dir: self.dir.clone(),
            });
        }
        for key in keys {
            self.list.remove(key);
            if let Some(seeder) = &self.seeder {
                seeder.remove(key);
            }
        }
        Ok(self.list.save()?)
    }

    /// Where the core `key` stands (seeded or not).
    pub fn info(&self, key: &Key32) -> Result<SeedInfo, SeedError> {
        let core = self.store.get(key)?;
        Ok(SeedInfo {
            key: hex::encode(key),
            length: core.length(),
            downloaded: core.blocks_held(),
            bytes: core.bytes_held(),
            peers: self.seeder.as_ref().map_or(0, |s| s.peers(key)),
            fork: core.fork(),
        })
    }

    /// Every seeded core, in key order.
    pub fn list(&self) -> Result<Vec<SeedInfo>, SeedError> {
        self.list.keys().map(|k| self.info(k)).collect()
    }

    /// The folder's seeding keypair (`seed-key.json`, made on first use).
    fn keypair(&self) -> Result<KeyPair, SeedError> {
        Ok(crate::keys::load_or_create(&self.dir.join("seed-key.json"))?.0)
    }

    /// The public key peers see the seeder as.
    pub fn identity(&self) -> Result<PublicKey, SeedError> {
        Ok(self.keypair()?.public_key())
    }

    /// Starts seeding on `node` as the folder's keypair, telling `report` how it goes
    /// (each core's status at once); its public key. Starting twice does nothing.
    pub async fn start<F>(&mut self, node: Node, report: F) -> Result<PublicKey, SeedError>
    where
        F: FnMut(SeedEvent) + Send + 'static,
    {
        let keypair = self.keypair()?;
        let public = keypair.public_key();
        if self.seeder.is_none() {
            let cores = self
                .list
                .keys()
                .map(|k| self.store.get(k))
                .collect::<Result<Vec<_>, _>>()?;
            let seeder = Seeder::start(self.store.clone(), node, keypair, cores, report).await;
            self.seeder = Some(seeder);
        }
        Ok(public)
    }

    /// Stops the seeder, if one runs, and checkpoints the store.
    pub async fn stop(&mut self) -> Result<(), SeedError> {
        if let Some(seeder) = self.seeder.take() {
            seeder.stop().await;
        }
        Ok(self.store.flush()?)
    }
}
