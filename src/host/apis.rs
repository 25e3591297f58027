//! The host's own APIs, reached through the same gateway as services' APIs, with the
//! original Atek's ids, method names and shapes: `atek.cloud/services-api` (people:
//! each user their own services, admins all; installs from a folder on the host are for
//! admins) and `atek.cloud/inspect-api` (any authenticated caller; never a secret); and
//! spork's own `atek.cloud/seed-api` (admin only, see [`super::cores`]); and
//! `atek.cloud/adb-api` (services and admins, each reaching what ADB lets it:
//! `crate::adb::api`); `atek.cloud/users-api` ([`users`]). `user-sessions-api` sets
//! cookies, so the router serves it (`router::login`).
//! `status` is widened to spork's five states; `install` and `uninstall` take a few
//! more options (`link`, `allowNetwork`, `env`, `purge`).
//!
//! Errors use the original's codes: -32601 for an unknown method, -32003 for "not
//! authorized" and every other refusal, -32602 for params that do not fit.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{json, Value};

use super::cores::SEED_API;
use super::packages::{self, InstallOpts};
use super::router::Caller;
use super::services::Status;
use super::users::SYSTEM;
use super::Host;
use crate::adb::api::{self as adb, ADB_API};
use crate::adb::registry::Who;
use crate::gateway::rpc::ErrorCode;

pub mod users;

pub use users::USERS_API;

/// The services API's id.
pub const SERVICES_API: &str = "atek.cloud/services-api";
/// The devices API's id (spork's own: paired devices and invites).
pub const DEVICES_API: &str = "atek.cloud/devices-api";
/// The inspect API's id.
pub const INSPECT_API: &str = "atek.cloud/inspect-api";

/// True for an API the host itself serves.
pub fn is_host_api(api: &str) -> bool {
    api == SERVICES_API
        || api == INSPECT_API
        || api == SEED_API
        || api == ADB_API
        || api == USERS_API
        || api == DEVICES_API
}

/// Whether a service whose manifest has `imports` may call `api` (no `imports`: any,
/// as in Atek). The inspect API is open to every service.
pub fn api_allowed(api: &str, imports: Option<&[String]>) -> bool {
    api == INSPECT_API || imports.is_none_or(|list| list.iter().any(|i| i == api))
}

/// A refusal: its code and one-line message.
pub type Refusal = (ErrorCode, String);

fn invalid(msg: impl Into<String>) -> Refusal {
    (ErrorCode::INVALID_PARAMS, msg.into())
}

fn refuse(msg: impl Into<String>) -> Refusal {
    (ErrorCode::NOT_AUTHORIZED, msg.into())
}

/// `params[i]` as a string.
fn string_at(params: &Value, i: usize, name: &str) -> Result<String, Refusal> {
    params
        .get(i)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| invalid(format!("Parameter {} ({name}) must be a string", i + 1)))
}

fn string_map(v: Option<&Value>, name: &str) -> Result<BTreeMap<String, String>, Refusal> {
    match v {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                Value::Number(n) => Ok((k.clone(), n.to_string())),
                Value::Bool(b) => Ok((k.clone(), b.to_string())),
                _ => Err(invalid(format!("{name}.{k} must be a string"))),
            })
            .collect(),
        Some(_) => Err(invalid(format!("{name} must be an object of strings"))),
    }
}

/// The JSON-RPC code of an ADB refusal: the original's (`ValidationError` -32002,
/// `NotFoundError` -32003, `PermissionsError` -32004).
fn adb_code(kind: adb::ErrorKind) -> ErrorCode {
    match kind {
        adb::ErrorKind::Invalid => ErrorCode::INVALID_PARAMS,
        adb::ErrorKind::Validation => ErrorCode::VALIDATION,
        adb::ErrorKind::NotFound => ErrorCode::NOT_FOUND,
        adb::ErrorKind::Denied => ErrorCode::PERMISSION_DENIED,
        adb::ErrorKind::NoMethod => ErrorCode::METHOD_NOT_FOUND,
        adb::ErrorKind::Internal => ErrorCode::INTERNAL_ERROR,
    }
}

/// `atek.cloud/devices-api` (spork's own; admins): `list`, `invite({name?,
/// expiresSecs?})` → `{invite, name, expiresSecs}` (the invite is a secret: shown once),
/// `revoke(name)`.
fn devices_call(host: &Host, method: &str, params: &Value) -> Result<Value, Refusal> {
    let fail = |e: super::devices::DeviceError| invalid(e.to_string());
    match method {
        "list" => Ok(json!({ "devices": host.devices.list().map_err(fail)? })),
        "invite" => {
            let opts = params.get(0).cloned().unwrap_or(json!({}));
            let secs = opts["expiresSecs"]
                .as_u64()
                .unwrap_or(super::devices::INVITE_TTL.as_secs())
                .clamp(10, 7 * 24 * 3600);
            let name = opts["name"].as_str();
            let ttl = std::time::Duration::from_secs(secs);
            let (invite, name) = host
                .devices
                .invite(host.public_key, name, ttl)
                .map_err(fail)?;
            Ok(json!({"invite": invite.encode(), "name": name, "expiresSecs": secs}))
        }
        "revoke" => Ok(json!(host
            .devices
            .revoke(&string_at(params, 0, "name")?)
            .map_err(fail)?)),
        _ => Err((
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )),
    }
}

/// The owner of a service `caller` installs: `user` (a username, or `system`) if
/// given — an admin's choice only, unless it names the caller — else the caller (the
/// host's owner: `system`).
fn owner_for(host: &Host, caller: &Caller, user: Option<&str>) -> Result<String, Refusal> {
    let Some(name) = user else {
        return Ok(caller.user_key().to_string());
    };
    let key = if name.eq_ignore_ascii_case(SYSTEM) {
        SYSTEM.to_string()
    } else {
        host.users
            .by_username(name)
            .map_err(|e| (ErrorCode::INTERNAL_ERROR, e.to_string()))?
            .ok_or_else(|| invalid(format!("no user {name}")))?
            .key
    };
    if key != caller.user_key() && !caller.is_admin() {
        return Err(refuse(format!(
            "Not authorized: only an admin installs services for {name}"
        )));
    }
    Ok(key)
}

/// Calls `method` of a host API as `caller`.
pub async fn call(
    host: &Arc<Host>,
    api: &str,
    method: &str,
    params: &Value,
    caller: &Caller,
) -> Result<Value, Refusal> {
    let admin = caller.is_admin();
    if api == USERS_API {
        return users::call(host, method, params, caller).await;
    }
    if api == ADB_API {
        let who = match caller {
            Caller::Service { id, .. } => Who::Service(id.clone()),
            _ if admin => Who::Admin,
            _ => {
                return Err(refuse(
                    "Not authorized: people reach ADB through their services",
                ))
            }
        };
        let (adb, method, params) = (host.adb.clone(), method.to_string(), params.clone());
        // Writes wait for the store's journal: off the async threads.
        let out = tokio::task::spawn_blocking(move || adb::call(&adb, &who, &method, &params))
            .await
            .map_err(|e| (ErrorCode::INTERNAL_ERROR, e.to_string()))?;
        return out.map_err(|e| (adb_code(e.kind), e.message));
    }
    if api == INSPECT_API {
        return match method {
            "isReady" => Ok(Value::Bool(true)),
            "getConfig" => Ok(host.public_config()),
            _ => Err((
                ErrorCode::METHOD_NOT_FOUND,
                format!("Method not found: {method}"),
            )),
        };
    }
    if api == DEVICES_API {
        if !admin {
            return Err(refuse(format!("Not authorized: {api} is for admins")));
        }
        return devices_call(host, method, params);
    }
    if api == SEED_API {
        if !admin {
            return Err(refuse(format!("Not authorized: {api} is for admins")));
        }
        return host.cores.call(&host.dht, method, params).await;
    }
    // People manage their own services, admins every one; services manage none.
    if let Caller::Service { id, .. } = caller {
        return Err(refuse(format!(
            "Not authorized: {id} is a service, and {api} is for people"
        )));
    }
    let services = &host.services;
    let me = caller.user_key();
    let mine = |s: &crate::host::services::Service| admin || s.record().owning_user_key == me;
    // Another user's service is "not installed" to a non-admin: not even its id leaks.
    let service = |id: &str| {
        services
            .get(id)
            .filter(|s| mine(s))
            .ok_or_else(|| refuse(format!("no service {id:?} is installed")))
    };
    let pkg = |e: packages::PackageError| refuse(e.to_string());
    match method {
        "list" => {
            let list: Vec<Value> = services
                .all()
                .iter()
                .filter(|s| mine(s))
                .map(|s| s.info(services.context()))
                .collect();
            Ok(json!({ "services": list }))
        }
        "get" => Ok(service(&string_at(params, 0, "id")?)?.info(services.context())),
        "install" => {
            let opts = params
                .get(0)
                .and_then(Value::as_object)
                .ok_or_else(|| invalid("Parameter 1 (opts) must be an object"))?;
            let source = opts
                .get("sourceUrl")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("opts.sourceUrl must be a string"))?;
            // The original's CLI sent folders as file:// URLs; a folder that is not a git
            // repository is taken as the folder it names.
            let source = source
                .strip_prefix("file://")
                .filter(|p| {
                    let p = std::path::Path::new(p);
                    p.is_dir() && !p.join(".git").exists() && !p.join("HEAD").is_file()
                })
                .unwrap_or(source);
            let flag = |k: &str| opts.get(k).and_then(Value::as_bool).unwrap_or(false);
            // A folder or file:// URL names the host's own files, which a user must not
            // be able to copy into a service of theirs and read.
            if !admin
                && (!packages::is_git_url(source) || source.starts_with("file://") || flag("link"))
            {
                return Err(refuse(
                    "Not authorized: only an admin installs from a folder on the host; install from a git URL",
                ));
            }
            let text = |k: &str| opts.get(k).and_then(Value::as_str).map(str::to_owned);
            let install = InstallOpts {
                source: source.to_string(),
                id: text("id"),
                desired_version: text("desiredVersion"),
                env: string_map(opts.get("env"), "opts.env")?,
                config: string_map(opts.get("config"), "opts.config")?,
                link: flag("link"),
                allow_network: flag("allowNetwork"),
                allow_scripts: flag("allowScripts"),
                owner: owner_for(host, caller, text("user").as_deref())?,
            };
            let _guard = host.installing.lock().await;
            let service = packages::install(services, install).await.map_err(pkg)?;
            Ok(service.info(services.context()))
        }
        "uninstall" => {
            let id = string_at(params, 0, "id")?;
            service(&id)?;
            let purge = params
                .get(1)
                .and_then(|o| o.get("purge"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let _guard = host.installing.lock().await;
            packages::uninstall(services, &id, purge)
                .await
                .map_err(pkg)?;
            Ok(Value::Null)
        }
        "configure" => {
            let id = string_at(params, 0, "id")?;
            let svc = service(&id)?;
            let opts = params.get(1).cloned().unwrap_or(json!({}));
            let values = string_map(opts.get("config"), "opts.config")?;
            let mut record = svc.record();
            if let Ok(m) = svc.manifest() {
                if let Some(known) = m.config_keys() {
                    if let Some(bad) = values.keys().find(|k| !known.contains(k)) {
                        return Err(invalid(format!(
                            "{id} has no config key {bad:?} (its atek.json names: {})",
                            known.join(", ")
                        )));
                    }
                }
            }
            for (k, v) in values {
                if v.is_empty() {
                    record.config.remove(&k);
                } else {
                    record.config.insert(k, v);
                }
            }
            if let Some(v) = opts.get("desiredVersion").and_then(Value::as_str) {
                record.desired_version = Some(v.to_string());
            }
            services
                .store()
                .put_service(&record)
                .map_err(|e| refuse(e.to_string()))?;
            svc.set_record(record);
            svc.reload_manifest();
            // New values reach the service through its environment: restart it.
            if matches!(
                svc.status(),
                Status::Running | Status::Starting | Status::Restarting
            ) {
                svc.want(true, true);
            }
            Ok(Value::Null)
        }
        "start" | "stop" | "restart" => {
            let id = string_at(params, 0, "id")?;
            let svc = service(&id)?;
            let run = method != "stop";
            let mut record = svc.record();
            if record.stopped == run {
                record.stopped = !run;
                services
                    .store()
                    .put_service(&record)
                    .map_err(|e| refuse(e.to_string()))?;
                svc.set_record(record);
            }
            let limit = host.settings.ready_timeout + host.settings.stop_grace;
            let status = if run {
                svc.start(method == "restart", limit).await
            } else {
                svc.stop(limit).await
            };
            if run && status != Status::Running {
                return Err(refuse(format!("{id} is {}", status.as_str())));
            }
            Ok(Value::Null)
        }
        "checkForPackageUpdates" => {
            let id = string_at(params, 0, "id")?;
            let svc = service(&id)?;
            let (installed, latest) = packages::check(&svc).await.map_err(pkg)?;
            Ok(json!({
                "hasUpdate": latest.is_some() && latest != installed,
                "installedVersion": installed.unwrap_or_else(|| "latest".into()),
                "latestVersion": latest.unwrap_or_else(|| "latest".into()),
            }))
        }
        "updatePackage" => {
            let id = string_at(params, 0, "id")?;
            service(&id)?;
            let _guard = host.installing.lock().await;
            let done = packages::update(services, &id).await.map_err(pkg)?;
            Ok(json!({
                "installedVersion": done.installed_version.unwrap_or_default(),
                "oldVersion": done.old_version.unwrap_or_default(),
            }))
        }
        _ => Err((
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )),
    }
}
