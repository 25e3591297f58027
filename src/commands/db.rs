//! `spork db`: the admin's shell onto ADB, through the running host's
//! `atek.cloud/adb-api` over the owner-only control channel. A database is named by
//! its `dbId` (hex or z-base-32), as `SERVICE/ALIAS`, or `server` (the host's own).

use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use super::host::DirArgs;
use super::services::client_error;
use super::GlobalArgs;
use crate::adb::api::ADB_API;
use crate::host::client::Client;
use crate::ui::UsageError;

/// How long one call may take.
const LIMIT: Duration = Duration::from_secs(120);
/// Records per page of an export.
const EXPORT_PAGE: usize = 1000;
/// The most an import sends in one call (the gateway takes 4 MiB).
const IMPORT_BATCH_BYTES: usize = 2 << 20;

/// The home cloud's databases (ADB): list, read, write, export, follow.
///
/// Talks to the `spork host` running in --dir, as the admin. A database is named by its
/// id (64 hex digits or z-base-32), as SERVICE/ALIAS (the alias a service gave it), or
/// `server` (the host's own state). Paths are folder-like: /posts/1. Values are JSON
/// objects.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork db ls\n  \
    spork db put notes/main /posts/1 '{\"title\": \"Hi\"}'\n  \
    spork db get notes/main /posts/1\n  \
    spork db list notes/main /posts --limit 10\n  \
    spork db export notes/main > notes.jsonl\n  \
    spork db import BACKUP_DB < notes.jsonl\n  \
    spork db follow KEY                 # another home's public database, read-only")]
pub struct DbArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: DbCommand,
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// `spork db` subcommands.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// List every database (id, owner/alias, access, records' version)
    Ls,
    /// Show one database
    Describe {
        /// The database
        db: String,
    },
    /// Make a database for the admin (or, with --service, for a service)
    Create {
        /// Its alias
        alias: Option<String>,
        /// Share it with other homes (announced on the swarm; any service may read it)
        #[arg(long)]
        public: bool,
        /// The owning service [default: the admin's own, `system`]
        #[arg(long, value_name = "ID")]
        service: Option<String>,
    },
    /// Change a database's access, alias or schemas
    Configure {
        /// The database
        db: String,
        /// private or public
        #[arg(long)]
        access: Option<String>,
        /// A new alias ("" removes it)
        #[arg(long)]
        alias: Option<String>,
        /// Records under PREFIX must meet the JSON Schema in FILE: PREFIX=FILE
        #[arg(long, value_name = "PREFIX=FILE")]
        schema: Vec<String>,
        /// Drop the schema of PREFIX
        #[arg(long, value_name = "PREFIX")]
        no_schema: Vec<String>,
    },
    /// Print the value at PATH (the whole record with --json)
    Get {
        /// The database
        db: String,
        /// The record's path: /folder/key
        path: String,
    },
    /// Write a JSON object at PATH (from the argument, or stdin with - or none)
    Put {
        /// The database
        db: String,
        /// The record's path: /folder/key
        path: String,
        /// The value, a JSON object [default: stdin]
        value: Option<String>,
    },
    /// Delete the record at PATH
    Del {
        /// The database
        db: String,
        /// The record's path
        path: String,
    },
    /// List the records in a folder
    List {
        /// The database
        db: String,
        /// The folder [default: the top]
        path: Option<String>,
        /// Keys after this
        #[arg(long)]
        gt: Option<String>,
        /// Keys before this
        #[arg(long)]
        lt: Option<String>,
        /// Largest key first
        #[arg(long)]
        reverse: bool,
        /// At most N records
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
        /// Deeper folders too
        #[arg(long, short = 'r')]
        recursive: bool,
    },
    /// Every record under PATH as JSON lines {"path", "value"}, on stdout
    Export {
        /// The database
        db: String,
        /// The folder [default: everything]
        path: Option<String>,
    },
    /// Write JSON lines {"path", "value"} (from FILE or stdin) into a database
    Import {
        /// The database
        db: String,
        /// The file [default: stdin]
        file: Option<PathBuf>,
    },
    /// Follow another home's public database, read-only and live
    Follow {
        /// Its key (64 hex digits or z-base-32)
        key: String,
    },
    /// Stop following a database (its blocks stay in the store)
    Unfollow {
        /// The database
        db: String,
    },
}

async fn adb_call(dir: &Path, method: &str, params: Value) -> anyhow::Result<Value> {
    Client::new(dir)
        .call(ADB_API, method, params, LIMIT)
        .await
        .map_err(|e| client_error(e, dir))
}

fn print_json(value: &Value) {
    println!("{value}");
}

fn value_of(text: &str) -> Result<Value, UsageError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| UsageError::new(format!("VALUE is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(UsageError::new("VALUE must be a JSON object"));
    }
    Ok(value)
}

fn read_stdin() -> anyhow::Result<String> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("reading stdin")?;
    Ok(text)
}

/// `spork db`.
pub async fn run(global: GlobalArgs, args: DbArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let dir = dir.as_path();
    match args.command {
        DbCommand::Ls => ls(&global, dir).await,
        DbCommand::Describe { db } => {
            print_json(&adb_call(dir, "dbDescribe", json!([db])).await?);
            Ok(())
        }
        DbCommand::Create {
            alias,
            public,
            service,
        } => {
            let mut config = json!({ "access": if public { "public" } else { "private" } });
            if let Some(a) = alias {
                config["alias"] = json!(a);
            }
            if let Some(s) = service {
                config["owner"] = json!({ "serviceKey": s });
            }
            let info = adb_call(dir, "adminCreateDb", json!([config])).await?;
            if global.json {
                print_json(&info);
            } else {
                println!("{}", info["dbId"].as_str().unwrap_or_default());
            }
            Ok(())
        }
        DbCommand::Configure {
            db,
            access,
            alias,
            schema,
            no_schema,
        } => {
            let mut config = json!({});
            if let Some(a) = access {
                config["access"] = json!(a);
            }
            if let Some(a) = alias {
                config["alias"] = json!(a);
            }
            let mut schemas = serde_json::Map::new();
            for item in schema {
                let (prefix, file) = item.split_once('=').ok_or_else(|| {
                    UsageError::new(format!("--schema {item:?}: expected PREFIX=FILE"))
                })?;
                let text =
                    std::fs::read_to_string(file).with_context(|| format!("reading {file}"))?;
                let schema: Value = serde_json::from_str(&text)
                    .map_err(|e| UsageError::new(format!("{file} is not JSON: {e}")))?;
                schemas.insert(prefix.to_string(), schema);
            }
            for prefix in no_schema {
                schemas.insert(prefix, Value::Null);
            }
            if !schemas.is_empty() {
                config["schemas"] = Value::Object(schemas);
            }
            adb_call(dir, "adminEditDbConfig", json!([db, config])).await?;
            Ok(())
        }
        DbCommand::Get { db, path } => {
            let record = adb_call(dir, "recordGet", json!([db, path])).await?;
            print_json(if global.json {
                &record
            } else {
                &record["value"]
            });
            Ok(())
        }
        DbCommand::Put { db, path, value } => {
            let text = match value.as_deref() {
                None | Some("-") => read_stdin()?,
                Some(t) => t.to_string(),
            };
            let record = adb_call(dir, "recordPut", json!([db, path, value_of(&text)?])).await?;
            if global.json {
                print_json(&record);
            }
            Ok(())
        }
        DbCommand::Del { db, path } => {
            adb_call(dir, "recordDelete", json!([db, path])).await?;
            Ok(())
        }
        DbCommand::List {
            db,
            path,
            gt,
            lt,
            reverse,
            limit,
            recursive,
        } => {
            let opts = json!({"gt": gt, "lt": lt, "reverse": reverse, "limit": limit, "recursive": recursive});
            let path = path.unwrap_or_else(|| "/".into());
            let list = adb_call(dir, "recordList", json!([db, path, opts])).await?;
            for r in list["records"].as_array().into_iter().flatten() {
                if global.json {
                    print_json(r);
                } else {
                    println!("{}\t{}", r["path"].as_str().unwrap_or_default(), r["value"]);
                }
            }
            Ok(())
        }
        DbCommand::Export { db, path } => export(dir, &db, path.as_deref().unwrap_or("/")).await,
        DbCommand::Import { db, file } => import(dir, &db, file.as_deref()).await,
        DbCommand::Follow { key } => {
            crate::hypercore::id::parse_key(&key).map_err(|e| UsageError::new(e.to_string()))?;
            let info = adb_call(dir, "dbGetOrCreate", json!([key])).await?;
            if global.json {
                print_json(&info);
            } else {
                eprintln!(
                    "following {} (read-only; it syncs while this host runs)",
                    info["dbId"].as_str().unwrap_or_default()
                );
            }
            Ok(())
        }
        DbCommand::Unfollow { db } => {
            let info = adb_call(dir, "dbDescribe", json!([db])).await?;
            if info["following"] != true {
                anyhow::bail!("database {db} is not a followed one: this home owns it");
            }
            adb_call(dir, "adminDeleteDb", json!([db])).await?;
            Ok(())
        }
    }
}

async fn ls(global: &GlobalArgs, dir: &Path) -> anyhow::Result<()> {
    let list = adb_call(dir, "dbList", json!([])).await?;
    if global.json {
        print_json(&list);
        return Ok(());
    }
    println!(
        "{:<64} {:<28} {:<10} VERSION",
        "DBID", "OWNER/ALIAS", "ACCESS"
    );
    for db in list.as_array().into_iter().flatten() {
        let name = if db["isServerDb"] == true {
            "server".to_string()
        } else {
            format!(
                "{}/{}",
                db["owner"]["serviceKey"].as_str().unwrap_or("?"),
                db["alias"].as_str().unwrap_or_default()
            )
        };
        let access = if db["following"] == true {
            "following"
        } else {
            db["access"].as_str().unwrap_or("?")
        };
        println!(
            "{:<64} {:<28} {:<10} {}",
            db["dbId"].as_str().unwrap_or("?"),
            name,
            access,
            db["version"]
        );
    }
    Ok(())
}

/// Pages through the folder, every record once, in path order.
async fn export(dir: &Path, db: &str, path: &str) -> anyhow::Result<()> {
    let mut after: Option<String> = None;
    let mut out = std::io::stdout().lock();
    loop {
        let opts = json!({"recursive": true, "limit": EXPORT_PAGE, "gt": after});
        let page = adb_call(dir, "recordList", json!([db, path, opts])).await?;
        let records = page["records"].as_array().cloned().unwrap_or_default();
        for r in &records {
            let line = json!({"path": r["path"], "value": r["value"]});
            writeln!(out, "{line}").context("writing stdout")?;
        }
        if records.len() < EXPORT_PAGE {
            return Ok(());
        }
        // The next page starts after the last path, taken below the folder.
        let last = records
            .last()
            .and_then(|r| r["path"].as_str())
            .unwrap_or_default();
        let folder = path.trim_matches('/');
        let below = last.trim_start_matches('/');
        let below = below
            .strip_prefix(folder)
            .unwrap_or(below)
            .trim_start_matches('/');
        after = Some(below.to_string());
    }
}

/// Reads JSON lines and writes them in batches, each one durable step.
async fn import(dir: &Path, db: &str, file: Option<&Path>) -> anyhow::Result<()> {
    let reader: Box<dyn BufRead> = match file {
        Some(p) if p != Path::new("-") => Box::new(std::io::BufReader::new(
            std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        )),
        _ => Box::new(std::io::BufReader::new(std::io::stdin())),
    };
    let mut batch = Vec::new();
    let mut bytes = 0;
    let mut total = 0usize;
    for (n, line) in reader.lines().enumerate() {
        let line = line.context("reading the records")?;
        if line.trim().is_empty() {
            continue;
        }
        let entry: Value = serde_json::from_str(&line)
            .map_err(|e| UsageError::new(format!("line {}: not JSON: {e}", n + 1)))?;
        if !entry["path"].is_string() || !entry["value"].is_object() {
            return Err(UsageError::new(format!(
                "line {}: expected {{\"path\": \"/…\", \"value\": {{…}}}}",
                n + 1
            ))
            .into());
        }
        bytes += line.len();
        batch.push(entry);
        if bytes >= IMPORT_BATCH_BYTES {
            total += batch.len();
            adb_call(
                dir,
                "recordPutMany",
                json!([db, std::mem::take(&mut batch)]),
            )
            .await?;
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        total += batch.len();
        adb_call(dir, "recordPutMany", json!([db, batch])).await?;
    }
    eprintln!("imported {total} records");
    Ok(())
}
