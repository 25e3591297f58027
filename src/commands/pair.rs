//! `spork pair`: pairs this device with a home cloud from a one-time invite (`spork
//! host invite` on the host), read from a no-echo prompt or stdin — never argv — and
//! remembers the host under a name; `--list` and `--forget NAME` manage what it
//! remembers. Flags → `device` → events.

use std::io::{BufRead, IsTerminal};
use std::time::Duration;

use anyhow::Context;
use clap::Args;

use super::GlobalArgs;
use crate::device::{self, DeviceDir};
use crate::host::devices::Invite;
use crate::ui::{EventStream, Reporter, UsageError};

/// Pair this device with a home cloud, from an invite made by `spork host invite`.
///
/// The invite is asked for (or read from stdin's first line): it is a secret until it
/// is used. The host is remembered under --name; `spork connect NAME` reaches it.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork pair --name home          # then paste the invite\n  \
    spork pair --list\n  \
    spork pair --forget home")]
pub struct PairArgs {
    /// The name to remember the host under
    #[arg(long, default_value = "home")]
    pub name: String,
    /// List the paired hosts
    #[arg(long, conflicts_with = "forget")]
    pub list: bool,
    /// Forget a paired host (it still lists this device until revoked there)
    #[arg(long, value_name = "NAME")]
    pub forget: Option<String>,
    /// Seconds to keep trying to reach the host
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub connect_timeout: u64,
}

fn read_invite() -> anyhow::Result<Invite> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Invite: ")?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the invite from stdin")?;
        line
    };
    Invite::parse(&text).ok_or_else(|| {
        UsageError::new(
            "that is not an invite: it starts with spork-invite- (spork host invite makes one)",
        )
        .into()
    })
}

/// `spork pair`.
pub async fn run(global: GlobalArgs, args: PairArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    let dir = DeviceDir::default_root().context("this system has no config folder")?;
    if args.list {
        let hosts = dir.hosts()?;
        if global.json {
            println!("{}", serde_json::to_string(&hosts)?);
        } else if hosts.is_empty() {
            reporter.say("no paired hosts: spork pair --name NAME");
        } else {
            for (name, h) in hosts {
                println!("{name:<20} {} {}", h.public_key, h.paired_at);
            }
        }
        return Ok(());
    }
    if let Some(name) = args.forget {
        let gone = dir.forget(&name)?;
        reporter.say(format_args!("forgot {name} ({})", gone.public_key));
        return Ok(());
    }
    if !super::is_host_name(&args.name, true) {
        return Err(UsageError::new(format!(
            "--name {:?}: use letters, digits, '-' and '_'",
            args.name
        ))
        .into());
    }
    super::check_bootstrap(&global)?;
    let invite = read_invite()?;
    let keypair = dir.keypair()?;
    let node = super::join_network(&global).await?;
    reporter.say(format_args!("pairing with {}…", invite.host));
    let patience = Duration::from_secs(args.connect_timeout.max(1));
    let paired = device::pair(&node, &invite, &keypair, patience).await;
    node.close_connections();
    let paired = paired?;
    dir.remember(&args.name, paired.clone())?;
    reporter.say(format_args!(
        "paired: {} is {} (this device is {} there)",
        args.name, paired.public_key, paired.device_name
    ));
    reporter.event(crate::ui::Event::Paired {
        name: args.name,
        public_key: paired.public_key,
        device_name: paired.device_name,
    });
    Ok(())
}
