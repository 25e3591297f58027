//! The services a host runs: the table of installed services, what each looks like to
//! the APIs (`ServiceInfo`, the original's shape widened), and how one is launched —
//! its environment, folders, argv, sandbox and memory budget. Supervision is in
//! [`supervise`], the process plumbing in [`process`].
//!
//! It never decides who may call what (the router does) and never prints; every status
//! change goes to the host's event callback and the service's log.

mod launch;
pub mod process;
pub mod supervise;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::{json, Value};
use tokio::sync::watch;

use super::dir::{random_token, HostDir};
use super::logs::Log;
use super::manifest::{self, Manifest};
use super::sandbox::Sandbox;
use super::store::{ServiceRecord, Store};
use process::Spawner;
use supervise::Want;

/// A service's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Launched, not yet answering its health request.
    Starting,
    /// Answering.
    Running,
    /// Not running, on purpose.
    Stopped,
    /// Could not start or never became ready; stays so until started again.
    Failed,
    /// Exited by itself; waiting out the backoff before starting again.
    Restarting,
}

impl Status {
    /// Its name, as in `ls` and the events.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Starting => "starting",
            Status::Running => "running",
            Status::Stopped => "stopped",
            Status::Failed => "failed",
            Status::Restarting => "restarting",
        }
    }
}

/// How services are run, fixed for the host's life.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a service has to answer its health request.
    pub ready_timeout: Duration,
    /// How long a stopped service has between SIGTERM and SIGKILL.
    pub stop_grace: Duration,
    /// The port services reach the gateway on (`ATEK_HOST_PORT`).
    pub host_port: u16,
}

/// A status change, for the host's `--json` events.
pub type EventFn = Arc<dyn Fn(&str, Status) + Send + Sync>;
/// Serves the gateway on a service's own host socket (the router, given by the host);
/// the handle stops it when the service's next start makes a new socket.
pub type GatewayFn =
    Arc<dyn Fn(&str, tokio::net::UnixListener) -> tokio::task::AbortHandle + Send + Sync>;

/// What every service's supervisor shares.
pub struct Context {
    /// The host's folder.
    pub dir: HostDir,
    /// The sandbox; `None` only with `--unsafe-no-sandbox`.
    pub sandbox: Option<Sandbox>,
    /// Timeouts and the port.
    pub settings: Settings,
    /// Status changes go here.
    pub events: EventFn,
    /// Serves a service's gateway socket.
    pub gateway: GatewayFn,
    /// The thread services are spawned from.
    pub spawner: Spawner,
    /// True when the host runs as root (services then get their own uids).
    pub root: bool,
}

impl Context {
    /// True when services run sandboxed.
    pub fn sandboxed(&self) -> bool {
        self.sandbox.is_some()
    }
}

#[derive(Debug, Clone)]
struct Live {
    status: Status,
    /// Starts begun so far: a caller waits for the outcome of its own start.
    attempts: u64,
    restarts: u32,
    pid: Option<u32>,
    error: Option<String>,
}

/// One installed service.
pub struct Service {
    /// Its id.
    pub id: String,
    record: Mutex<ServiceRecord>,
    manifest: Mutex<Result<Manifest, String>>,
    warnings: Mutex<Vec<String>>,
    live: watch::Sender<Live>,
    token: Mutex<String>,
    want: watch::Sender<Want>,
    log: Arc<Mutex<Log>>,
    gateway_task: Mutex<Option<tokio::task::AbortHandle>>,
}

impl Service {
    fn new(record: ServiceRecord, dir: &HostDir) -> Arc<Service> {
        let id = record.id.clone();
        let service = Arc::new(Service {
            log: Arc::new(Mutex::new(Log::new(dir.log(&id)))),
            id,
            manifest: Mutex::new(Err("not loaded".into())),
            warnings: Mutex::new(Vec::new()),
            live: watch::channel(Live {
                status: Status::Stopped,
                attempts: 0,
                restarts: 0,
                pid: None,
                error: None,
            })
            .0,
            token: Mutex::new(random_token()),
            want: watch::channel(Want {
                run: false,
                generation: 0,
            })
            .0,
            record: Mutex::new(record),
            gateway_task: Mutex::new(None),
        });
        service.reload_manifest();
        service
    }

    /// Reads `atek.json` again from the package folder.
    pub fn reload_manifest(&self) {
        let dir = self.record().package_dir;
        let loaded = manifest::load(&dir);
        let (manifest, warnings) = match loaded {
            Ok((m, w)) => (Ok(m), w),
            Err(e) => (Err(e.to_string()), Vec::new()),
        };
        if let Ok(m) = &manifest {
            let record = self.record();
            let secrets = m
                .secret_keys()
                .iter()
                .filter_map(|k| record.config.get(k).cloned())
                .collect();
            self.log.lock().expect("log lock").set_secrets(secrets);
        }
        *self.manifest.lock().expect("manifest lock") = manifest;
        *self.warnings.lock().expect("warnings lock") = warnings;
    }

    /// Its stored record.
    pub fn record(&self) -> ServiceRecord {
        self.record.lock().expect("record lock").clone()
    }

    /// Replaces its stored record (the caller writes the store).
    pub fn set_record(&self, record: ServiceRecord) {
        *self.record.lock().expect("record lock") = record;
    }

    /// Its manifest, or why it has none.
    pub fn manifest(&self) -> Result<Manifest, String> {
        self.manifest.lock().expect("manifest lock").clone()
    }

    /// Its export of `api` over `transport`, if its manifest has one (on every call
    /// through the gateway: no copy of the manifest is made).
    pub fn export(&self, api: &str, transport: manifest::Transport) -> Option<manifest::Export> {
        let manifest = self.manifest.lock().expect("manifest lock");
        manifest
            .as_ref()
            .ok()?
            .exports
            .iter()
            .find(|e| e.api == api && e.transport == transport)
            .cloned()
    }

    /// Whether its manifest's `imports` let it call `api`.
    pub fn may_call(&self, api: &str) -> bool {
        let manifest = self.manifest.lock().expect("manifest lock");
        match manifest.as_ref() {
            Ok(m) => super::apis::api_allowed(api, m.imports.as_deref()),
            // An unreadable manifest grants nothing (fail closed): only inspection.
            Err(_) => api == super::apis::INSPECT_API,
        }
    }

    /// Its status.
    pub fn status(&self) -> Status {
        self.live.borrow().status
    }

    /// Its current bearer token.
    pub fn token(&self) -> String {
        self.token.lock().expect("token lock").clone()
    }

    fn health(&self) -> (String, String) {
        match self.manifest() {
            Ok(m) => (m.health.method, m.health.path),
            Err(_) => ("HEAD".into(), "/".into()),
        }
    }

    /// Serves its gateway socket with `task` from now on, ending the previous one.
    fn set_gateway_task(&self, task: Option<tokio::task::AbortHandle>) {
        if let Some(old) =
            std::mem::replace(&mut *self.gateway_task.lock().expect("task lock"), task)
        {
            old.abort();
        }
    }

    /// Adds a line from the host to its log.
    pub fn log(&self, text: &str) {
        self.log.lock().expect("log lock").note(text);
    }

    fn set_pid(&self, pid: Option<u32>) {
        self.live.send_modify(|l| l.pid = pid);
    }

    fn set_status(&self, ctx: &Context, status: Status, error: Option<String>) {
        let changed = self.live.send_if_modified(|l| {
            let changed = l.status != status;
            if status == Status::Starting {
                l.attempts += 1;
            }
            l.status = status;
            l.error = error;
            changed
        });
        if changed {
            (ctx.events)(&self.id, status);
        }
    }

    fn crashed(&self, ctx: &Context, why: String) {
        self.live.send_modify(|l| l.restarts += 1);
        self.set_status(ctx, Status::Restarting, Some(why));
    }

    /// Asks the supervisor to run or stop it; a restart also bumps the generation.
    pub fn want(&self, run: bool, restart: bool) {
        self.want.send_modify(|w| {
            w.run = run;
            if restart {
                w.generation += 1;
            }
        });
    }

    /// Starts it (again, with `restart`, or when it waits out a backoff) and waits, at
    /// most `limit`, for the outcome of *this* start: running, failed, or crashed. A
    /// running service asked to start just stays running.
    pub async fn start(&self, restart: bool, limit: Duration) -> Status {
        let (before, status) = {
            let live = self.live.borrow();
            (live.attempts, live.status)
        };
        if status == Status::Running && !restart {
            return status;
        }
        let mut rx = self.live.subscribe();
        self.want(true, restart || status == Status::Restarting);
        let done = |l: &Live| l.attempts > before && l.status != Status::Starting;
        let _ = tokio::time::timeout(limit, rx.wait_for(done)).await;
        self.status()
    }

    /// Stops it and waits, at most `limit`, until it has stopped.
    pub async fn stop(&self, limit: Duration) -> Status {
        let mut rx = self.live.subscribe();
        self.want(false, false);
        let _ = tokio::time::timeout(limit, rx.wait_for(|l| l.status == Status::Stopped)).await;
        self.status()
    }

    /// What the APIs show: the original's `ServiceInfo` (`status`, `key`, `settings`)
    /// with spork's flat fields beside it. Secret config values are left out.
    pub fn info(&self, ctx: &Context) -> Value {
        let dir = &ctx.dir;
        let record = self.record();
        let live = self.live.borrow().clone();
        let manifest = self.manifest();
        let secret = manifest
            .as_ref()
            .map(|m| m.secret_keys())
            .unwrap_or_default();
        let config: BTreeMap<&String, Value> = record
            .config
            .iter()
            .map(|(k, v)| {
                // No manifest, no schema: every value might be a secret.
                let shown = if manifest.is_err() || secret.contains(k) {
                    Value::String("[secret]".into())
                } else {
                    Value::String(v.clone())
                };
                (k, shown)
            })
            .collect();
        let mut warnings = self.warnings.lock().expect("warnings lock").clone();
        let mut exports = Vec::new();
        let mut about = json!({});
        let mut network = "none";
        if let Ok(m) = &manifest {
            if m.imports.is_none() {
                warnings
                    .push("no \"imports\" in atek.json: it may call every API (as in Atek)".into());
            }
            exports = m
                .exports
                .iter()
                .map(|e| {
                    json!({"api": e.api, "path": e.path, "transport": match e.transport {
                        manifest::Transport::Rpc => "rpc",
                        manifest::Transport::Proxy => "proxy",
                    }})
                })
                .collect();
            about = json!({
                "name": m.name, "title": m.title, "description": m.description,
                "author": m.author, "license": m.license, "frame": m.frame,
                "exports": exports,
            });
            if m.network == manifest::Network::Outbound && record.allow_network {
                network = "outbound";
            }
        }
        let mut info = json!({
            "status": live.status,
            "key": record.id,
            "settings": {
                "id": record.id,
                "owningUserKey": record.owning_user_key,
                "sourceUrl": record.source_url,
                "desiredVersion": record.desired_version,
                "package": {
                    "sourceType": record.source_type,
                    "installedVersion": record.version,
                    "title": manifest.as_ref().ok().and_then(|m| m.title.clone()),
                },
                "manifest": about,
                "config": config,
            },
            "id": record.id,
            "owner": record.owning_user_key,
            "source": record.source_url,
            "version": record.version,
            "commit": record.commit,
            "link": record.link,
            "restarts": live.restarts,
            "pid": live.pid,
            "network": network,
            "sandbox": ctx.sandboxed(),
            "exports": exports,
            "updateAvailable": record.update_available,
            "warnings": warnings,
            "memoryKb": live.pid.map(process::tree_rss_kib),
            "configSchema": manifest.as_ref().ok().and_then(|m| m.config.clone()),
        });
        if let Err(e) = &manifest {
            info["error"] = Value::String(e.clone());
        } else if let Some(e) = &live.error {
            info["error"] = Value::String(e.clone());
        }
        if live.status == Status::Failed {
            info["logTail"] = json!(super::logs::tail(&dir.log(&self.id), 20));
        }
        info
    }
}

/// The table of installed services.
pub struct Services {
    ctx: Arc<Context>,
    store: Arc<Store>,
    table: Mutex<BTreeMap<String, Arc<Service>>>,
}

impl Services {
    /// The services of `store`, none started yet.
    pub fn new(ctx: Context, store: Arc<Store>) -> Arc<Services> {
        Arc::new(Services {
            ctx: Arc::new(ctx),
            store,
            table: Mutex::new(BTreeMap::new()),
        })
    }

    /// The shared context.
    pub fn context(&self) -> &Arc<Context> {
        &self.ctx
    }

    /// The store.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Loads every stored service and starts those not stopped on purpose.
    pub fn start_all(&self) -> Result<(), super::store::StoreError> {
        for mut record in self.store.services()? {
            let placed = package_dir(&self.ctx.dir, &record.id);
            if !record.link && record.package_dir != placed && placed.is_dir() {
                // The folder moved (a backup restored into a new DIR): its copy of the
                // package is the one to run.
                record.package_dir = placed;
                self.store.put_service(&record)?;
            }
            let run = !record.stopped;
            let service = self.add(record);
            service.want(run, false);
        }
        Ok(())
    }

    /// Adds a service to the table and starts its supervisor (not the service).
    pub fn add(&self, record: ServiceRecord) -> Arc<Service> {
        let service = Service::new(record, &self.ctx.dir);
        self.table
            .lock()
            .expect("table lock")
            .insert(service.id.clone(), service.clone());
        tokio::spawn(supervise::supervise(service.clone(), self.ctx.clone()));
        service
    }

    /// Takes a service out of the table, stopping it first.
    pub async fn remove(&self, id: &str) -> Option<Arc<Service>> {
        let service = self.get(id)?;
        service.stop(self.ctx.settings.stop_grace * 2).await;
        service.set_gateway_task(None);
        self.table.lock().expect("table lock").remove(id)
    }

    /// One service.
    pub fn get(&self, id: &str) -> Option<Arc<Service>> {
        self.table.lock().expect("table lock").get(id).cloned()
    }

    /// Every service, by id.
    pub fn all(&self) -> Vec<Arc<Service>> {
        self.table
            .lock()
            .expect("table lock")
            .values()
            .cloned()
            .collect()
    }

    /// True when `id` is taken.
    pub fn contains(&self, id: &str) -> bool {
        self.table.lock().expect("table lock").contains_key(id)
    }

    /// The service whose current token is `token` (compared in constant time, every
    /// service compared).
    pub fn by_token(&self, token: &str) -> Option<Arc<Service>> {
        use subtle::ConstantTimeEq;
        let mut found = None;
        for service in self.all() {
            if bool::from(service.token().as_bytes().ct_eq(token.as_bytes())) {
                found = Some(service);
            }
        }
        found
    }

    /// The first running service exporting `api` over `transport`, with the export;
    /// else the id of one that exports it but is not running, if any.
    pub fn exporter(
        &self,
        api: &str,
        transport: manifest::Transport,
    ) -> Result<(Arc<Service>, manifest::Export), Option<String>> {
        let mut down = None;
        for s in self.all() {
            let Some(export) = s.export(api, transport) else {
                continue;
            };
            if s.status() == Status::Running {
                return Ok((s, export));
            }
            down.get_or_insert(s.id.clone());
        }
        Err(down)
    }

    /// Stops every service (SIGTERM, grace, SIGKILL), all at once.
    pub async fn shutdown(&self) {
        let limit = self.ctx.settings.stop_grace + Duration::from_secs(2);
        let stops: Vec<_> = self
            .all()
            .into_iter()
            .map(|s| tokio::spawn(async move { s.stop(limit).await }))
            .collect();
        for stop in stops {
            let _ = stop.await;
        }
    }
}

/// Where `install` puts a package: `packages/{id}`.
pub fn package_dir(dir: &HostDir, id: &str) -> PathBuf {
    dir.packages().join(id)
}
