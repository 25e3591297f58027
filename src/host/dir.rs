//! The host's folder (`--dir`, default `~/.atek`): where each thing lives, its
//! `config.json` (the original Atek's field names), its owner-only secrets, and the
//! lock that keeps a second host (or a `spork seed` on its own) off the same folder.
//!
//! Layout: `config.json`, `secrets.json` (0600), `host.lock`, `host.redb` (the store),
//! `host.sock` (the owner-only control channel), `packages/{id}/`, `data/{id}/`,
//! `sockets/{id}/` (the service's own socket), `sockets/{id}.host` (the host's socket
//! for that service), `logs/{id}.log`; the cores (`cores.redb`, `seeds.json`,
//! `seed-key.json`), which `spork seed` also opens when no host runs.
//!
//! Nothing here runs a service or prints; secrets are never put in an error message.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::files;

/// The port `spork host` listens on when neither `--port` nor `config.json` names one:
/// "ATEK" on a phone keypad. Needs no root, and is neither the gateway's 8080 nor the
/// DHT's 49737.
pub const DEFAULT_PORT: u16 = 2835;

/// The longest path a unix socket can have (`sun_path` holds 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// What went wrong with the host's folder, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum DirError {
    /// A file or folder could not be read, made or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// `config.json` or `secrets.json` is not what it should be.
    #[error("{path}: {problem}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Another process holds the folder's lock.
    #[error("{} already running in {dir}{}", holder.describe(), pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy {
        /// The folder.
        dir: PathBuf,
        /// The other process's pid, when it wrote one.
        pid: Option<u32>,
        /// What the other process is.
        holder: Holder,
    },
    /// The folder's path is too long for the unix sockets inside it.
    #[error("{dir}: the path is too long for unix sockets (at most {max} bytes)")]
    TooLong {
        /// The folder.
        dir: PathBuf,
        /// The longest folder path that fits.
        max: usize,
    },
}

/// What holds a folder's lock: the folder's store opens in one process at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    /// `spork host`.
    Host,
    /// `spork seed` running without a host.
    Seed,
    /// `spork mkuser` and the other account verbs, without a host.
    Accounts,
}

impl Holder {
    const fn word(self) -> &'static str {
        match self {
            Holder::Host => "host",
            Holder::Seed => "seed",
            Holder::Accounts => "accounts",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Holder::Host => "another host is",
            Holder::Seed => "`spork seed` is",
            Holder::Accounts => "an account command (mkuser, moduser, deluser, users) is",
        }
    }

    /// Reads `host.lock`'s "PID WORD" (a bare pid was written by hosts before seeds).
    fn parse(text: &str) -> (Option<u32>, Holder) {
        let mut words = text.split_whitespace();
        let pid = words.next().and_then(|p| p.parse().ok());
        let holder = match words.next() {
            Some(w) if w == Holder::Seed.word() => Holder::Seed,
            Some(w) if w == Holder::Accounts.word() => Holder::Accounts,
            _ => Holder::Host,
        };
        (pid, holder)
    }
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> DirError + '_ {
    move |source| DirError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The host's folder and the paths inside it.
#[derive(Debug, Clone)]
pub struct HostDir {
    root: PathBuf,
}

impl HostDir {
    /// The folder at `root` (made absolute, not created).
    pub fn new(root: &Path) -> Self {
        let root = std::path::absolute(root).unwrap_or_else(|_| root.to_owned());
        HostDir { root }
    }

    /// `~/.atek`, or `.atek` when there is no home.
    pub fn default_root() -> PathBuf {
        dirs::home_dir().unwrap_or_default().join(".atek")
    }

    /// The folder itself.
    pub fn root(&self) -> &Path {
        &self.root
    }
    /// `config.json`.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("config.json")
    }
    /// `secrets.json`, owner-only.
    pub fn secrets_file(&self) -> PathBuf {
        self.root.join("secrets.json")
    }
    /// The store of installed services and their state.
    pub fn store_file(&self) -> PathBuf {
        self.root.join("host.redb")
    }
    /// The owner-only socket the CLI verbs talk to.
    pub fn control_socket(&self) -> PathBuf {
        self.root.join("host.sock")
    }
    /// `packages/`.
    pub fn packages(&self) -> PathBuf {
        self.root.join("packages")
    }
    /// `data/{id}/`: the service's home, `/data` in its sandbox.
    pub fn data(&self, id: &str) -> PathBuf {
        self.root.join("data").join(id)
    }
    /// `sockets/{id}/`: the folder the service makes its socket in.
    pub fn socket_dir(&self, id: &str) -> PathBuf {
        self.root.join("sockets").join(id)
    }
    /// The service's own socket, as the host reaches it.
    pub fn service_socket(&self, id: &str) -> PathBuf {
        self.socket_dir(id).join("service.sock")
    }
    /// The host's gateway socket for one service (its `localhost:$ATEK_HOST_PORT`).
    pub fn gateway_socket(&self, id: &str) -> PathBuf {
        self.root.join("sockets").join(format!("{id}.host"))
    }
    /// The `resolv.conf` of sandboxes with outbound network.
    pub fn resolv_conf(&self) -> PathBuf {
        self.root.join("resolv.conf")
    }
    /// `logs/`.
    pub fn logs(&self) -> PathBuf {
        self.root.join("logs")
    }
    /// `logs/{id}.log`.
    pub fn log(&self, id: &str) -> PathBuf {
        self.logs().join(format!("{id}.log"))
    }

    /// Makes the folder and its subfolders. `shared` (a root host whose services run
    /// under their own uids) leaves the folders traversable (0711) so a service's
    /// sandbox can reach its own paths; the files that matter stay owner-only.
    pub fn prepare(&self, shared: bool) -> Result<(), DirError> {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        let longest = self
            .gateway_socket(&"x".repeat(super::ids::MAX_LEN))
            .as_os_str()
            .len()
            .max(
                self.service_socket(&"x".repeat(super::ids::MAX_LEN))
                    .as_os_str()
                    .len(),
            );
        if longest > MAX_SOCKET_PATH {
            return Err(DirError::TooLong {
                dir: self.root.clone(),
                max: self.root.as_os_str().len() - (longest - MAX_SOCKET_PATH),
            });
        }
        let mode = if shared { 0o711 } else { 0o700 };
        for dir in [
            self.root.clone(),
            self.packages(),
            self.root.join("data"),
            self.root.join("sockets"),
            self.logs(),
        ] {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(mode)
                .create(&dir)
                .map_err(io_error(&dir))?;
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(mode))
                .map_err(io_error(&dir))?;
        }
        let resolv = self.resolv_conf();
        std::fs::write(&resolv, super::network::SLIRP_RESOLV_CONF).map_err(io_error(&resolv))?;
        std::fs::set_permissions(&resolv, std::fs::Permissions::from_mode(0o644))
            .map_err(io_error(&resolv))?;
        // Logs may hold what a service printed: owner-only whatever `shared` says.
        std::fs::set_permissions(self.logs(), std::fs::Permissions::from_mode(0o700))
            .map_err(io_error(&self.logs()))?;
        Ok(())
    }

    /// Takes the folder's lock for `holder` for as long as the returned value lives. A
    /// second taker gets [`DirError::Busy`] naming the first one and its pid.
    pub fn lock(&self, holder: Holder) -> Result<HostLock, DirError> {
        use std::io::{Read, Seek, Write};
        let path = self.root.join("host.lock");
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error(&path))?;
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let (pid, holder) = Holder::parse(&text);
                return Err(DirError::Busy {
                    dir: self.root.clone(),
                    pid,
                    holder,
                });
            }
            Err(e) => return Err(io_error(&path)(e.into())),
        }
        let written = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{} {}", std::process::id(), holder.word()));
        written.map_err(io_error(&path))?;
        Ok(HostLock { _file: file })
    }

    /// True when a host holds the folder's lock right now.
    pub fn is_locked(&self) -> bool {
        let Ok(file) = File::open(self.root.join("host.lock")) else {
            return false;
        };
        rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockShared).is_err()
    }
}

/// The folder's lock: released when dropped (or when the process dies, however it dies).
#[derive(Debug)]
pub struct HostLock {
    _file: File,
}

/// A core service named in `config.json`: installed at start-up when missing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CoreService {
    /// Its id.
    pub id: String,
    /// Where it comes from: a path or a git URL.
    pub source_url: String,
    /// The semver range to install.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desired_version: Option<String>,
    /// Its config values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Map<String, Value>>,
}

/// `config.json`, with the original Atek's field names. Fields it does not know are kept
/// as they are when the host rewrites the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    /// The domain services are reached under as `{id}.DOMAIN` (besides `{id}.localhost`).
    #[serde(default = "default_domain")]
    pub domain: String,
    /// The HTTP port (`--port` overrides it).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Services installed at start-up when missing.
    #[serde(default)]
    pub core_services: Vec<CoreService>,
    /// The service `/` serves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_main_service: Option<String>,
    /// The server database's id (the ADB issue fills it in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_db_id: Option<String>,
    /// Anything else, kept.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

fn default_domain() -> String {
    "localhost".into()
}
fn default_port() -> u16 {
    DEFAULT_PORT
}

impl Default for Config {
    fn default() -> Self {
        Config {
            domain: default_domain(),
            port: DEFAULT_PORT,
            core_services: Vec::new(),
            default_main_service: None,
            server_db_id: None,
            other: Map::new(),
        }
    }
}

impl Config {
    /// Reads `config.json`, writing the defaults there first when it does not exist.
    /// The original kept its system tokens in this file; any found are dropped from
    /// what the host serves (they never leave `secrets.json` here).
    pub fn load_or_create(dir: &HostDir) -> Result<Config, DirError> {
        let path = dir.config_file();
        match std::fs::read(&path) {
            Ok(bytes) => {
                let invalid = |problem: String| DirError::Invalid {
                    path: path.clone(),
                    problem,
                };
                let value: Value =
                    serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
                let Value::Object(mut fields) = value else {
                    return Err(invalid("expected a JSON object".into()));
                };
                fields.remove("systemAuthTokens");
                // Check field by field first: serde's message for a flattened struct
                // does not name the field that is wrong.
                for name in [
                    "domain",
                    "port",
                    "coreServices",
                    "defaultMainService",
                    "serverDbId",
                ] {
                    if let Some(field) = fields.get(name) {
                        let probe = Map::from_iter([(name.to_owned(), field.clone())]);
                        serde_json::from_value::<Config>(Value::Object(probe))
                            .map_err(|e| invalid(format!("{name}: {e}")))?;
                    }
                }
                serde_json::from_value(Value::Object(fields)).map_err(|e| invalid(e.to_string()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let config = Config::default();
                config.save(dir)?;
                Ok(config)
            }
            Err(e) => Err(io_error(&path)(e)),
        }
    }

    /// Writes `config.json` atomically.
    pub fn save(&self, dir: &HostDir) -> Result<(), DirError> {
        let path = dir.config_file();
        let mut bytes = serde_json::to_vec_pretty(self).expect("config serialises");
        bytes.push(b'\n');
        files::replace_private(&path, &bytes).map_err(io_error(&path))
    }
}

/// `secrets.json` (0600): the admin token. Never printed, never logged; `Debug` hides it.
#[derive(Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Secrets {
    /// The admin's bearer token for the HTTP gateway (64 hex digits).
    pub admin_token: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets { .. }")
    }
}

impl Secrets {
    /// Reads `secrets.json`, making it (with a new random token) on first start. A file
    /// others can read is refused rather than used.
    pub fn load_or_create(dir: &HostDir) -> Result<Secrets, DirError> {
        use std::os::unix::fs::MetadataExt;
        let path = dir.secrets_file();
        match std::fs::symlink_metadata(&path) {
            Ok(meta) => {
                if !meta.is_file() || meta.mode() & 0o077 != 0 {
                    return Err(DirError::Invalid {
                        path,
                        problem: "must be a regular file only its owner can read (chmod 600)"
                            .into(),
                    });
                }
                let bytes = std::fs::read(&path).map_err(io_error(&path))?;
                let secrets: Secrets =
                    serde_json::from_slice(&bytes).map_err(|_| DirError::Invalid {
                        path: path.clone(),
                        problem: "not a secrets file (expected {\"adminToken\": \"…\"})".into(),
                    })?;
                if secrets.admin_token.len() < 32 {
                    return Err(DirError::Invalid {
                        path,
                        problem: "adminToken is too short".into(),
                    });
                }
                Ok(secrets)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let secrets = Secrets {
                    admin_token: random_token(),
                };
                let bytes = serde_json::to_vec_pretty(&secrets).expect("secrets serialise");
                files::create_private(&path, &bytes).map_err(io_error(&path))?;
                Ok(secrets)
            }
            Err(e) => Err(io_error(&path)(e)),
        }
    }
}

/// 32 random bytes as 64 hex digits: tokens, session ids, one-time links.
pub fn random_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_keeps_the_originals_names_and_unknown_fields() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostDir::new(dir.path());
        std::fs::write(
            host.config_file(),
            br#"{"domain":"home.example","port":80,"coreServices":[{"id":"adb","sourceUrl":"https://x/adb","desiredVersion":"2.0.0"}],"serverDbId":"ab","systemAuthTokens":["s"],"theme":"dark"}"#,
        )
        .unwrap();
        let config = Config::load_or_create(&host).unwrap();
        assert_eq!(config.domain, "home.example");
        assert_eq!(config.port, 80);
        assert_eq!(
            config.core_services[0].desired_version.as_deref(),
            Some("2.0.0")
        );
        assert!(!config.other.contains_key("systemAuthTokens"));
        config.save(&host).unwrap();
        let text = std::fs::read_to_string(host.config_file()).unwrap();
        assert!(text.contains("\"coreServices\"") && text.contains("\"theme\": \"dark\""));
    }

    #[test]
    fn a_missing_config_is_written_with_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostDir::new(dir.path());
        let config = Config::load_or_create(&host).unwrap();
        assert_eq!(
            (config.domain.as_str(), config.port),
            ("localhost", DEFAULT_PORT)
        );
        assert!(host.config_file().exists());
        std::fs::write(host.config_file(), b"{\"port\": \"eighty\"}").unwrap();
        let err = Config::load_or_create(&host).unwrap_err().to_string();
        assert!(err.contains("config.json") && err.contains("port"), "{err}");
    }

    #[test]
    fn secrets_are_made_owner_only_and_refused_when_readable() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let host = HostDir::new(dir.path());
        let first = Secrets::load_or_create(&host).unwrap();
        assert_eq!(first.admin_token.len(), 64);
        assert_eq!(
            Secrets::load_or_create(&host).unwrap().admin_token,
            first.admin_token
        );
        assert_eq!(format!("{first:?}"), "Secrets { .. }");
        std::fs::set_permissions(host.secrets_file(), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        let err = Secrets::load_or_create(&host).unwrap_err().to_string();
        assert!(err.contains("chmod 600") && !err.contains(&first.admin_token));
    }

    #[test]
    fn a_second_lock_names_the_first_holder() {
        let dir = tempfile::tempdir().unwrap();
        let host = HostDir::new(dir.path());
        host.prepare(false).unwrap();
        let lock = host.lock(Holder::Host).unwrap();
        assert!(host.is_locked());
        let err = host.lock(Holder::Seed).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "another host is already running in {} (pid {})",
                dir.path().display(),
                std::process::id()
            )
        );
        drop(lock);
        assert!(!host.is_locked());
        let _seed = host.lock(Holder::Seed).unwrap();
        let err = host.lock(Holder::Host).unwrap_err().to_string();
        assert!(
            err.starts_with("`spork seed` is already running in"),
            "{err}"
        );
    }

    #[test]
    fn a_folder_too_long_for_sockets_is_refused() {
        let host = HostDir::new(&PathBuf::from(format!("/tmp/{}", "d".repeat(80))));
        let err = host.prepare(false).unwrap_err();
        assert!(matches!(err, DirError::TooLong { .. }), "{err}");
    }
}
