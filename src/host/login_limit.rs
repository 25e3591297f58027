//! How many wrong passwords the host takes before it stops checking: failed logins are
//! counted per source address (any username) and per username from one address, in a
//! sliding window; past a limit the login is refused before any password is hashed,
//! with how long to wait. A flood against one user from one address therefore locks
//! out that address, never the user signing in from elsewhere (an attacker must not be
//! able to lock people out of their home cloud); across many addresses each one still
//! pays Argon2 per guess and hits its own limit.
//!
//! Memory is bounded: expired counts are dropped, and past [`MAX_TRACKED`] sources the
//! oldest are forgotten. Nothing here checks a password.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// Failures from one address (any usernames) within the window.
pub const PER_SOURCE: usize = 20;
/// Failures for one username from one address within the window.
pub const PER_USER_SOURCE: usize = 5;
/// Counters kept at most.
const MAX_TRACKED: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Source(Option<IpAddr>),
    UserSource(String, Option<IpAddr>),
}

/// The failed-login counters of one host.
#[derive(Debug, Default)]
pub struct LoginLimit {
    failures: Mutex<HashMap<Key, VecDeque<Instant>>>,
}

impl LoginLimit {
    fn keys(source: Option<IpAddr>, username: &str) -> [(Key, usize); 2] {
        let user = username.trim().to_ascii_lowercase();
        [
            (Key::Source(source), PER_SOURCE),
            (Key::UserSource(user, source), PER_USER_SOURCE),
        ]
    }

    /// `Ok` when a login for `username` from `source` may be tried now; else how long
    /// until it may.
    pub fn check(&self, source: Option<IpAddr>, username: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("login limit lock");
        let mut wait = Duration::ZERO;
        for (key, limit) in Self::keys(source, username) {
            if let Some(times) = failures.get_mut(&key) {
                while times
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= WINDOW)
                {
                    times.pop_front();
                }
                if times.len() >= limit {
                    let oldest = times[times.len() - limit];
                    wait = wait.max(WINDOW.saturating_sub(now.duration_since(oldest)));
                }
            }
        }
        if wait.is_zero() {
            Ok(())
        } else {
            Err(wait.max(Duration::from_secs(1)))
        }
    }

    /// Counts a failed login.
    pub fn failed(&self, source: Option<IpAddr>, username: &str) {
        let now = Instant::now();
        let mut failures = self.failures.lock().expect("login limit lock");
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, t| t.back().is_some_and(|t| now.duration_since(*t) < WINDOW));
            if failures.len() >= MAX_TRACKED {
                let mut by_age: Vec<(Key, Instant)> = failures
                    .iter()
                    .filter_map(|(k, t)| t.back().map(|t| (k.clone(), *t)))
                    .collect();
                by_age.sort_by_key(|(_, t)| *t);
                for (k, _) in by_age.into_iter().take(MAX_TRACKED / 2) {
                    failures.remove(&k);
                }
            }
        }
        for (key, _) in Self::keys(source, username) {
            failures.entry(key).or_default().push_back(now);
        }
    }

    /// A login succeeded: the count for this username from this address starts over.
    pub fn succeeded(&self, source: Option<IpAddr>, username: &str) {
        let [_, (pair, _)] = Self::keys(source, username);
        self.failures
            .lock()
            .expect("login limit lock")
            .remove(&pair);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn a_flood_locks_out_its_address_not_the_user() {
        let limit = LoginLimit::default();
        let attacker = ip("127.0.0.2");
        for _ in 0..PER_USER_SOURCE {
            assert!(limit.check(attacker, "alice").is_ok());
            limit.failed(attacker, "alice");
        }
        let wait = limit.check(attacker, "ALICE").unwrap_err();
        assert!(
            wait > WINDOW - Duration::from_secs(5) && wait <= WINDOW,
            "{wait:?}"
        );
        assert!(
            limit.check(ip("127.0.0.1"), "alice").is_ok(),
            "alice elsewhere"
        );
        // Other names from the attacker, up to the per-address limit.
        for n in PER_USER_SOURCE..PER_SOURCE {
            let name = format!("user{n}");
            assert!(limit.check(attacker, &name).is_ok(), "{name}");
            limit.failed(attacker, &name);
        }
        assert!(limit.check(attacker, "someone-new").is_err());
        assert!(limit.check(ip("127.0.0.1"), "someone-new").is_ok());
    }

    #[test]
    fn a_success_starts_the_user_count_over() {
        let limit = LoginLimit::default();
        let me = ip("127.0.0.1");
        for _ in 0..PER_USER_SOURCE - 1 {
            limit.failed(me, "bob");
        }
        limit.succeeded(me, "bob");
        for _ in 0..PER_USER_SOURCE - 1 {
            limit.failed(me, "bob");
        }
        assert!(limit.check(me, "bob").is_ok());
        limit.failed(me, "bob");
        assert!(limit.check(me, "bob").is_err());
    }

    #[test]
    fn memory_stays_bounded() {
        let limit = LoginLimit::default();
        for n in 0..(MAX_TRACKED as u32 + 10) {
            let source = Some(IpAddr::from(n.to_be_bytes()));
            limit.failed(source, "x");
        }
        assert!(limit.failures.lock().unwrap().len() <= MAX_TRACKED + 2);
    }
}
