//! Installing, updating and removing services: from a local folder (copied, or run in
//! place with `--link`) or a git URL (the highest semver tag in a range, else the
//! default branch), then the build (`npm ci`/`npm install --ignore-scripts`, `npm run
//! build`, or the manifest's `build`), each step sandboxed with outbound network.
//!
//! An install either completes (package in place, record stored durably, service
//! started) or leaves nothing behind; an update either completes or puts the old
//! version and its data back and leaves it running.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::ids;
use super::manifest::{self, Manifest};
use super::services::{Service, Services, Status};
use super::store::{ServiceRecord, SourceType};

mod build;
mod git;

use build::build;

/// How long one git command may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(120);
/// How long one build step may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// The first uid a root host gives a service (one per service, above any system's
/// allocated ranges).
pub const FIRST_SERVICE_UID: u32 = 3_100_000;

/// Why an install, update or uninstall failed: one line for the CLI and the API.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// The source is neither a folder nor a git URL we can read.
    #[error("{0}")]
    Source(String),
    /// The id is invalid or taken.
    #[error("{0}")]
    Id(String),
    /// `atek.json` is invalid.
    #[error("{0}")]
    Manifest(#[from] manifest::ManifestError),
    /// A build step failed.
    #[error("{0}")]
    Build(String),
    /// No such service.
    #[error("no service {0:?} is installed")]
    NotFound(String),
    /// The new version never became ready (the old one is back).
    #[error("{0}")]
    NotReady(String),
    /// Files or the store.
    #[error("{0}")]
    Io(String),
}

/// What `install` is given (the API's `InstallOpts`, widened).
#[derive(Debug, Clone, Default)]
pub struct InstallOpts {
    /// A folder or git URL.
    pub source: String,
    /// The id to use.
    pub id: Option<String>,
    /// A semver range (git).
    pub desired_version: Option<String>,
    /// Environment values.
    pub env: BTreeMap<String, String>,
    /// Config values.
    pub config: BTreeMap<String, String>,
    /// Run in place instead of a copy.
    pub link: bool,
    /// Grant outbound network (when the manifest asks).
    pub allow_network: bool,
    /// Let npm run install scripts.
    pub allow_scripts: bool,
    /// The owning user's key (`system` for multi-user services).
    pub owner: String,
}

/// True when `source` names a git repository rather than a folder.
pub fn is_git_url(source: &str) -> bool {
    ["https://", "http://", "ssh://", "git://", "file://"]
        .iter()
        .any(|p| source.starts_with(p))
        || (source.contains('@') && source.contains(':') && !source.starts_with('/'))
}

fn io(e: impl std::fmt::Display) -> PackageError {
    PackageError::Io(e.to_string())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Installs a service and starts it; returns it once it has settled (running, or
/// failed with its log tail in `get`).
pub async fn install(services: &Services, opts: InstallOpts) -> Result<Arc<Service>, PackageError> {
    let ctx = services.context().clone();
    let git = is_git_url(&opts.source);
    if git && opts.link {
        return Err(PackageError::Source(
            "--link needs a local folder, not a git URL".into(),
        ));
    }
    let staging = ctx
        .dir
        .packages()
        .join(format!(".install-{}", super::dir::random_token()));
    let _staging = Cleanup(Some(staging.clone()));
    let (source_url, source_type, version, commit, checkout) = if git {
        let release = git::pick(&opts.source, opts.desired_version.as_deref()).await?;
        git::clone(
            &opts.source,
            release.as_ref().map(|r| r.tag.as_str()),
            &staging,
        )
        .await?;
        let commit = git::head(&staging).await?;
        (
            opts.source.clone(),
            SourceType::Git,
            release.map(|r| r.tag),
            Some(commit),
            staging.clone(),
        )
    } else {
        let path = std::path::absolute(&opts.source).map_err(io)?;
        if !path.is_dir() {
            return Err(PackageError::Source(format!(
                "{}: no such folder",
                path.display()
            )));
        }
        let version = package_version(&path);
        if opts.link {
            (
                path.display().to_string(),
                SourceType::File,
                version,
                None,
                path,
            )
        } else {
            copy_tree(&path, &staging).map_err(io)?;
            (
                path.display().to_string(),
                SourceType::File,
                version,
                None,
                staging.clone(),
            )
        }
    };
    let (manifest, _warnings) = manifest::load(&checkout)?;
    let id = choose_id(services, opts.id.as_deref(), &manifest, &source_url)?;
    let uid = ctx.root.then(|| free_uid(services));
    let package_dir = if opts.link {
        checkout.clone()
    } else {
        super::services::package_dir(&ctx.dir, &id)
    };
    if !opts.link {
        std::fs::rename(&staging, &package_dir).map_err(io)?;
    }
    let placed = Cleanup((!opts.link).then(|| package_dir.clone()));
    let record = ServiceRecord {
        id: id.clone(),
        source_url,
        source_type,
        link: opts.link,
        desired_version: opts.desired_version.clone(),
        version,
        commit,
        package_dir: package_dir.clone(),
        config: opts.config.clone(),
        env: opts.env.clone(),
        allow_network: opts.allow_network,
        allow_scripts: opts.allow_scripts,
        stopped: false,
        uid,
        update_available: None,
        installed_at: now(),
        owning_user_key: opts.owner.clone(),
    };
    if !opts.link {
        let data = ctx.dir.data(&id);
        let data_was_there = data.exists();
        if let Err(e) = build(services, &record, &manifest).await {
            // A failed install leaves nothing, not even a data folder a later service
            // of the same id (and, on a root host, the same uid) would inherit.
            if !data_was_there {
                let _ = std::fs::remove_dir_all(&data);
            }
            return Err(e);
        }
    }
    services.store().put_service(&record).map_err(io)?;
    placed.disarm();
    let service = services.add(record);
    service
        .start(false, ctx.settings.ready_timeout + Duration::from_secs(5))
        .await;
    Ok(service)
}

/// Removes a service (stopped first); its data stays unless `purge`.
pub async fn uninstall(services: &Services, id: &str, purge: bool) -> Result<(), PackageError> {
    let service = services
        .remove(id)
        .await
        .ok_or_else(|| PackageError::NotFound(id.into()))?;
    let record = service.record();
    services.store().remove_service(id).map_err(io)?;
    let dir = &services.context().dir;
    if !record.link {
        let _ = std::fs::remove_dir_all(&record.package_dir);
    }
    let _ = std::fs::remove_dir_all(dir.socket_dir(id));
    let _ = std::fs::remove_file(dir.gateway_socket(id));
    if purge {
        std::fs::remove_dir_all(dir.data(id)).or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Ok(())
            } else {
                Err(io(e))
            }
        })?;
    }
    Ok(())
}

/// The result of an update: the version before and after (equal when there was none
/// newer).
#[derive(Debug, Clone)]
pub struct Updated {
    /// Before.
    pub old_version: Option<String>,
    /// After.
    pub installed_version: Option<String>,
}

/// What the newest matching release is, for `checkForPackageUpdates` and the periodic
/// check: `(installed, latest)`.
pub async fn check(service: &Service) -> Result<(Option<String>, Option<String>), PackageError> {
    let record = service.record();
    if record.source_type != SourceType::Git {
        return Err(PackageError::Source(format!(
            "{} was installed from a folder: reinstall it to change its version",
            record.id
        )));
    }
    let latest = git::pick(&record.source_url, record.desired_version.as_deref()).await?;
    Ok((record.version, latest.map(|r| r.tag)))
}

/// Moves a git service to the newest release in its range: fetch and build into a
/// fresh folder, snapshot its data, swap, restart; any failure puts the old version
/// and the snapshot back and leaves it running.
pub async fn update(services: &Services, id: &str) -> Result<Updated, PackageError> {
    let service = services
        .get(id)
        .ok_or_else(|| PackageError::NotFound(id.into()))?;
    let (installed, latest) = check(&service).await?;
    let old = service.record();
    let Some(latest) = latest.filter(|l| Some(l) != installed.as_ref()) else {
        return Ok(Updated {
            old_version: installed.clone(),
            installed_version: installed,
        });
    };
    let ctx = services.context().clone();
    let fresh = ctx
        .dir
        .packages()
        .join(format!(".update-{}", super::dir::random_token()));
    let fresh_cleanup = Cleanup(Some(fresh.clone()));
    git::clone(&old.source_url, Some(&latest), &fresh).await?;
    let commit = git::head(&fresh).await?;
    let (manifest, _) = manifest::load(&fresh)?;
    let mut next = old.clone();
    next.version = Some(latest.clone());
    next.commit = Some(commit);
    next.update_available = None;
    next.package_dir = fresh.clone();
    build(services, &next, &manifest).await?;
    next.package_dir = old.package_dir.clone();

    // Swap: stop, snapshot data, move folders, start the new one.
    let was_running = !old.stopped;
    service.stop(ctx.settings.stop_grace * 2).await;
    let data = ctx.dir.data(id);
    let snapshot = ctx.dir.root().join("data").join(format!(".{id}.snapshot"));
    let ready_limit = ctx.settings.ready_timeout + Duration::from_secs(5);
    // Until the swap is done, any failure puts the old version back as it was.
    let back_as_it_was = |e: std::io::Error| {
        let service = service.clone();
        async move {
            if was_running {
                service.start(false, ready_limit).await;
            }
            io(e)
        }
    };
    let _ = std::fs::remove_dir_all(&snapshot);
    if data.exists() {
        if let Err(e) = copy_tree(&data, &snapshot) {
            let _ = std::fs::remove_dir_all(&snapshot);
            return Err(back_as_it_was(e).await);
        }
    }
    let previous = ctx.dir.packages().join(format!(".{id}.previous"));
    let _ = std::fs::remove_dir_all(&previous);
    if let Err(e) = std::fs::rename(&old.package_dir, &previous) {
        return Err(back_as_it_was(e).await);
    }
    if let Err(e) = std::fs::rename(&fresh, &old.package_dir) {
        let _ = std::fs::rename(&previous, &old.package_dir);
        return Err(back_as_it_was(e).await);
    }
    fresh_cleanup.disarm();
    service.set_record(next.clone());
    service.reload_manifest();
    let mut status = service.start(true, ready_limit).await;
    let stored = if status == Status::Running {
        services.store().put_service(&next)
    } else {
        Ok(())
    };
    if let Err(e) = &stored {
        service.log(&format!("update not recorded, rolling back: {e}"));
        status = Status::Failed;
    }
    if status == Status::Running {
        let _ = std::fs::remove_dir_all(&previous);
        let _ = std::fs::remove_dir_all(&snapshot);
        if !was_running {
            service.stop(ctx.settings.stop_grace * 2).await;
        }
        return Ok(Updated {
            old_version: old.version,
            installed_version: Some(latest),
        });
    }
    // Roll back: the old package, the old data, the old record, running again.
    service.stop(ctx.settings.stop_grace * 2).await;
    let _ = std::fs::remove_dir_all(&old.package_dir);
    std::fs::rename(&previous, &old.package_dir).map_err(io)?;
    if snapshot.exists() {
        let _ = std::fs::remove_dir_all(&data);
        std::fs::rename(&snapshot, &data).map_err(io)?;
        // The snapshot was copied by the host: give it back to the service's uid.
        if let (true, Some(uid)) = (ctx.root, old.uid) {
            chown_tree(&data, uid).map_err(io)?;
        }
    }
    service.set_record(old.clone());
    service.reload_manifest();
    if was_running {
        service.start(true, ready_limit).await;
    }
    Err(PackageError::NotReady(format!(
        "{latest} of {id} did not become ready ({}); {} is running again",
        status.as_str(),
        old.version.as_deref().unwrap_or("the previous version")
    )))
}

fn choose_id(
    services: &Services,
    given: Option<&str>,
    manifest: &Manifest,
    source: &str,
) -> Result<String, PackageError> {
    if let Some(id) = given {
        ids::check(id).map_err(|e| PackageError::Id(e.to_string()))?;
        if services.contains(id) {
            return Err(PackageError::Id(format!("a service with id {id:?} is already installed (uninstall it, or pick another --id)")));
        }
        return Ok(id.to_string());
    }
    let base = manifest
        .name
        .as_deref()
        .map(ids::from_name)
        .unwrap_or_else(|| ids::from_name(source));
    Ok(ids::unique(&base, |id| services.contains(id)))
}

fn free_uid(services: &Services) -> u32 {
    let taken: Vec<u32> = services
        .all()
        .iter()
        .filter_map(|s| s.record().uid)
        .collect();
    (FIRST_SERVICE_UID..)
        .find(|u| !taken.contains(u))
        .unwrap_or(FIRST_SERVICE_UID)
}

fn package_version(dir: &Path) -> Option<String> {
    let bytes = std::fs::read(dir.join("package.json")).ok()?;
    let pkg: Value = serde_json::from_slice(&bytes).ok()?;
    pkg.get("version")
        .and_then(Value::as_str)
        .map(str::to_owned)
}

/// Copies a folder (without `.git`), keeping symlinks as symlinks and modes as modes.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".git" {
            continue;
        }
        let (src, dst) = (entry.path(), to.join(&name));
        let kind = entry.file_type()?;
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if kind.is_dir() {
            copy_tree(&src, &dst)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

fn chown_tree(path: &Path, uid: u32) -> std::io::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid))?;
    if path.symlink_metadata()?.is_dir() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), uid)?;
        }
    }
    Ok(())
}

/// Removes a folder when dropped, unless disarmed: a failed install leaves nothing.
struct Cleanup(Option<PathBuf>);

impl Cleanup {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}
