//! The build of a freshly placed package: npm's install when it has dependencies and no
//! `node_modules` (`npm ci` with a lock file, without install scripts unless the admin
//! allowed them), `npm run build` when `package.json` has one, else the manifest's
//! `build`. Every step runs sandboxed, with the package writable and outbound network,
//! its output in the service's log, under a time limit.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::{chown_tree, io, PackageError, BUILD_TIMEOUT};
use crate::host::manifest::{Manifest, Runtime};
use crate::host::sandbox::{self, Net, Spec};
use crate::host::services::Services;
use crate::host::store::ServiceRecord;

/// Runs the build steps of a freshly placed package, sandboxed with outbound network:
/// npm's install when it has dependencies and no `node_modules`, then `npm run build`
/// when `package.json` has one, else the manifest's `build`.
pub(super) async fn build(
    services: &Services,
    record: &ServiceRecord,
    manifest: &Manifest,
) -> Result<(), PackageError> {
    let ctx = services.context().clone();
    let package = &record.package_dir;
    let mut steps: Vec<Vec<String>> = Vec::new();
    let pkg_json = std::fs::read(package.join("package.json"))
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok());
    if manifest.runtime == Runtime::Node {
        if let Some(pkg) = &pkg_json {
            let has_deps = ["dependencies", "devDependencies"].iter().any(|k| {
                pkg.get(k)
                    .and_then(Value::as_object)
                    .is_some_and(|o| !o.is_empty())
            });
            if has_deps && !package.join("node_modules").exists() {
                let verb = if package.join("package-lock.json").exists() {
                    "ci"
                } else {
                    "install"
                };
                let mut step = vec![
                    "npm".to_string(),
                    verb.into(),
                    "--no-audit".into(),
                    "--no-fund".into(),
                ];
                if !record.allow_scripts {
                    step.push("--ignore-scripts".into());
                }
                steps.push(step);
            }
            if pkg.pointer("/scripts/build").is_some() && manifest.build.is_none() {
                steps.push(vec!["npm".into(), "run".into(), "build".into()]);
            }
        }
    }
    if let Some(b) = &manifest.build {
        steps.push(b.clone());
    }
    if steps.is_empty() {
        return Ok(());
    }
    let data = ctx.dir.data(&record.id);
    std::fs::create_dir_all(&data).map_err(io)?;
    if let (true, Some(uid)) = (ctx.root, record.uid) {
        chown_tree(package, uid).map_err(io)?;
        chown_tree(&data, uid).map_err(io)?;
    }
    let log = Arc::new(Mutex::new(crate::host::logs::Log::new(
        ctx.dir.log(&record.id),
    )));
    for step in steps {
        log.lock()
            .expect("log lock")
            .note(&format!("build: {}", step.join(" ")));
        let mut env = BTreeMap::new();
        env.insert(
            "PATH".to_string(),
            "/usr/local/bin:/usr/bin:/bin".to_string(),
        );
        env.insert(
            "HOME".into(),
            if ctx.sandboxed() {
                "/data".into()
            } else {
                data.display().to_string()
            },
        );
        env.insert("LANG".into(), "C.UTF-8".into());
        // npm would cache in HOME, the service's data: keep its cache in the step's /tmp.
        env.insert("npm_config_cache".into(), "/tmp/npm-cache".into());
        let spec = Spec {
            id: record.id.clone(),
            argv: step.clone(),
            env,
            package: package.clone(),
            package_writable: true,
            data: data.clone(),
            socket_dir: None,
            gateway: None,
            net: Net::Outbound,
            uid: if ctx.root { record.uid } else { None },
            cgroup: None,
            resolv_conf: Some(ctx.dir.resolv_conf()),
        };
        let cmd = match &ctx.sandbox {
            Some(s) => s.command(&spec),
            None => sandbox::unsandboxed_command(&spec),
        };
        let mut child = ctx
            .spawner
            .spawn(cmd)
            .await
            .map_err(|e| PackageError::Build(format!("{}: {e}", step.join(" "))))?;
        crate::host::services::process::pipe_output(&mut child, log.clone());
        if ctx.sandboxed() {
            if let Some(pid) = child.id() {
                crate::host::network::attach_outbound(pid, log.clone())
                    .await
                    .map_err(PackageError::Build)?;
            }
        }
        let status = match tokio::time::timeout(BUILD_TIMEOUT, child.wait()).await {
            Ok(status) => status.map_err(io)?,
            Err(_) => {
                let _ = child.kill().await;
                return Err(PackageError::Build(format!(
                    "{}: timed out after {} min",
                    step.join(" "),
                    BUILD_TIMEOUT.as_secs() / 60
                )));
            }
        };
        if !status.success() {
            let tail = crate::host::logs::tail(&ctx.dir.log(&record.id), 5).join(" | ");
            return Err(PackageError::Build(format!(
                "build step `{}` failed ({status}): {tail}",
                step.join(" ")
            )));
        }
    }
    Ok(())
}
