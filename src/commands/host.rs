//! `spork host`: runs the home cloud in a folder until SIGINT/SIGTERM, printing where it
//! listens, a one-time login link (stderr) and each service's state changes; `spork
//! host login-link` asks a running host for a fresh link.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand};

use super::{shutdown_signal, GlobalArgs};
use crate::host::{self, HostError, HostEvent, HostOptions};
use crate::ui::{Event, EventStream, HintedError, Reporter};

/// The host's folder, for `spork host` and every verb that talks to it.
#[derive(Debug, Clone, Args)]
pub struct DirArgs {
    /// The host's folder [default: ~/.atek]
    #[arg(long, env = "SPORK_HOST_DIR", value_name = "DIR", global = true)]
    pub dir: Option<PathBuf>,
}

impl DirArgs {
    /// The folder, defaulted.
    pub fn path(&self) -> PathBuf {
        self.dir
            .clone()
            .unwrap_or_else(host::dir::HostDir::default_root)
    }
}

/// Run the home cloud: services, their APIs, their websites.
///
/// `spork host` runs the services installed with `spork install` (each sandboxed),
/// routes JSON-RPC calls between them at /_atek/gateway?api=API_ID, and serves each at
/// http://ID.localhost:PORT/ for browsers signed in with the one-time login link it
/// prints. Its state lives in --dir (config.json, secrets.json, packages/, data/,
/// logs/; cores.redb and seeds.json for the cores it seeds, see `spork seed`); a second
/// host on the same folder is refused.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork host --dir ~/cloud               # run it (port 2835)\n  \
    spork install ./my-service              # in another terminal\n  \
    spork host login-link                   # a new one-time browser login link")]
pub struct HostArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
    /// The HTTP port (0: a free one, printed) [default: config.json's, else 2835]
    #[arg(short, long)]
    pub port: Option<u16>,
    /// The address to listen on (widen with 0.0.0.0 to share on your network)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub listen: IpAddr,
    /// Run services without a sandbox (each can then read and change all your files)
    #[arg(long)]
    pub unsafe_no_sandbox: bool,
    /// Seconds a service has to answer its health request before it is `failed`
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub ready_timeout: u64,
    /// Seconds a stopping service has between SIGTERM and SIGKILL
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    pub stop_timeout: u64,
    /// Seconds a JSON-RPC call through the gateway may take
    #[arg(long, value_name = "SECS", default_value_t = 60)]
    pub call_timeout: u64,
    /// How often git services are checked for a newer release (e.g. 24h, 30m, 90s)
    #[arg(long, value_name = "INTERVAL", default_value = "24h", value_parser = parse_interval)]
    pub update_check: Duration,
    /// How long a browser session lasts unused before it asks to sign in again
    #[arg(long, value_name = "INTERVAL", default_value = "24h", value_parser = parse_interval)]
    pub session_idle: Duration,
    /// How long a browser session lasts at most, used or not
    #[arg(long, value_name = "INTERVAL", default_value = "14d", value_parser = parse_interval)]
    pub session_max: Duration,
    /// Do not listen on the DHT: no remote access at all
    #[arg(long, conflicts_with = "remote")]
    pub no_remote: bool,
    /// Who may reach the host over the DHT: `paired` devices only, or `public` (any
    /// key; signing in is then the only lock)
    #[arg(long, value_name = "MODE", default_value = "paired", value_parser = ["paired", "public"])]
    pub remote: String,
    /// What to ask a running host.
    #[command(subcommand)]
    pub action: Option<HostAction>,
}

/// Asking a running host.
#[derive(Debug, Subcommand)]
pub enum HostAction {
    /// Print a fresh one-time browser login link (on stderr)
    LoginLink,
    /// Print the host's public key: its address for remote access (made if new)
    Key,
    /// Make a one-time invite that pairs one device (shown once, on stderr, with a QR
    /// code); on the device: spork pair
    Invite {
        /// The device's name on this host [default: device-N]
        #[arg(long)]
        name: Option<String>,
        /// How long the invite lasts (e.g. 10m, 1h)
        #[arg(long, value_name = "INTERVAL", default_value = "10m", value_parser = parse_interval)]
        expires: Duration,
    },
    /// List the paired devices, or unpair one (its open connections close at once)
    Devices {
        /// Unpair this device
        #[arg(long, value_name = "NAME")]
        revoke: Option<String>,
    },
    /// Back up the running host to FILE: databases, config, services' packages and data
    ///
    /// A consistent snapshot of every database (what was acknowledged when it began),
    /// taken while the host runs. FILE is created owner-only (it holds the databases'
    /// signing keys and services' config); --secrets adds the host's own credentials.
    Backup {
        /// The backup file to create (an existing one is refused)
        file: PathBuf,
        /// Include the admin token, the seeding key and the host key (secrets.json,
        /// seed-key.json, host-key.json)
        #[arg(long)]
        secrets: bool,
    },
    /// Restore a backup into --dir, which must be new or empty; then `spork host` there
    ///
    /// Every file's checksum is checked, and every database is opened (signatures
    /// verified) before it says done.
    Restore {
        /// The backup file
        file: PathBuf,
    },
}

/// Runs `spork host` until SIGINT/SIGTERM, or its action.
pub async fn run(global: GlobalArgs, args: HostArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let dir = args.dir.path();
    match args.action {
        Some(HostAction::LoginLink) => {
            let link = host::client::Client::new(&dir)
                .login_link()
                .await
                .map_err(|e| super::services::client_error(e, &dir))?;
            reporter.say(format_args!("login (one time): {link}"));
            return Ok(());
        }
        Some(HostAction::Backup { file, secrets }) => {
            return backup(&reporter, &dir, &file, secrets).await;
        }
        Some(HostAction::Restore { file }) => return restore(&reporter, &dir, &file),
        Some(HostAction::Invite { name, expires }) => {
            let opts = serde_json::json!([{"name": name, "expiresSecs": expires.as_secs()}]);
            let made = devices_call(&dir, "invite", opts).await?;
            let invite = made["invite"].as_str().unwrap_or_default();
            reporter.say(format_args!(
                "invite for {} (one device, once, within {}):",
                made["name"].as_str().unwrap_or_default(),
                humantime::format_duration(expires)
            ));
            reporter.say(crate::ui::qr_code(invite)?);
            reporter.say(invite);
            reporter.say("on the device: spork pair --name NAME   (then paste it)");
            return Ok(());
        }
        Some(HostAction::Devices { revoke }) => {
            if let Some(name) = revoke {
                let gone = devices_call(&dir, "revoke", serde_json::json!([name])).await?;
                reporter.say(format_args!(
                    "unpaired {} ({})",
                    gone["name"].as_str().unwrap_or_default(),
                    gone["key"].as_str().unwrap_or_default()
                ));
                return Ok(());
            }
            let list = devices_call(&dir, "list", serde_json::json!([])).await?;
            let devices = list["devices"].as_array().cloned().unwrap_or_default();
            if global.json {
                println!("{}", serde_json::Value::Array(devices));
            } else {
                if devices.is_empty() {
                    reporter.say("no paired devices: spork host invite");
                }
                for d in devices {
                    println!(
                        "{:<20} {} {}",
                        d["name"].as_str().unwrap_or_default(),
                        d["key"].as_str().unwrap_or_default(),
                        d["pairedAt"].as_str().unwrap_or_default()
                    );
                }
            }
            return Ok(());
        }
        Some(HostAction::Key) => {
            let hd = host::dir::HostDir::new(&dir);
            hd.prepare(rustix::process::geteuid().is_root())?;
            let pair = host::remote::host_key(&hd)?;
            if global.json {
                println!(
                    "{}",
                    serde_json::json!({"public_key": pair.public_key().to_string()})
                );
            } else {
                println!("{}", pair.public_key());
            }
            return Ok(());
        }
        None => {}
    }
    let opts = HostOptions {
        dir: dir.clone(),
        port: args.port,
        listen: args.listen,
        unsafe_no_sandbox: args.unsafe_no_sandbox,
        ready_timeout: Duration::from_secs(args.ready_timeout.max(1)),
        stop_grace: Duration::from_secs(args.stop_timeout),
        call_timeout: Duration::from_secs(args.call_timeout.max(1)),
        update_check: args.update_check,
        dht: host::dht::DhtOptions {
            bootstrap: super::bootstrap_nodes(&global)?,
            port: global.dht_port.unwrap_or(0),
        },
        sessions: host::sessions::Lifetimes {
            idle: args.session_idle,
            absolute: args.session_max,
        },
        remote: match (args.no_remote, args.remote.as_str()) {
            (true, _) => host::remote::RemoteMode::Off,
            (false, "public") => host::remote::RemoteMode::Public,
            _ => host::remote::RemoteMode::Paired,
        },
    };
    let told = std::sync::Mutex::new(std::collections::HashSet::new());
    let events: host::HostEvents = Arc::new(move |event| match event {
        HostEvent::Listening { addr } => {
            reporter.say(format_args!(
                "home cloud in {} at http://localhost:{}/",
                dir.display(),
                addr.port()
            ));
            reporter.event(Event::listening(
                None,
                Some(addr.ip().to_string()),
                Some(addr.port()),
            ));
        }
        HostEvent::Service { id, status } => {
            reporter.say(format_args!("{id}: {}", status.as_str()));
            reporter.event(Event::Service {
                id,
                status: status.as_str().to_string(),
            });
        }
        HostEvent::Dht(ev) => super::report_join(&reporter, &ev),
        HostEvent::Seed(s) => {
            // The terminal hears of a core when it is first seeded and when it first
            // has every block (live appends would make a line each); scripts get every
            // change.
            let mut told = told.lock().unwrap_or_else(|p| p.into_inner());
            let complete = s.downloaded == s.length;
            if told.insert((s.key, false)) || (complete && told.insert((s.key, true))) {
                reporter.say(format_args!(
                    "seeding {}: length {}, downloaded {}",
                    hex::encode(s.key),
                    s.length,
                    s.downloaded
                ));
            }
            reporter.event(super::seed::status_event(&s));
        }
        HostEvent::Forked(seen) => reporter.say(format_args!("{seen}")),
        HostEvent::Warning(text) => reporter.say(format_args!("warning: {text}")),
        HostEvent::Remote { public_key, public } => {
            if public {
                reporter.say(format_args!(
                    "warning: remote access is PUBLIC: any device that knows {public_key} can reach the sign-in page"
                ));
            } else {
                reporter.say(format_args!("remote: {public_key} (paired devices only)"));
            }
            reporter.event(Event::Remote {
                public_key: public_key.to_string(),
                mode: if public { "public" } else { "paired" }.into(),
            });
        }
    });
    // Before the host can announce `listening` (see `shutdown_signal`).
    let stop = shutdown_signal();
    let running = host::start(opts, events).await.map_err(|e| match e {
        HostError::Sandbox(s) => anyhow::Error::new(HintedError {
            message: format!("cannot sandbox services: {s}"),
            hint: s.hint().to_string(),
        }),
        HostError::Dir(host::dir::DirError::Busy { .. }) => anyhow::Error::new(HintedError {
            message: e.to_string(),
            hint: "stop it first, or give this one its own --dir".into(),
        }),
        other => anyhow::Error::new(other),
    })?;
    reporter.say(format_args!("login (one time): {}", running.login_link()));
    stop.await;
    reporter.say("stopping services");
    running.shutdown().await;
    Ok(())
}

async fn devices_call(
    dir: &Path,
    method: &str,
    params: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    host::client::Client::new(dir)
        .call(
            host::apis::DEVICES_API,
            method,
            params,
            Duration::from_secs(30),
        )
        .await
        .map_err(|e| super::services::client_error(e, dir))
}

/// How long a backup may take.
const BACKUP_LIMIT: Duration = Duration::from_secs(6 * 3600);

/// `spork host backup FILE`: the host writes it in its folder; it is moved to FILE.
async fn backup(reporter: &Reporter, dir: &Path, file: &Path, secrets: bool) -> anyhow::Result<()> {
    if file.exists() {
        anyhow::bail!("{} exists: give a new file", file.display());
    }
    let (written, manifest) = host::client::Client::new(dir)
        .backup(secrets, BACKUP_LIMIT)
        .await
        .map_err(|e| super::services::client_error(e, dir))?;
    if let Err(e) = move_file(&written, file) {
        let _ = std::fs::remove_file(&written);
        return Err(e.context(format!("writing {}", file.display())));
    }
    let bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let count = |k: &str| manifest[k].as_array().map_or(0, Vec::len);
    reporter.say(format_args!(
        "backed up {} services and {} databases to {} ({:.1} MB{})",
        count("services"),
        count("databases"),
        file.display(),
        bytes as f64 / 1e6,
        if secrets {
            ", with the host's secrets"
        } else {
            ""
        }
    ));
    reporter.event(Event::Backup {
        file: file.display().to_string(),
        bytes,
        services: count("services"),
        databases: count("databases"),
        secrets,
    });
    Ok(())
}

/// Renames `from` to `to`, copying across file systems; never replaces `to`.
fn move_file(from: &Path, to: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(to)?;
    if std::fs::rename(from, to).is_ok() {
        return Ok(());
    }
    std::io::copy(&mut std::fs::File::open(from)?, &mut out)?;
    out.sync_all()?;
    std::fs::remove_file(from)?;
    Ok(())
}

/// `spork host restore FILE --dir DIR`.
fn restore(reporter: &Reporter, dir: &Path, file: &Path) -> anyhow::Result<()> {
    let root = rustix::process::geteuid().is_root();
    let manifest = host::backup::restore(file, dir, root)?;
    reporter.say(format_args!(
        "restored {} services and {} databases into {} (verified){}; start it: spork host --dir {}",
        manifest.services.len(),
        manifest.databases.len(),
        dir.display(),
        if manifest.secrets {
            ""
        } else {
            "; a new admin token is made at first start"
        },
        dir.display()
    ));
    reporter.event(Event::Restore {
        dir: dir.display().to_string(),
        services: manifest.services.len(),
        databases: manifest.databases.len(),
    });
    Ok(())
}

/// `90s`, `30m`, `24h`, `2d` (at least a second).
fn parse_interval(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not an interval like 90s, 30m, 24h or 2d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86400,
        _ => {
            return Err(format!(
                "{text:?} is not an interval like 90s, 30m, 24h or 2d"
            ))
        }
    };
    Ok(Duration::from_secs(secs.max(1)))
}
