//! Backups of a home: `spork host backup FILE` while the host runs, `spork host restore
//! FILE` into a new folder. A backup is a tar file: `config.json`, `seeds.json`, a
//! consistent snapshot of `cores.redb` (every database: the server's, so every
//! service's record and config; the registry; the services' own), each non-linked
//! service's `packages/{id}` and every service's `data/{id}`, then `backup.json` last —
//! what the backup holds and the SHA-256 of every file, which restore checks.
//!
//! Consistency: the databases are exactly what was acknowledged when the snapshot's
//! read transaction began (see `hypercore::storage::snapshot`); installs wait for a
//! backup. A service's own files in `data/` are copied as they are while it runs:
//! a service that needs them consistent keeps its state in ADB.
//!
//! Secrets: the store holds the databases' signing keys and services' config values
//! (secret ones too), so a backup file is always created owner-only (0600). The host's
//! own credentials (`secrets.json`: the admin token; `seed-key.json`; `host-key.json`,
//! its remote-access identity) go in only when
//! asked for. Nothing here prints.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::dir::HostDir;
use super::store::Store;
use crate::adb::registry::Adb;
use crate::hypercore::storage::Corestore;

/// The format this module writes and reads.
const FORMAT: &str = "spork-backup/1";
/// The manifest, the archive's last entry.
const MANIFEST: &str = "backup.json";
/// Files at the folder's top that a backup carries (`secrets` ones only when asked).
const TOP_FILES: [&str; 2] = ["config.json", "seeds.json"];
const SECRET_FILES: [&str; 3] = ["secrets.json", "seed-key.json", "host-key.json"];
/// The store's file.
const CORES: &str = "cores.redb";

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The folder to restore into has something in it.
    #[error("{0} is not empty: restore into a new folder")]
    NotEmpty(PathBuf),
    /// The file is not a spork backup, or it is damaged.
    #[error("{file}: {problem}")]
    Invalid {
        /// The backup file.
        file: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The store or the databases.
    #[error("{0}")]
    Store(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// One database in a backup.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbEntry {
    /// Its id.
    pub db_id: String,
    /// Its version (the core's length) in the snapshot.
    pub version: u64,
}

/// `backup.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// When it was taken, RFC 3339.
    pub created: String,
    /// The spork that took it.
    pub spork: String,
    /// The server database.
    pub server_db_id: String,
    /// Whether the host's own credentials are in it.
    pub secrets: bool,
    /// The services' ids.
    pub services: Vec<String>,
    /// Every database, the server's first.
    pub databases: Vec<DbEntry>,
    /// Every regular file's path → SHA-256, hex.
    pub files: BTreeMap<String, String>,
}

/// What a backup or restore did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// The services in it.
    pub services: usize,
    /// The databases in it.
    pub databases: usize,
    /// The host's credentials are in it.
    pub secrets: bool,
    /// The file's size.
    pub bytes: u64,
}

/// What a host hands [`write`]: its folder, store, databases and services.
pub struct Source<'a> {
    /// The folder.
    pub dir: &'a HostDir,
    /// The corestore.
    pub store: &'a Corestore,
    /// ADB.
    pub adb: &'a Adb,
    /// (id, linked) of every service.
    pub services: Vec<(String, bool)>,
}

/// A reader that hashes what it reads, of exactly `len` bytes: a file that shrinks
/// while it is read is padded with zeros, one that grows is cut (a tar entry's size is
/// written before its bytes).
struct Hashing<R> {
    inner: io::Take<io::Chain<R, io::Repeat>>,
    hash: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
}

struct Writer<W: Write> {
    tar: tar::Builder<W>,
    files: BTreeMap<String, String>,
}

impl<W: Write> Writer<W> {
    fn file(&mut self, name: &str, path: &Path) -> Result<(), BackupError> {
        let file = File::open(path).map_err(io_at(path))?;
        let meta = file.metadata().map_err(io_at(path))?;
        let mut header = tar::Header::new_gnu();
        header.set_metadata(&meta);
        let mut reader = Hashing {
            inner: file.chain(io::repeat(0)).take(meta.len()),
            hash: Sha256::new(),
        };
        self.tar
            .append_data(&mut header, name, &mut reader)
            .map_err(io_at(path))?;
        self.files
            .insert(name.to_string(), hex::encode(reader.hash.finalize()));
        Ok(())
    }

    fn bytes(&mut self, name: &str, bytes: &[u8]) -> Result<(), BackupError> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(now_secs());
        self.tar
            .append_data(&mut header, name, bytes)
            .map_err(io_at(Path::new(name)))
    }

    /// A folder, recursively: folders, regular files and symlinks (npm's `.bin`).
    fn tree(&mut self, name: &str, path: &Path) -> Result<(), BackupError> {
        let meta = std::fs::symlink_metadata(path).map_err(io_at(path))?;
        let kind = meta.file_type();
        if kind.is_symlink() {
            let target = std::fs::read_link(path).map_err(io_at(path))?;
            let mut header = tar::Header::new_gnu();
            header.set_metadata(&meta);
            self.tar
                .append_link(&mut header, name, target)
                .map_err(io_at(path))
        } else if kind.is_dir() {
            let mut header = tar::Header::new_gnu();
            header.set_metadata(&meta);
            self.tar
                .append_data(&mut header, name, io::empty())
                .map_err(io_at(path))?;
            let mut entries: Vec<_> = std::fs::read_dir(path)
                .map_err(io_at(path))?
                .filter_map(Result::ok)
                .collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let child = format!("{name}/{}", e.file_name().to_string_lossy());
                self.tree(&child, &e.path())?;
            }
            Ok(())
        } else if kind.is_file() {
            self.file(name, path)
        } else {
            // Sockets and pipes are the running host's, not data.
            Ok(())
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Writes a backup of `source` to `out`; what it holds.
pub fn write(source: &Source<'_>, secrets: bool, out: &Path) -> Result<Manifest, BackupError> {
    let root = source.dir.root();
    let snapshot = root.join(format!(".backup-{}.redb", crate::host::dir::random_token()));
    // The snapshot is a file of its own while it is copied in; gone however this ends.
    struct Remove<'a>(&'a Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
        }
    }
    let _remove = Remove(&snapshot);
    source
        .store
        .snapshot_to(&snapshot)
        .map_err(|e| BackupError::Store(e.to_string()))?;
    let databases: Vec<DbEntry> = {
        // The versions as the snapshot has them.
        let copy = Corestore::open(&snapshot).map_err(|e| BackupError::Store(e.to_string()))?;
        let ids = std::iter::once(source.adb.server().id().to_string()).chain(
            source
                .adb
                .list(&crate::adb::registry::Who::Admin)
                .into_iter()
                .filter(|d| !d.is_server_db)
                .map(|d| d.db_id),
        );
        ids.map(|id| {
            let key = crate::hypercore::id::parse_key(&id)
                .map_err(|e| BackupError::Store(e.to_string()))?;
            let core = copy
                .get(&key)
                .map_err(|e| BackupError::Store(e.to_string()))?;
            Ok(DbEntry {
                db_id: id,
                version: core.length(),
            })
        })
        .collect::<Result<_, BackupError>>()?
    };
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode_private()
        .open(out)
        .map_err(io_at(out))?;
    let mut w = Writer {
        tar: tar::Builder::new(io::BufWriter::new(file)),
        files: BTreeMap::new(),
    };
    let mut top: Vec<&str> = TOP_FILES.to_vec();
    if secrets {
        top.extend(SECRET_FILES);
    }
    for name in top {
        let path = root.join(name);
        if path.exists() {
            w.file(name, &path)?;
        }
    }
    w.file(CORES, &snapshot)?;
    for (id, linked) in &source.services {
        if !linked {
            let package = super::services::package_dir(source.dir, id);
            if package.exists() {
                w.tree(&format!("packages/{id}"), &package)?;
            }
        }
        let data = source.dir.data(id);
        if data.exists() {
            w.tree(&format!("data/{id}"), &data)?;
        }
    }
    let manifest = Manifest {
        format: FORMAT.into(),
        created: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        spork: env!("CARGO_PKG_VERSION").into(),
        server_db_id: source.adb.server().id().to_string(),
        secrets,
        services: source.services.iter().map(|(id, _)| id.clone()).collect(),
        databases,
        files: std::mem::take(&mut w.files),
    };
    let bytes = serde_json::to_vec_pretty(&manifest).expect("manifests serialise");
    w.bytes(MANIFEST, &bytes)?;
    let buffered = w.tar.into_inner().map_err(io_at(out))?;
    let file = buffered.into_inner().map_err(|e| BackupError::Io {
        path: out.to_owned(),
        source: e.into_error(),
    })?;
    file.sync_all().map_err(io_at(out))?;
    Ok(manifest)
}

trait PrivateOpen {
    fn mode_private(&mut self) -> &mut Self;
}

impl PrivateOpen for std::fs::OpenOptions {
    fn mode_private(&mut self) -> &mut Self {
        use std::os::unix::fs::OpenOptionsExt;
        self.mode(0o600)
    }
}

/// Whether an archive path may be unpacked: relative, no `..`, under a known top.
fn allowed(path: &Path) -> bool {
    let mut parts = path.components();
    let first = match parts.next() {
        Some(Component::Normal(p)) => p.to_string_lossy().into_owned(),
        _ => return false,
    };
    let plain = path.components().all(|c| matches!(c, Component::Normal(_)));
    let known = first == CORES
        || first == MANIFEST
        || first == "packages"
        || first == "data"
        || TOP_FILES.contains(&first.as_str())
        || SECRET_FILES.contains(&first.as_str());
    plain && known
}

fn sha256_file(path: &Path) -> Result<String, BackupError> {
    let mut file = File::open(path).map_err(io_at(path))?;
    let mut hash = Sha256::new();
    io::copy(&mut file, &mut hash).map_err(io_at(path))?;
    Ok(hex::encode(hash.finalize()))
}

/// Restores the backup `file` into `dir` (made if missing; refused unless empty),
/// then checks it: every file's checksum, every database opens with its signatures
/// and at least its version, every service's record is there.
pub fn restore(file: &Path, dir: &Path, root: bool) -> Result<Manifest, BackupError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BackupError::NotEmpty(dir.to_owned()));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(io_at(dir))?;
        }
        Err(e) => return Err(io_at(dir)(e)),
    }
    // Whatever goes wrong, the folder is left as empty as it was found.
    let restored = unpack_and_check(file, dir, root);
    if restored.is_err() {
        if let Ok(entries) = std::fs::read_dir(dir) {
            for e in entries.flatten() {
                let path = e.path();
                let _ = if path.is_dir() && !path.is_symlink() {
                    std::fs::remove_dir_all(&path)
                } else {
                    std::fs::remove_file(&path)
                };
            }
        }
    }
    restored
}

fn unpack_and_check(file: &Path, dir: &Path, root: bool) -> Result<Manifest, BackupError> {
    let invalid = |problem: String| BackupError::Invalid {
        file: file.to_owned(),
        problem,
    };
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_at(dir))?;
    let reader = File::open(file).map_err(io_at(file))?;
    let mut archive = tar::Archive::new(io::BufReader::new(reader));
    archive.set_preserve_permissions(true);
    archive.set_preserve_ownerships(root);
    let mut unpacked = Vec::new();
    let mut manifest_bytes = None;
    for entry in archive.entries().map_err(io_at(file))? {
        let mut entry = entry.map_err(|e| invalid(format!("not a tar file: {e}")))?;
        let path = entry
            .path()
            .map_err(|e| invalid(e.to_string()))?
            .into_owned();
        if !allowed(&path) {
            return Err(invalid(format!("unexpected entry {}", path.display())));
        }
        if path == Path::new(MANIFEST) {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(io_at(file))?;
            manifest_bytes = Some(bytes);
            continue;
        }
        if entry.header().entry_type().is_file() {
            unpacked.push(path.to_string_lossy().into_owned());
        }
        let placed = entry.unpack_in(dir).map_err(io_at(dir))?;
        if !placed {
            return Err(invalid(format!("unsafe entry {}", path.display())));
        }
    }
    let bytes =
        manifest_bytes.ok_or_else(|| invalid("no backup.json: not a spork backup".into()))?;
    let manifest: Manifest =
        serde_json::from_slice(&bytes).map_err(|e| invalid(format!("backup.json: {e}")))?;
    if manifest.format != FORMAT {
        return Err(invalid(format!(
            "format {:?}, expected {FORMAT}",
            manifest.format
        )));
    }
    unpacked.sort();
    let listed: Vec<&String> = manifest.files.keys().collect();
    if unpacked.iter().collect::<Vec<_>>() != listed {
        return Err(invalid(
            "its files are not the ones backup.json lists".into(),
        ));
    }
    for (name, sum) in &manifest.files {
        if sha256_file(&dir.join(name))? != *sum {
            return Err(invalid(format!("{name} is damaged (checksum mismatch)")));
        }
    }
    verify_databases(dir, &manifest).map_err(invalid)?;
    Ok(manifest)
}

/// Opens the restored store as the host will: the server database and every database
/// its registry lists, at least at the versions the manifest names, and every service.
fn verify_databases(dir: &Path, manifest: &Manifest) -> Result<(), String> {
    let store = Corestore::open(&dir.join(CORES)).map_err(|e| e.to_string())?;
    let server =
        crate::hypercore::id::parse_key(&manifest.server_db_id).map_err(|e| e.to_string())?;
    let adb =
        Adb::open(store.clone(), Some(&server), Box::new(|_, _| {})).map_err(|e| e.to_string())?;
    for db in &manifest.databases {
        let key = crate::hypercore::id::parse_key(&db.db_id).map_err(|e| e.to_string())?;
        let length = store.get(&key).map_err(|e| e.to_string())?.length();
        if length < db.version {
            return Err(format!(
                "database {} has {length} of its {} blocks",
                db.db_id, db.version
            ));
        }
    }
    let services = Store::new(adb.server().clone())
        .services()
        .map_err(|e| e.to_string())?;
    let ids: Vec<&String> = services.iter().map(|s| &s.id).collect();
    let listed: Vec<&String> = manifest.services.iter().collect();
    if ids != listed {
        return Err(format!(
            "its services {ids:?} are not the ones listed, {listed:?}"
        ));
    }
    let config: Value = std::fs::read(dir.join("config.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("config.json is missing or not JSON")?;
    if config.get("serverDbId").and_then(Value::as_str) != Some(manifest.server_db_id.as_str()) {
        return Err("config.json names another server database".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_relative_paths_are_unpacked() {
        for good in [
            "cores.redb",
            "config.json",
            "data/hello/x.txt",
            "packages/hello/index.js",
        ] {
            assert!(allowed(Path::new(good)), "{good}");
        }
        for bad in [
            "../x",
            "/etc/passwd",
            "data/../../x",
            "logs/hello.log",
            "host.sock",
            "./config.json",
            "",
        ] {
            assert!(!allowed(Path::new(bad)), "{bad}");
        }
    }
}
