//! The dashboard's pages as askama templates (`templates/dashboard/`, compiled into the
//! binary, every value HTML-escaped), and the view of a service they show, made from
//! what services-api answers — so a page shows exactly what the API lets this user see.

use askama::Template;
use serde_json::Value;

/// What every page's frame needs: who is signed in, the CSRF token its forms send
/// back, which tab is open, and an error from the last action.
pub struct Chrome {
    /// The signed-in username.
    pub username: String,
    /// An admin (the Users tab).
    pub admin: bool,
    /// The session's synchronizer token.
    pub csrf: String,
    /// `services`, `install`, `users` or none.
    pub page: &'static str,
    /// An error to show at the top.
    pub error: Option<String>,
}

/// One service as a card.
pub struct ServiceView {
    /// Its id.
    pub id: String,
    /// Its title (the manifest's, else its id).
    pub title: String,
    /// Its status word.
    pub status: String,
    /// Its version, or `-`.
    pub version: String,
    /// A newer release, when one was found.
    pub update: Option<String>,
    /// Resident memory, or `-`.
    pub memory: String,
    /// Restarts since the host started.
    pub restarts: u64,
    /// The owner's user key.
    pub owner: String,
    /// Where "open" goes: its frame in the dashboard, or its subdomain.
    pub open_url: String,
    /// Its manifest has a config schema.
    pub configurable: bool,
    /// The buttons that make sense now.
    pub actions: Vec<&'static str>,
}

impl ServiceView {
    /// The view of one services-api `ServiceInfo`.
    pub fn from_info(info: &Value) -> ServiceView {
        let text = |v: &Value| v.as_str().map(str::to_owned);
        let id = text(&info["id"]).unwrap_or_default();
        let status = text(&info["status"]).unwrap_or_else(|| "unknown".into());
        let mut actions = match status.as_str() {
            "running" | "starting" | "restarting" => vec!["stop", "restart"],
            _ => vec!["start"],
        };
        let update = text(&info["updateAvailable"]);
        if update.is_some() {
            actions.push("update");
        }
        actions.push("uninstall");
        let frame = info["settings"]["manifest"]["frame"].as_bool() == Some(true);
        ServiceView {
            title: text(&info["settings"]["manifest"]["title"])
                .or_else(|| text(&info["settings"]["manifest"]["name"]))
                .unwrap_or_else(|| id.clone()),
            status,
            version: text(&info["version"]).unwrap_or_else(|| "-".into()),
            update,
            memory: info["memoryKb"]
                .as_u64()
                .map_or("-".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
            restarts: info["restarts"].as_u64().unwrap_or(0),
            owner: text(&info["owner"]).unwrap_or_default(),
            open_url: if frame {
                format!("/_atek/open/{id}")
            } else {
                format!("/_atek/bst?service={id}&path=/")
            },
            configurable: info["configSchema"].is_object(),
            actions,
            id,
        }
    }
}

/// The services list, the dashboard's home.
#[derive(Template)]
#[template(path = "dashboard/services.html")]
pub struct ServicesPage {
    /// The frame.
    pub c: Chrome,
    /// The services this user sees.
    pub services: Vec<ServiceView>,
}

/// The install form.
#[derive(Template)]
#[template(path = "dashboard/install.html")]
pub struct InstallPage {
    /// The frame.
    pub c: Chrome,
    /// The source typed last time (after an error).
    pub source: String,
}

/// A service's log, live.
#[derive(Template)]
#[template(path = "dashboard/logs.html")]
pub struct LogsPage {
    /// The frame.
    pub c: Chrome,
    /// The service.
    pub id: String,
    /// Its last lines.
    pub lines: Vec<String>,
}

/// One config field, from the service's JSON Schema.
pub struct Field {
    /// The config key.
    pub key: String,
    /// Its label (the schema's title, else the key).
    pub label: String,
    /// `text` or `number`.
    pub input: &'static str,
    /// The current value (never a secret's).
    pub value: String,
    /// A secret: a password field that leaves the value unchanged when empty.
    pub secret: bool,
    /// The schema's description.
    pub description: Option<String>,
}

/// A service's config form.
#[derive(Template)]
#[template(path = "dashboard/config.html")]
pub struct ConfigPage {
    /// The frame.
    pub c: Chrome,
    /// The service.
    pub id: String,
    /// Its fields.
    pub fields: Vec<Field>,
}

/// One account in the users list.
pub struct UserView {
    /// Its key.
    pub key: String,
    /// Its username.
    pub username: String,
    /// `admin` or `user`.
    pub role: &'static str,
}

/// The users page (admins).
#[derive(Template)]
#[template(path = "dashboard/users.html")]
pub struct UsersPage {
    /// The frame.
    pub c: Chrome,
    /// Every account.
    pub users: Vec<UserView>,
}

/// A `frame: true` service inside the dashboard.
#[derive(Template)]
#[template(path = "dashboard/frame.html")]
pub struct FramePage {
    /// The frame.
    pub c: Chrome,
    /// The service.
    pub id: String,
    /// The iframe's source: the service's subdomain, through a one-time hop.
    pub src: String,
}
