//! Unit tests for `atek.json` parsing: the original's fields, the defaults, every
//! refusal as one line naming file and field, and arbitrary input never panicking.

use super::*;

fn file() -> &'static Path {
    Path::new("svc/atek.json")
}

fn ok(json: &str) -> (Manifest, Vec<String>) {
    parse(file(), json.as_bytes()).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn err(json: &str) -> String {
    parse(file(), json.as_bytes())
        .map(|_| ())
        .expect_err(json)
        .to_string()
}

#[test]
fn an_atek_era_manifest_parses_with_defaults() {
    let (m, warnings) = ok(r#"{
        "name": "hello", "title": "Hello", "description": "says hi", "author": "me",
        "license": "MIT", "frame": true,
        "exports": [{"api": "example.com/hello-api"},
                    {"api": "example.com/ws", "path": "/ws", "transport": "proxy"}]
    }"#);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(m.name.as_deref(), Some("hello"));
    assert!(m.frame);
    assert_eq!(
        m.exports,
        vec![
            Export {
                api: "example.com/hello-api".into(),
                path: "/".into(),
                transport: Transport::Rpc
            },
            Export {
                api: "example.com/ws".into(),
                path: "/ws".into(),
                transport: Transport::Proxy
            },
        ]
    );
    assert_eq!(m.runtime, Runtime::Node);
    assert_eq!(m.network, Network::None);
    assert_eq!(
        m.health,
        Health {
            method: "HEAD".into(),
            path: "/".into()
        }
    );
    assert!(m.data);
    assert_eq!((m.imports, m.memory_mb, m.run), (None, None, None));
}

#[test]
fn the_new_fields_parse() {
    let (m, _) = ok(r#"{
        "runtime": "exec", "run": ["./server", "--quiet"], "build": ["make"],
        "env": {"LOG_LEVEL": "info"}, "config": {"type": "object"},
        "imports": ["atek.cloud/adb-api"], "permissions": {"network": "outbound"},
        "health": {"method": "get", "path": "/ready"}, "data": false,
        "resources": {"memoryMb": 64}
    }"#);
    assert_eq!(m.runtime, Runtime::Exec);
    assert_eq!(m.run, Some(vec!["./server".into(), "--quiet".into()]));
    assert_eq!(m.build, Some(vec!["make".into()]));
    assert_eq!(m.env.get("LOG_LEVEL").map(String::as_str), Some("info"));
    assert_eq!(m.imports, Some(vec!["atek.cloud/adb-api".into()]));
    assert_eq!(m.network, Network::Outbound);
    assert_eq!(m.health.method, "GET");
    assert_eq!(m.health.path, "/ready");
    assert!(!m.data);
    assert_eq!(m.memory_mb, Some(64));
}

#[test]
fn unknown_fields_are_warnings_not_refusals() {
    let (_, warnings) = ok(r#"{"name": "x", "colour": "blue"}"#);
    assert_eq!(
        warnings,
        vec!["svc/atek.json: unknown field \"colour\" ignored".to_string()]
    );
}

#[test]
fn each_refusal_is_one_line_naming_the_file_and_the_field() {
    for (json, want) in [
        ("{", "svc/atek.json: (file): not valid JSON (line 1, column 1)"),
        ("[1]", "svc/atek.json: (file): expected a JSON object"),
        (r#"{"name": 5}"#, "svc/atek.json: name: expected a string, found a number"),
        (r#"{"frame": "yes"}"#, "svc/atek.json: frame: expected true or false, found a string"),
        (r#"{"exports": {}}"#, "svc/atek.json: exports: expected an array, found an object"),
        (r#"{"exports": [{"path": "/"}]}"#, "svc/atek.json: exports[0].api: missing API id"),
        (
            r#"{"exports": [{"api": "a"}, {"api": "b", "transport": "grpc"}]}"#,
            "svc/atek.json: exports[1].transport: \"grpc\" is not \"rpc\" or \"proxy\"",
        ),
        (
            r#"{"exports": [{"api": "a", "path": "x"}]}"#,
            "svc/atek.json: exports[0].path: \"x\" does not start with /",
        ),
        (r#"{"runtime": "python"}"#, "svc/atek.json: runtime: \"python\" is not \"node\" or \"exec\""),
        (r#"{"runtime": "exec"}"#, "svc/atek.json: run: required with runtime \"exec\""),
        (
            r#"{"run": "node index.js"}"#,
            "svc/atek.json: run: expected an array of arguments such as [\"./server\", \"--port\", \"0\"] (no shell)",
        ),
        (r#"{"run": []}"#, "svc/atek.json: run: must name a program"),
        (r#"{"run": ["a", 1]}"#, "svc/atek.json: run[1]: expected a string, found a number"),
        (r#"{"env": {"A-B": "x"}}"#, "svc/atek.json: env.A-B: not a variable name"),
        (r#"{"env": {"A": 1}}"#, "svc/atek.json: env.A: expected a string, found a number"),
        (r#"{"config": "x"}"#, "svc/atek.json: config: expected a JSON Schema object"),
        (r#"{"imports": "a"}"#, "svc/atek.json: imports: expected an array of strings, found a string"),
        (
            r#"{"permissions": {"network": "all"}}"#,
            "svc/atek.json: permissions.network: \"all\" is not \"none\" or \"outbound\"",
        ),
        (r#"{"health": {"method": "POST"}}"#, "svc/atek.json: health.method: \"POST\" is not \"HEAD\" or \"GET\""),
        (
            r#"{"resources": {"memoryMb": 1.5}}"#,
            "svc/atek.json: resources.memoryMb: 1.5 is not a whole number of MiB from 16 to 1048576",
        ),
        (
            r#"{"resources": {"memoryMb": 0}}"#,
            "svc/atek.json: resources.memoryMb: 0 is not a whole number of MiB from 16 to 1048576",
        ),
    ] {
        let got = err(json);
        assert_eq!(got, want, "{json}");
        assert!(!got.contains('\n'));
    }
}

#[test]
fn arbitrary_input_never_panics() {
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    let json = prop::collection::vec(any::<u8>(), 0..200);
    let mut runner = TestRunner::new(Config {
        cases: 500,
        ..Config::default()
    });
    runner
        .run(&json, |bytes| {
            let _ = parse(file(), &bytes);
            Ok(())
        })
        .unwrap();
    // Well-formed JSON of every field with wrong shapes, too.
    let shapes = [
        "null",
        "1",
        "\"s\"",
        "[]",
        "{}",
        "[1,\"a\",{}]",
        "{\"a\":[]}",
        "true",
    ];
    for field in KNOWN {
        for shape in shapes {
            let _ = parse(file(), format!("{{\"{field}\": {shape}}}").as_bytes());
        }
    }
}
