//! Output conventions shared by every command (see `CLI-CONVENTIONS.md`): JSON event
//! lines for scripts, `error: …` lines for people, and the error kinds that choose the
//! process exit code.
//!
//! Data goes to stdout and everything meant for a person to stderr; this module is the
//! one place that decides which is which.

use std::io::Write;

use serde::Serialize;

/// Exit code for a runtime failure (unreachable peer, I/O, bad keyfile).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for a usage error (unknown flag, malformed key or address).
pub const EXIT_USAGE: i32 = 2;
/// Exit code when SIGINT arrived before the work was done.
pub const EXIT_INTERRUPTED: i32 = 130;

/// An error in what the user typed: reported like any error, but exits with 2.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UsageError {
    /// The one-line description.
    pub message: String,
    /// The suggested next step, if there is an obvious one.
    pub hint: Option<String>,
}

impl UsageError {
    /// A usage error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            hint: None,
        }
    }

    /// A usage error with a `hint:` line.
    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UsageError {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

/// An error that carries a `hint:` line telling the user what to do next.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HintedError {
    /// The one-line description.
    pub message: String,
    /// The suggested next step.
    pub hint: String,
}

/// One `--json` event line: the vocabulary of `CLI-CONVENTIONS.md`, tagged by
/// `"event"`, keys in base32. The dashboard will stream the same values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A command is ready: a server's key and target, a local listener's address, or
    /// a waiting beam's passphrase.
    Listening {
        /// The key served under (base32).
        #[serde(skip_serializing_if = "Option::is_none")]
        public_key: Option<String>,
        /// The local host (or a reverse bind's target host).
        #[serde(skip_serializing_if = "Option::is_none")]
        host: Option<String>,
        /// The local port (or a reverse bind's target port).
        #[serde(skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
        /// A waiting beam's passphrase.
        #[serde(skip_serializing_if = "Option::is_none")]
        passphrase: Option<String>,
    },
    /// A p2p connection opened.
    Connect {
        /// The peer's key (base32).
        remote_key: String,
        /// The connection's number in this process.
        id: u64,
    },
    /// A p2p connection closed, with the bytes each way.
    Close {
        /// The peer's key (base32).
        remote_key: String,
        /// The connection's number in this process.
        id: u64,
        /// Bytes received from the peer.
        bytes_in: u64,
        /// Bytes sent to the peer.
        bytes_out: u64,
    },
    /// Something failed (also printed as the human error line).
    Error {
        /// The one-line message.
        message: String,
    },
    /// One request through the gateway.
    Request {
        /// HTTP method.
        method: String,
        /// The Host asked for.
        host: String,
        /// Path and query.
        path: String,
        /// Response status.
        status: u16,
        /// Milliseconds until the response head.
        ms: u64,
    },
    /// This device paired with a home cloud.
    Paired {
        /// The name it is remembered under.
        name: String,
        /// The host's key (base32).
        public_key: String,
        /// This device's name on the host.
        device_name: String,
    },
    /// The home cloud listens on the DHT under its key.
    Remote {
        /// The host's key (base32).
        public_key: String,
        /// `paired` (paired devices only) or `public` (any key; sign-in required).
        mode: String,
    },
    /// A home-cloud service changed state.
    Service {
        /// The service's id.
        id: String,
        /// `starting|running|stopped|failed|restarting`.
        status: String,
    },
    /// A client the server's allowlist turned away.
    Refused {
        /// The client's key (base32).
        remote_key: String,
        /// When, in Unix seconds.
        time: u64,
    },
    /// A server that could not reach the DHT at first has joined it.
    Joined {
        /// DHT nodes known.
        nodes: usize,
    },
    /// A seeded core's progress.
    Seed {
        /// The core's key (64 hex, as ADB's `dbId`).
        key: String,
        /// Its verified length.
        length: u64,
        /// Blocks stored.
        downloaded: u64,
        /// Peers replicating it now.
        peers: usize,
        /// Its fork: it grows when the writer truncates and the seeder follows.
        fork: u64,
    },
    /// `spork host backup` wrote a backup.
    Backup {
        /// The file.
        file: String,
        /// Its size.
        bytes: u64,
        /// Services in it.
        services: usize,
        /// Databases in it.
        databases: usize,
        /// Whether the host's own credentials are in it.
        secrets: bool,
    },
    /// `spork host restore` restored one.
    Restore {
        /// The folder.
        dir: String,
        /// Services restored.
        services: usize,
        /// Databases restored.
        databases: usize,
    },
}

impl Event {
    /// A `listening` event for a server of `public_key` (and its target or local
    /// address).
    pub fn listening(public_key: Option<String>, host: Option<String>, port: Option<u16>) -> Event {
        Event::Listening {
            public_key,
            host,
            port,
            passphrase: None,
        }
    }
}

/// Where a command's JSON events go: stdout for most commands, stderr for `beam`
/// (whose stdout carries the piped bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStream {
    /// Events on stdout.
    Stdout,
    /// Events on stderr.
    Stderr,
}

/// Writes a command's human lines and, with `--json`, its machine events.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    json: bool,
    events: EventStream,
}

impl Reporter {
    /// A reporter; `json` switches on event lines.
    pub fn new(json: bool, events: EventStream) -> Self {
        Reporter { json, events }
    }

    /// True when `--json` was given.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Emits one JSON event line (only with `--json`).
    pub fn event(&self, event: Event) {
        if !self.json {
            return;
        }
        let Ok(mut line) = serde_json::to_string(&event) else {
            return;
        };
        line.push('\n');
        // A closed stdout (`spork dht --json | head -1`) must not kill the process.
        let _ = match self.events {
            EventStream::Stdout => std::io::stdout().lock().write_all(line.as_bytes()),
            EventStream::Stderr => std::io::stderr().lock().write_all(line.as_bytes()),
        };
    }

    /// Prints a line meant for a person on stderr; not when `--json` events go to
    /// stderr too (`beam`), where it would break the event stream.
    pub fn say(&self, line: impl std::fmt::Display) {
        if self.json && self.events == EventStream::Stderr {
            return;
        }
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }

    /// Reports an error the command carries on after: `error: …` on stderr, and with
    /// `--json` an `error` event.
    pub fn error(&self, message: String) {
        self.say(format_args!("error: {message}"));
        self.event(Event::Error { message });
    }

    /// Reports a fatal error: `error: …` (and `hint: …`) on stderr, and with `--json` an
    /// `error` event. Returns the exit code the error calls for.
    pub fn fail(&self, err: &anyhow::Error) -> i32 {
        self.error(one_line(err));
        if let Some(h) = err.downcast_ref::<HintedError>() {
            self.say(format_args!("hint: {}", h.hint));
        }
        if let Some(hint) = err
            .downcast_ref::<UsageError>()
            .and_then(|u| u.hint.as_ref())
        {
            self.say(format_args!("hint: {hint}"));
        }
        if err.downcast_ref::<UsageError>().is_some() {
            EXIT_USAGE
        } else {
            EXIT_FAILURE
        }
    }
}

/// `text` as a QR code drawn with Unicode half blocks (light on dark, which phones
/// read off a terminal), for stderr.
pub fn qr_code(text: &str) -> anyhow::Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot make a QR code: {e}"))?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .build())
}

/// The error and its causes on one line, outermost first.
fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let s = cause.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    parts.join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_join_on_one_line_without_repeats() {
        let err = anyhow::Error::new(std::io::Error::new(
            std::io::ErrorKind::AddrInUse,
            "Address in use",
        ))
        .context("cannot bind 127.0.0.1:1");
        assert_eq!(one_line(&err), "cannot bind 127.0.0.1:1: Address in use");
    }

    #[test]
    fn events_serialize_as_the_conventions_spell_them() {
        let close = Event::Close {
            remote_key: "k".into(),
            id: 3,
            bytes_in: 1,
            bytes_out: 2,
        };
        assert_eq!(
            serde_json::to_string(&close).unwrap(),
            r#"{"event":"close","remote_key":"k","id":3,"bytes_in":1,"bytes_out":2}"#
        );
        let listening = Event::listening(None, Some("127.0.0.1".into()), Some(80));
        assert_eq!(
            serde_json::to_string(&listening).unwrap(),
            r#"{"event":"listening","host":"127.0.0.1","port":80}"#
        );
        assert_eq!(
            serde_json::to_string(&Event::Joined { nodes: 4 }).unwrap(),
            r#"{"event":"joined","nodes":4}"#
        );
    }
}
