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
//! is one redb write transaction committed with immediate durability (fsync) before it
//! returns. "Done" means on disk: `kill -9` at any moment loses only calls that had not
//! returned, and never leaves a head that its nodes do not prove (the head, nodes and
//! blocks of one call commit together or not at all).
//!
//! The file holds signing seeds, so it is created owner-only (0600). Nothing here knows
//! of connections; replication drives [`Core::proof`] and [`Core::apply`].

use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use crate::keys::KeyPair;
use crate::swarm::codec::{Reader, Writer};
use crate::swarm::crypto::Key32;

use super::caps;
use super::manifest::{discovery_key, Manifest, Verifier};
use super::proof::{self, Proof, ProofError, ProofRequest, ProofSource, WriterHead};
use super::tree::{Node, Roots};
use super::verify::verify;

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
    db: Arc<Database>,
    path: PathBuf,
    primary_key: Key32,
    namespace: Key32,
    shared: Arc<Shared>,
}

/// What every handle on one store shares.
struct Shared {
    /// The cores in use: one in-memory core per stored core, so every connection and
    /// every writer sees the same head.
    open: Mutex<HashMap<u64, Weak<Core>>>,
    /// Bumped after every committed change to any core (appends, applied proofs).
    changes: tokio::sync::watch::Sender<u64>,
}

impl std::fmt::Debug for Corestore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corestore")
            .field("path", &self.path)
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

/// One core in a store.
pub struct Core {
    db: Arc<Database>,
    shared: Arc<Shared>,
    path: PathBuf,
    id: u64,
    key: Key32,
    discovery_key: Key32,
    /// Known once a manifest is (our own cores, or one that came in a proof).
    verifier: Mutex<Option<Verifier>>,
    signer: Option<KeyPair>,
    head: Mutex<Head>,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("key", &hex::encode(self.key))
            .field("writable", &self.signer.is_some())
            .finish()
    }
}

/// What a verified proof changed in a core.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The block it stored, if any.
    pub block: Option<u64>,
    /// The new length, if the proof upgraded the core.
    pub upgraded_to: Option<u64>,
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
        let db = Database::create(path).map_err(|e| io(&e))?;
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
        Ok(Corestore {
            db: Arc::new(db),
            path: path.to_owned(),
            primary_key: primary,
            namespace: [0; 32],
            shared: Arc::new(Shared {
                open: Mutex::new(HashMap::new()),
                changes: tokio::sync::watch::Sender::new(0),
            }),
        })
    }

    fn io(&self, e: &dyn std::fmt::Display) -> StorageError {
        StorageError::Io {
            path: self.path.clone(),
            message: e.to_string(),
        }
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
        let secret = pair.secret_key();
        let seed: Key32 = std::array::from_fn(|i| secret[i]);
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
            let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
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
            let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
            let by_dk = txn.open_table(BY_DISCOVERY_KEY).map_err(|e| self.io(&e))?;
            let found = by_dk.get(&dk).map_err(|e| self.io(&e))?.map(|v| v.value());
            found
        };
        if let Some(live) = known.and_then(|id| open.get(&id)).and_then(Weak::upgrade) {
            return Ok(live);
        }
        // Creating a core writes (and fsyncs); opening a stored one only reads.
        let txn = self.db.begin_write().map_err(|e| self.io(&e))?;
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
                        .ok_or_else(|| self.corrupt(&key, "unreadable record"))?;
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

    /// A receiver that changes after every committed change to any core of the store.
    pub fn subscribe(&self) -> tokio::sync::watch::Receiver<u64> {
        self.shared.changes.subscribe()
    }

    fn corrupt(&self, key: &Key32, what: &str) -> StorageError {
        StorageError::Corrupt {
            path: self.path.clone(),
            core: hex::encode(key),
            what: what.to_string(),
        }
    }

    /// Builds the in-memory core from its record: reads the roots and checks the head.
    fn load(&self, id: u64, record: Record) -> Result<Core, StorageError> {
        let signer = record.seed.map(|s| KeyPair::from_seed(&s));
        let verifier = match record.manifest {
            Some(m) => Some(
                Verifier::new(record.key, m)
                    .map_err(|_| self.corrupt(&record.key, "its manifest is not its key's"))?,
            ),
            // A verified core without a stored manifest is a compat one.
            None if record.length > 0 => Some(Verifier::compat(record.key)),
            None => None,
        };
        let roots = {
            let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
            let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
            let mut out = Vec::new();
            for index in super::flat::full_roots(record.length) {
                let node = nodes
                    .get((id, index))
                    .map_err(|e| self.io(&e))?
                    .and_then(|v| decode_node(index, v.value()))
                    .ok_or_else(|| {
                        self.corrupt(&record.key, &format!("root {index} is missing"))
                    })?;
                out.push(node);
            }
            Roots::from_nodes(out).ok_or_else(|| self.corrupt(&record.key, "bad roots"))?
        };
        if record.length > 0 {
            let verified = verifier.as_ref().is_some_and(|v| {
                v.verify(&record.signature, &roots.hash(), record.length, record.fork)
            });
            if !verified {
                return Err(
                    self.corrupt(&record.key, "its head's signature does not match its tree")
                );
            }
        }
        Ok(Core {
            db: self.db.clone(),
            shared: self.shared.clone(),
            path: self.path.clone(),
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

/// Node and block lookups inside one read transaction.
struct TxnSource<'a> {
    id: u64,
    nodes: &'a redb::ReadOnlyTable<(u64, u64), &'static [u8]>,
    blocks: &'a redb::ReadOnlyTable<(u64, u64), &'static [u8]>,
    path: &'a Path,
}

impl ProofSource for TxnSource<'_> {
    type Error = StorageError;

    fn node(&mut self, index: u64) -> Result<Option<Node>, StorageError> {
        let got = self
            .nodes
            .get((self.id, index))
            .map_err(|e| StorageError::Io {
                path: self.path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(got.and_then(|v| decode_node(index, v.value())))
    }

    fn block(&mut self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let got = self
            .blocks
            .get((self.id, index))
            .map_err(|e| StorageError::Io {
                path: self.path.to_owned(),
                message: e.to_string(),
            })?;
        Ok(got.map(|v| v.value().to_vec()))
    }
}

impl Core {
    fn io(&self, e: &dyn std::fmt::Display) -> StorageError {
        StorageError::Io {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    fn changed(&self) {
        self.shared.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// The core's key.
    pub fn key(&self) -> &Key32 {
        &self.key
    }

    /// The core's discovery key (its swarm topic).
    pub fn discovery_key(&self) -> &Key32 {
        &self.discovery_key
    }

    /// Whether this store can append to the core.
    pub fn writable(&self) -> bool {
        self.signer.is_some()
    }

    /// The verified length.
    pub fn length(&self) -> u64 {
        lock(&self.head).roots.length()
    }

    /// The verified byte length.
    pub fn byte_length(&self) -> u64 {
        lock(&self.head).roots.byte_length()
    }

    /// The fork.
    pub fn fork(&self) -> u64 {
        lock(&self.head).fork
    }

    /// How many blocks from 0 this store holds without a gap.
    pub fn contiguous_length(&self) -> u64 {
        lock(&self.head).contiguous
    }

    /// How many blocks this store holds.
    pub fn blocks_held(&self) -> u64 {
        lock(&self.head).held
    }

    /// How many bytes of blocks this store holds.
    pub fn bytes_held(&self) -> u64 {
        lock(&self.head).held_bytes
    }

    /// Whether the core has a manifest to send peers (a non-compat core whose manifest
    /// is known).
    pub fn shares_manifest(&self) -> bool {
        lock(&self.verifier)
            .as_ref()
            .is_some_and(|v| !v.is_compat())
    }

    /// Whether this store holds every root of length `length` (so it can prove an
    /// upgrade from there).
    pub fn has_roots(&self, length: u64) -> Result<bool, StorageError> {
        let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        for index in super::flat::full_roots(length) {
            if nodes
                .get((self.id, index))
                .map_err(|e| self.io(&e))?
                .is_none()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// The manifest, once known.
    pub fn manifest(&self) -> Option<Manifest> {
        lock(&self.verifier).as_ref().map(|v| v.manifest().clone())
    }

    /// Appends `blocks` in one signed step and returns the new length; durable when it
    /// returns.
    pub fn append<B: AsRef<[u8]>>(&self, blocks: &[B]) -> Result<u64, StorageError> {
        let Some(pair) = &self.signer else {
            return Err(StorageError::NotWritable(hex::encode(self.key)));
        };
        if let Some(big) = blocks
            .iter()
            .map(|b| b.as_ref().len())
            .find(|n| *n > MAX_BLOCK_SIZE)
        {
            return Err(StorageError::BlockTooLarge(big));
        }
        let verifier = lock(&self.verifier).clone();
        let Some(verifier) = verifier else {
            return Err(StorageError::NotWritable(hex::encode(self.key)));
        };
        let mut head = lock(&self.head);
        if blocks.is_empty() {
            return Ok(head.roots.length());
        }
        let mut roots = head.roots.clone();
        let first = roots.length();
        let mut made = Vec::with_capacity(blocks.len() * 2);
        for b in blocks {
            roots.append(b.as_ref(), &mut made);
        }
        let signature = verifier
            .sign(pair, &roots.hash(), roots.length(), head.fork)
            .ok_or_else(|| StorageError::NotWritable(hex::encode(self.key)))?;
        let next = Head {
            fork: head.fork,
            contiguous: if head.contiguous == first {
                roots.length()
            } else {
                head.contiguous
            },
            roots,
            signature,
            held: head.held + blocks.len() as u64,
            held_bytes: head.held_bytes
                + blocks.iter().map(|b| b.as_ref().len() as u64).sum::<u64>(),
        };
        let txn = self.db.begin_write().map_err(|e| self.io(&e))?;
        {
            let mut nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
            for n in &made {
                nodes
                    .insert((self.id, n.index), &encode_node(n)[..])
                    .map_err(|e| self.io(&e))?;
            }
            let mut table = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
            for (i, b) in blocks.iter().enumerate() {
                table
                    .insert((self.id, first + i as u64), b.as_ref())
                    .map_err(|e| self.io(&e))?;
            }
        }
        self.write_head(&txn, &next, Some(&verifier))?;
        txn.commit().map_err(|e| self.io(&e))?;
        *head = next;
        let length = head.roots.length();
        drop(head);
        self.changed();
        Ok(length)
    }

    fn write_head(
        &self,
        txn: &redb::WriteTransaction,
        head: &Head,
        verifier: Option<&Verifier>,
    ) -> Result<(), StorageError> {
        let mut heads = txn.open_table(HEADS).map_err(|e| self.io(&e))?;
        let record = Record {
            key: self.key,
            // A compat core's manifest is implied by its key: not stored.
            manifest: verifier
                .filter(|v| !v.is_compat())
                .map(|v| v.manifest().clone()),
            seed: self
                .signer
                .as_ref()
                .and_then(|p| p.secret_key()[..32].try_into().ok()),
            fork: head.fork,
            length: head.roots.length(),
            signature: head.signature.clone(),
            contiguous: head.contiguous,
            held: head.held,
            held_bytes: head.held_bytes,
        };
        heads
            .insert(self.id, &record.encode()[..])
            .map_err(|e| self.io(&e))?;
        Ok(())
    }

    /// Block `index`, if this store holds it.
    pub fn get(&self, index: u64) -> Result<Option<Vec<u8>>, StorageError> {
        let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let got = blocks.get((self.id, index)).map_err(|e| self.io(&e))?;
        Ok(got.map(|v| v.value().to_vec()))
    }

    /// Whether this store holds block `index`.
    pub fn has(&self, index: u64) -> Result<bool, StorageError> {
        Ok(self.get(index)?.is_some())
    }

    /// How many tree levels above block `index`'s leaf (the leaf included) this store
    /// lacks, below the first stored ancestor: the `nodes` of a block request.
    pub fn missing_nodes(&self, index: u64) -> Result<u64, StorageError> {
        let head = 2 * self.length();
        let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        let mut it = super::flat::Iter::new(index.saturating_mul(2));
        let mut count = 0;
        while super::flat::right_span(it.index) < head
            && nodes
                .get((self.id, it.index))
                .map_err(|e| self.io(&e))?
                .is_none()
            && count < proof::MAX_DEPTH as u64
        {
            count += 1;
            it.parent();
        }
        Ok(count)
    }

    /// The proof answering `req` from what this store holds.
    pub fn proof(&self, req: &ProofRequest) -> Result<Proof, StorageError> {
        let head = lock(&self.head).clone();
        let txn = self.db.begin_read().map_err(|e| self.io(&e))?;
        let nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
        let mut src = TxnSource {
            id: self.id,
            nodes: &nodes,
            blocks: &blocks,
            path: &self.path,
        };
        proof::build(
            &mut src,
            WriterHead {
                fork: head.fork,
                roots: &head.roots,
                signature: &head.signature,
            },
            req,
        )
    }

    /// Verifies `proof` (with the `manifest` that came with it, for a core that has
    /// none yet) and stores what it proves, in one durable step.
    pub fn apply(&self, proof: Proof, manifest: Option<Manifest>) -> Result<Applied, StorageError> {
        let verifier = self.verifier_with(manifest)?;
        let mut head = lock(&self.head);
        let verified = verify(proof, head.fork, &head.roots, &verifier)?;
        let mut next = head.clone();
        if let Some((roots, signature)) = verified
            .upgrade
            .filter(|(roots, _)| roots.length() > head.roots.length())
        {
            next.roots = roots;
            next.signature = signature;
        }
        let txn = self.db.begin_write().map_err(|e| self.io(&e))?;
        let mut applied = Applied::default();
        {
            let mut nodes = txn.open_table(NODES).map_err(|e| self.io(&e))?;
            if let Some(anchor) = verified.anchor {
                let stored = nodes
                    .get((self.id, anchor.index))
                    .map_err(|e| self.io(&e))?
                    .and_then(|v| decode_node(anchor.index, v.value()));
                if stored != Some(anchor) {
                    return Err(ProofError::InvalidChecksum(anchor.index).into());
                }
            }
            for n in &verified.nodes {
                nodes
                    .insert((self.id, n.index), &encode_node(n)[..])
                    .map_err(|e| self.io(&e))?;
            }
            let mut blocks = txn.open_table(BLOCKS).map_err(|e| self.io(&e))?;
            if let Some((index, value)) = &verified.block {
                let had = blocks
                    .insert((self.id, *index), &value[..])
                    .map_err(|e| self.io(&e))?
                    .is_some();
                if !had {
                    next.held += 1;
                    next.held_bytes += value.len() as u64;
                }
                applied.block = Some(*index);
            }
            // Blocks that arrived out of order may now join the contiguous run.
            while next.contiguous < next.roots.length()
                && blocks
                    .get((self.id, next.contiguous))
                    .map_err(|e| self.io(&e))?
                    .is_some()
            {
                next.contiguous += 1;
            }
        }
        let upgraded = next.roots.length() > head.roots.length();
        if upgraded || next.contiguous != head.contiguous || next.held != head.held {
            self.write_head(&txn, &next, Some(&verifier))?;
        }
        txn.commit().map_err(|e| self.io(&e))?;
        if upgraded {
            *lock(&self.verifier) = Some(verifier);
            applied.upgraded_to = Some(next.roots.length());
        }
        *head = next;
        drop(head);
        self.changed();
        Ok(applied)
    }

    /// The verifier to check a proof with: ours, else the manifest that came with it
    /// (it must hash to the key), else the default manifest of a compat key.
    fn verifier_with(&self, manifest: Option<Manifest>) -> Result<Verifier, StorageError> {
        if let Some(v) = lock(&self.verifier).as_ref() {
            return Ok(v.clone());
        }
        match manifest {
            Some(m) => Verifier::new(self.key, m)
                .map_err(|_| StorageError::WrongManifest(hex::encode(self.key))),
            None => Ok(Verifier::compat(self.key)),
        }
    }
}

#[cfg(test)]
mod tests;
