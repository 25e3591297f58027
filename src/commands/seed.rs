//! `spork seed`: keep hypercores available — download every block of each key, follow
//! appends live, serve them to anyone who asks — and remember the keys in `--dir`.

use std::path::Path;

use anyhow::Context;
use clap::Args;

use super::host::DirArgs;
use super::{join_network_serving, shutdown_signal, GlobalArgs};
use crate::hypercore::id::parse_key;
use crate::hypercore::seed::{seed, SeedList, SeedStatus};
use crate::hypercore::storage::{Corestore, StorageError};
use crate::swarm::crypto::Key32;
use crate::ui::{Event, EventStream, Reporter, UsageError};

/// Keep hypercores available: download, follow live, serve to anyone.
///
/// `spork seed KEY…` joins each core's swarm topic (its discovery key), downloads every
/// block from whoever has it, verifies everything, follows appends live and serves the
/// cores to any peer that knows their keys, until SIGINT/SIGTERM. The keys are
/// remembered in --dir (seeds.json; the blocks in cores.redb), so a bare `spork seed`
/// resumes them. Keys are 64 hex digits or the z-base-32 form Node's tools print.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork seed efmawyz3xtnsow6n9bunhqbwmq9sfqir5485d3niub93ytbcju5o\n  \
    spork seed                          # resume every remembered key\n  \
    spork seed --list                   # keys, lengths, disk use\n  \
    spork seed --remove KEY             # stop seeding KEY (its blocks stay)")]
pub struct SeedArgs {
    /// Core keys to seed (added to those remembered)
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,
    /// Stop seeding the KEYs given (their blocks stay in the store)
    #[arg(long, conflicts_with = "list")]
    pub remove: bool,
    /// List the seeded keys with their length and disk use, and exit
    #[arg(long)]
    pub list: bool,
    /// `--dir`, the home cloud's folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

fn keys(args: &SeedArgs) -> Result<Vec<Key32>, UsageError> {
    args.keys
        .iter()
        .map(|k| parse_key(k).map_err(|e| UsageError::new(e.to_string())))
        .collect()
}

fn open_store(dir: &Path) -> anyhow::Result<Corestore> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Corestore::open(&dir.join("cores.redb")).map_err(|e| match e {
        StorageError::Io { ref message, .. } if message.contains("already open") => {
            anyhow::Error::new(e).context(format!(
                "another spork process is using the store in {}",
                dir.display()
            ))
        }
        e => e.into(),
    })
}

fn status_event(s: &SeedStatus) -> Event {
    Event::Seed {
        key: hex::encode(s.key),
        length: s.length,
        downloaded: s.downloaded,
        peers: s.peers,
    }
}

/// Runs `spork seed`.
pub async fn run(global: GlobalArgs, args: SeedArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let given = keys(&args)?;
    super::check_bootstrap(&global)?;
    let dir = args.dir.path();
    let mut list = SeedList::load(&dir)?;
    if args.list {
        return show_list(&dir, &list, &reporter);
    }
    if args.remove {
        if given.is_empty() {
            return Err(UsageError::new("--remove needs the KEYs to stop seeding").into());
        }
        for key in &given {
            if !list.remove(key) {
                anyhow::bail!("{} is not seeded in {}", hex::encode(key), dir.display());
            }
        }
        list.save()?;
        for key in &given {
            reporter.say(format_args!("no longer seeding {}", hex::encode(key)));
        }
        return Ok(());
    }
    let added: Vec<Key32> = given.into_iter().filter(|k| list.add(*k)).collect();
    if list.keys().next().is_none() {
        return Err(
            UsageError::with_hint("nothing to seed", "give a core's KEY: spork seed KEY").into(),
        );
    }
    let store = open_store(&dir)?;
    list.save()?;
    for key in &added {
        reporter.say(format_args!(
            "remembering {} in {}",
            hex::encode(key),
            dir.display()
        ));
    }
    let cores = list
        .keys()
        .map(|k| store.get(k))
        .collect::<Result<Vec<_>, _>>()?;
    let (keypair, _) = crate::keys::load_or_create(&dir.join("seed-key.json"))
        .map_err(super::key::keyfile_error)?;
    let node = join_network_serving(&global, reporter).await?;
    let stop = shutdown_signal();
    reporter.event(Event::listening(
        Some(keypair.public_key().to_string()),
        None,
        None,
    ));
    reporter.say(format_args!(
        "seeding {} core{} as {}",
        cores.len(),
        if cores.len() == 1 { "" } else { "s" },
        keypair.public_key()
    ));
    seed(
        store,
        node.clone(),
        keypair,
        cores,
        |s| {
            reporter.say(format_args!(
                "{}: length {}, downloaded {}, peers {}",
                hex::encode(s.key),
                s.length,
                s.downloaded,
                s.peers
            ));
            reporter.event(status_event(&s));
        },
        stop,
    )
    .await?;
    node.close_connections();
    Ok(())
}

fn show_list(dir: &Path, list: &SeedList, reporter: &Reporter) -> anyhow::Result<()> {
    let keys: Vec<Key32> = list.keys().copied().collect();
    let store = if keys.is_empty() || !dir.join("cores.redb").exists() {
        None
    } else {
        Some(open_store(dir)?)
    };
    let mut rows = Vec::new();
    for key in &keys {
        let (length, downloaded, bytes) = match &store {
            Some(s) => {
                let core = s.get(key)?;
                (core.length(), core.blocks_held(), core.bytes_held())
            }
            None => (0, 0, 0),
        };
        rows.push((hex::encode(key), length, downloaded, bytes));
    }
    if reporter.json() {
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|(key, length, downloaded, bytes)| {
                serde_json::json!({"key": key, "length": length, "downloaded": downloaded, "bytes": bytes})
            })
            .collect();
        println!("{}", serde_json::Value::Array(out));
        return Ok(());
    }
    if rows.is_empty() {
        reporter.say(format_args!("nothing is seeded in {}", dir.display()));
        return Ok(());
    }
    println!(
        "{:<64}  {:>10}  {:>10}  {:>10}",
        "KEY", "LENGTH", "DOWNLOADED", "SIZE"
    );
    for (key, length, downloaded, bytes) in rows {
        println!(
            "{key}  {length:>10}  {downloaded:>10}  {:>10}",
            human_bytes(bytes)
        );
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
