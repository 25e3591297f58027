//! The command line itself: the top-level help names every command, `help CMD` is
//! `CMD --help`, typos get a suggestion, the shipped completion scripts match the
//! clap definition, the man page renders, every documented exit code happens, and
//! nothing writes terminal escapes into pipes.

mod common;

use std::process::{Command, Output, Stdio};
use std::time::Duration;

use common::spork_bin;

fn spork(args: &[&str]) -> Output {
    Command::new(spork_bin())
        .args(args)
        .env("SPORK_BOOTSTRAP", "127.0.0.1:9")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .output()
        .expect("run spork")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).to_string()
}

/// Every subcommand clap knows, by name.
fn command_names() -> Vec<String> {
    spork::cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect()
}

#[test]
fn top_level_help_names_every_command() {
    let out = spork(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    let names = command_names();
    assert!(names.len() >= 8, "{names:?}");
    for name in names.iter().chain(std::iter::once(&"help".to_string())) {
        assert!(
            help.contains(&format!("\n  {name} ")),
            "--help does not list {name}:\n{help}"
        );
    }
    assert!(
        help.contains("one side listens, the other connects"),
        "{help}"
    );
}

#[test]
fn no_arguments_prints_the_help_and_exits_2() {
    let out = spork(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("Tunnels:"));
}

#[test]
fn help_command_is_the_same_as_dash_dash_help_with_examples() {
    for name in command_names() {
        let a = spork(&["help", &name]);
        let b = spork(&[&name, "--help"]);
        assert_eq!(a.status.code(), Some(0), "{name}");
        assert_eq!(text(&a.stdout), text(&b.stdout), "{name}");
        if !["key"].contains(&name.as_str()) {
            assert!(
                text(&a.stdout).contains("Example"),
                "spork help {name} has no example"
            );
        }
    }
}

#[test]
fn typos_suggest_the_nearest_command() {
    let out = spork(&["bnid"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("tip: a similar subcommand exists: 'bind'"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn shipped_completions_are_up_to_date() {
    use spork::commands::completions::{completion_script, Shell};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Powershell] {
        let path = dir.join(shell.file_name());
        let shipped = std::fs::read(&path).unwrap_or_default();
        assert!(
            shipped == completion_script(shell),
            "{} is stale: run scripts/completions",
            path.display()
        );
    }
    // And the command prints the same bytes.
    assert_eq!(
        spork(&["completions", "fish"]).stdout,
        completion_script(Shell::Fish)
    );
}

#[test]
fn man_page_renders() {
    let out = spork(&["man"]);
    assert_eq!(out.status.code(), Some(0));
    let page = text(&out.stdout);
    assert!(page.contains(".TH spork 1"), "{page}");
    for name in command_names() {
        assert!(
            page.contains(&format!("spork\\-{name}")),
            "man page lacks {name}"
        );
    }
}

#[test]
fn every_documented_exit_code() {
    // 0: success.
    let out = spork(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).starts_with("spork "));
    // 1: runtime failure, one error line and a hint.
    let out = spork(&["key", "show", "/nonexistent/me.json"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("\nhint: create one with: spork key new -k /nonexistent/me.json"),
        "{err}"
    );
    // 2: usage.
    let out = spork(&["bind", "not-a-key", "-p", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("error: invalid key"));
    // 130: SIGINT before the work was done.
    let mut child = Command::new(spork_bin())
        .args(["beam", "--bootstrap", "127.0.0.1:9"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "no exit after SIGINT");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
}

#[test]
fn no_escape_codes_in_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let keyfile = dir.path().join("k.json");
    let keyfile = keyfile.to_str().unwrap();
    let runs: Vec<Vec<&str>> = vec![
        vec!["--help"],
        vec!["bind", "--help"],
        vec![],
        vec!["bnid"],
        vec!["bind", "nope", "-p", "1"],
        vec!["key", "new", "-k", keyfile],
        vec!["key", "show", keyfile, "--qr"],
        vec!["key", "show", "/nonexistent"],
        vec![
            "-vvv",
            "key",
            "check",
            "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a",
        ],
        vec!["beam", "--qr", "--timeout", "1"],
    ];
    for args in runs {
        let out = spork(&args);
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            assert!(
                !bytes.contains(&0x1b),
                "spork {args:?} wrote an escape code to {stream}: {:?}",
                text(bytes)
            );
        }
    }
}
