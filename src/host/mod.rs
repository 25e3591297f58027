//! The home cloud (`spork host`), assembled from the floors below it: services with
//! their manifests, sandboxes and supervision, the API gateway, sessions. This file is
//! the start-up, in the original's order — config, HTTP server, core services, (the
//! server database, next issue), user services — and the state every route shares.
//!
//! Only `commands/` and this module may print; nothing below knows the host exists.
//! Here nothing prints either: what happens is told through [`HostEvent`]s.

pub mod apis;
pub mod backup;
pub mod client;
pub mod cores;
pub mod dashboard;
pub mod devices;
pub mod dht;
pub mod dir;
pub mod ids;
pub mod login_limit;
pub mod logs;
pub mod manifest;
pub mod network;
pub mod packages;
pub mod pages;
pub mod remote;
pub mod router;
pub mod sandbox;
pub mod services;
pub mod sessions;
pub mod store;
pub mod users;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;

use axum::body::Body;
use serde_json::{json, Value};

use crate::adb::registry::Adb;
use dir::{Config, DirError, HostDir, HostLock, Secrets};
use services::{Context, Services, Settings as ServiceSettings, Status};

/// What the host tells its command.
#[derive(Debug, Clone)]
pub enum HostEvent {
    /// The HTTP server is up.
    Listening {
        /// The address listened on.
        addr: SocketAddr,
    },
    /// A service changed state.
    Service {
        /// Its id.
        id: String,
        /// Its new status.
        status: Status,
    },
    /// The DHT node's background join went on (see [`crate::swarm::node::JoinEvent`]).
    Dht(crate::swarm::node::JoinEvent),
    /// A seeded core's progress changed.
    Seed(crate::hypercore::seed::SeedStatus),
    /// A seeded core's writer truncated it, and the host follows.
    Forked(crate::hypercore::seed::ForkSeen),
    /// Something the admin should know (a core service that failed to install, no
    /// sandbox by choice).
    Warning(String),
    /// The host listens on the DHT under its key.
    Remote {
        /// The host's key.
        public_key: crate::keys::PublicKey,
        /// Any key is admitted (`--remote public`), not only paired devices.
        public: bool,
    },
}

/// Receives the host's events.
pub type HostEvents = Arc<dyn Fn(HostEvent) + Send + Sync>;

/// How to run a host.
#[derive(Debug, Clone)]
pub struct HostOptions {
    /// Its folder.
    pub dir: PathBuf,
    /// The port (`None`: config.json's).
    pub port: Option<u16>,
    /// The address to listen on.
    pub listen: IpAddr,
    /// Run services without a sandbox.
    pub unsafe_no_sandbox: bool,
    /// How long a service has to become ready.
    pub ready_timeout: Duration,
    /// How long a stopping service has before SIGKILL.
    pub stop_grace: Duration,
    /// How long a JSON-RPC call to a service may take.
    pub call_timeout: Duration,
    /// How often git services are checked for a newer release.
    pub update_check: Duration,
    /// Where to join the DHT when something needs it.
    pub dht: dht::DhtOptions,
    /// How long browser sessions last.
    pub sessions: sessions::Lifetimes,
    /// Who may reach the host over the DHT.
    pub remote: remote::RemoteMode,
}

/// Why the host could not start.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The folder, its config or secrets.
    #[error(transparent)]
    Dir(#[from] DirError),
    /// No sandbox can be made.
    #[error("cannot sandbox services: {0}")]
    Sandbox(#[from] sandbox::SandboxError),
    /// The store.
    #[error(transparent)]
    Store(#[from] store::StoreError),
    /// The cores' store or seed list.
    #[error(transparent)]
    Cores(#[from] crate::hypercore::seed::SeedError),
    /// The databases.
    #[error(transparent)]
    Adb(#[from] crate::adb::registry::AdbError),
    /// The paired devices.
    #[error(transparent)]
    Devices(#[from] devices::DeviceError),
    /// The host's keyfile (remote access).
    #[error("the host's key: {0}")]
    Key(#[from] crate::keys::KeyfileError),
    /// The port or the control socket.
    #[error("{what}: {source}")]
    Listen {
        /// What could not listen.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
}

/// The timeouts and the port, as running.
#[derive(Debug, Clone)]
pub struct HostSettings {
    /// The port bound.
    pub port: u16,
    /// See [`HostOptions::ready_timeout`].
    pub ready_timeout: Duration,
    /// See [`HostOptions::stop_grace`].
    pub stop_grace: Duration,
    /// See [`HostOptions::call_timeout`].
    pub call_timeout: Duration,
}

/// A running host's shared state.
pub struct Host {
    /// Its folder.
    pub dir: HostDir,
    /// `config.json`.
    pub config: Mutex<Config>,
    /// `secrets.json`.
    pub secrets: Secrets,
    /// The services.
    pub services: Arc<Services>,
    /// Browser sessions.
    pub sessions: sessions::Sessions,
    /// The accounts.
    pub users: users::Users,
    /// Failed-login counters.
    pub login_limit: login_limit::LoginLimit,
    /// The dashboard's CSS and script, served by the static file server.
    pub dashboard_assets: axum::Router,
    /// The device keys remote access admits.
    pub admitted: Arc<remote::Admitted>,
    /// Paired devices and pending invites.
    pub devices: devices::Devices,
    /// The host's public key (remote access).
    pub public_key: crate::keys::PublicKey,
    /// Where the host's events go.
    pub events: HostEvents,
    /// Timeouts and the port.
    pub settings: HostSettings,
    /// Pooled HTTP to services' sockets.
    pub service_client:
        hyper_util::client::legacy::Client<crate::gateway::unix::UnixConnector, Body>,
    /// One install, update or uninstall at a time.
    pub installing: tokio::sync::Mutex<()>,
    /// The DHT node, joined on first need.
    pub dht: Arc<dht::Dht>,
    /// The corestore and the cores seeded.
    pub cores: Arc<cores::Cores>,
    /// ADB: the server database and every other.
    pub adb: Arc<Adb>,
    _lock: HostLock,
}

impl Host {
    /// A new one-time login link for the admin.
    pub fn login_link(&self) -> String {
        let token = self.sessions.login_token();
        format!(
            "http://localhost:{}/_atek/login?token={token}",
            self.settings.port
        )
    }

    /// `config.json` as the inspect API shows it (it holds no secrets).
    pub fn public_config(&self) -> Value {
        // Only what describes the host: core services' config values and fields other
        // tools added may hold secrets, and every service may call this.
        let config = self.config.lock().expect("config lock");
        let core: Vec<Value> = config
            .core_services
            .iter()
            .map(|c| json!({"id": c.id, "sourceUrl": c.source_url, "desiredVersion": c.desired_version}))
            .collect();
        json!({
            "domain": config.domain,
            "port": self.settings.port,
            "coreServices": core,
            "defaultMainService": config.default_main_service,
            "serverDbId": config.server_db_id,
        })
    }

    /// Writes a backup into a new owner-only file in DIR (installs wait meanwhile);
    /// its path and manifest. The caller moves it where it belongs.
    pub async fn backup(
        self: &Arc<Self>,
        secrets: bool,
    ) -> Result<(PathBuf, backup::Manifest), backup::BackupError> {
        let _guard = self.installing.lock().await;
        let host = self.clone();
        let work = tokio::task::spawn_blocking(move || {
            let out = host
                .dir
                .root()
                .join(format!(".backup-{}.tar", dir::random_token()));
            let mut services: Vec<(String, bool)> = host
                .services
                .all()
                .iter()
                .map(|s| (s.id.clone(), s.record().link))
                .collect();
            services.sort();
            let source = backup::Source {
                dir: &host.dir,
                store: host.cores.store(),
                adb: &host.adb,
                services,
            };
            match backup::write(&source, secrets, &out) {
                Ok(manifest) => Ok((out, manifest)),
                Err(e) => {
                    let _ = std::fs::remove_file(&out);
                    Err(e)
                }
            }
        });
        work.await
            .map_err(|e| backup::BackupError::Store(e.to_string()))?
    }

    /// Stops every service and the listeners' work.
    pub async fn shutdown(&self) {
        self.services.shutdown().await;
        self.cores.shutdown().await;
        let _ = std::fs::remove_file(self.dir.control_socket());
    }
}

/// Starts a host: folder and lock, config and secrets, the sandbox check, the stores,
/// the HTTP server and control socket, user services and the seeded cores, then core
/// services missing.
pub async fn start(opts: HostOptions, events: HostEvents) -> Result<Arc<Host>, HostError> {
    let dir = HostDir::new(&opts.dir);
    let root = rustix::process::geteuid().is_root();
    dir.prepare(root)?;
    let lock = dir.lock(dir::Holder::Host)?;
    remove_unfinished_backups(&dir);
    let mut config = Config::load_or_create(&dir)?;
    let secrets = Secrets::load_or_create(&dir)?;
    let host_key = remote::host_key(&dir)?;
    let sandbox = if opts.unsafe_no_sandbox {
        events(HostEvent::Warning(
            "services run WITHOUT a sandbox (--unsafe-no-sandbox): each can read and change \
             everything this user can"
                .into(),
        ));
        None
    } else {
        Some(sandbox::Sandbox::detect(
            root.then_some(packages::FIRST_SERVICE_UID),
            dir.root(),
        )?)
    };
    let cores = Arc::new(cores::Cores::open(dir.root(), events.clone())?);
    let dht = Arc::new(dht::Dht::new(opts.dht.clone(), events.clone()));
    let adb = Arc::new(open_adb(&cores, &dht, &mut config, &dir)?);
    let store = Arc::new(store::Store::new(adb.server().clone()));
    let moved = store.migrate(&dir.store_file())?;
    if moved > 0 {
        events(HostEvent::Warning(format!(
            "moved {moved} services from host.redb into the server database (the old file is host.redb.migrated)"
        )));
    }
    tokio::spawn(checkpoint(Arc::downgrade(&cores)));
    if let Some(port) = opts.port {
        config.port = port;
    }
    let listener = tokio::net::TcpListener::bind((opts.listen, config.port))
        .await
        .map_err(|source| HostError::Listen {
            what: format!("cannot listen on {}:{}", opts.listen, config.port),
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| HostError::Listen {
        what: "the listener".into(),
        source,
    })?;
    let control_path = dir.control_socket();
    let _ = std::fs::remove_file(&control_path);
    let control =
        tokio::net::UnixListener::bind(&control_path).map_err(|source| HostError::Listen {
            what: control_path.display().to_string(),
            source,
        })?;
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&control_path, std::fs::Permissions::from_mode(0o600)).map_err(
            |source| HostError::Listen {
                what: control_path.display().to_string(),
                source,
            },
        )?;
    }

    let settings = HostSettings {
        port: addr.port(),
        ready_timeout: opts.ready_timeout,
        stop_grace: opts.stop_grace,
        call_timeout: opts.call_timeout,
    };
    // Services' gateway sockets are served by the router, which needs the host: the
    // callback finds it through a weak reference set once the host exists.
    let me: Arc<OnceLock<Weak<Host>>> = Arc::new(OnceLock::new());
    let gateway_host = me.clone();
    let gateway: services::GatewayFn = Arc::new(move |id, listener| {
        let host = gateway_host.get().and_then(Weak::upgrade);
        let via = router::Via::Service(id.to_string());
        let task = async move {
            if let Some(host) = host {
                let router = router::router(host, via);
                router::serve_unix(listener, router, false).await;
            }
        };
        tokio::spawn(task).abort_handle()
    });
    let service_events = events.clone();
    let ctx = Context {
        dir: dir.clone(),
        sandbox,
        settings: ServiceSettings {
            ready_timeout: opts.ready_timeout,
            stop_grace: opts.stop_grace,
            host_port: addr.port(),
        },
        events: Arc::new(move |id, status| {
            service_events(HostEvent::Service {
                id: id.to_string(),
                status,
            })
        }),
        gateway,
        spawner: services::process::Spawner::start(),
        root,
    };
    let services = Services::new(ctx, store);
    let socket_dir = dir.clone();
    let service_client = crate::gateway::unix::client(Arc::new(move |id: &str| {
        ids::check(id).ok().map(|()| socket_dir.service_socket(id))
    }));
    let core = config.core_services.clone();
    let accounts = users::Users::new(services.store().clone());
    let admitted = Arc::new(remote::Admitted::default());
    let paired = devices::Devices::load(services.store().clone(), admitted.clone())?;
    let dashboard_assets =
        dashboard::assets(&dir.root().join("dashboard")).map_err(|source| HostError::Listen {
            what: "the dashboard's files".into(),
            source,
        })?;
    let host = Arc::new(Host {
        dir,
        config: Mutex::new(config),
        secrets,
        services,
        sessions: sessions::Sessions::new(opts.sessions),
        users: accounts,
        login_limit: login_limit::LoginLimit::default(),
        dashboard_assets,
        admitted,
        devices: paired,
        public_key: host_key.public_key(),
        events: events.clone(),
        settings,
        service_client,
        installing: tokio::sync::Mutex::new(()),
        dht,
        cores,
        adb,
        _lock: lock,
    });
    let _ = me.set(Arc::downgrade(&host));

    let network = router::router(host.clone(), router::Via::Network);
    tokio::spawn(async move {
        crate::gateway::server::serve_tcp(listener, move |client| {
            let with_peer = network.clone().layer(axum::Extension(router::Peer(client)));
            crate::gateway::server::router_service(with_peer)
        })
        .await
    });
    let owner = router::router(host.clone(), router::Via::Owner);
    tokio::spawn(router::serve_unix(control, owner, true));
    events(HostEvent::Listening { addr });

    host.services.start_all()?;
    tokio::spawn(remote::serve(host.clone(), host_key, opts.remote));
    // Joining the DHT must not hold up the services.
    let seeding = host.clone();
    tokio::spawn(async move { seeding.cores.resume(&seeding.dht).await });
    for core in core {
        if host.services.contains(&core.id) {
            continue;
        }
        let opts = packages::InstallOpts {
            source: core.source_url.clone(),
            id: Some(core.id.clone()),
            desired_version: core.desired_version.clone(),
            config: core
                .config
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
                .collect(),
            owner: users::SYSTEM.into(),
            ..Default::default()
        };
        if let Err(e) = packages::install(&host.services, opts).await {
            events(HostEvent::Warning(format!(
                "core service {} could not be installed: {e}",
                core.id
            )));
        }
    }
    tokio::spawn(check_updates(Arc::downgrade(&host), opts.update_check));
    Ok(host)
}

/// Removes what a backup interrupted by a crash left in DIR (its snapshot, its file
/// before the CLI moved it).
fn remove_unfinished_backups(dir: &HostDir) {
    let Ok(entries) = std::fs::read_dir(dir.root()) else {
        return;
    };
    for e in entries.flatten() {
        if e.file_name().to_string_lossy().starts_with(".backup-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Opens ADB on the host's corestore: the server database of config.json (made and
/// recorded there on first start) and every database it lists. Public and followed
/// databases are seeded, one change at a time, in the order ADB asks.
fn open_adb(
    cores: &Arc<cores::Cores>,
    dht: &Arc<dht::Dht>,
    config: &mut Config,
    dir: &HostDir,
) -> Result<Adb, HostError> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (worker_cores, worker_dht) = (cores.clone(), dht.clone());
    tokio::spawn(async move {
        while let Some((key, on)) = rx.recv().await {
            worker_cores.share(&worker_dht, key, on).await;
        }
    });
    let share: crate::adb::registry::Share = Box::new(move |key, on| {
        let _ = tx.send((*key, on));
    });
    open_adb_with(cores.store().clone(), config, dir, share)
}

fn open_adb_with(
    store: crate::hypercore::storage::Corestore,
    config: &mut Config,
    dir: &HostDir,
    share: crate::adb::registry::Share,
) -> Result<Adb, HostError> {
    let server = match &config.server_db_id {
        Some(id) => Some(
            crate::hypercore::id::parse_key(id).map_err(|e| DirError::Invalid {
                path: dir.config_file(),
                problem: format!("serverDbId: {e}"),
            })?,
        ),
        None => None,
    };
    let adb = Adb::open(store, server.as_ref(), share)?;
    if config.server_db_id.is_none() {
        config.server_db_id = Some(adb.server().id().to_string());
        config.save(dir)?;
    }
    Ok(adb)
}

/// The accounts of host folder `path` with no host running (`spork mkuser` and the
/// other account verbs then open it themselves), and the folder's lock, held as long
/// as they are used: a host starting meanwhile waits for nothing and is refused.
pub fn accounts_offline(path: &std::path::Path) -> Result<(users::Users, HostLock), HostError> {
    let dir = HostDir::new(path);
    dir.prepare(rustix::process::geteuid().is_root())?;
    let lock = dir.lock(dir::Holder::Accounts)?;
    let mut config = Config::load_or_create(&dir)?;
    let store = crate::hypercore::storage::Corestore::open(&dir.root().join("cores.redb"))
        .map_err(crate::hypercore::seed::SeedError::from)?;
    let adb = open_adb_with(store, &mut config, &dir, Box::new(|_, _| {}))?;
    let store = Arc::new(store::Store::new(adb.server().clone()));
    store.migrate(&dir.store_file())?;
    Ok((users::Users::new(store), lock))
}

/// Checkpoints the corestore every second there were writes, so a power cut loses at
/// most that much (a `kill -9` loses nothing: see `hypercore::storage`).
async fn checkpoint(cores: Weak<cores::Cores>) {
    loop {
        tokio::time::sleep(crate::hypercore::storage::CHECKPOINT_EVERY).await;
        let Some(cores) = cores.upgrade() else { return };
        let _ = cores.store().flush_if_due();
    }
}

/// Marks "update available" on git services, every `every`.
async fn check_updates(host: Weak<Host>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(host) = host.upgrade() else { return };
        for service in host.services.all() {
            let mut record = service.record();
            if record.source_type != store::SourceType::Git {
                continue;
            }
            if let Ok((installed, Some(latest))) = packages::check(&service).await {
                let newer = (Some(&latest) != installed.as_ref()).then_some(latest);
                if record.update_available != newer {
                    record.update_available = newer;
                    if host.services.store().put_service(&record).is_ok() {
                        service.set_record(record);
                    }
                }
            }
        }
    }
}
