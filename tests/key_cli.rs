//! `spork key` as a process: keyfiles on disk, output streams, exact errors and exit codes,
//! and the secret key never printed where it was not asked for.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::spork_bin;

/// A keyfile written by hand, from the hyperdht vector seed 00 01 … 1f.
const VECTOR_PUBLIC_B32: &str = "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a";
const VECTOR_PUBLIC_HEX: &str = "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8";
const VECTOR_SECRET_B32: &str = "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dypqhiihx7z44ef6dvyn2ghhjpajsz7e2yyjxjinl4o5zbtecjktdoa";

const BAD_KEY: &str = "expected 52 base32 characters or 64 hex digits";

fn spork(args: &[&str]) -> Output {
    Command::new(spork_bin())
        .args(args)
        .env_remove("SPORK_BOOTSTRAP")
        .stdin(Stdio::null())
        .output()
        .expect("run spork")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Writes `contents` to `dir/name` with `mode` and returns the path.
fn keyfile(dir: &Path, name: &str, contents: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    chmod(&path, mode);
    path
}

fn vector_keyfile_json(public: &str) -> String {
    format!("{{\"publicKey\":\"{public}\",\"secretKey\":\"{VECTOR_SECRET_B32}\"}}\n")
}

/// Neither stream mentions the secret key, in either case.
fn assert_no_secret(out: &Output, secret_b32: &str) {
    let all = format!("{}{}", stdout(out), stderr(out)).to_lowercase();
    assert!(!all.contains(secret_b32), "secret key printed: {all:?}");
    // Not even its first half (the seed's base32 prefix).
    assert!(!all.contains(&secret_b32[..52]), "seed printed: {all:?}");
}

#[test]
fn new_with_keyfile_then_show_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    let p = path.to_str().unwrap();

    let out = spork(&["key", "new", "-k", p]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let public = stdout(&out);
    assert_eq!(public.len(), 53, "{public:?}");
    assert!(public.ends_with('\n'));
    let public = public.trim_end();
    assert!(public
        .chars()
        .all(|c| c.is_ascii_lowercase() || ('2'..='7').contains(&c)));
    assert_eq!(stderr(&out), format!("created keyfile {p}\n"));
    assert_eq!(mode(&path), 0o600);

    // The file is the original spork's format and holds the key printed.
    let file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(file["publicKey"], public);
    let secret = file["secretKey"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 103);
    assert_eq!(file.as_object().unwrap().len(), 2);
    assert_no_secret(&out, &secret);

    let out = spork(&["key", "show", p]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{public}\n"));
    assert_eq!(stderr(&out), "");
    assert_no_secret(&out, &secret);

    let out = spork(&["key", "show", "--json", p]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), format!("{{\"public_key\":\"{public}\"}}\n"));
    assert_no_secret(&out, &secret);

    // Showing never changes the file.
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn new_with_keyfile_json_output() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    let p = path.to_str().unwrap();
    let out = spork(&["--json", "key", "new", "-k", p]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["keyfile"], p);
    let shown = stdout(&spork(&["key", "show", p]));
    assert_eq!(v["public_key"], shown.trim_end());
    assert_eq!(stderr(&out), format!("created keyfile {p}\n"));
}

#[test]
fn show_reads_a_keyfile_written_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = keyfile(
        dir.path(),
        "k.json",
        &vector_keyfile_json(VECTOR_PUBLIC_B32),
        0o600,
    );
    let out = spork(&["key", "show", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{VECTOR_PUBLIC_B32}\n"));
    assert_no_secret(&out, VECTOR_SECRET_B32);
    // Read-only for the owner is fine too.
    chmod(&path, 0o400);
    assert_eq!(
        spork(&["key", "show", path.to_str().unwrap()])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn new_without_keyfile_needs_secret_to_print_one() {
    let out = spork(&["key", "new"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: spork key new needs -k FILE to save the new key\n\
         hint: spork key new -k me.json (or --secret to print it, secret key included)\n"
    );

    let out = spork(&["key", "new", "--secret"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 1, "{text:?}");
    let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
    assert_eq!(v["publicKey"].as_str().unwrap().len(), 52);
    assert_eq!(v["secretKey"].as_str().unwrap().len(), 103);
    assert_eq!(
        stderr(&out),
        "note: this output holds the secret key; store it with mode 0600 \
         (spork key new -k FILE does that)\n"
    );

    // Saved with the right mode, it is a keyfile spork accepts.
    let dir = tempfile::tempdir().unwrap();
    let path = keyfile(dir.path(), "k.json", &text, 0o600);
    let out = spork(&["key", "show", path.to_str().unwrap()]);
    assert_eq!(stdout(&out).trim_end(), v["publicKey"]);

    // Two runs make two different keys.
    let again = stdout(&spork(&["key", "new", "--secret"]));
    assert_ne!(again, text);
}

#[test]
fn new_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let path = keyfile(dir.path(), "id.json", "precious", 0o600);
    let p = path.to_str().unwrap();
    let out = spork(&["key", "new", "-k", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "error: keyfile {p} already exists\n\
             hint: spork key show {p} prints the key it holds; name another FILE for a new key\n"
        )
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    // No temporary file left behind either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn group_or_world_accessible_keyfile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let contents = vector_keyfile_json(VECTOR_PUBLIC_B32);
    for m in [0o640, 0o604, 0o660, 0o644] {
        let path = keyfile(dir.path(), "k.json", &contents, m);
        let p = path.to_str().unwrap();
        let out = spork(&["key", "show", p]);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "");
        let err = stderr(&out);
        let mut lines = err.lines();
        assert_eq!(
            lines.next(),
            Some(
                format!("error: keyfile {p} is accessible to other users (mode {m:04o})").as_str()
            )
        );
        assert_eq!(
            lines.next(),
            Some(
                format!("hint: if no one else can have read it: chmod 600 {p} (otherwise make a new key)")
                    .as_str()
            )
        );
        assert_eq!(lines.next(), None);
        assert_no_secret(&out, VECTOR_SECRET_B32);
        // Refused, never replaced or re-moded.
        assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
        assert_eq!(mode(&path), m);
    }
}

#[test]
fn unparsable_keyfile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let hint = "hint: spork never replaces a keyfile: fix it, or move it away to make a new one\n";
    let cases = [
        ("not json", "not valid JSON (line 1, column 2)".to_owned()),
        (
            "[1,2]",
            "expected a JSON object {\"publicKey\":…,\"secretKey\":…}".to_owned(),
        ),
        ("{}", "no publicKey field".to_owned()),
        (
            "{\"publicKey\":\"xyz\",\"secretKey\":\"abc\"}",
            // Never the value: a mangled file may hold secret material there.
            "publicKey is not 52 base32 characters or 64 hex digits".to_owned(),
        ),
    ];
    for (contents, problem) in cases {
        let path = keyfile(dir.path(), "k.json", contents, 0o600);
        let p = path.to_str().unwrap();
        let out = spork(&["key", "show", p]);
        assert_eq!(out.status.code(), Some(1), "{contents}");
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            format!("error: keyfile {p} is malformed: {problem}\n{hint}")
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
    }

    // A truncated secretKey: the message does not repeat it.
    let short = &VECTOR_SECRET_B32[..90];
    let contents = format!("{{\"publicKey\":\"{VECTOR_PUBLIC_B32}\",\"secretKey\":\"{short}\"}}");
    let path = keyfile(dir.path(), "k.json", &contents, 0o600);
    let p = path.to_str().unwrap();
    let out = spork(&["key", "show", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("error: keyfile {p} is malformed: secretKey is not 103 base32 characters\n{hint}")
    );
    assert!(!stderr(&out).contains(short));
}

#[test]
fn keyfile_with_a_mismatching_public_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let other = "mnwiesxkstdfixyqlcgf2u2mtzfxrjxnremi445d5blntilyamba";
    let contents = vector_keyfile_json(other);
    let path = keyfile(dir.path(), "k.json", &contents, 0o600);
    let p = path.to_str().unwrap();
    let out = spork(&["key", "show", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!(
            "error: keyfile {p} is inconsistent: its publicKey does not match its secretKey\n\
             hint: spork never replaces a keyfile: fix it, or move it away to make a new one\n"
        )
    );
    assert_no_secret(&out, VECTOR_SECRET_B32);
    assert!(!stdout(&out).contains(VECTOR_PUBLIC_B32) && !stderr(&out).contains(VECTOR_PUBLIC_B32));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), contents);
}

#[test]
fn missing_keyfile_for_show_is_an_error_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.json");
    let p = path.to_str().unwrap();
    let out = spork(&["key", "show", p]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: cannot read keyfile {p}: No such file or directory (os error 2)\n\
             hint: create one with: spork key new -k {p}\n"
        )
    );
    assert!(!path.exists(), "show must not create a keyfile");
}

#[test]
fn keyfile_error_as_a_json_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = keyfile(dir.path(), "k.json", "{}", 0o600);
    let p = path.to_str().unwrap();
    let out = spork(&["key", "show", "--json", p]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v["event"], "error");
    assert_eq!(
        v["message"],
        format!("keyfile {p} is malformed: no publicKey field")
    );
}

#[test]
fn check_accepts_both_forms_and_prints_base32() {
    for input in [
        VECTOR_PUBLIC_B32.to_owned(),
        VECTOR_PUBLIC_B32.to_uppercase(),
        VECTOR_PUBLIC_HEX.to_owned(),
        VECTOR_PUBLIC_HEX.to_uppercase(),
    ] {
        let out = spork(&["key", "check", &input]);
        assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
        assert_eq!(stdout(&out), format!("{VECTOR_PUBLIC_B32}\n"));
        assert_eq!(stderr(&out), "");
    }
    let out = spork(&["key", "check", "--json", VECTOR_PUBLIC_HEX]);
    assert_eq!(
        stdout(&out),
        format!("{{\"public_key\":\"{VECTOR_PUBLIC_B32}\"}}\n")
    );
}

#[test]
fn bad_key_forms_are_usage_errors() {
    let b32 = VECTOR_PUBLIC_B32;
    let hex = VECTOR_PUBLIC_HEX;
    let cases = [
        "xyz".to_owned(),
        "localhost".to_owned(),
        b32[..51].to_owned(),
        format!("{b32}===="),
        format!("{}1", &b32[..51]),
        format!("{}b", &b32[..51]),
        hex[..63].to_owned(),
        format!("{}g", &hex[..63]),
        format!("{b32} "),
    ];
    for input in cases {
        let out = spork(&["key", "check", &input]);
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        assert_eq!(stdout(&out), "");
        assert_eq!(
            stderr(&out),
            format!("error: invalid key {input:?}: {BAD_KEY}\n"),
            "{input:?}"
        );
    }
    // Something too long to be a public key (a pasted secret key?) is not echoed.
    for (input, chars) in [
        (VECTOR_SECRET_B32.to_owned(), 103),
        (format!("{hex}00"), 66),
    ] {
        let out = spork(&["key", "check", &input]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            stderr(&out),
            format!("error: invalid key ({chars} characters): {BAD_KEY}\n")
        );
    }
}

#[test]
fn key_without_a_subcommand_is_a_usage_error() {
    assert_eq!(spork(&["key"]).status.code(), Some(2));
    assert_eq!(spork(&["key", "show"]).status.code(), Some(2));
    assert_eq!(spork(&["key", "frob"]).status.code(), Some(2));
}
