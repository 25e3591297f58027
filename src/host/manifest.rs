//! A service's manifest, `atek.json`: what it is (the original Atek's `name`/`title`,
//! `description`, `author`, `license`, `frame`), which APIs it exports and imports, how
//! it runs and builds, and what it may use (network, memory). Parsing is total: any
//! input gives a [`Manifest`] plus warnings for fields it does not know, or one
//! [`ManifestError`] naming the file, the field and what is wrong.
//!
//! It never runs, builds or installs anything, and never reads anything but the bytes
//! it is given.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// The fields a manifest may have; anything else is a warning.
const KNOWN: [&str; 19] = [
    "name",
    "title",
    "description",
    "author",
    "license",
    "frame",
    "exports",
    "run",
    "runtime",
    "build",
    "env",
    "config",
    "imports",
    "permissions",
    "health",
    "data",
    "resources",
    "version",
    "$schema",
];

/// How an exported API is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// JSON-RPC 2.0 by HTTP POST to the export's path.
    Rpc,
    /// A WebSocket piped to the service.
    Proxy,
}

/// One API a service serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    /// The API id, e.g. `atek.cloud/adb-api`.
    pub api: String,
    /// Where on the service's socket it is served (default `/`).
    pub path: String,
    /// How it is reached (default `rpc`).
    pub transport: Transport,
}

/// What starts the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    /// `node` on `package.json`'s main or `index.js`, unless `run` says otherwise.
    Node,
    /// `run`, as an argv.
    Exec,
}

/// What the running service may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Only the host's API gateway (the default).
    None,
    /// The outside world too, if the admin agreed at install.
    Outbound,
}

/// The readiness check: a request over the service's socket until 2xx/3xx.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Health {
    /// `HEAD` unless the manifest says `GET`.
    pub method: String,
    /// The path (default `/`).
    pub path: String,
}

/// A parsed `atek.json`.
#[derive(Debug, Clone, PartialEq)]
pub struct Manifest {
    /// The short name (`name`), also a default id.
    pub name: Option<String>,
    /// The display name (`title`).
    pub title: Option<String>,
    /// One line about it.
    pub description: Option<String>,
    /// Who made it.
    pub author: Option<String>,
    /// Its license.
    pub license: Option<String>,
    /// Shown inside the host's frame (the original's `frame`).
    pub frame: bool,
    /// The APIs it serves.
    pub exports: Vec<Export>,
    /// The argv that starts it (`exec`; optional for `node`).
    pub run: Option<Vec<String>>,
    /// What starts it.
    pub runtime: Runtime,
    /// The argv that builds it after install, if any.
    pub build: Option<Vec<String>>,
    /// Environment variables it always gets.
    pub env: BTreeMap<String, String>,
    /// A JSON Schema for its configuration (values become upper-cased env vars).
    pub config: Option<Value>,
    /// The APIs it may call; `None`: any (as in Atek).
    pub imports: Option<Vec<String>>,
    /// What it may reach.
    pub network: Network,
    /// How the host knows it is ready.
    pub health: Health,
    /// Whether it gets a writable `/data` (default true).
    pub data: bool,
    /// Its memory budget in MiB.
    pub memory_mb: Option<u64>,
}

/// What is wrong with a manifest: one line naming the file and the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {field}: {problem}", file.display())]
pub struct ManifestError {
    /// The manifest file.
    pub file: PathBuf,
    /// The field (dotted, with indexes: `exports[1].transport`), or `(file)`.
    pub field: String,
    /// What is wrong.
    pub problem: String,
}

/// Reads and parses `dir/atek.json`. A missing file is an error like any other: every
/// service says what it is.
pub fn load(dir: &Path) -> Result<(Manifest, Vec<String>), ManifestError> {
    let file = dir.join("atek.json");
    match std::fs::read(&file) {
        Ok(bytes) => parse(&file, &bytes),
        Err(e) => Err(ManifestError {
            file,
            field: "(file)".into(),
            problem: if e.kind() == std::io::ErrorKind::NotFound {
                "not found (every service needs an atek.json)".into()
            } else {
                e.to_string()
            },
        }),
    }
}

impl Manifest {
    /// The config keys its schema marks secret (`writeOnly: true` or `format:
    /// "password"`): never shown by `get`, getConfig or the logs.
    pub fn secret_keys(&self) -> Vec<String> {
        let Some(Value::Object(props)) = self.config.as_ref().and_then(|c| c.get("properties"))
        else {
            return Vec::new();
        };
        props
            .iter()
            .filter(|(_, p)| {
                p.get("writeOnly") == Some(&Value::Bool(true))
                    || p.get("format").and_then(Value::as_str) == Some("password")
            })
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The config keys its schema names (any key is allowed when it has none).
    pub fn config_keys(&self) -> Option<Vec<String>> {
        match self.config.as_ref().and_then(|c| c.get("properties")) {
            Some(Value::Object(props)) => Some(props.keys().cloned().collect()),
            _ => None,
        }
    }
}

/// Parses the bytes of `file` (named in errors and warnings). Returns the manifest and
/// one warning per unknown field.
pub fn parse(file: &Path, bytes: &[u8]) -> Result<(Manifest, Vec<String>), ManifestError> {
    let fail = |field: &str, problem: String| ManifestError {
        file: file.to_owned(),
        field: field.to_string(),
        problem,
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        fail(
            "(file)",
            format!("not valid JSON (line {}, column {})", e.line(), e.column()),
        )
    })?;
    let Value::Object(obj) = value else {
        return Err(fail("(file)", "expected a JSON object".into()));
    };
    let warnings = obj
        .keys()
        .filter(|k| !KNOWN.contains(&k.as_str()))
        .map(|k| format!("{}: unknown field {k:?} ignored", file.display()))
        .collect();
    let fields = Fields {
        obj: &obj,
        fail: &fail,
    };

    let runtime = match fields.string("runtime")?.as_deref() {
        None | Some("node") => Runtime::Node,
        Some("exec") => Runtime::Exec,
        Some(other) => {
            return Err(fail(
                "runtime",
                format!("{other:?} is not \"node\" or \"exec\""),
            ))
        }
    };
    let run = fields.argv("run")?;
    if runtime == Runtime::Exec && run.is_none() {
        return Err(fail("run", "required with runtime \"exec\"".into()));
    }
    let manifest = Manifest {
        name: fields.string("name")?,
        title: fields.string("title")?,
        description: fields.string("description")?,
        author: fields.string("author")?,
        license: fields.string("license")?,
        frame: fields.boolean("frame")?.unwrap_or(false),
        exports: exports(obj.get("exports"), &fail)?,
        run,
        runtime,
        build: fields.argv("build")?,
        env: env(obj.get("env"), &fail)?,
        config: match obj.get("config") {
            None | Some(Value::Null) => None,
            Some(v @ Value::Object(_)) => Some(v.clone()),
            Some(_) => return Err(fail("config", "expected a JSON Schema object".into())),
        },
        imports: match obj.get("imports") {
            None | Some(Value::Null) => None,
            Some(v) => Some(string_list(v, "imports", &fail)?),
        },
        network: network(obj.get("permissions"), &fail)?,
        health: health(obj.get("health"), &fail)?,
        data: fields.boolean("data")?.unwrap_or(true),
        memory_mb: memory(obj.get("resources"), &fail)?,
    };
    Ok((manifest, warnings))
}

type Fail<'a> = &'a dyn Fn(&str, String) -> ManifestError;

/// Typed access to top-level fields.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    fail: Fail<'a>,
}

impl Fields<'_> {
    fn string(&self, name: &str) -> Result<Option<String>, ManifestError> {
        match self.obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err((self.fail)(
                name,
                format!("expected a string, found {}", kind(other)),
            )),
        }
    }

    fn boolean(&self, name: &str) -> Result<Option<bool>, ManifestError> {
        match self.obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err((self.fail)(
                name,
                format!("expected true or false, found {}", kind(other)),
            )),
        }
    }

    /// An argv: a non-empty array of strings (no shell: a string is refused).
    fn argv(&self, name: &str) -> Result<Option<Vec<String>>, ManifestError> {
        match self.obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(_)) => Err((self.fail)(
                name,
                "expected an array of arguments such as [\"./server\", \"--port\", \"0\"] (no shell)".into(),
            )),
            Some(v) => {
                let argv = string_list(v, name, self.fail)?;
                if argv.is_empty() {
                    return Err((self.fail)(name, "must name a program".into()));
                }
                Ok(Some(argv))
            }
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn string_list(v: &Value, field: &str, fail: Fail<'_>) -> Result<Vec<String>, ManifestError> {
    let Value::Array(items) = v else {
        return Err(fail(
            field,
            format!("expected an array of strings, found {}", kind(v)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(fail(
                &format!("{field}[{i}]"),
                format!("expected a string, found {}", kind(other)),
            )),
        })
        .collect()
}

/// An optional object field: `None` when absent or null.
fn object<'a>(
    v: Option<&'a Value>,
    field: &str,
    fail: Fail<'_>,
) -> Result<Option<&'a Map<String, Value>>, ManifestError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(obj)) => Ok(Some(obj)),
        Some(other) => Err(fail(
            field,
            format!("expected an object, found {}", kind(other)),
        )),
    }
}

fn exports(v: Option<&Value>, fail: Fail<'_>) -> Result<Vec<Export>, ManifestError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(fail(
                "exports",
                format!("expected an array, found {}", kind(other)),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = |f: &str| format!("exports[{i}]{f}");
        let Value::Object(e) = item else {
            return Err(fail(
                &at(""),
                format!("expected an object, found {}", kind(item)),
            ));
        };
        let api = match e.get("api") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(Value::String(_)) | None => {
                return Err(fail(&at(".api"), "missing API id".into()))
            }
            Some(other) => {
                return Err(fail(
                    &at(".api"),
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let path = match e.get("path") {
            None | Some(Value::Null) => "/".to_string(),
            Some(Value::String(p)) if p.starts_with('/') => p.clone(),
            Some(Value::String(p)) => {
                return Err(fail(&at(".path"), format!("{p:?} does not start with /")))
            }
            Some(other) => {
                return Err(fail(
                    &at(".path"),
                    format!("expected a string, found {}", kind(other)),
                ))
            }
        };
        let transport = match e.get("transport") {
            None | Some(Value::Null) => Transport::Rpc,
            Some(Value::String(t)) if t == "rpc" => Transport::Rpc,
            Some(Value::String(t)) if t == "proxy" => Transport::Proxy,
            Some(other) => {
                return Err(fail(
                    &at(".transport"),
                    format!("{other} is not \"rpc\" or \"proxy\""),
                ))
            }
        };
        out.push(Export {
            api,
            path,
            transport,
        });
    }
    Ok(out)
}

fn env(v: Option<&Value>, fail: Fail<'_>) -> Result<BTreeMap<String, String>, ManifestError> {
    let Some(obj) = object(v, "env", fail)? else {
        return Ok(BTreeMap::new());
    };
    obj.iter()
        .map(|(k, v)| {
            let name_ok = !k.is_empty()
                && !k.as_bytes()[0].is_ascii_digit()
                && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !name_ok {
                return Err(fail(&format!("env.{k}"), "not a variable name".into()));
            }
            match v {
                Value::String(s) => Ok((k.clone(), s.clone())),
                other => Err(fail(
                    &format!("env.{k}"),
                    format!("expected a string, found {}", kind(other)),
                )),
            }
        })
        .collect()
}

fn network(v: Option<&Value>, fail: Fail<'_>) -> Result<Network, ManifestError> {
    let Some(permissions) = object(v, "permissions", fail)? else {
        return Ok(Network::None);
    };
    match permissions.get("network") {
        None | Some(Value::Null) => Ok(Network::None),
        Some(Value::String(s)) if s == "none" => Ok(Network::None),
        Some(Value::String(s)) if s == "outbound" => Ok(Network::Outbound),
        Some(other) => Err(fail(
            "permissions.network",
            format!("{other} is not \"none\" or \"outbound\""),
        )),
    }
}

fn health(v: Option<&Value>, fail: Fail<'_>) -> Result<Health, ManifestError> {
    let default = Health {
        method: "HEAD".into(),
        path: "/".into(),
    };
    let Some(obj) = object(v, "health", fail)? else {
        return Ok(default);
    };
    let method = match obj.get("method") {
        None | Some(Value::Null) => default.method,
        Some(Value::String(m))
            if m.eq_ignore_ascii_case("head") || m.eq_ignore_ascii_case("get") =>
        {
            m.to_ascii_uppercase()
        }
        Some(other) => {
            return Err(fail(
                "health.method",
                format!("{other} is not \"HEAD\" or \"GET\""),
            ))
        }
    };
    let path = match obj.get("path") {
        None | Some(Value::Null) => default.path,
        Some(Value::String(p)) if p.starts_with('/') => p.clone(),
        Some(other) => {
            return Err(fail(
                "health.path",
                format!("{other} is not a path starting with /"),
            ))
        }
    };
    Ok(Health { method, path })
}

fn memory(v: Option<&Value>, fail: Fail<'_>) -> Result<Option<u64>, ManifestError> {
    let Some(obj) = object(v, "resources", fail)? else {
        return Ok(None);
    };
    match obj.get("memoryMb") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_u64() {
            Some(mb) if (16..=1 << 20).contains(&mb) => Ok(Some(mb)),
            _ => Err(fail(
                "resources.memoryMb",
                format!("{n} is not a whole number of MiB from 16 to 1048576"),
            )),
        },
        Some(other) => Err(fail(
            "resources.memoryMb",
            format!("expected a number, found {}", kind(other)),
        )),
    }
}

#[cfg(test)]
mod tests;
