//! The host's state that must survive a restart: which services are installed, from
//! where, at which version, with which config, and whether each was stopped on purpose.
//! It lives in the server database (an ADB database, `serverDbId` in config.json) at
//! `/services/{id}`, one JSON record per service; the registry of ADB's other databases
//! sits beside it (`/databases/…`). Hosts of the previous issue kept it in
//! `DIR/host.redb`: [`Store::migrate`] copies that in once and renames the file.
//!
//! Durability: every `put`/`remove` is one append to the server database's core, which
//! is journaled before it returns, so `kill -9` loses nothing the host has
//! acknowledged (a power cut: at most the last second; see `hypercore::storage`).
//! Nothing here starts, stops or prints anything.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::adb::database::{Database, DbError, KeyPath};

/// The store of the previous issue: id → the service's record as JSON.
const LEGACY_SERVICES: TableDefinition<&str, &[u8]> = TableDefinition::new("services");
/// The server database's folder of service records.
const SERVICES: &str = "services";

/// What went wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The server database.
    #[error("the server database: {0}")]
    Db(#[from] DbError),
    /// A record that does not decode.
    #[error("the server database: record {id}: {message}")]
    Damaged {
        /// The service.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// The old `host.redb` could not be read or moved aside.
    #[error("{path}: {message}")]
    Legacy {
        /// Its path.
        path: std::path::PathBuf,
        /// What failed.
        message: String,
    },
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
    /// The user who owns it: the installer's key, or `system` (multi-user services, and
    /// every service installed before there were users).
    #[serde(default = "system_owner")]
    pub owning_user_key: String,
}

fn system_owner() -> String {
    crate::host::users::SYSTEM.to_string()
}

/// The store: services, users and sessions, each a folder of JSON records.
pub struct Store {
    db: Arc<Database>,
}

fn path_of(id: &str) -> Result<KeyPath, StoreError> {
    path_in(SERVICES, id)
}

fn path_in(folder: &str, id: &str) -> Result<KeyPath, StoreError> {
    Ok(KeyPath::from_segments([
        folder.to_string(),
        id.to_string(),
    ])?)
}

fn decode<T: DeserializeOwned>(id: &str, value: serde_json::Value) -> Result<T, StoreError> {
    serde_json::from_value(value).map_err(|e| StoreError::Damaged {
        id: id.to_string(),
        message: e.to_string(),
    })
}

impl Store {
    /// The store kept in the server database `db`.
    pub fn new(db: Arc<Database>) -> Store {
        Store { db }
    }

    /// Copies the services of a previous issue's `host.redb` at `legacy` in (one
    /// durable append), then renames the file `host.redb.migrated`; how many it moved.
    /// A crash between the two copies them again on the next start, to the same values.
    pub fn migrate(&self, legacy: &Path) -> Result<usize, StoreError> {
        if !legacy.exists() {
            return Ok(0);
        }
        let fail = |e: &dyn std::fmt::Display| StoreError::Legacy {
            path: legacy.to_owned(),
            message: e.to_string(),
        };
        let entries = {
            let old = redb::Database::open(legacy).map_err(|e| fail(&e))?;
            let txn = old.begin_read().map_err(|e| fail(&e))?;
            let mut entries = Vec::new();
            match txn.open_table(LEGACY_SERVICES) {
                Ok(table) => {
                    for row in table.iter().map_err(|e| fail(&e))? {
                        let (id, value) = row.map_err(|e| fail(&e))?;
                        let value: serde_json::Value = serde_json::from_slice(value.value())
                            .map_err(|e| fail(&format!("service {}: {e}", id.value())))?;
                        let record: ServiceRecord = decode(id.value(), value.clone())?;
                        entries.push((path_of(&record.id)?, value));
                    }
                }
                Err(redb::TableError::TableDoesNotExist(_)) => {}
                Err(e) => return Err(fail(&e)),
            }
            entries
        };
        if !entries.is_empty() {
            self.db.put_many(&entries)?;
        }
        let mut aside = legacy.as_os_str().to_owned();
        aside.push(".migrated");
        std::fs::rename(legacy, aside).map_err(|e| fail(&e))?;
        Ok(entries.len())
    }

    /// Every record of `folder`, by id.
    pub fn all_in<T: DeserializeOwned>(&self, folder: &str) -> Result<Vec<T>, StoreError> {
        let folder = KeyPath::parse(folder)?;
        self.db
            .list(Some(&folder), &Default::default())?
            .into_iter()
            .map(|r| decode(&r.key, r.value))
            .collect()
    }

    /// Record `id` of `folder`, if there.
    pub fn get_in<T: DeserializeOwned>(
        &self,
        folder: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError> {
        match self.db.get(&path_in(folder, id)?)? {
            Some(r) => decode(id, r.value).map(Some),
            None => Ok(None),
        }
    }

    /// Writes record `id` of `folder`, durably.
    pub fn put_in<T: Serialize>(
        &self,
        folder: &str,
        id: &str,
        record: &T,
    ) -> Result<(), StoreError> {
        let value = serde_json::to_value(record).expect("records serialise");
        self.db.put(&path_in(folder, id)?, &value)?;
        Ok(())
    }

    /// Forgets record `id` of `folder`, durably; false when it was not there.
    pub fn remove_in(&self, folder: &str, id: &str) -> Result<bool, StoreError> {
        let path = path_in(folder, id)?;
        if self.db.get(&path)?.is_none() {
            return Ok(false);
        }
        self.db.delete(&path)?;
        Ok(true)
    }

    /// Every installed service, by id.
    pub fn services(&self) -> Result<Vec<ServiceRecord>, StoreError> {
        self.all_in(SERVICES)
    }

    /// One service, if installed.
    pub fn service(&self, id: &str) -> Result<Option<ServiceRecord>, StoreError> {
        self.get_in(SERVICES, id)
    }

    /// Writes a service's record, durably.
    pub fn put_service(&self, record: &ServiceRecord) -> Result<(), StoreError> {
        self.put_in(SERVICES, &record.id, record)
    }

    /// Forgets a service, durably; false when it was not there.
    pub fn remove_service(&self, id: &str) -> Result<bool, StoreError> {
        self.remove_in(SERVICES, id)
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
            owning_user_key: "system".into(),
        }
    }

    fn server_db(dir: &Path) -> Arc<Database> {
        let store = crate::hypercore::storage::Corestore::open(&dir.join("cores.redb")).unwrap();
        Arc::new(Database::open(store.named("server").unwrap()))
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = Store::new(server_db(dir.path()));
            store.put_service(&record("hello")).unwrap();
            let mut b = record("b");
            b.stopped = true;
            store.put_service(&b).unwrap();
            assert!(store.remove_service("hello").unwrap());
            assert!(!store.remove_service("hello").unwrap());
            store.put_service(&record("a")).unwrap();
        }
        let store = Store::new(server_db(dir.path()));
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
    fn services_from_before_users_belong_to_system() {
        let mut old = serde_json::to_value(record("web")).unwrap();
        old.as_object_mut().unwrap().remove("owningUserKey");
        let r: ServiceRecord = decode("web", old).unwrap();
        assert_eq!(r.owning_user_key, "system");
    }

    #[test]
    fn a_previous_host_redb_is_moved_in_once() {
        let dir = tempfile::tempdir().unwrap();
        let legacy = dir.path().join("host.redb");
        {
            let old = redb::Database::create(&legacy).unwrap();
            let txn = old.begin_write().unwrap();
            {
                let mut table = txn.open_table(LEGACY_SERVICES).unwrap();
                for id in ["web", "notes"] {
                    let mut r = record(id);
                    r.config.insert("TOKEN".into(), "s3cret".into());
                    let bytes = serde_json::to_vec(&r).unwrap();
                    table.insert(id, bytes.as_slice()).unwrap();
                }
            }
            txn.commit().unwrap();
        }
        let store = Store::new(server_db(dir.path()));
        assert_eq!(store.migrate(&legacy).unwrap(), 2);
        assert!(!legacy.exists());
        assert!(dir.path().join("host.redb.migrated").exists());
        assert_eq!(store.migrate(&legacy).unwrap(), 0);
        let notes = store.service("notes").unwrap().unwrap();
        assert_eq!(notes.config["TOKEN"], "s3cret");
        assert_eq!(notes, {
            let mut r = record("notes");
            r.config.insert("TOKEN".into(), "s3cret".into());
            r
        });
        assert_eq!(store.services().unwrap().len(), 2);
    }
}
