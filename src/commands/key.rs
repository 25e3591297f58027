//! `spork key`: make a keypair, show a keyfile's public key, check a key someone gave you.
//!
//! Also the glue every command that takes keys uses: [`parse_key_arg`] turns a malformed
//! key into a usage error (exit 2), and [`keyfile_error`] turns a keyfile problem into a
//! runtime error (exit 1) with a `hint:` saying what to do.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde_json::json;

use super::GlobalArgs;
use crate::keys::{self, KeyPair, KeyfileError, PublicKey};
use crate::ui::{EventStream, HintedError, Reporter, UsageError};

/// Make and inspect keypairs: a device's identity on the DHT.
///
/// On the Hyperswarm network a device is known by its public key (52 base32 characters,
/// e.g. `aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a`): peers find and reach it
/// by that key, and only the holder of the matching secret key can answer to it.
/// Share the public key freely; keep the keyfile secret — whoever has it can act as your
/// device.
///
/// A keyfile is JSON, as the original spork wrote it:
/// {"publicKey":"<base32>","secretKey":"<base32>"} (the secret key is the 32-byte Ed25519
/// seed followed by the public key). A keyfile given with `-k FILE` is created if it is
/// missing (mode 0600) and refused, never replaced, if it is unreadable, malformed,
/// inconsistent or readable by other users.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork key new -k me.json         # your identity, saved (mode 0600)\n  \
    spork key show me.json           # the public key: your address\n  \
    spork key check KEY              # a key someone gave you (hex or base32), in base32")]
pub struct KeyArgs {
    /// Which subcommand.
    #[command(subcommand)]
    pub command: KeyCommand,
}

/// The `spork key` subcommands.
// clap takes each subcommand's help from its Args struct; a doc comment here would
// replace it.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    New(NewArgs),
    Show(ShowArgs),
    Check(CheckArgs),
}

/// Create a new keypair.
///
/// With -k FILE: write it to FILE, readable only by you (mode 0600), print the public key
/// on stdout and `created keyfile FILE` on stderr. An existing FILE is never
/// overwritten. With --json the stdout line is {"keyfile":"FILE","public_key":"<b32>"}.
///
/// Without -k, --secret prints the keyfile itself, {"publicKey":…,"secretKey":…}, on
/// stdout. That output holds the secret key: prefer -k, which sets the permissions
/// spork insists on (a keyfile other users can read is refused; `chmod 600 FILE` fixes
/// one written by redirection).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  spork key new -k me.json        # a new identity, saved (0600)\n  \
                        spork key new --secret > k.json  # printed instead, secret included"
)]
pub struct NewArgs {
    /// Write the keypair to this new file
    #[arg(short, long, value_name = "FILE")]
    pub keyfile: Option<PathBuf>,
    /// Print the new keypair, secret key included, instead of saving it
    #[arg(long, conflicts_with = "keyfile")]
    pub secret: bool,
}

/// Print the public key of a keyfile: the address to give others.
///
/// Prints only the public key (base32) on stdout; with --json, {"public_key":"<b32>"}.
/// The secret key is printed only when asked with --secret. The file is checked as
/// every command checks it: a missing, unreadable, malformed or inconsistent keyfile,
/// or one that other users can read, is an error (exit 1).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  spork key show me.json          # the address to give others\n  \
                        spork key show me.json --qr     # also as a QR code, for a phone"
)]
pub struct ShowArgs {
    /// The keyfile to read
    #[arg(value_name = "FILE")]
    pub keyfile: PathBuf,
    /// Also draw the public key as a QR code (on stderr)
    #[arg(long)]
    pub qr: bool,
    /// Print the whole keyfile, secret key included (the only way to see it)
    #[arg(long)]
    pub secret: bool,
}

/// Check a public key someone gave you and print it in spork's form (lowercase base32).
///
/// Accepts 52 base32 characters (either case) or 64 hex digits, the form Node's
/// hyperdht prints; anything else exits 2. With --json: {"public_key":"<b32>"}.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The public key to check
    #[arg(value_name = "KEY")]
    pub key: String,
}

/// Runs `spork key …`.
pub async fn run(global: GlobalArgs, args: KeyArgs) -> anyhow::Result<()> {
    let reporter = Reporter::new(global.json, EventStream::Stdout);
    match args.command {
        KeyCommand::New(a) => new(&reporter, a),
        KeyCommand::Show(a) => show(&reporter, a),
        KeyCommand::Check(a) => check(&reporter, a),
    }
}

fn new(reporter: &Reporter, args: NewArgs) -> anyhow::Result<()> {
    let pair = KeyPair::generate();
    let Some(path) = args.keyfile else {
        if !args.secret {
            return Err(UsageError::with_hint(
                "spork key new needs -k FILE to save the new key",
                "spork key new -k me.json (or --secret to print it, secret key included)",
            )
            .into());
        }
        // Asked for explicitly: the keyfile, secret included, is the output.
        print_data(pair.to_keyfile_json().trim_end())?;
        reporter.say(
            "note: this output holds the secret key; store it with mode 0600 \
             (spork key new -k FILE does that)",
        );
        return Ok(());
    };
    keys::create(&path, &pair).map_err(keyfile_error)?;
    let public = pair.public_key();
    if reporter.json() {
        print_data(
            json!({ "public_key": public.to_string(), "keyfile": path.display().to_string() }),
        )?;
    } else {
        print_data(public)?;
    }
    reporter.say(format_args!("created keyfile {}", path.display()));
    Ok(())
}

fn show(reporter: &Reporter, args: ShowArgs) -> anyhow::Result<()> {
    let pair = keys::load(&args.keyfile).map_err(keyfile_error)?;
    if args.secret {
        print_data(pair.to_keyfile_json().trim_end())?;
    } else {
        print_public_key(reporter, pair.public_key())?;
    }
    if args.qr {
        reporter.say(crate::ui::qr_code(&pair.public_key().to_string())?);
    }
    Ok(())
}

fn check(reporter: &Reporter, args: CheckArgs) -> anyhow::Result<()> {
    let key = parse_key_arg(&args.key)?;
    print_public_key(reporter, key)
}

fn print_public_key(reporter: &Reporter, key: PublicKey) -> anyhow::Result<()> {
    if reporter.json() {
        print_data(json!({ "public_key": key.to_string() }))
    } else {
        print_data(key)
    }
}

/// Writes one line of data on stdout; a failed write (a full disk, a closed pipe) is an
/// error, since the data is the point of the command.
fn print_data(line: impl std::fmt::Display) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::anyhow!("cannot write to stdout: {e}"))
}

/// Parses a public key the user typed; a malformed one is a usage error (exit 2) naming
/// both accepted forms.
pub fn parse_key_arg(text: &str) -> Result<PublicKey, UsageError> {
    text.parse()
        .map_err(|e: keys::ParseKeyError| UsageError::new(e.to_string()))
}

/// Turns a keyfile problem into a runtime error (exit 1), with a `hint:` where there is
/// an obvious next step.
pub fn keyfile_error(err: KeyfileError) -> anyhow::Error {
    let path = err.path().display().to_string();
    let hint = match &err {
        KeyfileError::Read { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            Some(format!("create one with: spork key new -k {path}"))
        }
        KeyfileError::Permissions { .. } => Some(format!(
            "if no one else can have read it: chmod 600 {path} (otherwise make a new key)"
        )),
        KeyfileError::Exists { .. } => Some(format!(
            "spork key show {path} prints the key it holds; name another FILE for a new key"
        )),
        KeyfileError::Owner { .. } => Some(format!(
            "use a keyfile of your own; if this one is, take it: chown $(id -u) {path}"
        )),
        KeyfileError::NotAFile { .. } => {
            Some("a keyfile is a regular file: name one, or a new path to create it".into())
        }
        KeyfileError::Malformed { .. } | KeyfileError::Inconsistent { .. } => {
            Some("spork never replaces a keyfile: fix it, or move it away to make a new one".into())
        }
        KeyfileError::Read { .. } | KeyfileError::Write { .. } => None,
    };
    match hint {
        Some(hint) => HintedError {
            message: err.to_string(),
            hint,
        }
        .into(),
        None => err.into(),
    }
}
