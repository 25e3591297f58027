//! The device's side of remote access: its own keypair and the hosts it paired with,
//! kept owner-only in the user's config folder (`$XDG_CONFIG_HOME/spork/`:
//! `device-key.json`, `hosts.json`), and pairing itself — reaching the host under the
//! invite's one-time key and registering the device's permanent key over that
//! connection. It never prints and never reads the terminal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use serde::{Deserialize, Serialize};

use crate::host::devices::Invite;
use crate::keys::{KeyPair, KeyfileError, PublicKey};
use crate::swarm::node::Node;

/// What went wrong on the device's side.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// The config folder or a file in it.
    #[error("{path}: {message}")]
    File {
        /// Which.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The device's keyfile.
    #[error(transparent)]
    Key(#[from] KeyfileError),
    /// The host did not answer under the invite's key.
    #[error("the host did not answer the invite: it was used already, has expired, or the host is offline")]
    NoAnswer,
    /// The host answered but refused.
    #[error("the host refused: {0}")]
    Refused(String),
    /// No paired host of that name.
    #[error("no paired host {0}: spork pair --list shows them")]
    Unknown(String),
}

/// A host this device paired with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PairedHost {
    /// The host's public key (base32).
    pub public_key: String,
    /// This device's name on that host.
    pub device_name: String,
    /// When (RFC 3339).
    pub paired_at: String,
}

/// The device's folder of remote-access state.
#[derive(Debug, Clone)]
pub struct DeviceDir {
    root: PathBuf,
}

impl DeviceDir {
    /// `$XDG_CONFIG_HOME/spork` (or the platform's config folder).
    pub fn default_root() -> Option<DeviceDir> {
        dirs::config_dir().map(|c| DeviceDir {
            root: c.join("spork"),
        })
    }

    /// A folder of its own (tests).
    pub fn at(root: &Path) -> DeviceDir {
        DeviceDir {
            root: root.to_owned(),
        }
    }

    fn file_error(path: &Path, e: impl std::fmt::Display) -> DeviceError {
        DeviceError::File {
            path: path.to_owned(),
            message: e.to_string(),
        }
    }

    /// This device's keypair, made (0600) on first use.
    pub fn keypair(&self) -> Result<KeyPair, DeviceError> {
        std::fs::create_dir_all(&self.root).map_err(|e| Self::file_error(&self.root, e))?;
        Ok(crate::keys::load_or_create(&self.root.join("device-key.json"))?.0)
    }

    fn hosts_file(&self) -> PathBuf {
        self.root.join("hosts.json")
    }

    /// The paired hosts, by name.
    pub fn hosts(&self) -> Result<BTreeMap<String, PairedHost>, DeviceError> {
        let path = self.hosts_file();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Self::file_error(&path, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(Self::file_error(&path, e)),
        }
    }

    fn save(&self, hosts: &BTreeMap<String, PairedHost>) -> Result<(), DeviceError> {
        let path = self.hosts_file();
        std::fs::create_dir_all(&self.root).map_err(|e| Self::file_error(&self.root, e))?;
        let bytes = serde_json::to_vec_pretty(hosts).expect("hosts serialise");
        crate::files::replace_private(&path, &bytes).map_err(|e| Self::file_error(&path, e))
    }

    /// Records a paired host under `name` (replacing one of that name).
    pub fn remember(&self, name: &str, host: PairedHost) -> Result<(), DeviceError> {
        let mut hosts = self.hosts()?;
        hosts.insert(name.to_string(), host);
        self.save(&hosts)
    }

    /// Forgets the host `name`.
    pub fn forget(&self, name: &str) -> Result<PairedHost, DeviceError> {
        let mut hosts = self.hosts()?;
        let gone = hosts
            .remove(name)
            .ok_or_else(|| DeviceError::Unknown(name.to_string()))?;
        self.save(&hosts)?;
        Ok(gone)
    }
}

/// Pairs `device` with the host `invite` names: connects under the invite's key
/// (retrying for up to `patience`) and registers the device's key. The device's name
/// on the host is what the host chose when it made the invite.
pub async fn pair(
    node: &Node,
    invite: &Invite,
    device: &KeyPair,
    patience: Duration,
) -> Result<PairedHost, DeviceError> {
    let conn = crate::tunnel::reach(node, &invite.host, &invite.keypair(), patience)
        .await
        .map_err(|_| DeviceError::NoAnswer)?;
    let io = hyper_util::rt::TokioIo::new(conn);
    let exchange = async {
        let (mut sender, connection) = hyper::client::conn::http1::handshake(io)
            .await
            .map_err(|e| DeviceError::Refused(e.to_string()))?;
        tokio::spawn(connection);
        let body = serde_json::json!({"deviceKey": device.public_key().to_string()});
        let req = hyper::Request::post("/_atek/pair")
            .header(hyper::header::HOST, "localhost")
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body.to_string())))
            .expect("a request");
        let res = sender
            .send_request(req)
            .await
            .map_err(|e| DeviceError::Refused(e.to_string()))?;
        let ok = res.status().is_success();
        let bytes = res
            .into_body()
            .collect()
            .await
            .map_err(|e| DeviceError::Refused(e.to_string()))?
            .to_bytes();
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if !ok {
            let why = answer["message"].as_str().unwrap_or("no reason given");
            return Err(DeviceError::Refused(why.to_string()));
        }
        Ok(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(30), exchange)
        .await
        .map_err(|_| DeviceError::Refused("no answer within 30 s".into()))??;
    let host: Option<PublicKey> = answer["hostKey"].as_str().and_then(|k| k.parse().ok());
    if host.as_ref() != Some(&invite.host) {
        return Err(DeviceError::Refused(
            "the answer came from another host".into(),
        ));
    }
    Ok(PairedHost {
        public_key: invite.host.to_string(),
        device_name: answer["name"].as_str().unwrap_or_default().to_string(),
        paired_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    })
}
