//! `spork seed`: keep hypercores available — download every block of each key, follow
//! appends live, serve them to anyone who asks — and remember the keys in `--dir`.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde_json::json;

use super::host::DirArgs;
use super::{join_network_serving, shutdown_signal, GlobalArgs};
use crate::host::client::{Client, ClientError};
use crate::host::cores::SEED_API;
use crate::host::dir::{DirError, Holder, HostDir};
use crate::hypercore::id::parse_key;
use crate::hypercore::seed::{SeedError, SeedEvent, SeedInfo, SeedList, SeedStatus, Seeds};
use crate::hypercore::storage::StorageError;
use crate::swarm::crypto::Key32;
use crate::ui::{Event, EventStream, HintedError, Reporter, UsageError};

/// Keep hypercores available: download, follow live, serve to anyone.
///
/// `spork seed KEY…` joins each core's swarm topic (its discovery key), downloads every
/// block from whoever has it, verifies everything, follows appends live and serves the
/// cores to any peer that knows their keys, until SIGINT/SIGTERM. The keys are
/// remembered in --dir (seeds.json; the blocks in cores.redb), so a bare `spork seed`
/// resumes them. When `spork host` runs in --dir, the keys are handed to it (it seeds
/// them from then on) and `spork seed` returns at once. Keys are 64 hex digits or the
/// z-base-32 form Node's tools print.
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

/// How long the host may take to answer (an `add` may join the DHT first).
const HOST_CALL_LIMIT: Duration = Duration::from_secs(60);

fn keys(args: &SeedArgs) -> Result<Vec<Key32>, UsageError> {
    args.keys
        .iter()
        .map(|k| parse_key(k).map_err(|e| UsageError::new(e.to_string())))
        .collect()
}

/// The `seed` event of a core's status.
pub(crate) fn status_event(s: &SeedStatus) -> Event {
    Event::Seed {
        key: hex::encode(s.key),
        length: s.length,
        downloaded: s.downloaded,
        peers: s.peers,
        fork: s.fork,
    }
}

fn info_event(s: &SeedInfo) -> Event {
    Event::Seed {
        key: s.key.clone(),
        length: s.length,
        downloaded: s.downloaded,
        peers: s.peers,
        fork: s.fork,
    }
}

fn seed_error(e: SeedError, dir: &Path) -> anyhow::Error {
    match e {
        SeedError::Keyfile(e) => super::key::keyfile_error(e),
        SeedError::Storage(StorageError::InUse(_)) => anyhow::anyhow!(
            "another spork process is using the store in {}",
            dir.display()
        ),
        e => e.into(),
    }
}

/// Runs `spork seed`: hands the work to the host running in --dir, or does it itself.
pub async fn run(global: GlobalArgs, args: SeedArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let given = keys(&args)?;
    super::check_bootstrap(&global)?;
    let dir = args.dir.path();
    if args.remove && given.is_empty() {
        return Err(UsageError::new("--remove needs the KEYs to stop seeding").into());
    }
    // Nothing to list or resume: say so before making anything.
    if given.is_empty() && !args.remove && SeedList::load(&dir)?.keys().next().is_none() {
        if args.list {
            return show_list(&dir, &[], &reporter);
        }
        return Err(
            UsageError::with_hint("nothing to seed", "give a core's KEY: spork seed KEY").into(),
        );
    }
    if hand_to_host(&dir, &args, &given, &reporter).await? {
        return Ok(());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    // One process owns the folder's store (see `spork host`).
    let _lock = HostDir::new(&dir).lock(Holder::Seed).map_err(|e| match e {
        DirError::Busy { .. } => anyhow::Error::new(HintedError {
            message: e.to_string(),
            hint: "one process at a time keeps a folder's cores: stop that one first (a \
                   `spork host` in the folder takes new keys while it seeds)"
                .into(),
        }),
        e => e.into(),
    })?;
    let mut seeds = Seeds::open(&dir).map_err(|e| seed_error(e, &dir))?;
    if args.list {
        let list = seeds.list()?;
        return show_list(&dir, &list, &reporter);
    }
    if args.remove {
        seeds.remove(&given).map_err(|e| seed_error(e, &dir))?;
        for key in &given {
            reporter.say(format_args!("no longer seeding {}", hex::encode(key)));
        }
        return Ok(());
    }
    for key in seeds.add(&given)? {
        reporter.say(format_args!(
            "remembering {} in {}",
            hex::encode(key),
            dir.display()
        ));
    }
    let node = join_network_serving(&global, reporter).await?;
    let stop = shutdown_signal();
    let (failed_tx, mut failed) = tokio::sync::mpsc::unbounded_channel();
    // `listening` first, then each core's status: scripts read them in that order.
    let public = seeds.identity().map_err(|e| seed_error(e, &dir))?;
    let count = seeds.keys().count();
    reporter.event(Event::listening(Some(public.to_string()), None, None));
    reporter.say(format_args!(
        "seeding {count} core{} as {public}",
        if count == 1 { "" } else { "s" },
    ));
    seeds
        .start(node.clone(), move |ev| match ev {
            SeedEvent::Status(s) => {
                reporter.say(format_args!(
                    "{}: length {}, downloaded {}, peers {}",
                    hex::encode(s.key),
                    s.length,
                    s.downloaded,
                    s.peers
                ));
                reporter.event(status_event(&s));
            }
            // The `seed` events that follow carry the new length.
            SeedEvent::Forked(seen) => reporter.say(format_args!("{seen}")),
            SeedEvent::Failed(e) => {
                let _ = failed_tx.send(e);
            }
        })
        .await
        .map_err(|e| seed_error(e, &dir))?;
    let result = tokio::select! {
        _ = stop => Ok(()),
        Some(e) = failed.recv() => Err(e),
    };
    seeds.stop().await?;
    node.close_connections();
    Ok(result?)
}

/// Hands the work to the host running in `dir`; false if none runs there.
async fn hand_to_host(
    dir: &Path,
    args: &SeedArgs,
    given: &[Key32],
    reporter: &Reporter,
) -> anyhow::Result<bool> {
    let hexes: Vec<String> = given.iter().map(hex::encode).collect();
    let (method, params) = match (args.list, args.remove, given.is_empty()) {
        (true, _, _) | (false, false, true) => ("list", json!([])),
        (false, true, _) => ("remove", json!([hexes])),
        (false, false, false) => ("add", json!([hexes])),
    };
    let answer = match Client::new(dir)
        .call(SEED_API, method, params, HOST_CALL_LIMIT)
        .await
    {
        Err(ClientError::NotRunning(_)) => return Ok(false),
        Err(e) => return Err(super::services::client_error(e, dir)),
        Ok(answer) => answer,
    };
    let infos = |field: &str| -> anyhow::Result<Vec<SeedInfo>> {
        serde_json::from_value(answer.get(field).cloned().unwrap_or_default())
            .context("the host's answer is not a seed list")
    };
    let here = dir.display();
    match method {
        "remove" => {
            for key in &hexes {
                reporter.say(format_args!("the host in {here} no longer seeds {key}"));
            }
        }
        "add" => {
            let added: Vec<String> = serde_json::from_value(answer["added"].clone())
                .context("the host's answer has no `added` list")?;
            for key in &hexes {
                let what = if added.contains(key) {
                    "now seeds"
                } else {
                    "already seeds"
                };
                reporter.say(format_args!("the host in {here} {what} {key}"));
            }
            for info in infos("seeds")? {
                reporter.event(info_event(&info));
            }
        }
        _ if args.list => show_list(dir, &infos("seeds")?, reporter)?,
        _ => {
            let list = infos("seeds")?;
            reporter.say(format_args!(
                "the host in {here} seeds {} core{} (spork seed --list shows them)",
                list.len(),
                if list.len() == 1 { "" } else { "s" }
            ));
            for info in &list {
                reporter.event(info_event(info));
            }
        }
    }
    Ok(true)
}

fn show_list(dir: &Path, list: &[SeedInfo], reporter: &Reporter) -> anyhow::Result<()> {
    if reporter.json() {
        println!("{}", serde_json::to_string(list)?);
        return Ok(());
    }
    if list.is_empty() {
        reporter.say(format_args!("nothing is seeded in {}", dir.display()));
        return Ok(());
    }
    println!(
        "{:<64}  {:>10}  {:>10}  {:>10}  {:>5}",
        "KEY", "LENGTH", "DOWNLOADED", "SIZE", "PEERS"
    );
    for s in list {
        println!(
            "{}  {:>10}  {:>10}  {:>10}  {:>5}",
            s.key,
            s.length,
            s.downloaded,
            human_bytes(s.bytes),
            s.peers
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
