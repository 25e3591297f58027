//! The people of a home cloud: accounts with a username, a password, an optional
//! `admin` role and their settings, kept in the server database at `/users/{key}`
//! (the original's `atek.cloud/user` records, with an Argon2id hash instead of
//! scrypt). `system` is not an account: it is the owner of multi-user services and who
//! the host's owner acts as (the control socket, the admin token, the login link), so
//! no account may take that name.
//!
//! A password is hashed here and nowhere else, and never leaves this module: not in a
//! [`User`] answer, an error or a log. Checking a password costs the same whether the
//! username exists or not, so a login's timing does not tell which usernames exist.
//! Nothing here knows about sessions, cookies or HTTP.

use std::sync::{Arc, Mutex, OnceLock};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

use super::store::{Store, StoreError};

/// The owner that is not an account: multi-user services, the host's owner.
pub const SYSTEM: &str = "system";
/// The server database's folder of user records.
const USERS: &str = "users";
/// Usernames: 3 to 32 of `a-z 0-9 . _ -`, starting with a letter or digit.
const NAME_MIN: usize = 3;
const NAME_MAX: usize = 32;
/// Passwords: at least 8 characters; at most 1,024 bytes, so a login cannot make the
/// host hash megabytes.
const PASSWORD_MIN: usize = 8;
const PASSWORD_MAX: usize = 1024;
/// Argon2id's cost: 19 MiB, 2 passes, 1 lane — OWASP's first recommendation; about
/// 18 ms on this project's 2-core machine (docs/benchmarks.md), small enough for a
/// Raspberry Pi and a login flood that the rate limit stops first.
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;
const ARGON2_LANES: u32 = 1;

/// What went wrong with an account.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A username that does not fit the rules.
    #[error("the username {0:?} is not allowed: use 3 to 32 of a-z, 0-9, '.', '_' and '-', starting with a letter or digit")]
    BadUsername(String),
    /// `system` or another reserved name.
    #[error("the username {0} is reserved")]
    Reserved(String),
    /// A username another account has.
    #[error("the username {0} is already taken")]
    Taken(String),
    /// A password that does not fit the rules (never shown).
    #[error("the password must be {PASSWORD_MIN} to {PASSWORD_MAX} bytes long")]
    BadPassword,
    /// No account has this key.
    #[error("no user {0}")]
    NotFound(String),
    /// A role other than admin or none.
    #[error("unknown role {0:?}: use \"admin\" or \"\"")]
    BadRole(String),
    /// The change would leave the host without an admin.
    #[error("{0} is the last admin: make another user admin first")]
    LastAdmin(String),
    /// The user still owns services.
    #[error("{0} owns services ({1}): uninstall them first")]
    OwnsServices(String, String),
    /// Wrong username or password (which one is not said).
    #[error("Username or password was incorrect")]
    BadCredentials,
    /// The server database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A user's role.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// A user: their own services and data.
    #[default]
    #[serde(rename = "")]
    None,
    /// Manages the host and every user.
    #[serde(rename = "admin")]
    Admin,
}

impl Role {
    /// The role a string names (`"admin"`, or `""`/`"none"` for none).
    pub fn parse(s: &str) -> Result<Role, UserError> {
        match s {
            "admin" => Ok(Role::Admin),
            "" | "none" => Ok(Role::None),
            other => Err(UserError::BadRole(other.to_string())),
        }
    }

    /// As the API shows it: `"admin"` or `""`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::None => "",
            Role::Admin => "admin",
        }
    }
}

/// What a user has chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// The service shown at `/` (none: the dashboard).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main_service_id: Option<String>,
}

/// One account, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    key: String,
    username: String,
    #[serde(default)]
    role: Role,
    hashed_password: String,
    #[serde(default)]
    settings: Settings,
    created_at: String,
}

/// One account, as callers see it: never the password or its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Its opaque key.
    pub key: String,
    /// Its username.
    pub username: String,
    /// Its role.
    pub role: Role,
    /// Its settings.
    pub settings: Settings,
    /// When it was made (RFC 3339).
    pub created_at: String,
}

impl User {
    /// True for an admin.
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The original's `User`: `{key, username, role}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"key": self.key, "username": self.username, "role": self.role.as_str()})
    }
}

impl From<&Record> for User {
    fn from(r: &Record) -> User {
        User {
            key: r.key.clone(),
            username: r.username.clone(),
            role: r.role,
            settings: r.settings.clone(),
            created_at: r.created_at.clone(),
        }
    }
}

/// A change to an account; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct Change {
    /// A new username.
    pub username: Option<String>,
    /// A new password.
    pub password: Option<zeroize::Zeroizing<String>>,
    /// A new role.
    pub role: Option<Role>,
}

/// What an update did, for the sessions to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Changed {
    /// The password changed: the user's sessions must end.
    pub password: bool,
}

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None)
        .expect("valid Argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn check_password(password: &str) -> Result<(), UserError> {
    if password.chars().count() < PASSWORD_MIN || password.len() > PASSWORD_MAX {
        return Err(UserError::BadPassword);
    }
    Ok(())
}

type Job = Box<dyn FnOnce() + Send>;

/// Runs `work` on the one thread that computes Argon2 hashes, and waits for it. Each
/// hash takes 19 MiB, which the allocator keeps in the arena of the thread that used
/// it: hashing on tokio's blocking threads left that much behind on each of them (the
/// host grew from 11 to 127 MB over 10 sign-ins). One thread keeps it to one arena, at
/// the price of one hash at a time (about 50 sign-ins/s here).
fn on_hash_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    static JOBS: OnceLock<Mutex<std::sync::mpsc::Sender<Job>>> = OnceLock::new();
    let jobs = JOBS.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("argon2".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })
            .expect("a thread for password hashes");
        Mutex::new(tx)
    });
    let (done, result) = std::sync::mpsc::sync_channel(1);
    let job: Job = Box::new(move || {
        let _ = done.send(work());
    });
    jobs.lock()
        .expect("hash thread lock")
        .send(job)
        .expect("the hash thread runs for the process's life");
    result.recv().expect("the hash thread answers")
}

/// The PHC string of an Argon2id hash of `password` with a fresh salt.
pub fn hash_password(password: &str) -> String {
    let password = zeroize::Zeroizing::new(password.to_string());
    on_hash_thread(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .expect("Argon2 hashes any password within the limits")
            .to_string()
    })
}

/// True when `password` matches the PHC string `hash` (compared in constant time by
/// the argon2 crate).
fn verify_password(password: &str, hash: &str) -> bool {
    let (password, hash) = (
        zeroize::Zeroizing::new(password.to_string()),
        hash.to_string(),
    );
    on_hash_thread(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|h| argon2().verify_password(password.as_bytes(), &h).is_ok())
    })
}

/// A hash no password matches, checked when a username is unknown so that a login
/// costs the same either way.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_password(&crate::host::dir::random_token()))
}

/// A username made canonical (lowercase), or why it is refused.
pub fn username(name: &str) -> Result<String, UserError> {
    let name = name.trim().to_ascii_lowercase();
    let ok = (NAME_MIN..=NAME_MAX).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if !ok {
        return Err(UserError::BadUsername(name));
    }
    if name == SYSTEM || name == "admin-token" {
        return Err(UserError::Reserved(name));
    }
    Ok(name)
}

/// The accounts of one host.
pub struct Users {
    store: Arc<Store>,
    /// Creates and renames one at a time, so two cannot take one name.
    write: Mutex<()>,
}

impl Users {
    /// The accounts kept in `store`.
    pub fn new(store: Arc<Store>) -> Users {
        Users {
            store,
            write: Mutex::new(()),
        }
    }

    fn records(&self) -> Result<Vec<Record>, UserError> {
        Ok(self.store.all_in(USERS)?)
    }

    fn record(&self, key: &str) -> Result<Record, UserError> {
        self.store
            .get_in(USERS, key)?
            .ok_or_else(|| UserError::NotFound(key.to_string()))
    }

    /// Every account, oldest first.
    pub fn list(&self) -> Result<Vec<User>, UserError> {
        let mut all: Vec<User> = self.records()?.iter().map(User::from).collect();
        all.sort_by(|a, b| (&a.created_at, &a.key).cmp(&(&b.created_at, &b.key)));
        Ok(all)
    }

    /// True when no account exists yet (first run).
    pub fn is_empty(&self) -> Result<bool, UserError> {
        Ok(self.records()?.is_empty())
    }

    /// One account.
    pub fn get(&self, key: &str) -> Result<User, UserError> {
        Ok(User::from(&self.record(key)?))
    }

    /// The account named `name`, if any.
    pub fn by_username(&self, name: &str) -> Result<Option<User>, UserError> {
        let name = name.trim().to_ascii_lowercase();
        Ok(self
            .records()?
            .iter()
            .find(|r| r.username == name)
            .map(User::from))
    }

    /// Makes an account; durable when it returns. Hashing takes tens of ms: call it
    /// off the async threads.
    pub fn create(&self, name: &str, password: &str, role: Role) -> Result<User, UserError> {
        let name = username(name)?;
        check_password(password)?;
        let hashed_password = hash_password(password);
        let _one = self.write.lock().expect("users lock");
        if self.records()?.iter().any(|r| r.username == name) {
            return Err(UserError::Taken(name));
        }
        let record = Record {
            key: hex::encode(rand::random::<[u8; 10]>()),
            username: name,
            role,
            hashed_password,
            settings: Settings::default(),
            created_at: humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string(),
        };
        self.store.put_in(USERS, &record.key, &record)?;
        Ok(User::from(&record))
    }

    /// Changes an account; durable when it returns.
    pub fn update(&self, key: &str, change: Change) -> Result<(User, Changed), UserError> {
        let hashed = match &change.password {
            Some(p) => {
                check_password(p)?;
                Some(hash_password(p))
            }
            None => None,
        };
        let _one = self.write.lock().expect("users lock");
        let all = self.records()?;
        let mut record = all
            .iter()
            .find(|r| r.key == key)
            .cloned()
            .ok_or_else(|| UserError::NotFound(key.to_string()))?;
        if let Some(name) = &change.username {
            let name = username(name)?;
            if all.iter().any(|r| r.username == name && r.key != key) {
                return Err(UserError::Taken(name));
            }
            record.username = name;
        }
        if let Some(role) = change.role {
            if record.role == Role::Admin && role != Role::Admin && last_admin(&all, key) {
                return Err(UserError::LastAdmin(record.username));
            }
            record.role = role;
        }
        let password = hashed.is_some();
        if let Some(h) = hashed {
            record.hashed_password = h;
        }
        self.store.put_in(USERS, key, &record)?;
        Ok((User::from(&record), Changed { password }))
    }

    /// Replaces a user's settings; durable when it returns.
    pub fn set_settings(&self, key: &str, settings: Settings) -> Result<Settings, UserError> {
        let _one = self.write.lock().expect("users lock");
        let mut record = self.record(key)?;
        record.settings = settings;
        self.store.put_in(USERS, key, &record)?;
        Ok(record.settings)
    }

    /// Deletes an account; durable when it returns. The last admin cannot go, nor a
    /// user who still owns services.
    pub fn delete(&self, key: &str) -> Result<User, UserError> {
        let _one = self.write.lock().expect("users lock");
        let all = self.records()?;
        let record = all
            .iter()
            .find(|r| r.key == key)
            .ok_or_else(|| UserError::NotFound(key.to_string()))?;
        if record.role == Role::Admin && last_admin(&all, key) {
            return Err(UserError::LastAdmin(record.username.clone()));
        }
        let owned: Vec<String> = self
            .store
            .services()?
            .into_iter()
            .filter(|s| s.owning_user_key == key)
            .map(|s| s.id)
            .collect();
        if !owned.is_empty() {
            return Err(UserError::OwnsServices(
                record.username.clone(),
                owned.join(", "),
            ));
        }
        self.store.remove_in(USERS, key)?;
        Ok(User::from(record))
    }

    /// The account whose username and password these are. Costs one Argon2 check
    /// whether or not the username exists.
    pub fn verify(&self, name: &str, password: &str) -> Result<User, UserError> {
        let name = name.trim().to_ascii_lowercase();
        let found = self.records()?.into_iter().find(|r| r.username == name);
        let hash = found
            .as_ref()
            .map_or(decoy_hash(), |r| r.hashed_password.as_str());
        let matches = password.len() <= PASSWORD_MAX && verify_password(password, hash);
        match found {
            Some(r) if matches => Ok(User::from(&r)),
            _ => Err(UserError::BadCredentials),
        }
    }
}

/// True when `key` is the only admin of `all`.
fn last_admin(all: &[Record], key: &str) -> bool {
    !all.iter().any(|r| r.role == Role::Admin && r.key != key)
}

#[cfg(test)]
mod tests;
