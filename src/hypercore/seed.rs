//! A blind seeder: keep cores available. Each seeded core's discovery key is joined on
//! the swarm; every connection replicates every seeded core (and any other core of the
//! store a peer asks for), downloading everything and following appends live.
//!
//! The list of seeded keys lives beside the store (`seeds.json`, owner-only, replaced
//! atomically), so a restart seeds the same cores. Progress is reported per core when it
//! changes, at most [`REPORT_EVERY`] apart, and always when a core becomes complete.
//! The store is checkpointed on the same timer, so a power cut loses at most a second.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::keys::KeyPair;
use crate::swarm::crypto::Key32;
use crate::swarm::discovery::Discovery;
use crate::swarm::node::Node;

use super::replicate::PeerEvent;
use super::session::{replicate, Mode};
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
}

/// Seeds `cores` of `store` through `node` as `keypair` until `stop` resolves,
/// reporting progress to `report`.
pub async fn seed<F, S>(
    store: Corestore,
    node: Node,
    keypair: KeyPair,
    cores: Vec<Arc<Core>>,
    mut report: F,
    stop: S,
) -> Result<(), StorageError>
where
    F: FnMut(SeedStatus),
    S: Future<Output = ()>,
{
    let (discovery, mut incoming) = Discovery::start(node, keypair, Arc::new(|_, _| true)).await;
    let discovery = Arc::new(discovery);
    for core in &cores {
        discovery.join(*core.discovery_key());
    }
    let (events_tx, mut events) = mpsc::unbounded_channel::<(Key32, PeerEvent)>();
    let mut peers: HashMap<Key32, usize> = HashMap::new();
    let mut last: HashMap<Key32, (SeedStatus, tokio::time::Instant)> = HashMap::new();
    let status = |core: &Arc<Core>, peers: &HashMap<Key32, usize>| SeedStatus {
        key: *core.key(),
        length: core.length(),
        downloaded: core.blocks_held(),
        peers: peers.get(core.key()).copied().unwrap_or(0),
    };
    for core in &cores {
        let s = status(core, &peers);
        report(s);
        last.insert(*core.key(), (s, tokio::time::Instant::now()));
    }
    let mut tick = tokio::time::interval(REPORT_EVERY);
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => return Ok(()),
            Some(peer) = incoming.recv() => {
                let (store, cores, tx, discovery) =
                    (store.clone(), cores.clone(), events_tx.clone(), discovery.clone());
                tokio::spawn(async move {
                    let mut connection = peer.connection;
                    let mode = Mode { live: true, download: true };
                    let _ = replicate(&mut connection, &store, &cores, mode, |core, ev| {
                        if matches!(ev, PeerEvent::Opened | PeerEvent::Closed) {
                            let _ = tx.send((*core.key(), ev));
                        }
                    })
                    .await;
                    discovery.disconnected(&peer.remote);
                });
            }
            Some((key, ev)) = events.recv() => {
                match ev {
                    PeerEvent::Opened => *peers.entry(key).or_default() += 1,
                    PeerEvent::Closed => {
                        let n = peers.entry(key).or_default();
                        *n = n.saturating_sub(1);
                    }
                    PeerEvent::Upgraded(_) | PeerEvent::Downloaded(_) => {}
                }
            }
            _ = tick.tick() => {
                // At most a second of writes is exposed to a power cut.
                store.flush_if_due()?;
                let now = tokio::time::Instant::now();
                for core in &cores {
                    let s = status(core, &peers);
                    let (before, at) = last.get(core.key()).copied().unwrap_or((s, now));
                    let complete = s.downloaded == s.length && before.downloaded != s.downloaded;
                    let due = now.duration_since(at) >= REPORT_EVERY;
                    if s != before && (due || complete) {
                        report(s);
                        last.insert(*core.key(), (s, now));
                    }
                }
            }
        }
    }
}
