//! Remote access: the host listens on the DHT under its own key (`DIR/host-key.json`,
//! owner-only) and serves its one router over every connection its firewall admits —
//! exactly as a local request, sign-in, sessions and CSRF included.
//!
//! Deny by default: in the `paired` mode only the keys of paired devices get through
//! the firewall, and a refused key gets no answer at all (HyperDHT's firewall runs
//! before any handshake reply, so an unpaired device cannot even tell the host is
//! online); each refused key is logged once. `public` admits any key, and says so.
//! It never prints; what to show is the caller's, through [`super::HostEvent`].

use std::collections::{HashMap, HashSet};
use std::net::{Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use crate::gateway::server;
use crate::keys::{KeyPair, KeyfileError, PublicKey};
use crate::tunnel::{self, Counted, Report};

use super::dir::HostDir;
use super::router::{self, Peer, Via};
use super::{Host, HostEvent};

/// Who may reach the host over the DHT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoteMode {
    /// Nobody: the host does not listen on the DHT (`--no-remote`).
    Off,
    /// Paired devices only (the default).
    Paired,
    /// Any key (`--remote public`): sign-in is then the only lock.
    Public,
}

/// The host's keyfile.
pub fn keyfile(dir: &HostDir) -> PathBuf {
    dir.root().join("host-key.json")
}

/// The host's keypair: loaded, or made (0600) on first start.
pub fn host_key(dir: &HostDir) -> Result<KeyPair, KeyfileError> {
    crate::keys::load_or_create(&keyfile(dir)).map(|(pair, _)| pair)
}

/// The device keys the firewall admits, changed while the host runs: paired devices,
/// and each pending invite's key until it expires.
#[derive(Debug, Default)]
pub struct Admitted {
    keys: RwLock<HashSet<[u8; 32]>>,
    invites: RwLock<HashMap<[u8; 32], Instant>>,
    refused: Mutex<HashSet<[u8; 32]>>,
}

impl Admitted {
    /// Admits an invite's `key` until `until`.
    pub fn admit_until(&self, key: &[u8; 32], until: Instant) {
        let mut invites = self.invites.write().expect("admitted lock");
        let now = Instant::now();
        invites.retain(|_, t| *t > now);
        invites.insert(*key, until);
    }

    /// Stops admitting a spent invite's `key`.
    pub fn forget_invite(&self, key: &[u8; 32]) {
        self.invites.write().expect("admitted lock").remove(key);
    }

    /// True when `key` is a pending invite's.
    pub fn is_invite(&self, key: &[u8; 32]) -> bool {
        self.invites
            .read()
            .expect("admitted lock")
            .get(key)
            .is_some_and(|t| *t > Instant::now())
    }

    /// Admits `key` from now on.
    pub fn admit(&self, key: &PublicKey) {
        self.keys
            .write()
            .expect("admitted lock")
            .insert(*key.as_bytes());
    }

    /// Stops admitting `key`.
    pub fn revoke(&self, key: &PublicKey) {
        self.keys
            .write()
            .expect("admitted lock")
            .remove(key.as_bytes());
    }

    fn admits(&self, key: &[u8; 32]) -> bool {
        self.keys.read().expect("admitted lock").contains(key) || self.is_invite(key)
    }

    /// True the first time `key` is refused (the firewall runs for every relay and
    /// retry: one log line per key is enough).
    fn first_refusal(&self, key: &[u8; 32]) -> bool {
        let mut refused = self.refused.lock().expect("refused lock");
        if refused.len() > 10_000 {
            refused.clear();
        }
        refused.insert(*key)
    }
}

/// The key a p2p client connected under (its Noise static key).
#[derive(Debug, Clone, Copy)]
pub struct RemoteKey(pub [u8; 32]);

/// The address a p2p client counts as for the sign-in rate limit: one of its own per
/// device key, in the unique-local range (a device has no IP the host can trust).
fn pseudo_peer(key: &[u8; 32]) -> Peer {
    let mut octets = [0u8; 16];
    octets[0] = 0xfd;
    octets[1..].copy_from_slice(&key[..15]);
    Peer(SocketAddr::from((Ipv6Addr::from(octets), 0)))
}

/// Listens on the DHT under `keypair` and serves the host's router to every admitted
/// connection, until the host is dropped. Joins the DHT first (in the background of
/// the host's start).
pub async fn serve(host: Arc<Host>, keypair: KeyPair, mode: RemoteMode) {
    if mode == RemoteMode::Off {
        return;
    }
    let node = match host.dht.node().await {
        Ok(node) => node,
        Err(e) => {
            (host.events)(HostEvent::Warning(format!(
                "remote access is off: cannot join the DHT: {e}"
            )));
            return;
        }
    };
    let admitted = host.admitted.clone();
    let log = host.events.clone();
    let firewall: crate::swarm::node::Firewall = Arc::new(move |key, _addr| {
        if mode == RemoteMode::Public || admitted.admits(key) {
            return true;
        }
        if admitted.first_refusal(key) {
            let key = PublicKey::from_bytes(*key);
            log(HostEvent::Warning(format!(
                "refused an unpaired device: {key}"
            )));
        }
        false
    });
    let mut p2p = node.listen(&keypair, firewall).await;
    (host.events)(HostEvent::Remote {
        public_key: keypair.public_key(),
        public: mode == RemoteMode::Public,
    });
    let weak = Arc::downgrade(&host);
    drop(host);
    let report: tunnel::ReportFn = Arc::new(|r: Report<'_>| {
        if let Report::Connected { remote, .. } = r {
            tracing::info!(%remote, "remote connection");
        }
    });
    let stop = {
        let weak = weak.clone();
        async move {
            // The host going away ends the listener.
            while weak.strong_count() > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
        }
    };
    tunnel::accept_peers(&mut p2p, report, stop, move |conn| {
        let host = weak.upgrade();
        async move {
            let key = *conn.remote_public_key();
            let peer = pseudo_peer(&key);
            let conn = Counted::new(conn);
            let counters = conn.counters();
            if let Some(host) = host {
                let revoked = host.devices.on_revoke(&key);
                let routes = router::router(host, Via::Network)
                    .layer(axum::Extension(peer))
                    .layer(axum::Extension(RemoteKey(key)));
                // A revoked device's connection ends at once (dropping it closes it).
                tokio::select! {
                    _ = server::serve_connection(conn, server::router_service(routes)) => {}
                    _ = revoked.notified() => {}
                }
            }
            counters.moved()
        }
    })
    .await;
    p2p.close().await;
}
