//! Many cores in one `redb` file, corestore-like: named writable cores derived from the
//! store's primary key, and sparse cores of other writers opened by key.
//!
//! Per core the file keeps its key, manifest and (for our own cores) the signing seed;
//! its head (fork, length, signature); every tree node; and the blocks it holds. The
//! roots are not stored: they are the tree nodes at `flat::full_roots(length)`, and
//! opening a core reads them and checks the head's signature over them, so a file
//! edited behind our back is refused rather than served.
//!
//! **Durability.** Every call that changes a core — [`Core::append`], [`Core::apply`] —
//! writes its nodes, blocks and head as one record to the store's journal (one `write`,
//! in the kernel once it returns) and then commits them to redb without an fsync. A
//! durable redb commit (a checkpoint, fsync) empties the journal: on the first write
//! after [`CHECKPOINT_EVERY`], when the journal passes [`CHECKPOINT_BYTES`], on
//! [`Corestore::flush`] and [`Corestore::flush_if_due`] (long-running owners call it on
//! a timer), and when the last handle on the store is dropped. "Done" therefore means:
//! `kill -9` at any moment loses nothing a call acknowledged, and never leaves a head
//! that its nodes do not prove (one call's writes are one journal record and one redb
//! commit: all or nothing); a power cut loses at most what came after the last
//! checkpoint. Opening a store replays the journal's whole records first. A reorg onto
//! a later fork ([`Core::reorg`], [`Core::truncate`]) checkpoints first and is then one
//! durable redb commit of its own: after a crash the core is on the old fork or the
//! new one, never between.
//!
//! The file holds signing seeds, so it is created owner-only (0600). Nothing here knows
//! of connections; replication drives [`Core::proof`] and [`Core::apply`].

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use redb::{Database, Durability, ReadableDatabase, ReadableTable, TableDefinition};

use crate::keys::KeyPair;
use crate::swarm::codec::{Reader, Writer};
use crate::swarm::crypto::Key32;

use super::caps;
use super::manifest::{discovery_key, Manifest, Verifier};
use super::proof::ProofError;
use super::tree::{Node, Roots};

mod core;
mod fork;
mod journal;
mod snapshot;

pub use self::core::{Applied, Core};
pub use self::fork::ForkHead;
use journal::{Journal, Put, Table};

/// The longest time writes go without a durable checkpoint.
pub const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);
/// The journal size that forces a checkpoint.
pub const CHECKPOINT_BYTES: u64 = 64 * 1024 * 1024;

/// The memory redb may keep of the file: a sixteenth of the machine's RAM, within
/// [`CACHE_MIN`, `CACHE_MAX`]. redb's own default (1 GiB) would let a host on a 1 GiB
/// Raspberry Pi grow with every block read until it had no memory left; a fixed 64 MiB
/// made gets 40 % and scans 45 % slower once a store outgrew it (the hyperbee bench,
/// 115 MB of records). Reads beyond the cache come from the kernel's page cache.
pub fn cache_bytes() -> usize {
    let total = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| mem_total(&text))
        .unwrap_or(0);
    (total / 16).clamp(CACHE_MIN, CACHE_MAX)
}

/// The smallest cache, whatever the machine.
pub const CACHE_MIN: usize = 64 * 1024 * 1024;
/// The largest cache, whatever the machine.
pub const CACHE_MAX: usize = 1024 * 1024 * 1024;

/// `MemTotal` of `/proc/meminfo`, in bytes.
fn mem_total(meminfo: &str) -> Option<usize> {
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// The largest block an append accepts: Node's writer refuses more (a block travels in
/// one message).
pub const MAX_BLOCK_SIZE: usize = 15 * 1024 * 1024;

/// `"primaryKey"` → 32 bytes; `"nextId"` → u64 LE.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// discovery key → core id (u64 LE).
const BY_DISCOVERY_KEY: TableDefinition<&[u8; 32], u64> = TableDefinition::new("cores");
/// core id → the core's record (key, manifest, seed) and head.
const HEADS: TableDefinition<u64, &[u8]> = TableDefinition::new("heads");
/// (core id, flat index) → `uint size ‖ hash`.
const NODES: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("nodes");
/// (core id, block index) → the block.
const BLOCKS: TableDefinition<(u64, u64), &[u8]> = TableDefinition::new("blocks");

/// What went wrong with a store or a core.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// The store's file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The file holds something no spork wrote, or a head its nodes do not prove.
    #[error("{path}: core {core}: {what}")]
    Corrupt {
        /// The store's file.
        path: PathBuf,
        /// The core's key, hex.
        core: String,
        /// What is wrong.
        what: String,
    },
    /// Another process (or another store in this one) has the file open.
    #[error("{0}: the store is open in another process")]
    InUse(PathBuf),
    /// An append to a core whose signing key this store does not hold.
    #[error("core {0} is not writable here")]
    NotWritable(String),
    /// An append of a block over [`MAX_BLOCK_SIZE`].
    #[error("a block of {0} bytes is over the {MAX_BLOCK_SIZE}-byte limit")]
    BlockTooLarge(usize),
    /// A proof that could not be built, or was refused.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A manifest that does not belong to the core's key.
    #[error("the manifest does not belong to core {0}")]
    WrongManifest(String),
}

/// A corestore: one file, many cores.
#[derive(Clone)]
pub struct Corestore {
    primary_key: Key32,
    namespace: Key32,
    shared: Arc<Shared>,
}

/// What every handle on one store shares.
struct Shared {
    db: Arc<Database>,
    path: PathBuf,
    /// The cores in use: one in-memory core per stored core, so every connection and
    /// every writer sees the same head.
    open: Mutex<HashMap<u64, Weak<Core>>>,
    /// Bumped after every committed change to any core (appends, applied proofs).
    changes: tokio::sync::watch::Sender<u64>,
    /// The journal and the time of the last checkpoint; holding it serializes writes,
    /// so journal order is commit order.
    journal: Mutex<(Journal, Instant)>,
}

/// Writes `puts` in one redb transaction of durability `durability`.
fn apply_puts(db: &Database, puts: &[Put<'_>], durability: Durability) -> Result<(), redb::Error> {
    let mut txn = db.begin_write()?;
    txn.set_durability(durability)?;
    insert_puts(&txn, puts)?;
    txn.commit()?;
    Ok(())
}

/// Inserts `puts` in `txn`.
fn insert_puts(txn: &redb::WriteTransaction, puts: &[Put<'_>]) -> Result<(), redb::Error> {
    {
        let mut nodes = txn.open_table(NODES)?;
        let mut blocks = txn.open_table(BLOCKS)?;
        let mut heads = txn.open_table(HEADS)?;
        for p in puts {
            match p.table {
                Table::NODES => {
                    nodes.insert((p.id, p.index), &p.value[..])?;
                }
                Table::BLOCKS => {
                    blocks.insert((p.id, p.index), &p.value[..])?;
                }
                _ => {
                    heads.insert(p.id, &p.value[..])?;
                }
            }
        }
    }
    Ok(())
}

impl Shared {
    fn io(&self, e: &dyn std::fmt::Display) -> StorageError {
        StorageError::Io {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn corrupt(&self, key: &Key32, what: &str) -> StorageError {
        StorageError::Corrupt {
            path: self.path.clone(),
            core: hex::encode(key),
            what: what.to_string(),
        }
    }

    /// Journals `puts`, then commits them to redb (no fsync); checkpoints when due.
    fn commit(&self, puts: &[Put<'_>]) -> Result<(), StorageError> {
        let mut guard = lock(&self.journal);
        let (journal, last) = &mut *guard;
        journal.write(puts).map_err(|e| self.io(&e))?;
        apply_puts(&self.db, puts, Durability::None).map_err(|e| self.io(&e))?;
        if journal.len() >= CHECKPOINT_BYTES || last.elapsed() >= CHECKPOINT_EVERY {
            self.checkpoint(journal)?;
            *last = Instant::now();
        }
        Ok(())
    }

    /// Replaces core `id`'s tail in one durable commit, for a reorg: every node from
    /// flat index `nodes_from` on and the nodes `crossing`, every block from
    /// `blocks_from` on, are removed, then `puts` written. Earlier commits are made
    /// durable first, so the journal never has to replay across it.
    fn rewrite(
        &self,
        id: u64,
        nodes_from: u64,
        crossing: &[u64],
        blocks_from: u64,
        puts: &[Put<'_>],
    ) -> Result<(), StorageError> {
        let mut guard = lock(&self.journal);
        let (journal, last) = &mut *guard;
        self.checkpoint(journal)?;
        *last = Instant::now();
        let write = || -> Result<(), redb::Error> {
            let mut txn = self.db.begin_write()?;
            txn.set_durability(Durability::Immediate)?;
            {
                let mut nodes = txn.open_table(NODES)?;
                nodes.retain_in((id, nodes_from)..=(id, u64::MAX), |_, _| false)?;
                for index in crossing {
                    nodes.remove((id, *index))?;
                }
                let mut blocks = txn.open_table(BLOCKS)?;
                blocks.retain_in((id, blocks_from)..=(id, u64::MAX), |_, _| false)?;
            }
            insert_puts(&txn, puts)?;
            txn.commit()?;
            Ok(())
        };
        write().map_err(|e| self.io(&e))
    }

    /// Makes every commit so far durable (fsync) and empties the journal.
    fn checkpoint(&self, journal: &mut Journal) -> Result<(), StorageError> {
        let mut txn = self.db.begin_write().map_err(|e| self.io(&e))?;
        txn.set_durability(Durability::Immediate)
            .map_err(|e| self.io(&e))?;
        txn.commit().map_err(|e| self.io(&e))?;
        journal.clear().map_err(|e| self.io(&e))
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        let mut guard = lock(&self.journal);
        if guard.0.len() > 0 {
            if let Err(e) = self.checkpoint(&mut guard.0) {
                // The journal stays and is replayed at the next open: nothing is lost.
                tracing::warn!(error = %e, "could not checkpoint the store on close");
            }
        }
    }
}

impl std::fmt::Debug for Corestore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corestore")
            .field("path", &self.shared.path)
            .finish()
    }
}

/// A core's mutable state: fork, roots (they give length and byte length), signature,
/// and which blocks are held.
#[derive(Debug, Clone, Default)]
struct Head {
    fork: u64,
    roots: Roots,
    signature: Vec<u8>,
    contiguous: u64,
    held: u64,
    held_bytes: u64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn encode_node(node: &Node) -> Vec<u8> {
    let mut w = Writer::with_capacity(41);
    w.uint(node.size).bytes(&node.hash);
    w.into_vec()
}

fn decode_node(index: u64, bytes: &[u8]) -> Option<Node> {
    let mut r = Reader::new(bytes);
    Some(Node {
        index,
        size: r.uint().ok()?,
        hash: r.fixed().ok()?,
    })
}

/// The stored record of a core: `fixed32 key ‖ buffer manifest (empty: none) ‖ buffer
/// seed (empty: not ours) ‖ uint fork ‖ uint length ‖ buffer signature ‖ uint
/// contiguous ‖ uint held ‖ uint held bytes`.
struct Record {
    key: Key32,
    manifest: Option<Manifest>,
    seed: Option<Key32>,
    fork: u64,
    length: u64,
    signature: Vec<u8>,
    /// How many blocks from 0 this store holds without a gap.
    contiguous: u64,
    /// How many blocks, and how many bytes of blocks, this store holds.
    held: u64,
    held_bytes: u64,
}

impl Record {
    fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(256);
        w.bytes(&self.key)
            .buffer(
                &self
                    .manifest
                    .as_ref()
                    .map(Manifest::encode)
                    .unwrap_or_default(),
            )
            .buffer(self.seed.as_ref().map_or(&[][..], |s| &s[..]))
            .uint(self.fork)
            .uint(self.length)
            .buffer(&self.signature)
            .uint(self.contiguous)
            .uint(self.held)
            .uint(self.held_bytes);
        w.into_vec()
    }

    fn decode(bytes: &[u8]) -> Option<Record> {
        let mut r = Reader::new(bytes);
        let key = r.fixed().ok()?;
        let manifest = match r.buffer().ok()? {
            [] => None,
            m => Some(Manifest::decode(m).ok()?),
        };
        let seed = match r.buffer().ok()? {
            [] => None,
            s => Some(s.try_into().ok()?),
        };
        Some(Record {
            key,
            manifest,
            seed,
            fork: r.uint().ok()?,
            length: r.uint().ok()?,
            signature: r.buffer().ok()?.to_vec(),
            contiguous: r.uint().ok()?,
            held: r.uint().ok()?,
            held_bytes: r.uint().ok()?,
        })
    }
}

impl Corestore {
    /// Opens (or creates, owner-only) the store in `path`; a new store gets a random
    /// primary key.
    pub fn open(path: &Path) -> Result<Corestore, StorageError> {
        Self::open_with(path, None)
    }

    /// Like [`Corestore::open`], with the primary key a new store gets (Node's
    /// `new Corestore(storage, { primaryKey })`); an existing store keeps its own.
    pub fn open_with(path: &Path, primary_key: Option<Key32>) -> Result<Corestore, StorageError> {
        let io = |e: &dyn std::fmt::Display| StorageError::Io {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let db = Database::builder()
            .set_cache_size(cache_bytes())
            .create(path)
            .map_err(|e| match e {
                redb::DatabaseError::DatabaseAlreadyOpen => StorageError::InUse(path.to_owned()),
                e => io(&e),
            })?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| io(&e))?;
        let txn = db.begin_write().map_err(|e| io(&e))?;
        let primary = {
            let mut meta = txn.open_table(META).map_err(|e| io(&e))?;
            let stored = meta
                .get("primaryKey")
                .map_err(|e| io(&e))?
                .map(|v| <Key32>::try_from(v.value()));
            match stored {
                Some(Ok(k)) => k,
                Some(Err(_)) => return Err(io(&"the primary key is not 32 bytes")),
                None => {
                    let k = primary_key.unwrap_or_else(rand::random);
                    meta.insert("primaryKey", &k[..]).map_err(|e| io(&e))?;
                    k
                }
            }
        };
        // Create every table, so readers never meet a missing one.
        txn.open_table(BY_DISCOVERY_KEY).map_err(|e| io(&e))?;
        txn.open_table(HEADS).map_err(|e| io(&e))?;
        txn.open_table(NODES).map_err(|e| io(&e))?;
        txn.open_table(BLOCKS).map_err(|e| io(&e))?;
        txn.commit().map_err(|e| io(&e))?;
        // What the journal holds was acknowledged: into redb with it, durably, first.
        let mut replayed = 0;
        let mut journal = Journal::open(path, |puts| {
            replayed += 1;
            apply_puts(&db, &puts, Durability::None).map_err(std::io::Error::other)
        })
        .map_err(|e| io(&e))?;
        if replayed > 0 || journal.len() > 0 {
            let mut txn = db.begin_write().map_err(|e| io(&e))?;
            txn.set_durability(Durability::Immediate)
                .map_err(|e| io(&e))?;
            txn.commit().map_err(|e| io(&e))?;
            journal.clear().map_err(|e| io(&e))?;
        }
        let db = Arc::new(db);
        Ok(Corestore {
            primary_key: primary,
            namespace: [0; 32],
            shared: Arc::new(Shared {
                db,
                path: path.to_owned(),
                open: Mutex::new(HashMap::new()),
                changes: tokio::sync::watch::Sender::new(0),
                journal: Mutex::new((journal, Instant::now())),
            }),
        })
    }

    fn io(&self, e: &dyn std::fmt::Display) -> StorageError {
        self.shared.io(e)
    }

    /// The same store under the sub-namespace `name` (`store.namespace(name)`): named
    /// cores there get other keys.
    pub fn namespace(&self, name: &str) -> Corestore {
        Corestore {
            namespace: caps::child_namespace(&self.namespace, name.as_bytes()),
            ..self.clone()
        }
    }

    /// The writable core `name`, created empty the first time.
    pub fn named(&self, name: &str) -> Result<Arc<Core>, StorageError> {
        let pair = caps::named_key_pair(&self.primary_key, &self.namespace, name.as_bytes());
        self.with_key_pair(&pair)
    }

    /// The writable core of `pair` (`corestore.get({ keyPair })`), created empty the
    /// first time.
    pub fn with_key_pair(&self, pair: &KeyPair) -> Result<Arc<Core>, StorageError> {
        let manifest = Manifest::single_signer(*pair.public_key().as_bytes());
        let seed: Key32 = pair.signing_key().to_bytes();
        self.core(manifest.hash(), Some(manifest), Some(seed))
    }

    /// The core `key` as a reader (or as its writer, if this store made it), created
    /// empty the first time.
    pub fn get(&self, key: &Key32) -> Result<Arc<Core>, StorageError> {
        self.core(*key, None, None)
    }

    /// The stored core whose discovery key is `dk`, if any (how a peer's channel open
    /// finds a core).
    pub fn by_discovery_key(&self, dk: &Key32) -> Result<Option<Arc<Core>>, StorageError> {
        let key = {
            let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
            let by_dk = txn.open_table(BY_DISCOVERY_KEY).map_err(|e| self.io(&e))?;
            let Some(id) = by_dk.get(dk).map_err(|e| self.io(&e))? else {
                return Ok(None);
            };
            let heads = txn.open_table(HEADS).map_err(|e| self.io(&e))?;
            let record = heads
                .get(id.value())
                .map_err(|e| self.io(&e))?
                .and_then(|v| Record::decode(v.value()));
            match record {
                Some(r) => r.key,
                None => return Ok(None),
            }
        };
        self.get(&key).map(Some)
    }

    fn core(
        &self,
        key: Key32,
        manifest: Option<Manifest>,
        seed: Option<Key32>,
    ) -> Result<Arc<Core>, StorageError> {
        let dk = discovery_key(&key);
        // Lock order: `open`, then the database. Holding `open` across the lookup keeps
        // two callers from loading two copies of one core.
        let mut open = lock(&self.shared.open);
        let known = {
            let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
            let by_dk = txn.open_table(BY_DISCOVERY_KEY).map_err(|e| self.io(&e))?;
            let found = by_dk.get(&dk).map_err(|e| self.io(&e))?.map(|v| v.value());
            found
        };
        if let Some(live) = known.and_then(|id| open.get(&id)).and_then(Weak::upgrade) {
            return Ok(live);
        }
        // Creating a core writes (and fsyncs); opening a stored one only reads.
        let txn = self.shared.db.begin_write().map_err(|e| self.io(&e))?;
        let (id, record) = {
            let mut by_dk = txn.open_table(BY_DISCOVERY_KEY).map_err(|e| self.io(&e))?;
            let mut heads = txn.open_table(HEADS).map_err(|e| self.io(&e))?;
            let existing = by_dk.get(&dk).map_err(|e| self.io(&e))?.map(|v| v.value());
            match existing {
                Some(id) => {
                    let record = heads
                        .get(id)
                        .map_err(|e| self.io(&e))?
                        .and_then(|v| Record::decode(v.value()))
                        .ok_or_else(|| self.shared.corrupt(&key, "unreadable record"))?;
                    (id, record)
                }
                None => {
                    let mut meta = txn.open_table(META).map_err(|e| self.io(&e))?;
                    let id = meta
                        .get("nextId")
                        .map_err(|e| self.io(&e))?
                        .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
                        .map_or(0, u64::from_le_bytes);
                    meta.insert("nextId", &(id + 1).to_le_bytes()[..])
                        .map_err(|e| self.io(&e))?;
                    let record = Record {
                        key,
                        manifest,
                        seed,
                        fork: 0,
                        length: 0,
                        signature: Vec::new(),
                        contiguous: 0,
                        held: 0,
                        held_bytes: 0,
                    };
                    heads
                        .insert(id, &record.encode()[..])
                        .map_err(|e| self.io(&e))?;
                    by_dk.insert(&dk, id).map_err(|e| self.io(&e))?;
                    (id, record)
                }
            }
        };
        if known.is_some() {
            txn.abort().map_err(|e| self.io(&e))?;
        } else {
            txn.commit().map_err(|e| self.io(&e))?;
        }
        let core = Arc::new(self.load(id, record)?);
        open.retain(|_, w| w.strong_count() > 0);
        open.insert(id, Arc::downgrade(&core));
        Ok(core)
    }

    /// Makes every change so far durable against a power cut too (fsync), now.
    pub fn flush(&self) -> Result<(), StorageError> {
        let mut guard = lock(&self.shared.journal);
        let (journal, last) = &mut *guard;
        self.shared.checkpoint(journal)?;
        *last = Instant::now();
        Ok(())
    }

    /// Checkpoints if writes have waited [`CHECKPOINT_EVERY`] for one: what a
    /// long-running owner calls on a timer, so a power cut loses at most that much.
    pub fn flush_if_due(&self) -> Result<(), StorageError> {
        let mut guard = lock(&self.shared.journal);
        let (journal, last) = &mut *guard;
        if journal.len() > 0 && last.elapsed() >= CHECKPOINT_EVERY {
            self.shared.checkpoint(journal)?;
            *last = Instant::now();
        }
        Ok(())
    }

    /// A receiver that changes after every committed change to any core of the store.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    /// Builds the in-memory core from its record: reads the roots and checks the head.
    fn load(&self, id: u64, record: Record) -> Result<Core, StorageError> {
        let signer = record.seed.map(|s| KeyPair::from_seed(&s));
        let verifier = match record.manifest {
            Some(m) => Some(Verifier::new(record.key, m).map_err(|_| {
                self.shared
                    .corrupt(&record.key, "its manifest is not its key's")
            })?),
            // A verified core without a stored manifest is a compat one.
            None if record.length > 0 => Some(Verifier::compat(record.key)),
            None => None,
        };
        let roots = {
            let txn = self.shared.db.begin_read().map_err(|e| self.io(&e))?;
            let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
            let mut out = Vec::new();
            for index in super::flat::full_roots(record.length) {
                let node = nodes
                    .get((id, index))
                    .map_err(|e| self.io(&e))?
                    .and_then(|v| decode_node(index, v.value()))
                    .ok_or_else(|| {
                        self.shared
                            .corrupt(&record.key, &format!("root {index} is missing"))
                    })?;
                out.push(node);
            }
            Roots::from_nodes(out).ok_or_else(|| self.shared.corrupt(&record.key, "bad roots"))?
        };
        if record.length > 0 {
            let verified = verifier.as_ref().is_some_and(|v| {
                v.verify(&record.signature, &roots.hash(), record.length, record.fork)
            });
            if !verified {
                return Err(self
                    .shared
                    .corrupt(&record.key, "its head's signature does not match its tree"));
            }
        }
        Ok(Core {
            shared: self.shared.clone(),
            id,
            key: record.key,
            discovery_key: discovery_key(&record.key),
            verifier: Mutex::new(verifier),
            signer,
            head: Mutex::new(Head {
                fork: record.fork,
                roots,
                signature: record.signature,
                contiguous: record.contiguous,
                held: record.held,
                held_bytes: record.held_bytes,
            }),
        })
    }
}

#[cfg(test)]
mod tests;
