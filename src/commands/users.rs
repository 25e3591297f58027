//! The account verbs, as the original Atek's: `spork users`, `spork mkuser NAME
//! [--admin]`, `spork moduser NAME …`, `spork deluser NAME`. Owner-only like the other
//! verbs: they call `atek.cloud/users-api` over the running host's control socket, or,
//! with no host running, open the folder's server database themselves (holding its
//! lock). A password comes from a no-echo prompt on the terminal, or from the first
//! line of stdin — never from argv.

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use serde_json::{json, Value};
use zeroize::Zeroizing;

use super::host::DirArgs;
use super::services::client_error;
use super::GlobalArgs;
use crate::host::apis::USERS_API;
use crate::host::client::{Client, ClientError};
use crate::host::users::{Change, Role, Users};

/// How long an account call may take (a password hash is tens of ms).
const LIMIT: Duration = Duration::from_secs(30);

/// List the host's user accounts.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  spork users\n  spork users --json")]
pub struct UsersArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
}

/// Make a user account; the password is asked for (or read from stdin's first line).
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork mkuser alice --admin                  # asks for the password twice\n  \
    printf '%s\\n' \"$PASSWORD\" | spork mkuser bob")]
pub struct MkuserArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
    /// The username: 3 to 32 of a-z, 0-9, '.', '_', '-'
    pub name: String,
    /// Make the user an admin (manages the host and every user)
    #[arg(long)]
    pub admin: bool,
}

/// Change a user account: its name, password or role.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    spork moduser alice --password              # asks for the new password\n  \
    spork moduser bob --admin\n  \
    spork moduser bob --rename robert --no-admin")]
pub struct ModuserArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
    /// The username
    pub name: String,
    /// A new username
    #[arg(long, value_name = "NEW")]
    pub rename: Option<String>,
    /// Set a new password (asked for, or read from stdin; ends the user's sessions)
    #[arg(long)]
    pub password: bool,
    /// Make the user an admin
    #[arg(long, conflicts_with = "no_admin")]
    pub admin: bool,
    /// Make the user no longer an admin
    #[arg(long)]
    pub no_admin: bool,
}

/// Delete a user account (and end its sessions).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  spork deluser bob")]
pub struct DeluserArgs {
    /// The folder.
    #[command(flatten)]
    pub dir: DirArgs,
    /// The username
    pub name: String,
}

/// The running host, or the folder opened here.
enum Accounts {
    Host(Client),
    Offline(Users, #[allow(dead_code)] crate::host::dir::HostLock),
}

impl Accounts {
    async fn open(dir: &Path) -> anyhow::Result<Accounts> {
        let client = Client::new(dir);
        match client.call(USERS_API, "list", json!([]), LIMIT).await {
            Err(ClientError::NotRunning(_)) => {
                let (users, lock) = crate::host::accounts_offline(dir)?;
                Ok(Accounts::Offline(users, lock))
            }
            Err(e) => Err(client_error(e, dir)),
            Ok(_) => Ok(Accounts::Host(client)),
        }
    }

    async fn call(&self, dir: &Path, method: &str, params: Value) -> anyhow::Result<Value> {
        match self {
            Accounts::Host(client) => client
                .call(USERS_API, method, params, LIMIT)
                .await
                .map_err(|e| client_error(e, dir)),
            Accounts::Offline(..) => unreachable!("offline calls go through Users"),
        }
    }

    /// Every account as `{key, username, role}`.
    async fn list(&self, dir: &Path) -> anyhow::Result<Vec<Value>> {
        match self {
            Accounts::Host(_) => {
                let answer = self.call(dir, "list", json!([])).await?;
                Ok(answer["users"].as_array().cloned().unwrap_or_default())
            }
            Accounts::Offline(users, _) => Ok(users.list()?.iter().map(|u| u.to_json()).collect()),
        }
    }

    /// The key of the account named `name`.
    async fn key_of(&self, dir: &Path, name: &str) -> anyhow::Result<String> {
        let wanted = name.trim().to_ascii_lowercase();
        self.list(dir)
            .await?
            .iter()
            .find(|u| u["username"] == wanted.as_str())
            .and_then(|u| u["key"].as_str().map(str::to_owned))
            .ok_or_else(|| anyhow::anyhow!("no user {name} in {}", dir.display()))
    }
}

/// The password: from a no-echo prompt on a terminal (twice when `confirm`), else
/// stdin's first line.
fn read_password(confirm: bool) -> anyhow::Result<Zeroizing<String>> {
    if std::io::stdin().is_terminal() {
        let first = Zeroizing::new(rpassword::prompt_password("Password: ")?);
        if confirm {
            let again = Zeroizing::new(rpassword::prompt_password("Password again: ")?);
            if first != again {
                bail!("the two passwords differ");
            }
        }
        return Ok(first);
    }
    let mut line = Zeroizing::new(String::new());
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("no password on stdin: pipe one line, or run this in a terminal to be asked");
    }
    Ok(Zeroizing::new(password))
}

fn role_word(user: &Value) -> &str {
    match user["role"].as_str() {
        Some("admin") => "admin",
        _ => "user",
    }
}

/// `spork users`.
pub async fn users(global: GlobalArgs, args: UsersArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let list = Accounts::open(&dir).await?.list(&dir).await?;
    if global.json {
        println!("{}", Value::Array(list));
        return Ok(());
    }
    if list.is_empty() {
        eprintln!("no users yet: spork mkuser NAME --admin");
    }
    for u in &list {
        println!(
            "{:<32} {:<5} {}",
            u["username"].as_str().unwrap_or(""),
            role_word(u),
            u["key"].as_str().unwrap_or("")
        );
    }
    Ok(())
}

/// `spork mkuser`.
pub async fn mkuser(global: GlobalArgs, args: MkuserArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    crate::host::users::username(&args.name)?;
    let accounts = Accounts::open(&dir).await?;
    let password = read_password(true)?;
    let role = if args.admin { Role::Admin } else { Role::None };
    let user = match &accounts {
        Accounts::Host(_) => {
            let new = json!({"username": args.name, "password": *password, "role": role.as_str()});
            accounts.call(&dir, "create", json!([new])).await?
        }
        Accounts::Offline(users, _) => users.create(&args.name, &password, role)?.to_json(),
    };
    report(&global, &user, "created");
    Ok(())
}

/// `spork moduser`.
pub async fn moduser(global: GlobalArgs, args: ModuserArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    if args.rename.is_none() && !args.password && !args.admin && !args.no_admin {
        return Err(crate::ui::UsageError::new(
            "nothing to change: give --rename NEW, --password, --admin or --no-admin",
        )
        .into());
    }
    let accounts = Accounts::open(&dir).await?;
    let key = accounts.key_of(&dir, &args.name).await?;
    let password = if args.password {
        Some(read_password(true)?)
    } else {
        None
    };
    let role = match (args.admin, args.no_admin) {
        (true, _) => Some(Role::Admin),
        (_, true) => Some(Role::None),
        _ => None,
    };
    let user = match &accounts {
        Accounts::Host(_) => {
            let mut upd = serde_json::Map::new();
            if let Some(name) = &args.rename {
                upd.insert("username".into(), json!(name));
            }
            if let Some(p) = &password {
                upd.insert("password".into(), json!(p.as_str()));
            }
            if let Some(r) = role {
                upd.insert("role".into(), json!(r.as_str()));
            }
            accounts.call(&dir, "update", json!([key, upd])).await?
        }
        Accounts::Offline(users, _) => {
            let change = Change {
                username: args.rename.clone(),
                password,
                role,
            };
            users.update(&key, change)?.0.to_json()
        }
    };
    report(&global, &user, "changed");
    Ok(())
}

/// `spork deluser`.
pub async fn deluser(global: GlobalArgs, args: DeluserArgs) -> anyhow::Result<()> {
    let dir = args.dir.path();
    let accounts = Accounts::open(&dir).await?;
    let key = accounts.key_of(&dir, &args.name).await?;
    let user = match &accounts {
        Accounts::Host(_) => {
            accounts.call(&dir, "delete", json!([key])).await?;
            json!({"key": key, "username": args.name.to_ascii_lowercase()})
        }
        Accounts::Offline(users, _) => users.delete(&key)?.to_json(),
    };
    report(&global, &user, "deleted");
    Ok(())
}

fn report(global: &GlobalArgs, user: &Value, what: &str) {
    if global.json {
        println!("{user}");
    } else {
        eprintln!(
            "{what} user {} ({})",
            user["username"].as_str().unwrap_or(""),
            role_word(user)
        );
    }
}
