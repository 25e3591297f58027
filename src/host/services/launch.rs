//! Starting one service: its folders and gateway socket, its environment (exactly the
//! allowed list), its argv, its memory cgroup, and the sandboxed (or, when the admin
//! said so, bare) command, spawned from the host's spawner thread.
//!
//! The bearer token and secret config values travel only in the environment, never in
//! an argv.

use std::collections::BTreeMap;

use serde_json::Value;

use super::process::{self, Cgroup};
use super::supervise::Running;
use super::{Context, Service};
use crate::host::dir::{random_token, HostDir};
use crate::host::manifest::{self, Manifest, Runtime};
use crate::host::sandbox::{self, inside, Net, Spec};

/// The argv a service runs: `run`, else `node` on `package.json`'s main or `index.js`;
/// node gets `--max-old-space-size` from the memory budget.
fn argv(manifest: &Manifest, package: &std::path::Path) -> Vec<String> {
    let mut argv = match (&manifest.run, manifest.runtime) {
        (Some(run), _) => run.clone(),
        (None, Runtime::Node) => {
            let main = std::fs::read(package.join("package.json"))
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .and_then(|p| p.get("main").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| "index.js".into());
            vec!["node".into(), main]
        }
        (None, Runtime::Exec) => Vec::new(),
    };
    if let (Some(mb), Some("node")) = (manifest.memory_mb, argv.first().map(String::as_str)) {
        // Leave room for what is not the JS heap (code, buffers) inside the budget.
        let heap = (mb * 3 / 4).max(16);
        argv.insert(1, format!("--max-old-space-size={heap}"));
    }
    argv
}

/// Gives `path` to the service's uid (a root host).
fn give(path: &std::path::Path, uid: u32) -> std::io::Result<()> {
    std::os::unix::fs::chown(path, Some(uid), Some(uid))
}

/// Starts one service: folders, gateway socket, environment, sandbox, cgroup, spawn.
pub(super) async fn launch(service: &Service, ctx: &Context) -> Result<Running, String> {
    let record = service.record();
    let manifest = service.manifest()?;
    let id = &service.id;
    let token = random_token();
    *service.token.lock().expect("token lock") = token.clone();
    let data = ctx.dir.data(id);
    let socket_dir = ctx.dir.socket_dir(id);
    for dir in [&data, &socket_dir] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let _ = std::fs::remove_file(ctx.dir.service_socket(id));
    let gateway = ctx.dir.gateway_socket(id);
    let _ = std::fs::remove_file(&gateway);
    let listener = tokio::net::UnixListener::bind(&gateway)
        .map_err(|e| format!("{}: {e}", gateway.display()))?;
    if let (true, Some(uid)) = (ctx.root, record.uid) {
        for path in [&data, &socket_dir, &gateway] {
            give(path, uid).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    service.set_gateway_task(Some((ctx.gateway)(id, listener)));

    let argv = argv(&manifest, &record.package_dir);
    if argv.is_empty() {
        return Err("atek.json: run: nothing to run".into());
    }
    let sandboxed = ctx.sandboxed();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    env.insert("PATH".into(), "/usr/local/bin:/usr/bin:/bin".into());
    env.insert("LANG".into(), "C.UTF-8".into());
    env.insert("TMPDIR".into(), "/tmp".into());
    env.extend(manifest.env.clone());
    env.extend(record.env.clone());
    for (k, v) in &record.config {
        env.insert(k.to_uppercase(), v.clone());
    }
    let (home, socket) = if sandboxed {
        (inside::DATA.into(), inside::SOCKET.into())
    } else {
        (data.clone(), ctx.dir.service_socket(id))
    };
    env.insert("HOME".into(), home.display().to_string());
    env.insert(
        "ATEK_ASSIGNED_SOCKET_FILE".into(),
        socket.display().to_string(),
    );
    env.insert("ATEK_ASSIGNED_SERVICE_KEY".into(), id.clone());
    env.insert("ATEK_HOST_PORT".into(), ctx.settings.host_port.to_string());
    env.insert("ATEK_HOST_BEARER_TOKEN".into(), token);

    let cgroup = match (ctx.root, manifest.memory_mb) {
        (true, Some(mb)) => {
            let name = format!("{}-{id}", dir_tag(&ctx.dir));
            match Cgroup::create(&name, mb) {
                Ok(c) => Some(c),
                Err(e) => {
                    service.log(&format!("memory budget not enforced: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    let spec = Spec {
        id: id.clone(),
        argv,
        env,
        package: record.package_dir.clone(),
        package_writable: false,
        data,
        socket_dir: Some(socket_dir),
        gateway: Some((gateway, ctx.settings.host_port)),
        net: if manifest.network == manifest::Network::Outbound && record.allow_network {
            Net::Outbound
        } else {
            Net::None
        },
        uid: if ctx.root { record.uid } else { None },
        cgroup: cgroup.as_ref().map(|c| c.path().to_owned()),
        resolv_conf: Some(ctx.dir.resolv_conf()),
    };
    let cmd = match &ctx.sandbox {
        Some(sandbox) => sandbox.command(&spec),
        None => {
            let mut cmd = sandbox::unsandboxed_command(&spec);
            std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
            cmd
        }
    };
    let mut child = ctx
        .spawner
        .spawn(cmd)
        .await
        .map_err(|e| format!("cannot spawn: {e}"))?;
    service.log(&format!(
        "started (pid {})",
        child.id().map(|p| p.to_string()).unwrap_or_default()
    ));
    process::pipe_output(&mut child, service.log.clone());
    if spec.net == Net::Outbound {
        if let Some(pid) = child.id() {
            crate::host::network::attach_outbound(pid, service.log.clone()).await?;
        }
    }
    Ok((child, cgroup))
}

/// A short stable tag of the host's folder, so two hosts' cgroups never collide.
fn dir_tag(dir: &HostDir) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(dir.root().as_os_str().as_encoded_bytes());
    hex::encode(&digest[..4])
}
