//! Browser sessions: who is signed in, where, until when. A session belongs to a user
//! (or to `system`, for the owner's one-time login link) and one scope — the main host
//! or one service's subdomain, reached by a one-time `bst` hop as in the original Atek.
//! Each has a synchronizer token for CSRF checks, an idle expiry (renewed by use) and
//! an absolute one; ending a user's sessions (deleted, password changed) ends them
//! everywhere at once.
//!
//! Tokens are kept only as SHA-256 digests, so a lookup compares digests (no timing
//! signal about the token) and a memory dump holds no usable token. Sessions live in
//! the host's memory: a restart signs browsers out. Nothing here sets a cookie or reads
//! a request; the router does.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::dir::random_token;

/// How long a session lasts without being used.
pub const IDLE_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a session lasts at most (the cookie's Max-Age too).
pub const ABSOLUTE_TTL: Duration = Duration::from_secs(14 * 24 * 3600);
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

/// How long sessions last.
#[derive(Debug, Clone, Copy)]
pub struct Lifetimes {
    /// Without use.
    pub idle: Duration,
    /// At most.
    pub absolute: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Lifetimes {
            idle: IDLE_TTL,
            absolute: ABSOLUTE_TTL,
        }
    }
}

type Digest32 = [u8; 32];

fn digest(token: &str) -> Digest32 {
    Sha256::digest(token.as_bytes()).into()
}

#[derive(Debug)]
struct Session {
    user: String,
    /// The main-host session it came from (its own digest for a main one): signing
    /// out there ends every subdomain session it opened.
    family: Digest32,
    scope: Scope,
    csrf: String,
    ends: Instant,
    idle_ends: Instant,
}

/// The host's sessions and pending one-time tokens.
#[derive(Debug, Default)]
pub struct Sessions {
    lifetimes: Lifetimes,
    sessions: Mutex<HashMap<Digest32, Session>>,
    logins: Mutex<HashMap<Digest32, Instant>>,
    hops: Mutex<HashMap<Digest32, Hop>>,
}

#[derive(Debug)]
struct Hop {
    service: String,
    user: String,
    family: Option<Digest32>,
    until: Instant,
}

fn take<V>(map: &Mutex<HashMap<Digest32, V>>, token: &str) -> Option<V> {
    map.lock().expect("sessions lock").remove(&digest(token))
}

/// A new session: its cookie token and its CSRF token.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The cookie's value.
    pub token: String,
    /// The synchronizer token forms and scripts send back.
    pub csrf: String,
}

impl Sessions {
    /// Sessions that last `lifetimes`.
    pub fn new(lifetimes: Lifetimes) -> Sessions {
        Sessions {
            lifetimes,
            ..Sessions::default()
        }
    }

    /// How long sessions last.
    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }

    /// A new one-time login link token.
    pub fn login_token(&self) -> String {
        let token = random_token();
        let mut logins = self.logins.lock().expect("sessions lock");
        let now = Instant::now();
        logins.retain(|_, until| *until > now);
        logins.insert(digest(&token), now + LOGIN_TTL);
        token
    }

    /// True when `token` is a live login link (not spent by looking).
    pub fn login_pending(&self, token: &str) -> bool {
        let logins = self.logins.lock().expect("sessions lock");
        logins
            .get(&digest(token))
            .is_some_and(|until| *until > Instant::now())
    }

    /// Spends a login link token; false if unknown, used or expired.
    pub fn spend_login(&self, token: &str) -> bool {
        take(&self.logins, token).is_some_and(|until| until > Instant::now())
    }

    /// A one-time hop token carrying `user`'s main-host session (`parent`, when the
    /// caller has one) to service `id`.
    pub fn hop_token(&self, id: &str, user: &str, parent: Option<&str>) -> String {
        let token = random_token();
        let mut hops = self.hops.lock().expect("sessions lock");
        let now = Instant::now();
        hops.retain(|_, h| h.until > now);
        let hop = Hop {
            service: id.to_string(),
            user: user.to_string(),
            family: parent.map(digest),
            until: now + BST_TTL,
        };
        hops.insert(digest(&token), hop);
        token
    }

    /// Spends a hop token on service `id`'s subdomain for a session there.
    pub fn hop(&self, token: &str, id: &str) -> Option<Opened> {
        let hop = take(&self.hops, token)?;
        (hop.service == id && hop.until > Instant::now())
            .then(|| self.open_in(&hop.user, Scope::Service(hop.service), hop.family))
    }

    /// A new session for `user` in `scope`.
    pub fn open(&self, user: &str, scope: Scope) -> Opened {
        self.open_in(user, scope, None)
    }

    fn open_in(&self, user: &str, scope: Scope, family: Option<Digest32>) -> Opened {
        let (token, csrf) = (random_token(), random_token());
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let now = Instant::now();
        sessions.retain(|_, s| s.ends > now && s.idle_ends > now);
        sessions.insert(
            digest(&token),
            Session {
                user: user.to_string(),
                family: family.unwrap_or_else(|| digest(&token)),
                scope,
                csrf: csrf.clone(),
                ends: now + self.lifetimes.absolute,
                idle_ends: now + self.lifetimes.idle,
            },
        );
        Opened { token, csrf }
    }

    /// The user of a live session for `scope` (and its use renews the idle expiry).
    pub fn valid(&self, token: &str, scope: &Scope) -> Option<String> {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let now = Instant::now();
        let s = sessions.get_mut(&digest(token))?;
        if s.scope != *scope || s.ends <= now || s.idle_ends <= now {
            return None;
        }
        s.idle_ends = now + self.lifetimes.idle;
        Some(s.user.clone())
    }

    /// True when `csrf` is the synchronizer token of session `token` (constant time).
    pub fn csrf_ok(&self, token: &str, csrf: &str) -> bool {
        use subtle::ConstantTimeEq;
        let sessions = self.sessions.lock().expect("sessions lock");
        sessions
            .get(&digest(token))
            .is_some_and(|s| bool::from(s.csrf.as_bytes().ct_eq(csrf.as_bytes())))
    }

    /// The synchronizer token of session `token`.
    pub fn csrf(&self, token: &str) -> Option<String> {
        let sessions = self.sessions.lock().expect("sessions lock");
        sessions.get(&digest(token)).map(|s| s.csrf.clone())
    }

    /// Ends a session, and every subdomain session it opened.
    pub fn close(&self, token: &str) {
        let family = digest(token);
        let mut sessions = self.sessions.lock().expect("sessions lock");
        sessions.remove(&family);
        sessions.retain(|_, s| s.family != family);
    }

    /// Ends every session and pending hop of `user`; how many sessions ended.
    pub fn end_user(&self, user: &str) -> usize {
        let mut sessions = self.sessions.lock().expect("sessions lock");
        let before = sessions.len();
        sessions.retain(|_, s| s.user != user);
        self.hops
            .lock()
            .expect("sessions lock")
            .retain(|_, h| h.user != user);
        before - sessions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_links_and_hops_work_once_and_only_for_their_scope() {
        let s = Sessions::default();
        let link = s.login_token();
        assert!(s.login_pending(&link));
        assert!(s.spend_login(&link));
        assert!(!s.spend_login(&link), "a login link works once");
        let main = s.open("alice", Scope::Main);
        assert_eq!(s.valid(&main.token, &Scope::Main).as_deref(), Some("alice"));
        assert!(s
            .valid(&main.token, &Scope::Service("hello".into()))
            .is_none());
        let hop = s.hop_token("hello", "alice", Some(&main.token));
        assert!(s.hop(&hop, "other").is_none(), "a hop is for one service");
        let hop = s.hop_token("hello", "alice", Some(&main.token));
        let sub = s.hop(&hop, "hello").unwrap();
        assert!(s.hop(&hop, "hello").is_none());
        assert_eq!(
            s.valid(&sub.token, &Scope::Service("hello".into()))
                .as_deref(),
            Some("alice")
        );
        assert!(s.valid(&sub.token, &Scope::Main).is_none());
        assert!(s.csrf_ok(&sub.token, &sub.csrf));
        assert!(
            !s.csrf_ok(&sub.token, &main.csrf),
            "each session has its own"
        );
        s.close(&sub.token);
        assert!(s
            .valid(&sub.token, &Scope::Service("hello".into()))
            .is_none());
        let hop = s.hop_token("hello", "alice", Some(&main.token));
        let sub = s.hop(&hop, "hello").unwrap();
        s.close(&main.token);
        assert!(s.valid(&main.token, &Scope::Main).is_none());
        assert!(
            s.valid(&sub.token, &Scope::Service("hello".into()))
                .is_none(),
            "signing out ends the subdomain sessions it opened"
        );
        assert!(s.valid("made-up", &Scope::Main).is_none());
    }

    #[test]
    fn sessions_end_when_idle_at_their_end_or_with_their_user() {
        let s = Sessions::new(Lifetimes {
            idle: Duration::from_millis(150),
            absolute: Duration::from_millis(400),
        });
        let a = s.open("alice", Scope::Main);
        for _ in 0..3 {
            std::thread::sleep(Duration::from_millis(80));
            assert!(s.valid(&a.token, &Scope::Main).is_some(), "use renews");
        }
        std::thread::sleep(Duration::from_millis(200));
        assert!(s.valid(&a.token, &Scope::Main).is_none(), "idle too long");
        let b = s.open("bob", Scope::Main);
        let start = Instant::now();
        for _ in 0..20 {
            if s.valid(&b.token, &Scope::Main).is_none() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let lasted = start.elapsed();
        assert!(
            lasted >= Duration::from_millis(350) && lasted < Duration::from_millis(900),
            "used every 50 ms, it ends at its absolute expiry: {lasted:?}"
        );
        let b2 = s.open("bob", Scope::Main);
        let b3 = s.open("bob", Scope::Service("notes".into()));
        let hop = s.hop_token("notes", "bob", None);
        let c = s.open("carol", Scope::Main);
        assert_eq!(s.end_user("bob"), 2);
        assert!(s.valid(&b2.token, &Scope::Main).is_none());
        assert!(s
            .valid(&b3.token, &Scope::Service("notes".into()))
            .is_none());
        assert!(s.hop(&hop, "notes").is_none(), "pending hops end too");
        assert!(s.valid(&c.token, &Scope::Main).is_some());
    }
}
