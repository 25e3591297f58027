//! The command line as clap sees it: the top-level help (commands grouped, one example
//! each), the global options and the subcommands. The binary parses with it;
//! `spork completions` and `spork man` generate from it, so they never drift.

use clap::{CommandFactory, Parser, Subcommand};

use crate::commands::{self, GlobalArgs};

/// The top-level help: what spork is, the commands grouped with an example each.
/// (clap lists subcommands flat; the test suite checks every command is named here.)
const HELP: &str = "\
{before-help}{name} {version} — reach any device by its public key, through NATs, end-to-end encrypted.
Peers meet on the HyperDHT (hyperswarm's network) by key: one side listens, the other connects.

{usage-heading} {usage}

Tunnels:
  bind      Expose a local TCP port under your key, or reach one
              spork bind -p 8080            spork bind KEY -p 8080
  beam      An encrypted pipe between two machines, keyed by a passphrase
              tar cz dir | spork beam       spork beam PASSPHRASE | tar xz
  serve     A folder as a website, locally and peer to peer
              spork serve ./site
  gateway   Open p2p websites in any browser, by key
              spork gateway                 (then http://KEY.localhost:8080/)
  dht       Run a DHT node for others (or a private network of your own)
              spork dht --port 49737

Home cloud:
  host      Run the home cloud: sandboxed services, their APIs and websites
              spork host --dir ~/cloud
  install   Install a service from a folder or git URL, and start it
              spork install ./hello         spork install URL --semver '^1'
  uninstall Remove a service (its data stays unless --purge)
  update    Move git services to their newest release (rolled back if it fails)
  ls        List the services
  get       Show one service
  cfg       Show or set a service's config: spork cfg hello GREETING=hi
  start     Start a service (stop, restart: the same)
  stop      Stop a service; it stays stopped across host restarts
  restart   Restart a service
  logs      Show a service's log: spork logs hello -f
  call      Call a JSON-RPC API through the host's gateway, as the admin
              spork call atek.cloud/services-api list
  seed      Keep hypercores available: download, follow live, serve to anyone
              spork seed KEY                spork seed --list
  db        The home cloud's databases: list, get, put, export, follow
              spork db ls                   spork db get server /services/hello
  users     List the user accounts
  mkuser    Make a user account (the password is asked for): spork mkuser alice --admin
  moduser   Change one: spork moduser bob --password, --rename NEW, --admin
  deluser   Delete one, ending its sessions

Devices:
  pair      Pair this device with a home cloud, from an invite (spork host invite)
              spork pair --name home        spork pair --list
  connect   Reach a paired home cloud: a local port tunnelled to it
              spork connect home            (then http://localhost:8035/)

Identity:
  key       Make and inspect keypairs: your address on the network
              spork key new -k me.json      spork key show me.json

Shell:
  completions  Print a shell completion script (bash, zsh, fish, powershell)
  man          Print the manual page
  help         Explain a command, with examples: spork help bind

Options:
{options}{after-help}";

/// Reach any device by its public key over the Hyperswarm network, end-to-end encrypted.
#[derive(Debug, Parser)]
#[command(
    name = "spork",
    version,
    propagate_version = true,
    help_template = HELP,
    override_usage = "spork [OPTIONS] <COMMAND>",
    after_help = "See `spork help COMMAND` for more on each command."
)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The subcommand (none: the help is shown, exit 2).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands. (No doc comments on the variants: clap would show them instead of
/// each command's own help, which lives on its `…Args` struct.)
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum Command {
    Beam(commands::beam::BeamArgs),
    Bind(commands::bind::BindArgs),
    Call(commands::services::CallArgs),
    Cfg(commands::services::CfgArgs),
    Completions(commands::completions::CompletionsArgs),
    Connect(commands::connect::ConnectArgs),
    Db(commands::db::DbArgs),
    Deluser(commands::users::DeluserArgs),
    Dht(commands::dht::DhtArgs),
    Gateway(commands::gateway::GatewayArgs),
    Get(commands::services::GetArgs),
    Host(commands::host::HostArgs),
    Install(commands::services::InstallArgs),
    Key(commands::key::KeyArgs),
    Logs(commands::services::LogsArgs),
    Ls(commands::services::LsArgs),
    Man(commands::completions::ManArgs),
    Mkuser(commands::users::MkuserArgs),
    Moduser(commands::users::ModuserArgs),
    Pair(commands::pair::PairArgs),
    Restart(commands::services::ControlArgs),
    Seed(commands::seed::SeedArgs),
    Serve(commands::serve::ServeArgs),
    Start(commands::services::ControlArgs),
    Stop(commands::services::ControlArgs),
    Uninstall(commands::services::UninstallArgs),
    Update(commands::services::UpdateArgs),
    Users(commands::users::UsersArgs),
}

/// The clap command, for generators.
pub fn command() -> clap::Command {
    Cli::command()
}

/// `spork` with no command: the help, on stderr (it is not the output asked for), and
/// the usage exit code. (clap's own rule for this does not fire when an environment
/// variable such as `SPORK_BOOTSTRAP` fills a global option.)
pub fn no_command() -> i32 {
    let help = command().render_help();
    eprint!("{help}");
    crate::ui::EXIT_USAGE
}
