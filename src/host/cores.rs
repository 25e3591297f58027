//! The host's cores: it owns DIR's corestore (`cores.redb`) and keeps available the
//! cores seeded in DIR, resuming them at start and taking the keys `spork seed` hands
//! it over the control channel, through `atek.cloud/seed-api` (spork's own API, admin
//! only: the owner's verbs). The seeding itself is [`Seeds`], the same that `spork
//! seed` runs on its own when no host does; the DHT is joined for it when there is a
//! first core to seed.
//!
//! Never prints: progress goes out as [`HostEvent::Seed`], a failure as a warning.

use std::path::Path;

use serde_json::{json, Value};
use tokio::sync::Mutex;

use super::apis::Refusal;
use super::dht::Dht;
use super::{HostEvent, HostEvents};
use crate::gateway::rpc::ErrorCode;
use crate::hypercore::id::parse_key;
use crate::hypercore::seed::{SeedError, SeedEvent, Seeds};
use crate::hypercore::storage::Corestore;
use crate::swarm::crypto::Key32;

/// The seed API's id.
pub const SEED_API: &str = "atek.cloud/seed-api";

/// The host's corestore and its seeding.
pub struct Cores {
    seeds: Mutex<Seeds>,
    store: Corestore,
    events: HostEvents,
}

fn refuse(e: impl ToString) -> Refusal {
    (ErrorCode::NOT_AUTHORIZED, e.to_string())
}

/// `params[0]`: core keys, 64 hex digits or z-base-32.
fn keys_param(params: &Value) -> Result<Vec<Key32>, Refusal> {
    let invalid = |msg: String| (ErrorCode::INVALID_PARAMS, msg);
    let list = params
        .get(0)
        .and_then(Value::as_array)
        .ok_or_else(|| invalid("Parameter 1 (keys) must be an array of core keys".into()))?;
    list.iter()
        .map(|k| {
            let text = k
                .as_str()
                .ok_or_else(|| invalid("Parameter 1 (keys) must hold strings".into()))?;
            parse_key(text).map_err(|e| invalid(e.to_string()))
        })
        .collect()
}

impl Cores {
    /// Opens DIR's store and seed list.
    pub fn open(dir: &Path, events: HostEvents) -> Result<Cores, SeedError> {
        let seeds = Seeds::open(dir)?;
        Ok(Cores {
            store: seeds.store().clone(),
            seeds: Mutex::new(seeds),
            events,
        })
    }

    /// The store every core of the host lives in (ADB's databases too).
    pub fn store(&self) -> &Corestore {
        &self.store
    }

    /// Seeds (`true`) or stops seeding `key` for ADB: a public or followed database.
    /// Kept in the seed list like any seeded core, so `spork seed --list` shows what
    /// this home replicates.
    pub async fn share(&self, dht: &Dht, key: Key32, on: bool) {
        let mut seeds = self.seeds.lock().await;
        let seeded = seeds.keys().any(|k| *k == key);
        let done = match (on, seeded) {
            (true, false) => match seeds.add(&[key]) {
                Ok(_) => self.start(&mut seeds, dht).await,
                Err(e) => Err(e.to_string()),
            },
            (false, true) => seeds.remove(&[key]).map_err(|e| e.to_string()),
            _ => Ok(()),
        };
        if let Err(e) = done {
            let what = if on { "share" } else { "stop sharing" };
            (self.events)(HostEvent::Warning(format!(
                "cannot {what} database {}: {e}",
                hex::encode(key)
            )));
        }
    }

    /// Starts seeding what DIR lists, if anything.
    pub async fn resume(&self, dht: &Dht) {
        let mut seeds = self.seeds.lock().await;
        if !seeds.is_empty() {
            if let Err(e) = self.start(&mut seeds, dht).await {
                (self.events)(HostEvent::Warning(format!("cannot seed: {e}")));
            }
        }
    }

    async fn start(&self, seeds: &mut Seeds, dht: &Dht) -> Result<(), String> {
        if seeds.is_running() {
            return Ok(());
        }
        let node = dht.node().await.map_err(|e| e.to_string())?;
        let events = self.events.clone();
        seeds
            .start(node, move |ev| match ev {
                SeedEvent::Status(s) => events(HostEvent::Seed(s)),
                SeedEvent::Forked(seen) => events(HostEvent::Forked(seen)),
                SeedEvent::Failed(e) => events(HostEvent::Warning(format!("seeding stopped: {e}"))),
            })
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }

    /// Calls `method` of the seed API: `list()`, `add(keys)`, `remove(keys)`.
    pub async fn call(&self, dht: &Dht, method: &str, params: &Value) -> Result<Value, Refusal> {
        let mut seeds = self.seeds.lock().await;
        match method {
            "list" => {
                let list = seeds.list().map_err(refuse)?;
                Ok(json!({ "seeds": list }))
            }
            "add" => {
                let keys = keys_param(params)?;
                let added = seeds.add(&keys).map_err(refuse)?;
                if !seeds.is_empty() {
                    self.start(&mut seeds, dht).await.map_err(refuse)?;
                }
                let infos = keys
                    .iter()
                    .map(|k| seeds.info(k))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(refuse)?;
                let added: Vec<String> = added.iter().map(hex::encode).collect();
                Ok(json!({ "added": added, "seeds": infos }))
            }
            "remove" => {
                let keys = keys_param(params)?;
                seeds.remove(&keys).map_err(refuse)?;
                let removed: Vec<String> = keys.iter().map(hex::encode).collect();
                Ok(json!({ "removed": removed }))
            }
            _ => Err((
                ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            )),
        }
    }

    /// Stops seeding and checkpoints the store.
    pub async fn shutdown(&self) {
        if let Err(e) = self.seeds.lock().await.stop().await {
            (self.events)(HostEvent::Warning(format!("closing the cores: {e}")));
        }
    }
}
