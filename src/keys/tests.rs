//! Unit tests for keys and keyfiles.

use super::*;

/// The hyperdht vector keypairs (tests/vectors/hyperdht-keys.json).
const VECTORS: [(&str, &str); 2] = [
    (
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8",
    ),
    (
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7",
    ),
];

fn seed(hex: &str) -> [u8; 32] {
    HEXLOWER_PERMISSIVE
        .decode(hex.as_bytes())
        .unwrap()
        .try_into()
        .unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn hyperdht_vector_keypairs() {
    for (s, public) in VECTORS {
        let pair = KeyPair::from_seed(&seed(s));
        assert_eq!(pair.public_key().to_hex(), public);
        let secret = pair.secret_key();
        assert_eq!(
            data_encoding::HEXLOWER.encode(&secret),
            format!("{s}{public}")
        );
        let again = KeyPair::from_secret_key(&secret).unwrap();
        assert_eq!(again.public_key(), pair.public_key());
    }
}

#[test]
fn base32_form_is_lowercase_unpadded_52_chars() {
    let key: PublicKey = VECTORS[0].1.parse().unwrap();
    let b32 = key.to_string();
    assert_eq!(b32.len(), 52);
    assert_eq!(b32, "aoqqpp7tzyil4hlq3umoos6atft6jvrqtosq2xy53sdgiesvgg4a");
    assert_eq!(b32.parse::<PublicKey>().unwrap(), key);
    assert_eq!(b32.to_uppercase().parse::<PublicKey>().unwrap(), key);
    assert_eq!(
        key.to_hex().to_uppercase().parse::<PublicKey>().unwrap(),
        key
    );
    assert_eq!(format!("{key:?}"), format!("PublicKey({b32})"));
}

#[test]
fn round_trips_for_random_keys() {
    for _ in 0..64 {
        let key = KeyPair::generate().public_key();
        assert_eq!(key.to_string().parse::<PublicKey>().unwrap(), key);
        assert_eq!(key.to_hex().parse::<PublicKey>().unwrap(), key);
        let bytes = BASE32_NOPAD
            .decode(key.to_string().to_uppercase().as_bytes())
            .unwrap();
        assert_eq!(bytes, key.as_bytes());
    }
}

#[test]
fn bad_key_forms_are_rejected_naming_both_forms() {
    let b32 = KeyPair::from_seed(&[0; 32]).public_key().to_string();
    let hex = KeyPair::from_seed(&[0; 32]).public_key().to_hex();
    let cases = [
        String::new(),
        "xyz".into(),
        "localhost".into(), // the original spork decoded this to 5 bytes
        format!("{b32}="),  // padding
        format!("{}====", &b32[..52]), // padded form
        b32[..51].into(),   // too short
        format!("{}1", &b32[..51]), // '1' is not in the alphabet
        format!("{}b", &b32[..51]), // non-zero trailing bits: not canonical
        hex[..63].into(),   // odd hex
        format!("{}g", &hex[..63]), // not hex
        format!(" {}", &b32[..51]), // whitespace
        format!("{hex}00"), // 33 bytes of hex
    ];
    for case in cases {
        let err = case.parse::<PublicKey>().unwrap_err();
        assert!(
            err.to_string()
                .ends_with(": expected 52 base32 characters or 64 hex digits"),
            "{case:?}: {err}"
        );
    }
    assert_eq!(
        "xyz".parse::<PublicKey>().unwrap_err().to_string(),
        "invalid key \"xyz\": expected 52 base32 characters or 64 hex digits"
    );
    // A pasted secret key is not echoed back.
    let secret = base32(&KeyPair::from_seed(&[7; 32]).secret_key());
    assert_eq!(
        secret.parse::<PublicKey>().unwrap_err().to_string(),
        "invalid key (103 characters): expected 52 base32 characters or 64 hex digits"
    );
}

#[test]
fn keyfile_json_round_trip_and_format() {
    let pair = KeyPair::from_seed(&seed(VECTORS[0].0));
    let json = pair.to_keyfile_json();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["publicKey"], pair.public_key().to_string());
    assert_eq!(v["secretKey"].as_str().unwrap().len(), SECRET_KEY_B32_LEN);
    assert_eq!(v.as_object().unwrap().len(), 2);
    let back = KeyPair::from_keyfile_json(json.as_bytes()).unwrap();
    assert_eq!(back.secret_key(), pair.secret_key());
    // Uppercase (as the original wrote before lowercasing) and a hex publicKey load too.
    let upper = format!(
        "{{\"publicKey\":\"{}\",\"secretKey\":\"{}\"}}",
        pair.public_key().to_hex(),
        base32(&pair.secret_key()).to_uppercase()
    );
    assert_eq!(
        KeyPair::from_keyfile_json(upper.as_bytes())
            .unwrap()
            .public_key(),
        pair.public_key()
    );
}

#[test]
fn keyfile_problems_never_show_the_secret() {
    let pair = KeyPair::from_seed(&[9; 32]);
    let secret = base32(&pair.secret_key());
    let other = KeyPair::from_seed(&[8; 32]).public_key();
    let cases: [(String, KeyfileProblem); 8] = [
        (
            "nope".into(),
            KeyfileProblem::NotJson { line: 1, column: 2 },
        ),
        (format!("\"{secret}\""), KeyfileProblem::NotAnObject),
        (
            format!("{{\"secretKey\":\"{secret}\"}}"),
            KeyfileProblem::Missing("publicKey"),
        ),
        (
            format!("{{\"publicKey\":\"{}\"}}", pair.public_key()),
            KeyfileProblem::Missing("secretKey"),
        ),
        (
            format!(
                "{{\"publicKey\":\"{}\",\"secretKey\":5}}",
                pair.public_key()
            ),
            KeyfileProblem::NotAString("secretKey"),
        ),
        (
            format!("{{\"publicKey\":\"xyz\",\"secretKey\":\"{secret}\"}}"),
            KeyfileProblem::PublicKey,
        ),
        (
            format!(
                "{{\"publicKey\":\"{}\",\"secretKey\":\"{}\"}}",
                pair.public_key(),
                &secret[..100]
            ),
            KeyfileProblem::SecretKey,
        ),
        (
            format!("{{\"publicKey\":\"{other}\",\"secretKey\":\"{secret}\"}}"),
            KeyfileProblem::Inconsistent,
        ),
    ];
    for (text, want) in cases {
        let got = KeyPair::from_keyfile_json(text.as_bytes()).unwrap_err();
        assert_eq!(got, want, "{text}");
        assert!(!got.to_string().contains(&secret[..20]), "{got}");
    }
    // A secretKey whose public half does not belong to its seed.
    let mut forged = pair.secret_key();
    forged[32..].copy_from_slice(other.as_bytes());
    let text = format!(
        "{{\"publicKey\":\"{other}\",\"secretKey\":\"{}\"}}",
        base32(&forged)
    );
    assert_eq!(
        KeyPair::from_keyfile_json(text.as_bytes()).unwrap_err(),
        KeyfileProblem::Inconsistent
    );
    assert!(!format!("{pair:?}").contains(&secret[..20]));
}

#[cfg(unix)]
#[test]
fn load_or_create_creates_0600_then_loads_the_same_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    let (pair, origin) = load_or_create(&path).unwrap();
    assert_eq!(origin, KeyfileOrigin::Created);
    assert_eq!(mode(&path), 0o600);
    let (again, origin) = load_or_create(&path).unwrap();
    assert_eq!(origin, KeyfileOrigin::Loaded);
    assert_eq!(again.secret_key(), pair.secret_key());
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn create_never_clobbers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    std::fs::write(&path, "precious").unwrap();
    let err = create(&path, &KeyPair::generate()).unwrap_err();
    assert!(matches!(err, KeyfileError::Exists { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn create_does_not_follow_a_dangling_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    std::os::unix::fs::symlink(dir.path().join("elsewhere"), &path).unwrap();
    let err = create(&path, &KeyPair::generate()).unwrap_err();
    assert!(matches!(err, KeyfileError::Exists { .. }), "{err}");
    assert!(!dir.path().join("elsewhere").exists());
}

#[cfg(unix)]
#[test]
fn bad_keyfiles_are_errors_and_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    let good = KeyPair::from_seed(&[3; 32]).to_keyfile_json();

    std::fs::write(&path, &good).unwrap();
    for m in [0o640, 0o604, 0o620, 0o700 | 0o007] {
        chmod(&path, m);
        let err = load_or_create(&path).unwrap_err();
        assert!(
            matches!(err, KeyfileError::Permissions { mode, .. } if mode == m),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "keyfile {} is accessible to other users (mode {m:04o})",
                path.display()
            )
        );
    }
    chmod(&path, 0o400);
    assert!(load(&path).is_ok(), "read-only for the owner is fine");

    chmod(&path, 0o600);
    std::fs::write(&path, "{}").unwrap();
    let err = load_or_create(&path).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "keyfile {} is malformed: no publicKey field",
            path.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");

    let other = KeyPair::from_seed(&[4; 32]).public_key().to_string();
    let mismatched = good.replace(
        &KeyPair::from_seed(&[3; 32]).public_key().to_string(),
        &other,
    );
    std::fs::write(&path, &mismatched).unwrap();
    let err = load_or_create(&path).unwrap_err();
    assert!(matches!(err, KeyfileError::Inconsistent { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), mismatched);

    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let err = load_or_create(&sub).unwrap_err();
    assert!(matches!(err, KeyfileError::NotAFile { .. }), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_is_refused_at_once_not_waited_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fifo.json");
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        &path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let p = path.clone();
    std::thread::spawn(move || {
        let _ = tx.send(load_or_create(&p).map(|_| ()).map_err(|e| e.to_string()));
    });
    let got = rx
        .recv_timeout(std::time::Duration::from_secs(5))
        .expect("loading a FIFO keyfile hung");
    assert_eq!(
        got,
        Err(format!("keyfile {} is not a regular file", path.display()))
    );
}

/// Chowns `path` to `uid` (root only); false when this process may not.
#[cfg(unix)]
fn chown(path: &Path, uid: u32) -> bool {
    rustix::fs::chown(path, Some(rustix::fs::Uid::from_raw(uid)), None).is_ok()
}

#[cfg(unix)]
#[test]
fn a_keyfile_of_another_user_is_refused_directly_and_through_a_symlink() {
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("planted.json");
    let good = KeyPair::from_seed(&[5; 32]).to_keyfile_json();
    std::fs::write(&theirs, &good).unwrap();
    chmod(&theirs, 0o600);
    let me = rustix::process::geteuid().as_raw();
    if !chown(&theirs, me + 1000) {
        // Only root can give a file away; CI runs as root.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI runs as root"
        );
        return;
    }
    let want = |p: &Path| {
        format!(
            "keyfile {} is owned by another user (uid {})",
            p.display(),
            me + 1000
        )
    };
    let err = load_or_create(&theirs).unwrap_err();
    assert!(matches!(err, KeyfileError::Owner { .. }), "{err}");
    assert_eq!(err.to_string(), want(&theirs));

    let link = dir.path().join("mine.json");
    std::os::unix::fs::symlink(&theirs, &link).unwrap();
    let err = load_or_create(&link).unwrap_err();
    assert_eq!(err.to_string(), want(&link));
    assert_eq!(
        std::fs::read_to_string(&theirs).unwrap(),
        good,
        "never replaced"
    );

    // A symlink to a keyfile of one's own is fine.
    assert!(chown(&theirs, me));
    assert!(load(&link).is_ok());
}

#[test]
fn a_mangled_public_key_is_never_echoed() {
    let secret = "s3cr3t".repeat(9);
    let text = format!("{{\"publicKey\":\"{secret}\",\"secretKey\":\"x\"}}");
    let err = KeyPair::from_keyfile_json(text.as_bytes()).unwrap_err();
    assert!(!err.to_string().contains("s3cr3t"), "{err}");
    assert_eq!(
        err.to_string(),
        "publicKey is not 52 base32 characters or 64 hex digits"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_keyfile_is_an_error_not_a_new_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("id.json");
    std::fs::write(&path, KeyPair::generate().to_keyfile_json()).unwrap();
    chmod(&path, 0o000);
    // root reads anything; the check only means something for other users.
    if std::fs::read(&path).is_ok() {
        return;
    }
    let err = load_or_create(&path).unwrap_err();
    assert!(matches!(err, KeyfileError::Read { .. }), "{err}");
    chmod(&path, 0o600);
    assert!(load(&path).is_ok());
}
