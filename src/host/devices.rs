//! Paired devices: the keys remote access admits, kept in the server database at
//! `/devices/{name}`, and the one-time invites that pair them.
//!
//! An invite is the host's public key and a fresh 32-byte seed. The seed's Ed25519 key
//! is admitted by the firewall once, until the invite expires; a device holding the
//! invite connects under that key and registers its own permanent key over that
//! connection, and the invite is spent. So an invite pairs one device, once: whoever
//! reads it before it is used (or before it expires) can pair in your place, which is
//! why it is shown once, never put in argv, and short-lived (10 minutes by default);
//! once spent or expired it opens nothing. Revoking a device stops admitting its key
//! and closes its open connections at once. Nothing here prints or touches the network.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::remote::Admitted;
use super::store::{Store, StoreError};
use crate::keys::{KeyPair, PublicKey};

/// The server database's folder of paired devices.
const DEVICES: &str = "devices";
/// What starts an invite's text form.
pub const INVITE_PREFIX: &str = "spork-invite-";
/// How long an invite lasts unless told.
pub const INVITE_TTL: Duration = Duration::from_secs(10 * 60);

/// What went wrong with a device or an invite.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    /// A device name that is not a short label.
    #[error("the device name {0:?} is not allowed: use 1 to 32 of a-z, 0-9, '.', '_', '-'")]
    BadName(String),
    /// A name another device has.
    #[error("a device named {0} is paired already")]
    Taken(String),
    /// No such device.
    #[error("no paired device {0}")]
    NotFound(String),
    /// The invite was used, has expired, or was never made.
    #[error("this invite was used already or has expired")]
    Spent,
    /// The server database.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// One paired device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Device {
    /// Its name on this host.
    pub name: String,
    /// Its public key (base32).
    pub key: String,
    /// When it was paired (RFC 3339).
    pub paired_at: String,
}

/// An invite's two halves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    /// The host to reach.
    pub host: PublicKey,
    /// The one-time seed.
    pub seed: [u8; 32],
}

impl Invite {
    /// The text form: `spork-invite-` and the base32 of host key ‖ seed.
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(self.host.as_bytes());
        bytes.extend_from_slice(&self.seed);
        format!(
            "{INVITE_PREFIX}{}",
            data_encoding::BASE32_NOPAD
                .encode(&bytes)
                .to_ascii_lowercase()
        )
    }

    /// Parses the text form (surrounding whitespace and case ignored).
    pub fn parse(text: &str) -> Option<Invite> {
        let body = text.trim().to_ascii_lowercase();
        let body = body.strip_prefix(INVITE_PREFIX)?;
        let bytes = data_encoding::BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .ok()?;
        let (host, seed) = (bytes.get(..32)?, bytes.get(32..)?);
        Some(Invite {
            host: PublicKey::from_bytes(host.try_into().ok()?),
            seed: seed.try_into().ok()?,
        })
    }

    /// The key a device connects under to redeem it.
    pub fn keypair(&self) -> KeyPair {
        KeyPair::from_seed(&self.seed)
    }
}

struct Pending {
    name: String,
    until: Instant,
}

/// The host's paired devices and pending invites.
pub struct Devices {
    store: Arc<Store>,
    admitted: Arc<Admitted>,
    pending: Mutex<HashMap<[u8; 32], Pending>>,
    live: Mutex<HashMap<[u8; 32], Arc<Notify>>>,
}

fn check_name(name: &str) -> Result<String, DeviceError> {
    let name = name.trim().to_ascii_lowercase();
    let ok = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(name)
    } else {
        Err(DeviceError::BadName(name))
    }
}

impl Devices {
    /// The devices kept in `store`, each admitted by `admitted` from now on.
    pub fn load(store: Arc<Store>, admitted: Arc<Admitted>) -> Result<Devices, DeviceError> {
        let devices = Devices {
            store,
            admitted,
            pending: Mutex::new(HashMap::new()),
            live: Mutex::new(HashMap::new()),
        };
        for d in devices.list()? {
            if let Ok(key) = d.key.parse::<PublicKey>() {
                devices.admitted.admit(&key);
            }
        }
        Ok(devices)
    }

    /// Every paired device, by name.
    pub fn list(&self) -> Result<Vec<Device>, DeviceError> {
        Ok(self.store.all_in(DEVICES)?)
    }

    /// A new invite for a device to be called `name` (default: `device-N`), valid for
    /// `ttl`, reaching the host `host`.
    pub fn invite(
        &self,
        host: PublicKey,
        name: Option<&str>,
        ttl: Duration,
    ) -> Result<(Invite, String), DeviceError> {
        let taken: Vec<String> = self.list()?.into_iter().map(|d| d.name).collect();
        let name = match name {
            Some(n) => check_name(n)?,
            None => (1..)
                .map(|n| format!("device-{n}"))
                .find(|n| !taken.contains(n))
                .expect("a free name"),
        };
        if taken.contains(&name) {
            return Err(DeviceError::Taken(name));
        }
        let invite = Invite {
            host,
            seed: rand::random(),
        };
        let key = *invite.keypair().public_key().as_bytes();
        let until = Instant::now() + ttl;
        let mut pending = self.pending.lock().expect("invites lock");
        let now = Instant::now();
        pending.retain(|_, p| p.until > now);
        pending.insert(
            key,
            Pending {
                name: name.clone(),
                until,
            },
        );
        self.admitted.admit_until(&key, until);
        Ok((invite, name))
    }

    /// Spends the invite whose key `invite_key` a device connected under, pairing its
    /// permanent `device` key; durable when it returns.
    pub fn redeem(&self, invite_key: &[u8; 32], device: &PublicKey) -> Result<Device, DeviceError> {
        let pending = self
            .pending
            .lock()
            .expect("invites lock")
            .remove(invite_key)
            .filter(|p| p.until > Instant::now())
            .ok_or(DeviceError::Spent)?;
        self.admitted.forget_invite(invite_key);
        if self.list()?.iter().any(|d| d.name == pending.name) {
            return Err(DeviceError::Taken(pending.name));
        }
        let record = Device {
            name: pending.name,
            key: device.to_string(),
            paired_at: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        };
        self.store.put_in(DEVICES, &record.name, &record)?;
        self.admitted.admit(device);
        Ok(record)
    }

    /// Unpairs device `name`: its key is refused from now on and its open connections
    /// close at once.
    pub fn revoke(&self, name: &str) -> Result<Device, DeviceError> {
        let name = check_name(name)?;
        let device: Device = self
            .store
            .get_in(DEVICES, &name)?
            .ok_or_else(|| DeviceError::NotFound(name.clone()))?;
        self.store.remove_in(DEVICES, &name)?;
        if let Ok(key) = device.key.parse::<PublicKey>() {
            self.admitted.revoke(&key);
            if let Some(gone) = self.live.lock().expect("live lock").remove(key.as_bytes()) {
                gone.notify_waiters();
            }
        }
        Ok(device)
    }

    /// What a connection from `key` waits on: notified when the device is revoked.
    pub fn on_revoke(&self, key: &[u8; 32]) -> Arc<Notify> {
        self.live
            .lock()
            .expect("live lock")
            .entry(*key)
            .or_default()
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invites_round_trip_and_reject_garbage() {
        let host = KeyPair::generate().public_key();
        let invite = Invite {
            host,
            seed: [7; 32],
        };
        let text = invite.encode();
        assert!(text.starts_with("spork-invite-"));
        assert_eq!(
            Invite::parse(&format!("  {}\n", text.to_uppercase())),
            Some(invite)
        );
        for bad in [
            "",
            "spork-invite-",
            "spork-invite-abc",
            &text[..text.len() - 2],
            "hello",
        ] {
            assert_eq!(Invite::parse(bad), None, "{bad:?}");
        }
    }
}
