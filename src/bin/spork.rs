//! The `spork` binary: parse the command line, set up logging, dispatch. Nothing else.

use clap::Parser;
use spork::cli::{Cli, Command};
use spork::commands;
use spork::ui::EventStream;

fn main() {
    // The sandbox's helpers re-execute this binary; they are not commands.
    if let Some(code) = spork::host::sandbox::helper_main() {
        std::process::exit(code);
    }
    let cli = Cli::parse();
    let Some(command) = cli.command else {
        std::process::exit(spork::cli::no_command());
    };
    commands::init_tracing(cli.global.verbose);
    // beam's stdout is the pipe: its events go to stderr.
    let events = match command {
        Command::Beam(_) => EventStream::Stderr,
        _ => EventStream::Stdout,
    };
    let code = commands::run_to_exit(&cli.global, events, |global| async move {
        match command {
            Command::Beam(args) => commands::beam::run(global, args).await,
            Command::Bind(args) => commands::bind::run(global, args).await,
            Command::Call(args) => commands::services::call(global, args).await,
            Command::Cfg(args) => commands::services::cfg(global, args).await,
            Command::Completions(args) => commands::completions::run_completions(args),
            Command::Connect(args) => commands::connect::run(global, args).await,
            Command::Db(args) => commands::db::run(global, args).await,
            Command::Deluser(args) => commands::users::deluser(global, args).await,
            Command::Dht(args) => commands::dht::run(global, args).await,
            Command::Gateway(args) => commands::gateway::run(global, args).await,
            Command::Get(args) => commands::services::get(global, args).await,
            Command::Host(args) => commands::host::run(global, args).await,
            Command::Install(args) => commands::services::install(global, args).await,
            Command::Key(args) => commands::key::run(global, args).await,
            Command::Logs(args) => commands::services::logs(global, args).await,
            Command::Ls(args) => commands::services::ls(global, args).await,
            Command::Man(args) => commands::completions::run_man(args),
            Command::Mkuser(args) => commands::users::mkuser(global, args).await,
            Command::Moduser(args) => commands::users::moduser(global, args).await,
            Command::Pair(args) => commands::pair::run(global, args).await,
            Command::Restart(args) => commands::services::control(global, args, "restart").await,
            Command::Seed(args) => commands::seed::run(global, args).await,
            Command::Serve(args) => commands::serve::run(global, args).await,
            Command::Start(args) => commands::services::control(global, args, "start").await,
            Command::Stop(args) => commands::services::control(global, args, "stop").await,
            Command::Uninstall(args) => commands::services::uninstall(global, args).await,
            Command::Update(args) => commands::services::update(global, args).await,
            Command::Users(args) => commands::users::users(global, args).await,
        }
    });
    std::process::exit(code);
}
