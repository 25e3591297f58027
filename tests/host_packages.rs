//! Installing, updating and removing services: git sources with semver tags (a local
//! bare repository over file://), rollbacks that keep the old version and its data,
//! and the one-line errors for bad input, with the host staying up.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::host::{fixture, fixture_copy, text, TestHost};
use serde_json::{json, Value};

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

/// A bare repository and a work tree holding the hello fixture.
struct Repo {
    _tmp: tempfile::TempDir,
    bare: std::path::PathBuf,
    work: std::path::PathBuf,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let bare = tmp.path().join("hello.git");
        let work = tmp.path().join("work");
        std::fs::create_dir_all(&bare).unwrap();
        git(&bare, &["init", "--bare", "-q", "-b", "main"]);
        git(tmp.path(), &["clone", "-q", bare.to_str().unwrap(), "work"]);
        for f in ["atek.json", "index.js", "package.json"] {
            std::fs::copy(fixture("hello").join(f), work.join(f)).unwrap();
        }
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", "hello"]);
        git(&work, &["push", "-q", "origin", "main"]);
        Repo {
            _tmp: tmp,
            bare,
            work,
        }
    }

    fn url(&self) -> String {
        format!("file://{}", self.bare.display())
    }

    /// Commits `edit` of atek.json (if any) and pushes tag `tag`.
    fn release(&self, tag: &str, edit: impl FnOnce(&mut Value)) {
        let path = self.work.join("atek.json");
        let mut m: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut m);
        m["description"] = json!(format!("release {tag}"));
        std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
        git(&self.work, &["commit", "-q", "-am", tag]);
        git(&self.work, &["tag", tag]);
        git(&self.work, &["push", "-q", "origin", "main", tag]);
    }
}

#[test]
fn git_installs_follow_semver_tags_and_failed_updates_roll_back() {
    let repo = Repo::new();
    for tag in ["v1.0.0", "v1.1.0", "v2.0.0"] {
        repo.release(tag, |_| {});
    }
    let host = TestHost::start(&["--ready-timeout", "3"]);
    let url = repo.url();
    let info = host.install(Path::new(&url), &["--semver", "^1"]);
    assert_eq!(
        (info["id"].clone(), info["version"].clone()),
        (json!("hello"), json!("v1.1.0")),
        "{info}"
    );
    assert_eq!(info["commit"].as_str().unwrap().len(), 40);
    assert_eq!(info["status"], "running");
    // The service's data, written by the host's owner as a marker.
    let marker = host.dir.join("data/hello/kept.txt");
    std::fs::write(&marker, "mine").unwrap();

    // A newer release in range: update moves to it and restarts.
    repo.release("v1.2.0", |_| {});
    let before = host.service("hello")["pid"].clone();
    let out = host.spork(&["update", "hello"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr).trim(), "hello: v1.1.0 -> v1.2.0");
    let now = host.service("hello");
    assert_eq!(
        (now["version"].clone(), now["status"].clone()),
        (json!("v1.2.0"), json!("running"))
    );
    assert_ne!(now["pid"], before);
    assert_eq!(
        host.call("example.com/hello-api", "hello", r#"["v2"]"#),
        json!("hello v2")
    );
    let out = host.spork(&["update", "hello"]);
    assert_eq!(text(&out.stderr).trim(), "hello: up to date (v1.2.0)");

    // A release whose build fails: the old version keeps running, data intact.
    repo.release("v1.3.0", |m| {
        m["build"] = json!(["sh", "-c", "echo broken build; exit 1"])
    });
    let out = host.spork(&["update", "hello"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("build step `sh -c echo broken build; exit 1` failed"),
        "{}",
        text(&out.stderr)
    );
    let now = host.service("hello");
    assert_eq!(
        (now["version"].clone(), now["status"].clone()),
        (json!("v1.2.0"), json!("running"))
    );

    // A release that never becomes ready: rolled back to v1.2.0 with its data.
    repo.release("v1.4.0", |m| {
        m.as_object_mut().unwrap().remove("build");
        m["runtime"] = json!("exec");
        m["run"] = json!(["sh", "-c", "exec sleep 600"]);
    });
    let out = host.spork(&["update", "hello"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("v1.4.0 of hello did not become ready"),
        "{}",
        text(&out.stderr)
    );
    let now = host.wait_status("hello", "running", Duration::from_secs(20));
    assert_eq!(now["version"], "v1.2.0");
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "mine");
    assert_eq!(
        host.call("example.com/hello-api", "hello", r#"["back"]"#),
        json!("hello back")
    );

    // Uninstall keeps data; --purge removes it.
    let out = host.spork(&["uninstall", "hello"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(marker.exists());
    assert!(!host.dir.join("packages/hello").exists());
    host.install(Path::new(&url), &["--semver", "~1.2"]);
    let out = host.spork(&["uninstall", "hello", "--purge"]);
    assert!(out.status.success());
    assert!(!host.dir.join("data/hello").exists());
    assert!(host.ls().is_empty());
}

#[test]
fn git_without_tags_uses_the_default_branch_and_bad_sources_are_named() {
    let repo = Repo::new();
    let host = TestHost::start(&[]);
    let info = host.install(Path::new(&repo.url()), &[]);
    assert_eq!(info["version"], Value::Null);
    assert_eq!(info["commit"].as_str().unwrap().len(), 40, "{info}");

    let out = host.spork(&["install", &repo.url(), "--semver", "^1", "--id", "other"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).trim(),
        "error: no release (semver git tag) matches \"^1\": the repository has no semver tags"
    );
    let out = host.spork(&["install", "file:///nonexistent/repo.git"]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: git ls-remote: ") && err.lines().count() == 1,
        "{err}"
    );
    assert_eq!(host.ls().len(), 1);
}

#[test]
fn bad_input_gets_one_line_and_the_host_stays_up() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    let cases: Vec<(tempfile::TempDir, &str)> = vec![
        (
            fixture_copy("hello", |m| m["exports"] = json!("everything")),
            "atek.json: exports: ",
        ),
        (
            fixture_copy("hello", |m| {
                m["exports"] = json!([{"api": "a.b/c", "transport": "carrier-pigeon"}])
            }),
            "atek.json: exports[0].transport: ",
        ),
    ];
    for (dir, expected) in &cases {
        let out = host.spork(&["install", dir.path().to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.starts_with("error: ") && err.contains(expected) && err.lines().count() == 1,
            "{err}"
        );
    }
    let syntax = fixture_copy("hello", |_| {});
    std::fs::write(syntax.path().join("atek.json"), "{\"name\": ").unwrap();
    let out = host.spork(&["install", syntax.path().to_str().unwrap()]);
    let err = text(&out.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("atek.json") && err.lines().count() == 1,
        "{err}"
    );

    let hello = fixture("hello");
    let hello = hello.to_str().unwrap();
    let out = host.spork(&["install", hello, "--id", "hello"]);
    assert_eq!(
        text(&out.stderr).trim(),
        "error: a service with id \"hello\" is already installed (uninstall it, or pick another --id)"
    );
    let out = host.spork(&["install", hello, "--id", "Not_A_Label"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("invalid id \"Not_A_Label\""),
        "{}",
        text(&out.stderr)
    );
    let out = host.spork(&["install", "/no/such/folder"]);
    assert_eq!(
        text(&out.stderr).trim(),
        "error: /no/such/folder: no such folder"
    );
    let out = host.spork(&["get", "nobody"]);
    assert_eq!(
        text(&out.stderr).trim(),
        "error: no service \"nobody\" is installed"
    );
    let out = host.spork(&["cfg", "hello", "novalue"]);
    assert_eq!(out.status.code(), Some(2));
    // Nothing half-installed was left behind, and the host still answers.
    let packages: Vec<_> = std::fs::read_dir(host.dir.join("packages"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(packages, ["hello"]);
    assert_eq!(host.ls().len(), 1);
    assert_eq!(
        host.call("example.com/hello-api", "hello", r#"["still"]"#),
        json!("hello still")
    );
}

#[test]
fn config_values_reach_the_service_and_secrets_never_show() {
    let host = TestHost::start(&[]);
    host.install(&fixture("hello"), &[]);
    let out = host.spork(&["cfg", "hello", "greeting=howdy"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = host.spork_stdin(&["cfg", "hello", "apiKey=-"], "sup3r-secret-value\n");
    assert!(out.status.success(), "{}", text(&out.stderr));
    host.wait_status("hello", "running", Duration::from_secs(20));
    assert_eq!(
        host.call("example.com/hello-api", "hello", r#"["there"]"#),
        json!("howdy there")
    );
    let shown = text(&host.spork(&["cfg", "hello"]).stdout);
    assert_eq!(shown, "apiKey=[secret]\ngreeting=howdy\n");
    let got = text(&host.spork(&["get", "hello", "--json"]).stdout);
    assert!(!got.contains("sup3r") && got.contains("[secret]"), "{got}");
    // The service prints its env value: the log has it redacted.
    host.call("example.com/hello-api", "env", "[]");
    let log = std::fs::read_to_string(host.dir.join("logs/hello.log")).unwrap();
    assert!(!log.contains("sup3r-secret-value"), "{log}");
    let out = host.spork(&["cfg", "hello", "unknown=1"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no config key \"unknown\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_newer_release_is_noticed_by_the_periodic_check() {
    let repo = Repo::new();
    repo.release("v1.0.0", |_| {});
    let host = TestHost::start(&["--update-check", "1s"]);
    host.install(Path::new(&repo.url()), &[]);
    assert_eq!(host.service("hello")["updateAvailable"], Value::Null);
    let check = host.call(
        "atek.cloud/services-api",
        "checkForPackageUpdates",
        r#"["hello"]"#,
    );
    assert_eq!(
        check,
        json!({"hasUpdate": false, "installedVersion": "v1.0.0", "latestVersion": "v1.0.0"})
    );
    repo.release("v1.1.0", |_| {});
    host.wait_for("hello", Duration::from_secs(20), |s| {
        s["updateAvailable"] == "v1.1.0"
    });
    let ls = text(&host.spork(&["ls"]).stdout);
    assert!(ls.contains("update available: v1.1.0"), "{ls}");
    assert_eq!(
        host.service("hello")["version"],
        "v1.0.0",
        "noticed, not installed"
    );
}

#[test]
fn npm_dependencies_install_in_the_sandbox_without_their_scripts_unless_allowed() {
    let host = TestHost::start(&[]);
    let make = |name: &str| {
        let dir = fixture_copy("hello", |m| m["name"] = json!(name));
        let pkg = json!({"name": name, "version": "1.0.0", "main": "index.js", "dependencies": {"dep": "file:./dep"}});
        std::fs::write(dir.path().join("package.json"), pkg.to_string()).unwrap();
        std::fs::create_dir(dir.path().join("dep")).unwrap();
        let dep = json!({
            "name": "dep", "version": "1.0.0", "main": "index.js",
            "scripts": {"install": "node -e \"require('fs').writeFileSync(process.env.HOME + '/script-ran', 'yes')\""}
        });
        std::fs::write(dir.path().join("dep/package.json"), dep.to_string()).unwrap();
        std::fs::write(dir.path().join("dep/index.js"), "module.exports = 'dep'\n").unwrap();
        dir
    };
    let (plain, scripted) = (make("plain"), make("scripted"));
    host.install(plain.path(), &[]);
    assert!(host
        .dir
        .join("packages/plain/node_modules/dep/package.json")
        .exists());
    assert!(
        !host.dir.join("data/plain/script-ran").exists(),
        "install scripts ran without --allow-scripts"
    );
    let log = text(&host.spork(&["logs", "plain"]).stdout);
    assert!(
        log.contains("[spork] build: npm install --no-audit --no-fund --ignore-scripts"),
        "{log}"
    );
    host.install(scripted.path(), &["--allow-scripts"]);
    assert_eq!(
        std::fs::read_to_string(host.dir.join("data/scripted/script-ran")).unwrap(),
        "yes"
    );
}
