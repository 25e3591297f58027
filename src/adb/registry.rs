//! The databases of one home: which exist, who owns each, under which alias, whether it
//! is shared, and the schemas its records must meet. The registry itself is records in
//! the server database (`/databases/{dbId}`), so it is as durable as any write and a
//! backup of the server database is a backup of it.
//!
//! Every way in takes a [`Who`] and checks it: a service reaches the databases it owns
//! and, to read, public ones; the admin reaches all. A database the caller may not see
//! is answered as not found, so a private database's id leaks nothing. Aliases are
//! scoped to the owning service. Public and followed databases are replicated: the
//! registry tells its owner which cores to share through the callback given at
//! [`Adb::open`], and never touches the network itself.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::database::{Database, DbError, KeyPath};
use crate::hypercore::id::parse_key;
use crate::hypercore::storage::{Corestore, StorageError};
use crate::keys::KeyPair;
use crate::swarm::crypto::Key32;

/// The name the server database is known by to the admin.
pub const SERVER_DB_NAME: &str = "server";
/// The owner of what no service owns: the host's own databases and the admin's.
pub const SYSTEM: &str = "system";
/// The folder of the server database the registry lives in.
const REGISTRY_FOLDER: &str = "databases";
/// The longest alias.
const MAX_ALIAS: usize = 64;

/// Who is asking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// The admin: every database.
    Admin,
    /// A service, by id: its own databases, and public ones to read.
    Service(String),
}

impl Who {
    fn service_key(&self) -> &str {
        match self {
            Who::Admin => SYSTEM,
            Who::Service(id) => id,
        }
    }
}

/// Whether a database is shared with other homes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    /// Only this home, and only its owner and the admin.
    #[default]
    Private,
    /// Announced on the swarm for any home (and any service here) to read.
    Public,
}

impl Access {
    /// `"private"` or `"public"`.
    pub fn parse(text: &str) -> Result<Access, AdbError> {
        match text {
            "private" => Ok(Access::Private),
            "public" => Ok(Access::Public),
            other => Err(AdbError::Invalid(format!(
                "access must be \"private\" or \"public\", not {other:?}"
            ))),
        }
    }
}

/// Who owns a database: the original's `{userKey, serviceKey}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Owner {
    /// The owning user (`system` until users exist).
    pub user_key: String,
    /// The owning service (`system` for the admin's own).
    pub service_key: String,
}

impl Owner {
    /// The owner a caller gets for what it makes.
    pub fn of(who: &Who) -> Owner {
        Owner {
            user_key: SYSTEM.into(),
            service_key: who.service_key().into(),
        }
    }
}

/// A database's registry record, as stored in the server database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DbRecord {
    /// The core's key, hex.
    pub db_id: String,
    /// Its owner.
    pub owner: Owner,
    /// Its alias, unique among its owning service's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    /// Shared or not.
    #[serde(default)]
    pub access: Access,
    /// When it was made (or first followed), RFC 3339.
    pub created_at: String,
    /// Another home's database, followed read-only.
    #[serde(default)]
    pub following: bool,
    /// Path prefix → the JSON Schema records under it must meet.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Value>,
}

/// What a caller may change of a database (`dbConfigure`, `adminEditDbConfig`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DbChange {
    /// A new alias (`Some("")` removes it).
    pub alias: Option<String>,
    /// A new access.
    pub access: Option<Access>,
    /// Schemas to set, by prefix (`null` removes one).
    pub schemas: BTreeMap<String, Value>,
    /// A new owner (admin only).
    pub owner: Option<Owner>,
}

/// Why a registry call failed.
#[derive(Debug, thiserror::Error)]
pub enum AdbError {
    /// No such database, or one the caller may not see.
    #[error("Not found: database {0}")]
    NoDatabase(String),
    /// No record at the path.
    #[error("Not found: {0}")]
    NoRecord(String),
    /// The caller may see the database but not do this.
    #[error("Permission denied: {0}")]
    Denied(String),
    /// A parameter that does not fit.
    #[error("{0}")]
    Invalid(String),
    /// The database.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The store.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A registry record that does not decode.
    #[error("the registry record of database {0} is damaged")]
    Damaged(String),
}

struct Open {
    record: DbRecord,
    db: Arc<Database>,
}

/// Tells the owner of the network to share (`true`) or stop sharing a core.
pub type Share = Box<dyn Fn(&Key32, bool) + Send + Sync>;

/// One home's databases.
pub struct Adb {
    store: Corestore,
    server: Arc<Database>,
    open: RwLock<BTreeMap<String, Open>>,
    /// One registry change at a time: aliases stay unique.
    changing: Mutex<()>,
    share: Share,
}

fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn registry_path(db_id: &str) -> KeyPath {
    KeyPath::from_segments([REGISTRY_FOLDER.to_string(), db_id.to_string()])
        .expect("a db id is a path segment")
}

fn check_alias(alias: &str) -> Result<(), AdbError> {
    let ok = !alias.is_empty()
        && alias.len() <= MAX_ALIAS
        && alias
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(AdbError::Invalid(format!(
            "invalid alias {alias:?}: 1 to {MAX_ALIAS} of a-z, A-Z, 0-9, '-', '_', '.'"
        )))
    }
}

impl Adb {
    /// Opens the databases kept in `store`: the server database `server_db` (made when
    /// `None`) and every database its registry lists. Shared ones are handed to `share`
    /// at once.
    pub fn open(
        store: Corestore,
        server_db: Option<&Key32>,
        share: Share,
    ) -> Result<Adb, AdbError> {
        let server = match server_db {
            Some(key) => store.get(key)?,
            None => store.named("atek-server-db")?,
        };
        let server = Arc::new(Database::open(server));
        let adb = Adb {
            store,
            server,
            open: RwLock::new(BTreeMap::new()),
            changing: Mutex::new(()),
            share,
        };
        let folder = KeyPath::parse(REGISTRY_FOLDER)?;
        let mut open = BTreeMap::new();
        for r in adb.server.list(Some(&folder), &Default::default())? {
            let record: DbRecord =
                serde_json::from_value(r.value).map_err(|_| AdbError::Damaged(r.key.clone()))?;
            let db = adb.open_db(&record)?;
            adb.announce(&record);
            open.insert(record.db_id.clone(), Open { record, db });
        }
        *adb.open.write().unwrap_or_else(|p| p.into_inner()) = open;
        Ok(adb)
    }

    fn open_db(&self, record: &DbRecord) -> Result<Arc<Database>, AdbError> {
        let key = parse_key(&record.db_id).map_err(|_| AdbError::Damaged(record.db_id.clone()))?;
        let db = Database::open(self.store.get(&key)?);
        for (prefix, schema) in &record.schemas {
            db.set_schema(prefix, Some(schema))?;
        }
        Ok(Arc::new(db))
    }

    fn announce(&self, record: &DbRecord) {
        if let Ok(key) = parse_key(&record.db_id) {
            (self.share)(&key, record.access == Access::Public || record.following);
        }
    }

    /// The server database: the host's own state.
    pub fn server(&self) -> &Arc<Database> {
        &self.server
    }

    /// The store the databases are kept in.
    pub fn store(&self) -> &Corestore {
        &self.store
    }

    /// The database named by `name`: its id (hex or z-base-32), `SERVICE/ALIAS`, or
    /// `server` (the admin only), as `who` may see it.
    pub fn resolve(&self, who: &Who, name: &str) -> Result<String, AdbError> {
        let missing = || AdbError::NoDatabase(name.to_string());
        if let Ok(key) = parse_key(name) {
            let id = hex::encode(key);
            if id == self.server.id() && *who == Who::Admin {
                return Ok(id);
            }
            let open = self.open.read().unwrap_or_else(|p| p.into_inner());
            return match open.get(&id) {
                Some(o) if visible(who, &o.record) => Ok(id),
                _ => Err(missing()),
            };
        }
        if name == SERVER_DB_NAME && *who == Who::Admin {
            return Ok(self.server.id().to_string());
        }
        let (service, alias) = match name.split_once('/') {
            Some((s, a)) => (s, a),
            None => (who.service_key(), name),
        };
        self.by_alias(service, alias)
            .filter(|r| visible(who, r))
            .map(|r| r.db_id)
            .ok_or_else(missing)
    }

    fn by_alias(&self, service: &str, alias: &str) -> Option<DbRecord> {
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        open.values()
            .find(|o| {
                o.record.owner.service_key == service && o.record.alias.as_deref() == Some(alias)
            })
            .map(|o| o.record.clone())
    }

    /// The database `db_id` (already resolved) for reading, if `who` may read it.
    pub fn reader(&self, who: &Who, db_id: &str) -> Result<Arc<Database>, AdbError> {
        if db_id == self.server.id() && *who == Who::Admin {
            return Ok(self.server.clone());
        }
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        match open.get(db_id) {
            Some(o) if visible(who, &o.record) => Ok(o.db.clone()),
            _ => Err(AdbError::NoDatabase(db_id.to_string())),
        }
    }

    /// The database `db_id` for writing, if `who` may write it.
    pub fn writer(&self, who: &Who, db_id: &str) -> Result<Arc<Database>, AdbError> {
        let db = self.reader(who, db_id)?;
        if !self.record(db_id).is_some_and(|r| owns(who, &r)) {
            return Err(AdbError::Denied(format!(
                "database {db_id} belongs to another service"
            )));
        }
        if !db.writable() {
            return Err(AdbError::Db(DbError::ReadOnly(db_id.to_string())));
        }
        Ok(db)
    }

    /// The registry record of `db_id` (the server database has a made-up one).
    fn record(&self, db_id: &str) -> Option<DbRecord> {
        if db_id == self.server.id() {
            return Some(DbRecord {
                db_id: db_id.to_string(),
                owner: Owner::of(&Who::Admin),
                alias: Some(SERVER_DB_NAME.into()),
                access: Access::Private,
                created_at: String::new(),
                following: false,
                schemas: BTreeMap::new(),
            });
        }
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        open.get(db_id).map(|o| o.record.clone())
    }

    /// `dbDescribe`: what `who` may know of the database.
    pub fn describe(&self, who: &Who, db_id: &str) -> Result<DbInfo, AdbError> {
        let db = self.reader(who, db_id)?;
        let record = self
            .record(db_id)
            .ok_or_else(|| AdbError::NoDatabase(db_id.to_string()))?;
        Ok(DbInfo::new(&record, &db, db_id == self.server.id()))
    }

    /// `dbList`: the caller's databases (the admin's: all of them, the server's first).
    pub fn list(&self, who: &Who) -> Vec<DbInfo> {
        let mut out = Vec::new();
        if *who == Who::Admin {
            if let Ok(info) = self.describe(who, self.server.id()) {
                out.push(info);
            }
        }
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        out.extend(
            open.values()
                .filter(|o| owns(who, &o.record))
                .map(|o| DbInfo::new(&o.record, &o.db, false)),
        );
        out
    }

    /// `adminListDbsByOwningUser`.
    pub fn list_by_user(&self, user_key: &str) -> Vec<DbInfo> {
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        open.values()
            .filter(|o| o.record.owner.user_key == user_key)
            .map(|o| DbInfo::new(&o.record, &o.db, false))
            .collect()
    }

    /// `dbCreate` / `adminCreateDb`: a new database of `owner`.
    pub fn create(
        &self,
        owner: Owner,
        alias: Option<&str>,
        access: Access,
    ) -> Result<DbInfo, AdbError> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(alias) = alias {
            check_alias(alias)?;
            if self.by_alias(&owner.service_key, alias).is_some() {
                return Err(AdbError::Invalid(format!(
                    "{}/{alias} already names a database",
                    owner.service_key
                )));
            }
        }
        let core = self.store.with_key_pair(&KeyPair::generate())?;
        let record = DbRecord {
            db_id: hex::encode(core.key()),
            owner,
            alias: alias.map(str::to_owned),
            access,
            created_at: now_rfc3339(),
            following: false,
            schemas: BTreeMap::new(),
        };
        self.insert(record)
    }

    /// `dbGetOrCreate`: the caller's database under `alias` (made if missing), or, given
    /// a core key, that database — followed read-only if it is not this home's.
    pub fn get_or_create(
        &self,
        who: &Who,
        alias_or_key: &str,
        access: Option<Access>,
    ) -> Result<DbInfo, AdbError> {
        if let Ok(key) = parse_key(alias_or_key) {
            let id = hex::encode(key);
            if self.record(&id).is_some() {
                return self.describe(who, &id);
            }
            return self.follow(who, &key);
        }
        if let Some(r) = self.by_alias(who.service_key(), alias_or_key) {
            return self.describe(who, &r.db_id);
        }
        self.create(
            Owner::of(who),
            Some(alias_or_key),
            access.unwrap_or_default(),
        )
    }

    /// Follows another home's database `key`, read-only and live.
    pub fn follow(&self, who: &Who, key: &Key32) -> Result<DbInfo, AdbError> {
        let id = hex::encode(key);
        if let Some(record) = self.record(&id) {
            return Err(AdbError::Invalid(if record.following {
                format!("database {id} is already followed")
            } else {
                format!("database {id} is this home's own")
            }));
        }
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        let record = DbRecord {
            db_id: id,
            owner: Owner::of(who),
            alias: None,
            access: Access::Public,
            created_at: now_rfc3339(),
            following: true,
            schemas: BTreeMap::new(),
        };
        self.insert(record)
    }

    fn insert(&self, record: DbRecord) -> Result<DbInfo, AdbError> {
        let db = self.open_db(&record)?;
        self.save(&record)?;
        let info = DbInfo::new(&record, &db, false);
        self.announce(&record);
        let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
        open.insert(record.db_id.clone(), Open { record, db });
        Ok(info)
    }

    fn save(&self, record: &DbRecord) -> Result<(), AdbError> {
        let value = serde_json::to_value(record).expect("records serialise");
        self.server.put(&registry_path(&record.db_id), &value)?;
        Ok(())
    }

    /// `dbConfigure` / `adminEditDbConfig`: changes what `change` names.
    pub fn configure(&self, who: &Who, db_id: &str, change: DbChange) -> Result<(), AdbError> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        if db_id == self.server.id() {
            return Err(AdbError::Denied(
                "the server database is configured by the host".into(),
            ));
        }
        let db = self.reader(who, db_id)?;
        let mut record = self
            .record(db_id)
            .ok_or_else(|| AdbError::NoDatabase(db_id.to_string()))?;
        if !owns(who, &record) {
            return Err(AdbError::Denied(format!(
                "database {db_id} belongs to another service"
            )));
        }
        if change.owner.is_some() && *who != Who::Admin {
            return Err(AdbError::Denied(
                "only the admin may change an owner".into(),
            ));
        }
        if let Some(owner) = change.owner {
            record.owner = owner;
        }
        match change.alias.as_deref() {
            Some("") => record.alias = None,
            Some(alias) => {
                check_alias(alias)?;
                if let Some(other) = self.by_alias(&record.owner.service_key, alias) {
                    if other.db_id != db_id {
                        return Err(AdbError::Invalid(format!(
                            "{}/{alias} already names a database",
                            record.owner.service_key
                        )));
                    }
                }
                record.alias = Some(alias.to_string());
            }
            None => {}
        }
        if let Some(access) = change.access {
            if record.following && access == Access::Private {
                return Err(AdbError::Invalid(format!(
                    "database {db_id} is followed: unfollow it instead"
                )));
            }
            record.access = access;
        }
        for (prefix, schema) in change.schemas {
            let schema = (!schema.is_null()).then_some(schema);
            db.set_schema(&prefix, schema.as_ref())?;
            match schema {
                Some(s) => record.schemas.insert(prefix, s),
                None => record.schemas.remove(&prefix),
            };
        }
        self.save(&record)?;
        self.announce(&record);
        let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
        if let Some(o) = open.get_mut(db_id) {
            o.record = record;
        }
        Ok(())
    }

    /// `adminDeleteDb` / unfollowing: forgets the database and stops sharing it. Its
    /// blocks stay in the store (a backup or a later follow finds them).
    pub fn delete(&self, who: &Who, db_id: &str) -> Result<(), AdbError> {
        let _one = self.changing.lock().unwrap_or_else(|p| p.into_inner());
        if db_id == self.server.id() {
            return Err(AdbError::Denied(
                "the server database cannot be deleted".into(),
            ));
        }
        let record = self
            .record(db_id)
            .filter(|r| owns(who, r))
            .ok_or_else(|| AdbError::NoDatabase(db_id.to_string()))?;
        self.server.delete(&registry_path(db_id))?;
        if let Ok(key) = parse_key(db_id) {
            (self.share)(&key, false);
        }
        let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
        open.remove(&record.db_id);
        Ok(())
    }

    /// The keys of every database this home shares or follows.
    pub fn shared(&self) -> Vec<Key32> {
        let open = self.open.read().unwrap_or_else(|p| p.into_inner());
        open.values()
            .filter(|o| o.record.access == Access::Public || o.record.following)
            .map(|o| *o.db.core().key())
            .collect()
    }
}

/// Whether `who` may see `record`'s database at all.
fn visible(who: &Who, record: &DbRecord) -> bool {
    record.access == Access::Public || owns(who, record)
}

/// Whether `who` may change `record`'s database.
fn owns(who: &Who, record: &DbRecord) -> bool {
    match who {
        Who::Admin => true,
        Who::Service(id) => record.owner.service_key == *id,
    }
}

/// A database as the adb-api describes it (`dbDescribe`, `dbList`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DbInfo {
    /// The core's key, hex.
    pub db_id: String,
    /// Whether this home can write it.
    pub writable: bool,
    /// The host's own.
    pub is_server_db: bool,
    /// Its owner.
    pub owner: Owner,
    /// Its alias, `""` for none.
    pub alias: String,
    /// `private` or `public`.
    pub access: Access,
    /// RFC 3339.
    pub created_at: String,
    /// Another home's, followed here (spork's addition).
    pub following: bool,
    /// The bee's version: the core's length (spork's addition).
    pub version: u64,
}

impl DbInfo {
    fn new(record: &DbRecord, db: &Database, is_server_db: bool) -> DbInfo {
        DbInfo {
            db_id: record.db_id.clone(),
            writable: db.writable(),
            is_server_db,
            owner: record.owner.clone(),
            alias: record.alias.clone().unwrap_or_default(),
            access: record.access,
            created_at: record.created_at.clone(),
            following: record.following,
            version: db.version(),
        }
    }
}

#[cfg(test)]
mod tests;
