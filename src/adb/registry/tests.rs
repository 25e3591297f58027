use std::sync::{Arc, Mutex};

use serde_json::json;

use super::*;
use crate::adb::api::{self, ErrorKind};

type Shared = Arc<Mutex<Vec<(String, bool)>>>;

fn adb_in(dir: &std::path::Path, server: Option<&Key32>) -> (Adb, Shared) {
    let shared: Shared = Arc::default();
    let log = shared.clone();
    let store = Corestore::open(&dir.join("cores.redb")).unwrap();
    let adb = Adb::open(
        store,
        server,
        Box::new(move |k, on| log.lock().unwrap().push((hex::encode(k), on))),
    )
    .unwrap();
    (adb, shared)
}

fn svc(id: &str) -> Who {
    Who::Service(id.into())
}

fn call(adb: &Adb, who: &Who, method: &str, params: Value) -> Result<Value, api::ApiError> {
    api::call(adb, who, method, &params)
}

#[test]
fn services_reach_their_own_databases_and_public_ones_to_read() {
    let dir = tempfile::tempdir().unwrap();
    let (adb, shared) = adb_in(dir.path(), None);
    let a = call(&adb, &svc("a"), "dbGetOrCreate", json!(["notes", {}])).unwrap();
    let id = a["dbId"].as_str().unwrap().to_string();
    assert_eq!(a["writable"], true);
    assert_eq!(a["owner"], json!({"userKey": "system", "serviceKey": "a"}));
    assert_eq!(a["access"], "private");
    // The same alias again is the same database; another service's alias is its own.
    let again = call(&adb, &svc("a"), "dbGetOrCreate", json!(["notes"])).unwrap();
    assert_eq!(again["dbId"], a["dbId"]);
    let b = call(&adb, &svc("b"), "dbGetOrCreate", json!(["notes"])).unwrap();
    assert_ne!(b["dbId"], a["dbId"]);

    let put = call(
        &adb,
        &svc("a"),
        "recordPut",
        json!([id, "/n/1", {"t": "x"}]),
    )
    .unwrap();
    assert_eq!(put["url"], format!("hyper://{id}/n/1"));
    // A private database of another service is not there for b, whatever the verb.
    for (method, params) in [
        ("recordGet", json!([id, "/n/1"])),
        ("recordList", json!([id, "/n"])),
        ("recordPut", json!([id, "/n/2", {}])),
        ("dbDescribe", json!([id])),
        ("dbGetOrCreate", json!([id])),
    ] {
        let err = call(&adb, &svc("b"), method, params).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound, "{method}: {err}");
        assert_eq!(err.message, format!("Not found: database {id}"));
    }
    // Made public, b reads it but may not write or configure it.
    call(
        &adb,
        &svc("a"),
        "dbConfigure",
        json!([id, {"access": "public"}]),
    )
    .unwrap();
    assert_eq!(shared.lock().unwrap().last().unwrap(), &(id.clone(), true));
    let got = call(&adb, &svc("b"), "recordGet", json!([id, ["n", "1"]])).unwrap();
    assert_eq!(got["value"], json!({"t": "x"}));
    let err = call(&adb, &svc("b"), "recordPut", json!([id, "/n/2", {}])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied, "{err}");
    let err = call(
        &adb,
        &svc("b"),
        "dbConfigure",
        json!([id, {"access": "private"}]),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied, "{err}");
    // SERVICE/ALIAS names it too; the admin reaches everything.
    let by_alias = call(&adb, &Who::Admin, "recordGet", json!(["a/notes", "/n/1"])).unwrap();
    assert_eq!(by_alias["seq"], put["seq"]);
    let err = call(&adb, &svc("a"), "recordGet", json!([id, "/n/9"])).unwrap_err();
    assert_eq!(
        (err.kind, err.message.as_str()),
        (ErrorKind::NotFound, "Not found: /n/9")
    );
    // dbList: a service's own; the admin's: all, the server database first.
    let list = call(&adb, &svc("a"), "dbList", json!([])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let all = call(&adb, &Who::Admin, "dbList", json!([])).unwrap();
    assert_eq!(all.as_array().unwrap().len(), 3);
    assert_eq!(all[0]["isServerDb"], true);
    // Services never see the server database.
    let server = adb.server().id().to_string();
    let err = call(&adb, &svc("a"), "recordList", json!([server, "/"])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = call(&adb, &svc("a"), "recordList", json!(["server", "/"])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    let err = call(&adb, &svc("a"), "adminDeleteDb", json!([id])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied);
}

#[test]
fn bad_params_paths_values_and_schemas_get_their_own_kinds() {
    let dir = tempfile::tempdir().unwrap();
    let (adb, _) = adb_in(dir.path(), None);
    let who = svc("a");
    let db = call(&adb, &who, "dbCreate", json!([{"alias": "x"}])).unwrap();
    let id = db["dbId"].as_str().unwrap();
    let kind = |method: &str, params: Value| call(&adb, &who, method, params).unwrap_err().kind;
    assert_eq!(kind("recordPut", json!([id, "/", {}])), ErrorKind::Invalid);
    assert_eq!(kind("recordPut", json!([id, 5, {}])), ErrorKind::Invalid);
    assert_eq!(
        kind("recordPut", json!([id, "/a", [1]])),
        ErrorKind::Invalid
    );
    let big = "x".repeat(crate::adb::database::MAX_VALUE_BYTES);
    assert_eq!(
        kind("recordPut", json!([id, "/a", {"big": big}])),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind("dbCreate", json!([{"alias": "x"}])),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind("dbCreate", json!([{"alias": "no spaces"}])),
        ErrorKind::Invalid
    );
    assert_eq!(
        kind("dbCreate", json!([{"access": "secret"}])),
        ErrorKind::Invalid
    );
    assert_eq!(kind("recordFly", json!([])), ErrorKind::NoMethod);
    let schema = json!({"type": "object", "required": ["title"]});
    call(
        &adb,
        &who,
        "dbConfigure",
        json!([id, {"schemas": {"/posts": schema}}]),
    )
    .unwrap();
    let err = call(
        &adb,
        &who,
        "recordPut",
        json!([id, "/posts/1", {"body": "b"}]),
    )
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation, "{err}");
    assert!(err.message.starts_with("/posts/1: field /: "), "{err}");
    assert_eq!(
        kind("dbConfigure", json!([id, {"schemas": {"/p": {"type": 7}}}])),
        ErrorKind::Invalid
    );
}

#[test]
fn the_registry_and_schemas_survive_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let (server, id) = {
        let (adb, _) = adb_in(dir.path(), None);
        let db = call(
            &adb,
            &svc("a"),
            "dbGetOrCreate",
            json!(["keep", {"access": "public"}]),
        )
        .unwrap();
        let id = db["dbId"].as_str().unwrap().to_string();
        let schema = json!({"type": "object", "required": ["n"]});
        call(
            &adb,
            &svc("a"),
            "dbConfigure",
            json!([id, {"schemas": {"/c": schema}}]),
        )
        .unwrap();
        call(&adb, &svc("a"), "recordPut", json!([id, "/c/1", {"n": 1}])).unwrap();
        let gone = call(&adb, &svc("a"), "dbCreate", json!([{}])).unwrap();
        call(&adb, &Who::Admin, "adminDeleteDb", json!([gone["dbId"]])).unwrap();
        (*adb.server().core().key(), id)
    };
    let (adb, shared) = adb_in(dir.path(), Some(&server));
    // Shared again at open.
    assert_eq!(*shared.lock().unwrap(), [(id.clone(), true)]);
    let list = call(&adb, &svc("a"), "dbList", json!([])).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["alias"], "keep");
    assert_eq!(list[0]["version"], 2);
    let err = call(&adb, &svc("a"), "recordPut", json!([id, "/c/2", {}])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Validation);
}

#[test]
fn a_followed_database_is_read_only_and_unfollowing_stops_sharing_it() {
    let dir = tempfile::tempdir().unwrap();
    let (adb, shared) = adb_in(dir.path(), None);
    let key = "ab".repeat(32);
    let info = call(&adb, &svc("reader"), "dbGetOrCreate", json!([key])).unwrap();
    assert_eq!(
        (info["following"].clone(), info["writable"].clone()),
        (json!(true), json!(false))
    );
    let err = call(&adb, &svc("reader"), "recordPut", json!([key, "/a", {}])).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Denied, "{err}");
    assert!(err.message.contains("read-only"), "{err}");
    call(&adb, &Who::Admin, "adminDeleteDb", json!([key])).unwrap();
    assert_eq!(*shared.lock().unwrap(), [(key.clone(), true), (key, false)]);
}
