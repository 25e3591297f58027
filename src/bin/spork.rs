//! The `spork` binary: parse the command line, set up logging, dispatch. Nothing else.

use clap::{Parser, Subcommand};
use spork::commands::{self, GlobalArgs};
use spork::ui::EventStream;

/// spork — reach any device by its public key over the Hyperswarm network.
///
/// Every command joins the HyperDHT (the distributed hash table that npm's hyperdht,
/// hyperswarm, hyperbeam and holesail use): peers find each other by public key, punch
/// through NATs and talk end-to-end encrypted.
#[derive(Debug, Parser)]
#[command(name = "spork", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Beam(commands::beam::BeamArgs),
    Bind(commands::bind::BindArgs),
    Dht(commands::dht::DhtArgs),
    Gateway(commands::gateway::GatewayArgs),
    Key(commands::key::KeyArgs),
    Serve(commands::serve::ServeArgs),
}

fn main() {
    let cli = Cli::parse();
    commands::init_tracing(cli.global.verbose);
    // beam's stdout is the pipe: its events go to stderr.
    let events = match cli.command {
        Command::Beam(_) => EventStream::Stderr,
        _ => EventStream::Stdout,
    };
    let code = commands::run_to_exit(&cli.global, events, |global| async move {
        match cli.command {
            Command::Beam(args) => commands::beam::run(global, args).await,
            Command::Bind(args) => commands::bind::run(global, args).await,
            Command::Dht(args) => commands::dht::run(global, args).await,
            Command::Gateway(args) => commands::gateway::run(global, args).await,
            Command::Key(args) => commands::key::run(global, args).await,
            Command::Serve(args) => commands::serve::run(global, args).await,
        }
    });
    std::process::exit(code);
}
