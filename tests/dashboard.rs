//! The dashboard in a real headless Chromium: `tests/interop/dashboard.js` drives the
//! system's browser (playwright-core, axe-core) through first-run setup, sign-in, an
//! install from a folder, the service on its subdomain and in a frame, its live log,
//! stop, a second user, sign-out; this test starts the host, hands it the owner's
//! setup link and checks what the browser saw. Screenshots land in
//! `target/screenshots/`. Needs `chromium` (and Node with the interop packages); under
//! `CI=true` a missing one fails the test, elsewhere it skips.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::host::{fixture_copy, text, TestHost};
use serde_json::Value;

fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var("CHROMIUM").unwrap_or("/usr/bin/chromium".into()));
    let node_modules = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop/node_modules/playwright-core");
    if path.exists() && node_modules.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true: chromium ({}) and tests/interop's npm packages are required",
        path.display()
    );
    eprintln!("skipped: no {} or no playwright-core", path.display());
    None
}

#[test]
fn a_family_uses_the_dashboard_in_a_real_browser() {
    let Some(browser) = chromium() else { return };
    // A service that asks to be framed in the dashboard.
    let service = fixture_copy("hello", |m| m["frame"] = Value::Bool(true));
    let host = TestHost::start(&[]);
    let out = host.spork(&["host", "login-link"]);
    let link = text(&out.stderr)
        .trim()
        .strip_prefix("login (one time): ")
        .expect("a link")
        .to_string();
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let out = Command::new("node")
        .current_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop"))
        .env("CHROMIUM", &browser)
        .arg("dashboard.js")
        .arg(format!("http://localhost:{}", host.port))
        .arg(&link)
        .arg(service.path())
        .arg(&shots)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the browser walk failed:\n{}\n{}",
        text(&out.stderr),
        text(&out.stdout)
    );
    let seen: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pages: Vec<&str> = seen["pages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        pages,
        ["setup", "login", "install", "services", "logs", "config", "users"]
    );
    assert_eq!(
        seen["violations"],
        serde_json::json!([]),
        "axe: serious or critical violations"
    );
    assert_eq!(seen["subdomain"], "hello from framed");
    assert_eq!(
        seen["framed"], "hello from framed",
        "the frame got its own session"
    );
    assert_eq!(
        seen["frameSandbox"],
        "allow-scripts allow-forms allow-same-origin allow-popups allow-downloads"
    );
    let live: Vec<&str> = seen["liveLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(live.iter().any(|l| l.contains("[spork] ready")), "{live:?}");
    assert_eq!(seen["bobSees"], 0, "bob sees no one else's services");
    assert_eq!(seen["bobSubdomainStatus"], 404);
    let after = seen["afterSignOut"].as_str().unwrap();
    assert!(after.contains("/_atek/login"), "{after}");
    assert_eq!(seen["afterSignOutForm"], true);
    for name in [
        "dashboard.png",
        "services-desktop.png",
        "services-phone.png",
        "login-phone.png",
    ] {
        assert!(shots.join(name).exists(), "{name}");
    }
}
