//! One ADB database: a Hyperbee on a hypercore — ours to write, or another home's to
//! read — holding JSON records under folder-like paths, as the original Atek kept
//! them: `/a/b/key` is the bee key `a\0b\0key` (each folder a sub-bee with Node's
//! default separator), so a Node `hyperbee` reading the core sees the same records.
//!
//! Writes to one database are serialized (a bee write depends on the blocks before
//! it) and are durable when they return: the core's append is. Values are JSON objects
//! of at most [`MAX_VALUE_BYTES`]; paths are checked ([`KeyPath`]). Nothing here knows
//! who may read or write: that is the host's (and `adb::access`'s) business.

use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::bee::{sub_range, Bee, BeeError, Blocks, Range};
use super::schema::{SchemaError, Schemas};
use crate::hypercore::storage::{Core, StorageError};

/// The largest value a record may hold, encoded.
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// The longest path, in bytes.
pub const MAX_PATH_BYTES: usize = 1024;

/// Why a database call failed.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// A path that is not `/folder/…/key` of non-empty segments.
    #[error("invalid path {0:?}: expected /folder/…/key, segments non-empty and without NUL")]
    BadPath(String),
    /// A value that is not a JSON object.
    #[error("the value must be a JSON object")]
    NotAnObject,
    /// A value over the limit.
    #[error("the value is {0} bytes, over the {MAX_VALUE_BYTES}-byte limit")]
    TooLarge(usize),
    /// A write to a database this home only follows.
    #[error("database {0} is read-only here")]
    ReadOnly(String),
    /// A value its schema refuses.
    #[error(transparent)]
    Schema(#[from] SchemaError),
    /// A stored value that is not JSON (the core was written by something else).
    #[error("record {0} does not hold JSON")]
    NotJson(String),
    /// The bee.
    #[error(transparent)]
    Bee(#[from] BeeError),
    /// The core.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

fn held(seq: u64, got: Result<Option<Vec<u8>>, StorageError>) -> Result<Vec<u8>, BeeError> {
    match got {
        Ok(Some(bytes)) => Ok(bytes),
        Ok(None) => Err(BeeError::Source {
            seq,
            message: "not downloaded yet".into(),
        }),
        Err(e) => Err(BeeError::Source {
            seq,
            message: e.to_string(),
        }),
    }
}

impl Blocks for Arc<Core> {
    fn length(&self) -> u64 {
        Core::length(self)
    }

    fn block(&self, seq: u64) -> Result<Vec<u8>, BeeError> {
        held(seq, self.get(seq))
    }

    fn blocks(&self, seqs: &[u64]) -> Result<Vec<Vec<u8>>, BeeError> {
        let first = seqs.first().copied().unwrap_or(0);
        let got = self.get_many(seqs).map_err(|e| BeeError::Source {
            seq: first,
            message: e.to_string(),
        })?;
        seqs.iter()
            .zip(got)
            .map(|(&seq, bytes)| held(seq, Ok(bytes)))
            .collect()
    }
}

/// A record's path: folders, then the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPath {
    segments: Vec<String>,
}

impl KeyPath {
    /// Parses `/a/b/key` (leading and trailing slashes optional).
    pub fn parse(path: &str) -> Result<KeyPath, DbError> {
        KeyPath::from_segments(path.split('/').filter(|s| !s.is_empty()).map(str::to_owned))
            .map_err(|_| DbError::BadPath(path.to_string()))
    }

    /// A path from its segments (the original's array form).
    pub fn from_segments(segments: impl IntoIterator<Item = String>) -> Result<KeyPath, DbError> {
        let segments: Vec<String> = segments.into_iter().collect();
        let bytes: usize = segments.iter().map(|s| s.len() + 1).sum();
        let bad = segments.is_empty()
            || bytes > MAX_PATH_BYTES
            || segments
                .iter()
                .any(|s| s.is_empty() || s.contains(['\0', '/']));
        if bad {
            return Err(DbError::BadPath(format!("/{}", segments.join("/"))));
        }
        Ok(KeyPath { segments })
    }

    /// `/a/b/key`.
    pub fn display(&self) -> String {
        format!("/{}", self.segments.join("/"))
    }

    /// The last segment.
    pub fn key(&self) -> &str {
        self.segments.last().map_or("", String::as_str)
    }

    /// The bee key: segments joined by NUL.
    fn bee_key(&self) -> Vec<u8> {
        self.segments.join("\0").into_bytes()
    }

    /// The sub-bee prefix of this path as a folder: `a\0b\0`.
    fn folder_prefix(&self) -> Vec<u8> {
        let mut p = self.bee_key();
        p.push(0);
        p
    }
}

/// A record as the adb-api returns it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Record {
    /// The last path segment.
    pub key: String,
    /// `/a/b/key`.
    pub path: String,
    /// `hyper://DBID/a/b/key`.
    pub url: String,
    /// The block that wrote it.
    pub seq: u64,
    /// The JSON value.
    pub value: Value,
}

/// Bounds of a listing, on keys within the folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ListOpts {
    /// Keys after this.
    pub gt: Option<String>,
    /// Keys from this.
    pub gte: Option<String>,
    /// Keys before this.
    pub lt: Option<String>,
    /// Keys up to this.
    pub lte: Option<String>,
    /// Largest first.
    #[serde(default)]
    pub reverse: bool,
    /// At most this many.
    pub limit: Option<usize>,
    /// Deeper folders' records too, keyed by their path below the folder (`a/b/key`;
    /// the bounds compare such paths). spork's addition, for exports.
    #[serde(default)]
    pub recursive: bool,
}

/// One database.
pub struct Database {
    core: Arc<Core>,
    bee: Bee<Arc<Core>>,
    id: String,
    schemas: std::sync::RwLock<Schemas>,
    write: Mutex<()>,
}

impl Database {
    /// The database on `core`.
    pub fn open(core: Arc<Core>) -> Database {
        Database {
            id: hex::encode(core.key()),
            bee: Bee::new(core.clone()),
            core,
            schemas: std::sync::RwLock::new(Schemas::default()),
            write: Mutex::new(()),
        }
    }

    /// Its id: the core's key, hex.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Whether this home can write it.
    pub fn writable(&self) -> bool {
        self.core.writable()
    }

    /// The core under it.
    pub fn core(&self) -> &Arc<Core> {
        &self.core
    }

    /// Sets (or, with `None`, removes) the JSON Schema records under `prefix` must
    /// meet from now on.
    pub fn set_schema(&self, prefix: &str, schema: Option<&Value>) -> Result<(), DbError> {
        let mut schemas = self.schemas.write().unwrap_or_else(|p| p.into_inner());
        Ok(schemas.set(prefix, schema)?)
    }

    /// Checks `value` for `path`: an object, within the size limit, valid for its
    /// schema; its encoding.
    fn checked(&self, path: &KeyPath, value: &Value) -> Result<Vec<u8>, DbError> {
        if !value.is_object() {
            return Err(DbError::NotAnObject);
        }
        let bytes = serde_json::to_vec(value).map_err(|_| DbError::NotAnObject)?;
        if bytes.len() > MAX_VALUE_BYTES {
            return Err(DbError::TooLarge(bytes.len()));
        }
        let schemas = self.schemas.read().unwrap_or_else(|p| p.into_inner());
        schemas.check(&path.display(), value)?;
        Ok(bytes)
    }

    /// The version: the core's length.
    pub fn version(&self) -> u64 {
        self.core.length()
    }

    fn record(&self, path: String, key: String, seq: u64, value: &[u8]) -> Result<Record, DbError> {
        let value = serde_json::from_slice(value).map_err(|_| DbError::NotJson(path.clone()))?;
        Ok(Record {
            url: format!("hyper://{}{path}", self.id),
            key,
            path,
            seq,
            value,
        })
    }

    /// The record at `path`.
    pub fn get(&self, path: &KeyPath) -> Result<Option<Record>, DbError> {
        match self.bee.get(&path.bee_key())? {
            Some(r) => self
                .record(path.display(), path.key().to_string(), r.seq, &r.value)
                .map(Some),
            None => Ok(None),
        }
    }

    /// The records directly in folder `folder` (`None`: the top), within `opts`.
    pub fn list(&self, folder: Option<&KeyPath>, opts: &ListOpts) -> Result<Vec<Record>, DbError> {
        let prefix = folder.map(KeyPath::folder_prefix).unwrap_or_default();
        // Below the folder a path's `/` is the bee's NUL: bounds are paths too.
        let bound = |k: &Option<String>| k.as_ref().map(|k| k.replace('/', "\0").into_bytes());
        let range = Range {
            gt: bound(&opts.gt),
            gte: bound(&opts.gte),
            lt: bound(&opts.lt),
            lte: bound(&opts.lte),
            reverse: opts.reverse,
            limit: None,
        };
        let range = if prefix.is_empty() {
            range
        } else {
            sub_range(&prefix, &range)
        };
        let folder_path = folder.map(KeyPath::display).unwrap_or_default();
        let mut out = Vec::new();
        let mut failed = None;
        // Deeper folders' records sit in the same range: a listing shows this folder's.
        self.bee.range_each(&range, |r| {
            let rest = &r.key[prefix.len()..];
            if rest.contains(&0) && !opts.recursive {
                return true;
            }
            let below = String::from_utf8_lossy(rest).replace('\0', "/");
            let key = below.rsplit('/').next().unwrap_or_default().to_string();
            match self.record(format!("{folder_path}/{below}"), key, r.seq, &r.value) {
                Ok(record) => out.push(record),
                Err(e) => {
                    failed = Some(e);
                    return false;
                }
            }
            opts.limit.is_none_or(|l| out.len() < l)
        })?;
        if let Some(e) = failed {
            return Err(e);
        }
        Ok(out)
    }

    /// Writes `value` at `path`; the record as stored.
    pub fn put(&self, path: &KeyPath, value: &Value) -> Result<Record, DbError> {
        // `write` gives one record per entry.
        Ok(self.write(&[(path, value)])?.remove(0))
    }

    /// Writes every `(path, value)` in one append (one signature, one durable step);
    /// the records as stored. All are checked before any is written.
    pub fn put_many(&self, entries: &[(KeyPath, Value)]) -> Result<Vec<Record>, DbError> {
        let entries: Vec<(&KeyPath, &Value)> = entries.iter().map(|(p, v)| (p, v)).collect();
        self.write(&entries)
    }

    /// This database's write lock, if this home may write it.
    fn writer(&self) -> Result<std::sync::MutexGuard<'_, ()>, DbError> {
        if !self.writable() {
            return Err(DbError::ReadOnly(self.id.clone()));
        }
        Ok(self.write.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn write(&self, entries: &[(&KeyPath, &Value)]) -> Result<Vec<Record>, DbError> {
        let encoded = entries
            .iter()
            .map(|(path, value)| self.checked(path, value))
            .collect::<Result<Vec<_>, _>>()?;
        let _one_at_a_time = self.writer()?;
        let mut batch = self.bee.batch();
        for ((path, _), bytes) in entries.iter().zip(&encoded) {
            batch.put(&path.bee_key(), bytes)?;
        }
        let length = self.core.append(&batch.finish())?;
        let first = length - entries.len() as u64;
        entries
            .iter()
            .zip(&encoded)
            .enumerate()
            .map(|(i, ((path, _), bytes))| {
                let seq = first + i as u64;
                self.record(path.display(), path.key().to_string(), seq, bytes)
            })
            .collect()
    }

    /// Deletes the record at `path` (nothing if there is none).
    pub fn delete(&self, path: &KeyPath) -> Result<(), DbError> {
        let _one_at_a_time = self.writer()?;
        let blocks = self.bee.del(&path.bee_key())?;
        if !blocks.is_empty() {
            self.core.append(&blocks)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hypercore::storage::Corestore;
    use serde_json::json;

    fn db() -> (tempfile::TempDir, Database) {
        let dir = tempfile::tempdir().unwrap();
        let store = Corestore::open(&dir.path().join("cores.redb")).unwrap();
        let db = Database::open(store.named("db").unwrap());
        (dir, db)
    }

    #[test]
    fn records_live_under_folder_paths() {
        let (_dir, db) = db();
        let p = |s: &str| KeyPath::parse(s).unwrap();
        let r = db
            .put(&p("/users/alice"), &json!({"name": "Alice"}))
            .unwrap();
        assert_eq!(r.key, "alice");
        assert_eq!(r.path, "/users/alice");
        assert_eq!(r.url, format!("hyper://{}/users/alice", db.id()));
        assert_eq!(r.seq, 1);
        db.put(&p("/users/bob"), &json!({"name": "Bob"})).unwrap();
        db.put(&p("/users/bob/pets/rex"), &json!({"kind": "dog"}))
            .unwrap();
        db.put(&p("/top"), &json!({})).unwrap();
        assert_eq!(
            db.get(&p("users/alice")).unwrap().unwrap().value,
            json!({"name": "Alice"})
        );
        assert_eq!(db.get(&p("/users/carol")).unwrap(), None);
        let keys = |folder: Option<&str>, opts: &ListOpts| {
            db.list(folder.map(p).as_ref(), opts)
                .unwrap()
                .into_iter()
                .map(|r| r.path)
                .collect::<Vec<_>>()
        };
        // A folder lists its own records, not deeper ones.
        assert_eq!(
            keys(Some("/users"), &ListOpts::default()),
            ["/users/alice", "/users/bob"]
        );
        assert_eq!(
            keys(Some("/users/bob/pets"), &ListOpts::default()),
            ["/users/bob/pets/rex"]
        );
        assert_eq!(keys(None, &ListOpts::default()), ["/top"]);
        let opts = ListOpts {
            gt: Some("alice".into()),
            ..ListOpts::default()
        };
        assert_eq!(keys(Some("/users"), &opts), ["/users/bob"]);
        let opts = ListOpts {
            reverse: true,
            limit: Some(1),
            ..ListOpts::default()
        };
        assert_eq!(keys(Some("/users"), &opts), ["/users/bob"]);
        let all = ListOpts {
            recursive: true,
            ..ListOpts::default()
        };
        assert_eq!(
            keys(Some("/users"), &all),
            ["/users/alice", "/users/bob", "/users/bob/pets/rex"]
        );
        assert_eq!(keys(None, &all).len(), 4);
        let after = ListOpts {
            gt: Some("bob/pets".into()),
            ..all.clone()
        };
        assert_eq!(keys(Some("/users"), &after), ["/users/bob/pets/rex"]);
        db.delete(&p("/users/alice")).unwrap();
        assert_eq!(db.get(&p("/users/alice")).unwrap(), None);
        db.delete(&p("/users/nobody")).unwrap();
    }

    #[test]
    fn bad_paths_and_values_are_refused() {
        let (_dir, db) = db();
        for bad in ["", "/", "//", "/a/\0/b"] {
            assert!(
                matches!(KeyPath::parse(bad), Err(DbError::BadPath(_))),
                "{bad:?}"
            );
        }
        let long = format!("/{}", "x".repeat(MAX_PATH_BYTES));
        assert!(matches!(KeyPath::parse(&long), Err(DbError::BadPath(_))));
        let p = KeyPath::parse("/a").unwrap();
        assert!(matches!(db.put(&p, &json!([1])), Err(DbError::NotAnObject)));
        let big = json!({"x": "y".repeat(MAX_VALUE_BYTES)});
        assert!(matches!(db.put(&p, &big), Err(DbError::TooLarge(_))));
        assert_eq!(db.version(), 0);
    }

    #[test]
    fn a_schema_guards_its_folder() {
        let (_dir, db) = db();
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
        db.set_schema("/users", Some(&schema)).unwrap();
        let p = |s: &str| KeyPath::parse(s).unwrap();
        db.put(&p("/users/a"), &json!({"name": "A"})).unwrap();
        let err = db.put(&p("/users/b"), &json!({"name": 5})).unwrap_err();
        assert!(
            err.to_string().starts_with("/users/b: field /name: "),
            "{err}"
        );
        let batch = [
            (p("/users/c"), json!({"name": "C"})),
            (p("/users/d"), json!({"name": []})),
        ];
        assert!(matches!(db.put_many(&batch), Err(DbError::Schema(_))));
        assert_eq!(
            db.get(&p("/users/c")).unwrap(),
            None,
            "nothing of a refused batch"
        );
        db.put(&p("/posts/1"), &json!({"name": 5})).unwrap();
    }

    #[test]
    fn a_followed_database_is_read_only() {
        let dir = tempfile::tempdir().unwrap();
        let store = Corestore::open(&dir.path().join("cores.redb")).unwrap();
        let db = Database::open(store.get(&[7; 32]).unwrap());
        let err = db
            .put(&KeyPath::parse("/a").unwrap(), &json!({}))
            .unwrap_err();
        assert!(matches!(err, DbError::ReadOnly(_)), "{err}");
    }
}
