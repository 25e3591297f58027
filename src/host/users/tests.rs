use super::*;
use crate::adb::database::Database;

fn users(dir: &std::path::Path) -> Users {
    let cores = crate::hypercore::storage::Corestore::open(&dir.join("cores.redb")).unwrap();
    let db = Arc::new(Database::open(cores.named("server").unwrap()));
    Users::new(Arc::new(Store::new(db)))
}

#[test]
fn accounts_are_made_checked_and_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (alice, bob) = {
        let u = users(dir.path());
        assert!(u.is_empty().unwrap());
        let alice = u.create("Alice", "correct horse", Role::Admin).unwrap();
        assert_eq!(alice.username, "alice", "usernames are lowercase");
        assert!(alice.is_admin());
        let bob = u.create("bob", "battery staple", Role::None).unwrap();
        assert_ne!(alice.key, bob.key);
        (alice, bob)
    };
    let u = users(dir.path());
    let names: Vec<_> = u.list().unwrap().into_iter().map(|u| u.username).collect();
    assert_eq!(names, ["alice", "bob"]);
    assert_eq!(u.verify("ALICE", "correct horse").unwrap(), alice);
    assert!(matches!(
        u.verify("alice", "battery staple"),
        Err(UserError::BadCredentials)
    ));
    assert!(matches!(
        u.verify("nobody", "correct horse"),
        Err(UserError::BadCredentials)
    ));
    assert_eq!(u.by_username("bob").unwrap().unwrap().key, bob.key);
    assert_eq!(
        bob.to_json(),
        serde_json::json!({"key": bob.key, "username": "bob", "role": ""})
    );
}

#[test]
fn the_stored_hash_is_argon2id_with_the_documented_cost() {
    let dir = tempfile::tempdir().unwrap();
    let u = users(dir.path());
    let alice = u.create("alice", "correct horse", Role::None).unwrap();
    let record = u.record(&alice.key).unwrap();
    assert!(
        record
            .hashed_password
            .starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{}",
        record.hashed_password
    );
    assert!(!record.hashed_password.contains("correct horse"));
}

#[test]
fn names_and_passwords_that_break_the_rules_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let u = users(dir.path());
    for bad in ["ab", "-alice", "al ice", "alice/x", &"a".repeat(33), ""] {
        assert!(
            matches!(
                u.create(bad, "long enough", Role::None),
                Err(UserError::BadUsername(_))
            ),
            "{bad:?}"
        );
    }
    assert!(matches!(
        u.create("System", "long enough", Role::None),
        Err(UserError::Reserved(_))
    ));
    assert!(matches!(
        u.create("carol", "short", Role::None),
        Err(UserError::BadPassword)
    ));
    assert!(matches!(
        u.create("carol", &"x".repeat(2000), Role::None),
        Err(UserError::BadPassword)
    ));
    u.create("carol", "long enough", Role::None).unwrap();
    assert!(matches!(
        u.create("CAROL", "long enough", Role::None),
        Err(UserError::Taken(_))
    ));
    assert_eq!(
        UserError::BadPassword.to_string(),
        "the password must be 8 to 1024 bytes long"
    );
}

#[test]
fn updates_change_what_they_name_and_the_last_admin_stays() {
    let dir = tempfile::tempdir().unwrap();
    let u = users(dir.path());
    let alice = u.create("alice", "correct horse", Role::Admin).unwrap();
    let bob = u.create("bob", "battery staple", Role::None).unwrap();
    assert!(matches!(
        u.update(
            &alice.key,
            Change {
                role: Some(Role::None),
                ..Change::default()
            }
        ),
        Err(UserError::LastAdmin(_))
    ));
    assert!(matches!(u.delete(&alice.key), Err(UserError::LastAdmin(_))));
    assert!(matches!(
        u.update(
            &bob.key,
            Change {
                username: Some("alice".into()),
                ..Change::default()
            }
        ),
        Err(UserError::Taken(_))
    ));
    let (bob2, changed) = u
        .update(
            &bob.key,
            Change {
                username: Some("robert".into()),
                password: Some(zeroize::Zeroizing::new("new password".into())),
                role: Some(Role::Admin),
            },
        )
        .unwrap();
    assert!(changed.password);
    assert_eq!((bob2.username.as_str(), bob2.role), ("robert", Role::Admin));
    assert!(u.verify("robert", "battery staple").is_err());
    assert_eq!(u.verify("robert", "new password").unwrap().key, bob.key);
    // Now alice is not the last admin.
    u.delete(&alice.key).unwrap();
    assert!(matches!(u.get(&alice.key), Err(UserError::NotFound(_))));
    let settings = Settings {
        main_service_id: Some("notes".into()),
    };
    assert_eq!(
        u.set_settings(&bob.key, settings.clone()).unwrap(),
        settings
    );
    assert_eq!(u.get(&bob.key).unwrap().settings, settings);
}
