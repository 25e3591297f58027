//! `atek.cloud/adb-api`: the original Atek's method names, params and answers
//! (`npm pack @atek-cloud/adb-api@2.0.0`), over the [`Adb`] registry. Data only: the
//! caller's identity comes in as a [`Who`], and errors go out as [`ApiError`]s whose
//! kinds the host turns into JSON-RPC codes. Nothing here knows of HTTP.
//!
//! Where the original was silent or had none, spork adds: a database may be named as
//! `SERVICE/ALIAS` wherever a `dbId` goes; `dbConfigure` also takes `schemas`
//! (prefix → JSON Schema, `null` to remove); `dbDescribe` also answers `following` and
//! `version`; `recordPutMany` writes many records in one durable step.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::database::{DbError, KeyPath, ListOpts};
use super::registry::{Access, Adb, AdbError, DbChange, Owner, Who};
use super::schema::SchemaError;

/// The API's id.
pub const ADB_API: &str = "atek.cloud/adb-api";

/// What kind of refusal, for the JSON-RPC code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Params that do not fit: a bad path, a value too large, an unknown option.
    Invalid,
    /// A value its schema refuses (the original's `ValidationError`).
    Validation,
    /// No such database or record, or one the caller may not see.
    NotFound,
    /// The caller may not do this (another's database, a read-only one).
    Denied,
    /// No such method.
    NoMethod,
    /// The store failed.
    Internal,
}

/// A refusal: its kind and one-line message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// Its kind.
    pub kind: ErrorKind,
    /// The message.
    pub message: String,
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError {
        kind: ErrorKind::Invalid,
        message: message.into(),
    }
}

impl From<AdbError> for ApiError {
    fn from(e: AdbError) -> ApiError {
        let kind = match &e {
            AdbError::NoDatabase(_) | AdbError::NoRecord(_) => ErrorKind::NotFound,
            AdbError::Denied(_) | AdbError::Db(DbError::ReadOnly(_)) => ErrorKind::Denied,
            AdbError::Invalid(_)
            | AdbError::Db(DbError::BadPath(_) | DbError::NotAnObject | DbError::TooLarge(_)) => {
                ErrorKind::Invalid
            }
            AdbError::Db(DbError::Schema(SchemaError::BadSchema { .. })) => ErrorKind::Invalid,
            AdbError::Db(DbError::Schema(_)) => ErrorKind::Validation,
            AdbError::Db(_) | AdbError::Storage(_) | AdbError::Damaged(_) => ErrorKind::Internal,
        };
        ApiError {
            kind,
            message: e.to_string(),
        }
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> ApiError {
        AdbError::Db(e).into()
    }
}

/// `params[i]` as a string.
fn string_at<'a>(params: &'a Value, i: usize, name: &str) -> Result<&'a str, ApiError> {
    params
        .get(i)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(format!("Parameter {} ({name}) must be a string", i + 1)))
}

/// `params[i]` as an object, `{}` when absent.
fn object_at(params: &Value, i: usize, name: &str) -> Result<Map<String, Value>, ApiError> {
    match params.get(i) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(o)) => Ok(o.clone()),
        Some(_) => Err(invalid(format!(
            "Parameter {} ({name}) must be an object",
            i + 1
        ))),
    }
}

/// A path param: `"/a/b"` or `["a", "b"]`.
fn segments_at(params: &Value, i: usize) -> Result<Vec<String>, ApiError> {
    let bad = || {
        invalid(format!(
            "Parameter {} (path) must be a string or an array of strings",
            i + 1
        ))
    };
    match params.get(i) {
        Some(Value::String(s)) => Ok(s
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| s.as_str().map(str::to_owned).ok_or_else(bad))
            .collect(),
        _ => Err(bad()),
    }
}

fn path_at(params: &Value, i: usize) -> Result<KeyPath, ApiError> {
    Ok(KeyPath::from_segments(segments_at(params, i)?)?)
}

fn access_of(config: &Map<String, Value>) -> Result<Option<Access>, ApiError> {
    match config.get("access") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(Access::parse(s)?)),
        Some(_) => Err(invalid("access must be a string")),
    }
}

fn alias_of(config: &Map<String, Value>) -> Result<Option<String>, ApiError> {
    match config.get("alias") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid("alias must be a string")),
    }
}

fn owner_of(config: &Map<String, Value>, who: &Who) -> Result<Option<Owner>, ApiError> {
    match config.get("owner") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => {
            let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
            let base = Owner::of(who);
            Ok(Some(Owner {
                user_key: text("userKey").unwrap_or(base.user_key),
                service_key: text("serviceKey").unwrap_or(base.service_key),
            }))
        }
        Some(_) => Err(invalid("owner must be an object")),
    }
}

fn change_of(config: &Map<String, Value>, who: &Who) -> Result<DbChange, ApiError> {
    let schemas = match config.get("schemas") {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(Value::Object(o)) => o.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(_) => return Err(invalid("schemas must be an object of prefix → JSON Schema")),
    };
    Ok(DbChange {
        alias: alias_of(config)?,
        access: access_of(config)?,
        schemas,
        owner: owner_of(config, who)?,
    })
}

fn list_opts(params: &Value, i: usize) -> Result<ListOpts, ApiError> {
    let mut opts = object_at(params, i, "opts")?;
    // The original's client-side option; the server has nothing to do with it.
    opts.remove("onInvalid");
    serde_json::from_value(Value::Object(opts)).map_err(|e| invalid(format!("opts: {e}")))
}

fn to_value(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("answers serialise")
}

/// Calls `method` of the adb-api as `who`.
pub fn call(adb: &Adb, who: &Who, method: &str, params: &Value) -> Result<Value, ApiError> {
    let db_id = |i: usize| -> Result<String, ApiError> {
        Ok(adb.resolve(who, string_at(params, i, "dbId")?)?)
    };
    let admin_only = || -> Result<(), ApiError> {
        if *who == Who::Admin {
            Ok(())
        } else {
            Err(AdbError::Denied(format!("{method} is for the admin only")).into())
        }
    };
    match method {
        "dbCreate" => {
            let config = object_at(params, 0, "config")?;
            let alias = alias_of(&config)?;
            let access = access_of(&config)?.unwrap_or_default();
            Ok(to_value(adb.create(
                Owner::of(who),
                alias.as_deref(),
                access,
            )?))
        }
        "dbGetOrCreate" => {
            let name = string_at(params, 0, "alias")?;
            let config = object_at(params, 1, "config")?;
            Ok(to_value(adb.get_or_create(
                who,
                name,
                access_of(&config)?,
            )?))
        }
        "dbConfigure" => {
            let id = db_id(0)?;
            let change = change_of(&object_at(params, 1, "config")?, who)?;
            if change.owner.is_some() {
                return Err(invalid(
                    "dbConfigure does not change owners: adminEditDbConfig does",
                ));
            }
            adb.configure(who, &id, change)?;
            Ok(Value::Null)
        }
        "dbGetConfig" => {
            let info = adb.describe(who, &db_id(0)?)?;
            Ok(json!({ "alias": info.alias, "access": info.access }))
        }
        "dbList" => Ok(to_value(adb.list(who))),
        "dbDescribe" => Ok(to_value(adb.describe(who, &db_id(0)?)?)),
        "recordList" => {
            let db = adb.reader(who, &db_id(0)?)?;
            let segments = segments_at(params, 1)?;
            let folder = if segments.is_empty() {
                None
            } else {
                Some(KeyPath::from_segments(segments)?)
            };
            let records = db.list(folder.as_ref(), &list_opts(params, 2)?)?;
            Ok(json!({ "records": records }))
        }
        "recordGet" => {
            let db = adb.reader(who, &db_id(0)?)?;
            let path = path_at(params, 1)?;
            match db.get(&path)? {
                Some(r) => Ok(to_value(r)),
                None => Err(AdbError::NoRecord(path.display()).into()),
            }
        }
        "recordPut" => {
            let db = adb.writer(who, &db_id(0)?)?;
            let path = path_at(params, 1)?;
            let value = params.get(2).cloned().unwrap_or(Value::Null);
            Ok(to_value(db.put(&path, &value)?))
        }
        "recordPutMany" => {
            let db = adb.writer(who, &db_id(0)?)?;
            let list = params.get(1).and_then(Value::as_array).ok_or_else(|| {
                invalid("Parameter 2 (records) must be an array of {path, value}")
            })?;
            let entries = list
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let one = json!([e.get("path").cloned().unwrap_or(Value::Null)]);
                    let path =
                        path_at(&one, 0).map_err(|e| invalid(format!("records[{i}]: {e}")))?;
                    Ok((path, e.get("value").cloned().unwrap_or(Value::Null)))
                })
                .collect::<Result<Vec<_>, ApiError>>()?;
            Ok(json!({ "records": db.put_many(&entries)? }))
        }
        "recordDelete" => {
            let db = adb.writer(who, &db_id(0)?)?;
            db.delete(&path_at(params, 1)?)?;
            Ok(Value::Null)
        }
        "adminListDbsByOwningUser" => {
            admin_only()?;
            Ok(to_value(adb.list_by_user(string_at(
                params,
                0,
                "owningUserKey",
            )?)))
        }
        "adminCreateDb" => {
            admin_only()?;
            let config = object_at(params, 0, "config")?;
            let owner = owner_of(&config, who)?.unwrap_or_else(|| Owner::of(who));
            let alias = alias_of(&config)?;
            let access = access_of(&config)?.unwrap_or_default();
            Ok(to_value(adb.create(owner, alias.as_deref(), access)?))
        }
        "adminEditDbConfig" => {
            admin_only()?;
            let id = db_id(0)?;
            adb.configure(who, &id, change_of(&object_at(params, 1, "config")?, who)?)?;
            Ok(Value::Null)
        }
        "adminDeleteDb" => {
            admin_only()?;
            adb.delete(who, &db_id(0)?)?;
            Ok(Value::Null)
        }
        _ => Err(ApiError {
            kind: ErrorKind::NoMethod,
            message: format!("Method not found: {method}"),
        }),
    }
}
