//! Browser sessions until the users issue brings accounts: one admin, signed in by a
//! one-time login link (printed by `spork host`, or `spork host login-link`), carried
//! to each service's subdomain by a one-time `bst` hop as in the original Atek.
//!
//! Tokens are kept only as SHA-256 digests, so a lookup compares digests (no timing
//! signal about the token) and a memory dump holds no usable token. Sessions live in
//! memory: a host restart signs browsers out. Nothing here sets a cookie or reads a
//! request; the router does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::dir::random_token;

/// How long a session lasts (the cookie's Max-Age too).
pub const SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// How long a login link may wait to be opened.
pub const LOGIN_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a `bst` hop token lives (one redirect).
pub const BST_TTL: Duration = Duration::from_secs(60);

/// Where a session is valid: the main host, or one service's subdomain.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `localhost:PORT` / `DOMAIN`.
    Main,
    /// `{id}.localhost:PORT` / `{id}.DOMAIN`.
    Service(String),
}

type Digest32 = [u8; 32];

fn digest(token: &str) -> Digest32 {
    Sha256::digest(token.as_bytes()).into()
}

/// The host's sessions and pending one-time tokens.
#[derive(Debug, Default)]
pub struct Sessions {
    sessions: Mutex<HashMap<Digest32, (Scope, Instant)>>,
    logins: Mutex<HashMap<Digest32, Instant>>,
    hops: Mutex<HashMap<Digest32, (String, Instant)>>,
}

fn take<V: Clone>(map: &Mutex<HashMap<Digest32, V>>, token: &str) -> Option<V> {
    map.lock().expect("sessions lock").remove(&digest(token))
}

impl Sessions {
    /// A new one-time login token.
    pub fn login_token(&self) -> String {
        let token = random_token();
        let mut logins = self.logins.lock().expect("sessions lock");
        let now = Instant::now();
        logins.retain(|_, until| *until > now);
        logins.insert(digest(&token), now + LOGIN_TTL);
        token
    }

    /// Spends a login token for a main-host session token; `None` if unknown, used or
    /// expired.
    pub fn log_in(&self, token: &str) -> Option<String> {
        let until = take(&self.logins, token)?;
        (until > Instant::now()).then(|| self.open(Scope::Main))
    }

    /// A one-time hop token carrying a main-host session to service `id`.
    pub fn hop_token(&self, id: &str) -> String {
        let token = random_token();
        let mut hops = self.hops.lock().expect("sessions lock");
        let now = Instant::now();
        hops.retain(|_, (_, until)| *until > now);
        hops.insert(digest(&token), (id.to_string(), now + BST_TTL));
        token
    }

    /// Spends a hop token on service `id`'s subdomain for a session there.
    pub fn hop(&self, token: &str, id: &str) -> Option<String> {
        let (for_id, until) = take(&self.hops, token)?;
        (for_id == id && until > Instant::now()).then(|| self.open(Scope::Service(for_id)))
    }

    fn open(&self, scope: Scope) -> String {
        let token = random_token();
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let now = Instant::now();
        sessions.retain(|_, (_, until)| *until > now);
        sessions.insert(digest(&token), (scope, now + SESSION_TTL));
        token
    }

    /// True when `token` is a live session for `scope`.
    pub fn valid(&self, token: &str, scope: &Scope) -> bool {
        let sessions = self.sessions.lock().expect("sessions lock");
        sessions
            .get(&digest(token))
            .is_some_and(|(s, until)| s == scope && *until > Instant::now())
    }

    /// Ends a session.
    pub fn close(&self, token: &str) {
        take(&self.sessions, token);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_links_and_hops_work_once_and_only_for_their_scope() {
        let s = Sessions::default();
        let link = s.login_token();
        let main = s.log_in(&link).unwrap();
        assert!(s.log_in(&link).is_none(), "a login link works once");
        assert!(s.valid(&main, &Scope::Main));
        assert!(!s.valid(&main, &Scope::Service("hello".into())));
        let hop = s.hop_token("hello");
        assert!(s.hop(&hop, "other").is_none(), "a hop is for one service");
        let hop = s.hop_token("hello");
        let sub = s.hop(&hop, "hello").unwrap();
        assert!(s.hop(&hop, "hello").is_none());
        assert!(s.valid(&sub, &Scope::Service("hello".into())));
        assert!(!s.valid(&sub, &Scope::Main));
        s.close(&sub);
        assert!(!s.valid(&sub, &Scope::Service("hello".into())));
        assert!(!s.valid("made-up", &Scope::Main));
    }
}
