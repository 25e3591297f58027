//! The verbs that manage a running host's services — `install`, `uninstall`, `update`,
//! `ls`, `get`, `cfg`, `start`, `stop`, `restart`, `logs` — and `call`, a JSON-RPC
//! call through its gateway as the admin. Each parses flags, makes one call over the
//! owner-only control socket (`host::client`) and prints the answer; `logs` reads the
//! log file itself, so it works with the host down too.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};

use super::host::DirArgs;
use super::GlobalArgs;
use crate::host::apis::SERVICES_API;
use crate::host::client::{Client, ClientError};
use crate::ui::{HintedError, UsageError};

/// How long an install or update may take (clone, npm, build, first start).
const LONG: Duration = Duration::from_secs(30 * 60);
/// How long anything else may take (a start waits for readiness).
const SHORT: Duration = Duration::from_secs(120);

/// The one-line error (and hint) for a failed call.
pub fn client_error(e: ClientError, dir: &Path) -> anyhow::Error {
    match e {
        ClientError::NotRunning(_) => anyhow::Error::new(HintedError {
            message: format!("no host is running in {}", dir.display()),
            hint: format!("start one with: spork host --dir {}", dir.display()),
        }),
        ClientError::Rpc { message, .. } => anyhow::anyhow!(message),
        other => anyhow::Error::new(other),
    }
}

async fn services_call(
    dir: &Path,
    method: &str,
    params: Value,
    limit: Duration,
) -> anyhow::Result<Value> {
    Client::new(dir)
        .call(SERVICES_API, method, params, limit)
        .await
        .map_err(|e| client_error(e, dir))
}

fn print_json(value: &Value) {
    println!("{value}");
}

/// Install a service from a folder or a git URL, and start it.
///
/// A folder is copied into the host (--link runs it in place, for development); a git
/// URL installs the highest semver tag matching --semver (default: the newest release;
/// no tags: the default branch). npm dependencies are installed without their scripts
/// and `npm run build` runs when present, sandboxed.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork install ./hello                       # a local folder\n  \
    spork install https://github.com/me/app --semver '^1'\n  \
    spork install ./app --id notes --env LOG=debug")]
pub struct InstallArgs {
    /// A folder, or a git URL (https://, ssh://, file://, user@host:path)
    pub source: String,
    /// The service's id [default: its name, made unique]
    #[arg(long)]
    pub id: Option<String>,
    /// A semver range of releases to follow (git)
    #[arg(long, value_name = "RANGE")]
    pub semver: Option<String>,
    /// An environment variable for the service (repeatable)
    #[arg(long, value_name = "K=V")]
    pub env: Vec<String>,
    /// Run the folder in place instead of a copy (development)
    #[arg(long)]
    pub link: bool,
    /// Grant the outbound network its atek.json asks for
    #[arg(long)]
    pub allow_network: bool,
    /// Let npm run the dependencies' install scripts
    #[arg(long)]
    pub allow_scripts: bool,
    /// The user who owns it (a username, or `system` for a multi-user service)
    /// [default: system]
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

fn pairs(items: &[String], what: &str) -> anyhow::Result<BTreeMap<String, String>> {
    items
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| UsageError::new(format!("{what} {kv:?}: expected KEY=VALUE")).into())
        })
        .collect()
}

/// `spork install`.
pub async fn install(global: GlobalArgs, args: InstallArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let env = pairs(&args.env, "--env")?;
    let source = if crate::host::packages::is_git_url(&args.source) {
        args.source.clone()
    } else {
        let path = std::path::absolute(&args.source)?;
        if !path.is_dir() {
            anyhow::bail!("{}: no such folder", path.display());
        }
        path.display().to_string()
    };
    let opts = json!({
        "sourceUrl": source, "id": args.id, "desiredVersion": args.semver, "env": env,
        "link": args.link, "allowNetwork": args.allow_network, "allowScripts": args.allow_scripts,
        "user": args.user,
    });
    let info = services_call(&dir, "install", json!([opts]), LONG).await?;
    if global.json {
        print_json(&info);
    } else {
        let id = info["id"].as_str().unwrap_or("?");
        eprintln!(
            "installed {id} {} ({})",
            info["version"].as_str().unwrap_or(""),
            info["status"].as_str().unwrap_or("?")
        );
        for w in info["warnings"].as_array().into_iter().flatten() {
            eprintln!("warning: {}", w.as_str().unwrap_or(""));
        }
        if info["status"] == "failed" {
            anyhow::bail!(
                "{id} did not start: {} (see: spork logs {id})",
                info["error"].as_str().unwrap_or("unknown")
            );
        }
    }
    Ok(())
}

/// Remove a service (its data stays unless --purge).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork uninstall hello            # keeps data/hello\n  \
    spork uninstall hello --purge")]
pub struct UninstallArgs {
    /// The service's id
    pub id: String,
    /// Remove its data too
    #[arg(long)]
    pub purge: bool,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork uninstall`.
pub async fn uninstall(_global: GlobalArgs, args: UninstallArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    services_call(
        &dir,
        "uninstall",
        json!([args.id, {"purge": args.purge}]),
        SHORT,
    )
    .await?;
    if args.purge {
        eprintln!("uninstalled {} and removed its data", args.id);
    } else {
        eprintln!(
            "uninstalled {} (its data stays in {}; --purge removes it)",
            args.id,
            dir.join("data").join(&args.id).display()
        );
    }
    Ok(())
}

/// Move git services to their newest release in range (restarting them).
///
/// A new version that fails to build or never becomes ready is rolled back: the old
/// version and its data are put back and left running.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork update                     # every git service\n  \
    spork update notes")]
pub struct UpdateArgs {
    /// The service's id [default: every service installed from git]
    pub id: Option<String>,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork update`.
pub async fn update(global: GlobalArgs, args: UpdateArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let ids: Vec<String> = match &args.id {
        Some(id) => vec![id.clone()],
        None => {
            let list = services_call(&dir, "list", json!([]), SHORT).await?;
            list["services"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["settings"]["package"]["sourceType"] == "git")
                .filter_map(|s| s["id"].as_str().map(str::to_owned))
                .collect()
        }
    };
    let mut failed = 0;
    for id in ids {
        match services_call(&dir, "updatePackage", json!([id]), LONG).await {
            Ok(done) => {
                let (old, new) = (
                    done["oldVersion"].as_str().unwrap_or(""),
                    done["installedVersion"].as_str().unwrap_or(""),
                );
                if global.json {
                    print_json(&json!({"id": id, "oldVersion": old, "installedVersion": new}));
                } else if old == new {
                    eprintln!("{id}: up to date ({new})");
                } else {
                    eprintln!("{id}: {old} -> {new}");
                }
            }
            Err(e) => {
                failed += 1;
                eprintln!("error: {id}: {e}");
            }
        }
    }
    if failed > 0 {
        anyhow::bail!("{failed} update(s) failed");
    }
    Ok(())
}

/// List the services.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork ls\n  \
    spork ls --json | jq '.[].status'")]
pub struct LsArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork ls`.
pub async fn ls(global: GlobalArgs, args: LsArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let list = services_call(&dir, "list", json!([]), SHORT).await?;
    let services = list["services"].as_array().cloned().unwrap_or_default();
    if global.json {
        print_json(&Value::Array(services));
        return Ok(());
    }
    if services.is_empty() {
        eprintln!("no services yet (install one: spork install PATH_OR_GIT_URL)");
        return Ok(());
    }
    println!(
        "{:<20} {:<11} {:<12} {:<8} SOURCE",
        "ID", "STATUS", "VERSION", "NETWORK"
    );
    for s in &services {
        let mut notes = Vec::new();
        if let Some(v) = s["updateAvailable"].as_str() {
            notes.push(format!("update available: {v}"));
        }
        if s["restarts"].as_u64().unwrap_or(0) > 0 {
            notes.push(format!("restarts: {}", s["restarts"]));
        }
        if s["sandbox"] == false {
            notes.push("UNSANDBOXED".into());
        }
        let version = s["version"]
            .as_str()
            .map(str::to_owned)
            .or_else(|| s["commit"].as_str().map(|c| c.chars().take(8).collect()))
            .unwrap_or_else(|| "-".into());
        println!(
            "{:<20} {:<11} {:<12} {:<8} {}{}",
            s["id"].as_str().unwrap_or("?"),
            s["status"].as_str().unwrap_or("?"),
            version,
            s["network"].as_str().unwrap_or("none"),
            s["source"].as_str().unwrap_or(""),
            if notes.is_empty() {
                String::new()
            } else {
                format!("  ({})", notes.join(", "))
            }
        );
    }
    Ok(())
}

/// Show one service.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork get hello\n  \
    spork get hello --json")]
pub struct GetArgs {
    /// The service's id
    pub id: String,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork get`.
pub async fn get(global: GlobalArgs, args: GetArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let info = services_call(&dir, "get", json!([args.id]), SHORT).await?;
    if global.json {
        print_json(&info);
        return Ok(());
    }
    for key in [
        "id",
        "status",
        "version",
        "commit",
        "source",
        "network",
        "restarts",
        "pid",
        "updateAvailable",
        "error",
    ] {
        if !info[key].is_null() {
            let v = &info[key];
            println!(
                "{key}: {}",
                v.as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| v.to_string())
            );
        }
    }
    for e in info["exports"].as_array().into_iter().flatten() {
        println!(
            "exports: {} ({} at {})",
            e["api"].as_str().unwrap_or(""),
            e["transport"].as_str().unwrap_or(""),
            e["path"].as_str().unwrap_or("")
        );
    }
    if let Some(config) = info["settings"]["config"].as_object() {
        for (k, v) in config {
            println!("config: {k}={}", v.as_str().unwrap_or(""));
        }
    }
    for w in info["warnings"].as_array().into_iter().flatten() {
        println!("warning: {}", w.as_str().unwrap_or(""));
    }
    for line in info["logTail"].as_array().into_iter().flatten() {
        println!("log: {}", line.as_str().unwrap_or(""));
    }
    Ok(())
}

/// Show or set a service's config (restarting it when values change).
///
/// KEY=VALUE sets, KEY= clears, and KEY=- reads the value from stdin (for secrets,
/// which never belong in argv). Values the service's schema marks secret are shown as
/// [secret].
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork cfg hello                  # show\n  \
    spork cfg hello GREETING=hi      # set (restarts it)\n  \
    spork cfg hello API_KEY=- < key.txt")]
pub struct CfgArgs {
    /// The service's id
    pub id: String,
    /// Values to set
    #[arg(value_name = "KEY=VALUE")]
    pub values: Vec<String>,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork cfg`.
pub async fn cfg(global: GlobalArgs, args: CfgArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    if args.values.is_empty() {
        let info = services_call(&dir, "get", json!([args.id]), SHORT).await?;
        let config = info["settings"]["config"].clone();
        if global.json {
            print_json(&config);
        } else {
            for (k, v) in config.as_object().into_iter().flatten() {
                println!("{k}={}", v.as_str().unwrap_or(""));
            }
        }
        return Ok(());
    }
    let mut values = pairs(&args.values, "value")?;
    let from_stdin: Vec<String> = values
        .iter()
        .filter(|(_, v)| *v == "-")
        .map(|(k, _)| k.clone())
        .collect();
    if from_stdin.len() > 1 {
        return Err(UsageError::new("only one KEY=- can read stdin").into());
    }
    if let Some(key) = from_stdin.first() {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading the value from stdin")?;
        values.insert(key.clone(), text.trim_end_matches(['\n', '\r']).to_string());
    }
    services_call(
        &dir,
        "configure",
        json!([args.id, {"config": values}]),
        SHORT,
    )
    .await?;
    eprintln!("{}: config updated", args.id);
    Ok(())
}

/// Start, stop or restart a service.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork stop hello\n  \
    spork start hello\n  \
    spork restart hello")]
pub struct ControlArgs {
    /// The service's id
    pub id: String,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork start|stop|restart`.
pub async fn control(_global: GlobalArgs, args: ControlArgs, method: &str) -> anyhow::Result<()> {
    let dir = args.dir.path();
    services_call(&dir, method, json!([args.id]), SHORT).await?;
    let now = if method == "stop" {
        "stopped"
    } else {
        "running"
    };
    eprintln!("{}: {now}", args.id);
    Ok(())
}

/// Show a service's log (what it printed, and what the host said about it).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork logs hello -n 100\n  \
    spork logs hello -f")]
pub struct LogsArgs {
    /// The service's id
    pub id: String,
    /// Keep printing new lines
    #[arg(short, long)]
    pub follow: bool,
    /// How many lines from the end
    #[arg(short = 'n', long, default_value_t = 50)]
    pub lines: usize,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork logs`.
pub async fn logs(_global: GlobalArgs, args: LogsArgs) -> anyhow::Result<()> {
    crate::host::ids::check(&args.id).map_err(|e| UsageError::new(e.to_string()))?;
    let path: PathBuf = crate::host::dir::HostDir::new(&args.dir.path()).log(&args.id);
    if !path.exists() {
        anyhow::bail!(
            "no log for {} in {}",
            args.id,
            path.parent().unwrap_or(&path).display()
        );
    }
    for line in crate::host::logs::tail(&path, args.lines) {
        println!("{line}");
    }
    if !args.follow {
        return Ok(());
    }
    let mut follower = crate::host::logs::Follower::new(&path)?;
    loop {
        use std::io::Write;
        let bytes = follower.next().await?;
        std::io::stdout().write_all(&bytes)?;
        std::io::stdout().flush()?;
    }
}

/// Call a JSON-RPC method through the host's gateway, as the admin.
///
/// PARAMS is the `params` value as JSON (an array or object; default []); `-` reads it
/// from stdin. The result is printed as one line of JSON; a JSON-RPC error is
/// `error: CODE message`, exit 1.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork call atek.cloud/services-api list\n  \
    spork call example.com/hello-api hello '[\"world\"]'")]
pub struct CallArgs {
    /// The API id
    pub api: String,
    /// The method
    pub method: String,
    /// The params, as JSON [default: []]
    pub params: Option<String>,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork call`.
pub async fn call(_global: GlobalArgs, args: CallArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let text = match args.params.as_deref() {
        None => "[]".to_string(),
        Some("-") => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("reading params from stdin")?;
            text
        }
        Some(t) => t.to_string(),
    };
    let params: Value = serde_json::from_str(&text)
        .map_err(|e| UsageError::new(format!("PARAMS is not JSON: {e}")))?;
    if !params.is_array() && !params.is_object() {
        return Err(UsageError::new("PARAMS must be a JSON array or object").into());
    }
    match Client::new(&dir)
        .call(&args.api, &args.method, params, SHORT)
        .await
    {
        Ok(result) => {
            print_json(&result);
            Ok(())
        }
        Err(ClientError::Rpc { code, message }) => anyhow::bail!("{code} {message}"),
        Err(e) => Err(client_error(e, &dir)),
    }
}
