//! The host's state that must survive a restart: which services are installed, from
//! where, at which version, with which config, and whether each was stopped on purpose.
//! A small interface over `redb` (`DIR/host.redb`) that the ADB issue moves into the
//! server database without changing its callers.
//!
//! Durability: every `put`/`remove` is one redb write transaction committed with
//! immediate durability (fsync) before it returns, so `kill -9` loses nothing the host
//! has acknowledged. Nothing here starts, stops or prints anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::{Deserialize, Serialize};

/// id → the service's record as JSON (serde keeps the records readable and lets fields
/// be added without a migration).
const SERVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("services");

/// What went wrong with the store, naming its file.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct StoreError {
    /// The store's file.
    pub path: PathBuf,
    /// What failed.
    pub message: String,
}

/// Where a service was installed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceType {
    /// A local folder (copied, or run in place with `--link`).
    File,
    /// A git repository.
    Git,
}

/// One installed service, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceRecord {
    /// Its id: a DNS label.
    pub id: String,
    /// Where it came from: an absolute path or a git URL.
    pub source_url: String,
    /// File or git.
    pub source_type: SourceType,
    /// Runs in place from `source_url` instead of a copy (development).
    #[serde(default)]
    pub link: bool,
    /// The semver range updates follow (git only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_version: Option<String>,
    /// The installed release's tag (git), or the manifest's `version`, else none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The installed commit (git).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The folder the service runs from.
    pub package_dir: PathBuf,
    /// Config values (the manifest's schema names them); secret ones included, never
    /// shown.
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    /// `--env K=V` given at install.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// The admin consented to outbound network.
    #[serde(default)]
    pub allow_network: bool,
    /// The admin allowed npm install scripts.
    #[serde(default)]
    pub allow_scripts: bool,
    /// Stopped on purpose: stays stopped across a host restart.
    #[serde(default)]
    pub stopped: bool,
    /// The uid it runs under when the host is root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    /// A newer release the periodic check found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_available: Option<String>,
    /// When it was installed, in Unix seconds.
    #[serde(default)]
    pub installed_at: u64,
}

/// The store: services today; users and sessions next.
#[derive(Debug)]
pub struct Store {
    db: redb::Database,
    path: PathBuf,
}

impl Store {
    /// Opens (or creates) the store at `path`, owner-only.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let err = |e: &dyn std::fmt::Display| StoreError {
            path: path.to_owned(),
            message: e.to_string(),
        };
        let db = redb::Database::create(path).map_err(|e| err(&e))?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| err(&e))?;
        let store = Store {
            db,
            path: path.to_owned(),
        };
        // Make the table so readers never meet "no such table".
        let txn = store.db.begin_write().map_err(|e| err(&e))?;
        txn.open_table(SERVICES).map_err(|e| err(&e))?;
        txn.commit().map_err(|e| err(&e))?;
        Ok(store)
    }

    fn error(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// Every installed service, by id.
    pub fn services(&self) -> Result<Vec<ServiceRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SERVICES).map_err(|e| self.error(e))?;
        let mut out = Vec::new();
        for row in table.iter().map_err(|e| self.error(e))? {
            let (id, value) = row.map_err(|e| self.error(e))?;
            let record = serde_json::from_slice(value.value())
                .map_err(|e| self.error(format!("service {}: {e}", id.value())))?;
            out.push(record);
        }
        Ok(out)
    }

    /// One service, if installed.
    pub fn service(&self, id: &str) -> Result<Option<ServiceRecord>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let table = txn.open_table(SERVICES).map_err(|e| self.error(e))?;
        let Some(value) = table.get(id).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        serde_json::from_slice(value.value())
            .map(Some)
            .map_err(|e| self.error(format!("service {id}: {e}")))
    }

    /// Writes a service's record, durably.
    pub fn put_service(&self, record: &ServiceRecord) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(record).expect("records serialise");
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        {
            let mut table = txn.open_table(SERVICES).map_err(|e| self.error(e))?;
            table
                .insert(record.id.as_str(), bytes.as_slice())
                .map_err(|e| self.error(e))?;
        }
        txn.commit().map_err(|e| self.error(e))
    }

    /// Forgets a service, durably; false when it was not there.
    pub fn remove_service(&self, id: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_write().map_err(|e| self.error(e))?;
        let removed = {
            let mut table = txn.open_table(SERVICES).map_err(|e| self.error(e))?;
            let removed = table.remove(id).map_err(|e| self.error(e))?.is_some();
            removed
        };
        txn.commit().map_err(|e| self.error(e))?;
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> ServiceRecord {
        ServiceRecord {
            id: id.into(),
            source_url: "/src/hello".into(),
            source_type: SourceType::File,
            link: false,
            desired_version: None,
            version: Some("1.0.0".into()),
            commit: None,
            package_dir: "/x/packages/hello".into(),
            config: BTreeMap::new(),
            env: BTreeMap::new(),
            allow_network: false,
            allow_scripts: false,
            stopped: false,
            uid: None,
            update_available: None,
            installed_at: 1,
        }
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("host.redb");
        {
            let store = Store::open(&path).unwrap();
            store.put_service(&record("hello")).unwrap();
            let mut b = record("b");
            b.stopped = true;
            store.put_service(&b).unwrap();
            assert!(store.remove_service("hello").unwrap());
            assert!(!store.remove_service("hello").unwrap());
            store.put_service(&record("a")).unwrap();
        }
        let store = Store::open(&path).unwrap();
        let ids: Vec<_> = store
            .services()
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
        assert!(store.service("b").unwrap().unwrap().stopped);
        assert_eq!(store.service("hello").unwrap(), None);
    }

    #[test]
    fn a_second_opener_gets_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("host.redb");
        let _first = Store::open(&path).unwrap();
        let err = Store::open(&path).unwrap_err().to_string();
        assert!(err.contains("host.redb"), "{err}");
    }
}
