//! `atek.cloud/users-api` through the gateway, the original's names and shapes:
//! `list`, `create`, `update`, `delete` for admins; `get`, `getSettings`,
//! `updateSettings` for admins and for the user themselves. A user may change their own
//! username and password with `update` too (the original allowed admins only), never
//! their role. A password changed or an account deleted ends that user's sessions.
//! Answers never hold a password or its hash.

use std::sync::Arc;

use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::{invalid, refuse, string_at, Refusal};
use crate::gateway::rpc::ErrorCode;
use crate::host::router::Caller;
use crate::host::users::{Change, Role, Settings, UserError, SYSTEM};
use crate::host::Host;

/// The users API's id.
pub const USERS_API: &str = "atek.cloud/users-api";

fn user_error(e: UserError) -> Refusal {
    match e {
        UserError::NotFound(_) => (ErrorCode::NOT_FOUND, e.to_string()),
        UserError::Store(_) => (ErrorCode::INTERNAL_ERROR, e.to_string()),
        _ => invalid(e.to_string()),
    }
}

fn optional_string(obj: &Value, name: &str) -> Result<Option<String>, Refusal> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} must be a string"))),
    }
}

fn settings_json(s: &Settings) -> Value {
    json!({ "mainServiceId": s.main_service_id.clone().unwrap_or_default() })
}

/// Calls `method` of the users API as `caller`.
pub async fn call(
    host: &Arc<Host>,
    method: &str,
    params: &Value,
    caller: &Caller,
) -> Result<Value, Refusal> {
    let admin = caller.is_admin();
    let admin_only = || {
        if admin {
            Ok(())
        } else {
            Err(refuse(format!(
                "Not authorized: users-api {method} is for admins"
            )))
        }
    };
    let self_or_admin = |key: &str| {
        if admin || caller.user_key() == key {
            Ok(())
        } else {
            Err(refuse("Not authorized: another user's account"))
        }
    };
    let users = &host.users;
    match method {
        "list" => {
            admin_only()?;
            let list: Vec<Value> = users
                .list()
                .map_err(user_error)?
                .iter()
                .map(|u| u.to_json())
                .collect();
            Ok(json!({ "users": list }))
        }
        "get" => {
            let key = string_at(params, 0, "userKey")?;
            self_or_admin(&key)?;
            Ok(users.get(&key).map_err(user_error)?.to_json())
        }
        "create" => {
            admin_only()?;
            let new = params.get(0).cloned().unwrap_or(Value::Null);
            let username = optional_string(&new, "username")?
                .ok_or_else(|| invalid("user.username must be a string"))?;
            let password = Zeroizing::new(
                optional_string(&new, "password")?
                    .ok_or_else(|| invalid("user.password must be a string"))?,
            );
            let role = Role::parse(&optional_string(&new, "role")?.unwrap_or_default())
                .map_err(user_error)?;
            let h = host.clone();
            let made =
                tokio::task::spawn_blocking(move || h.users.create(&username, &password, role))
                    .await
                    .map_err(|e| (ErrorCode::INTERNAL_ERROR, e.to_string()))?;
            Ok(made.map_err(user_error)?.to_json())
        }
        "update" => {
            let key = string_at(params, 0, "userKey")?;
            self_or_admin(&key)?;
            let upd = params.get(1).cloned().unwrap_or(json!({}));
            let role = match optional_string(&upd, "role")? {
                Some(r) => Some(Role::parse(&r).map_err(user_error)?),
                None => None,
            };
            if role.is_some() && !admin {
                return Err(refuse("Not authorized: only an admin changes roles"));
            }
            let change = Change {
                username: optional_string(&upd, "username")?,
                password: optional_string(&upd, "password")?.map(Zeroizing::new),
                role,
            };
            let h = host.clone();
            let k = key.clone();
            let done = tokio::task::spawn_blocking(move || h.users.update(&k, change))
                .await
                .map_err(|e| (ErrorCode::INTERNAL_ERROR, e.to_string()))?;
            let (user, changed) = done.map_err(user_error)?;
            if changed.password {
                host.sessions.end_user(&key);
            }
            Ok(user.to_json())
        }
        "delete" => {
            admin_only()?;
            let key = string_at(params, 0, "userKey")?;
            users.delete(&key).map_err(user_error)?;
            host.sessions.end_user(&key);
            Ok(Value::Null)
        }
        "getSettings" => {
            let key = string_at(params, 0, "userKey")?;
            self_or_admin(&key)?;
            Ok(settings_json(
                &users.get(&key).map_err(user_error)?.settings,
            ))
        }
        "updateSettings" => {
            let key = string_at(params, 0, "userKey")?;
            self_or_admin(&key)?;
            let upd = params.get(1).cloned().unwrap_or(json!({}));
            let mut settings = users.get(&key).map_err(user_error)?.settings;
            if let Some(id) = optional_string(&upd, "mainServiceId")? {
                let usable = host.services.get(&id).is_some_and(|s| {
                    let owner = s.record().owning_user_key;
                    owner == key || owner == SYSTEM
                });
                if !id.is_empty() && !usable {
                    return Err(invalid(format!("no service {id:?} is installed")));
                }
                settings.main_service_id = Some(id).filter(|id| !id.is_empty());
            }
            Ok(settings_json(
                &users.set_settings(&key, settings).map_err(user_error)?,
            ))
        }
        _ => Err((
            ErrorCode::METHOD_NOT_FOUND,
            format!("Method not found: {method}"),
        )),
    }
}
