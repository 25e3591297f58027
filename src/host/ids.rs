//! Service ids: they name a service in every CLI verb and API, its folders
//! (`packages/{id}`, `data/{id}`) and its subdomain (`{id}.localhost`), so each is one
//! DNS label — lowercase letters, digits and inner hyphens, at most 63 — and unique in
//! a host (`hello`, then `hello-2`). This module only decides names; it never touches
//! the file system.

/// The longest DNS label.
pub const MAX_LEN: usize = 63;

/// Why an id was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing given.
    #[error("an id cannot be empty")]
    Empty,
    /// Longer than a DNS label.
    #[error("invalid id {0:?}: at most {MAX_LEN} characters")]
    TooLong(String),
    /// A character a DNS label cannot hold (uppercase included).
    #[error(
        "invalid id {0:?}: use lowercase letters, digits and hyphens (it becomes a subdomain)"
    )]
    BadChar(String),
    /// A hyphen at either end.
    #[error("invalid id {0:?}: it cannot start or end with a hyphen")]
    Hyphen(String),
}

/// Checks that `id` is a usable service id.
pub fn check(id: &str) -> Result<(), IdError> {
    if id.is_empty() {
        return Err(IdError::Empty);
    }
    if id.len() > MAX_LEN {
        return Err(IdError::TooLong(id.to_string()));
    }
    if !id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(IdError::BadChar(id.to_string()));
    }
    if id.starts_with('-') || id.ends_with('-') {
        return Err(IdError::Hyphen(id.to_string()));
    }
    Ok(())
}

/// An id made from a name (a manifest's `name`, or the last part of a source path or
/// git URL without `.git`): lowercased, other characters turned into single hyphens,
/// trimmed to a label; `service` if nothing usable is left.
pub fn from_name(name: &str) -> String {
    let last = name
        .trim_end_matches('/')
        .rsplit(['/', ':'])
        .next()
        .unwrap_or(name);
    let last = last.strip_suffix(".git").unwrap_or(last);
    let mut id = String::with_capacity(last.len());
    for c in last.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            id.push(c);
        } else if !id.ends_with('-') {
            id.push('-');
        }
    }
    let id = trim_label(&id, MAX_LEN);
    if id.is_empty() {
        "service".to_string()
    } else {
        id
    }
}

/// `base` if it is free, else `base-2`, `base-3`… (shortened so it stays a label).
pub fn unique(base: &str, taken: impl Fn(&str) -> bool) -> String {
    if !taken(base) {
        return base.to_string();
    }
    (2u32..)
        .map(|n| {
            let suffix = format!("-{n}");
            format!("{}{suffix}", trim_label(base, MAX_LEN - suffix.len()))
        })
        .find(|id| !taken(id))
        .unwrap_or_else(|| base.to_string())
}

/// At most `max` bytes of an ASCII label, with no hyphen at either end.
fn trim_label(s: &str, max: usize) -> String {
    let cut = &s[..s.len().min(max)];
    cut.trim_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dns_labels() {
        for good in ["hello", "a", "hello-2", "x1", &"a".repeat(63)] {
            assert_eq!(check(good), Ok(()), "{good}");
        }
        assert_eq!(check(""), Err(IdError::Empty));
        assert_eq!(
            check("Hello").unwrap_err().to_string(),
            "invalid id \"Hello\": use lowercase letters, digits and hyphens (it becomes a subdomain)"
        );
        for bad in ["a_b", "a.b", "a b", "é"] {
            assert!(matches!(check(bad), Err(IdError::BadChar(_))), "{bad}");
        }
        assert!(matches!(check("-a"), Err(IdError::Hyphen(_))));
        assert!(matches!(check("a-"), Err(IdError::Hyphen(_))));
        assert!(matches!(check(&"a".repeat(64)), Err(IdError::TooLong(_))));
    }

    #[test]
    fn names_and_sources_become_ids() {
        for (name, id) in [
            ("hello", "hello"),
            ("Hello World!", "hello-world"),
            ("/home/me/src/my_service/", "my-service"),
            ("https://example.com/alice/Atek-Hello.git", "atek-hello"),
            ("git@example.com:alice/notes.git", "notes"),
            ("file:///tmp/repos/adb.git", "adb"),
            ("---", "service"),
            ("", "service"),
            ("@scope/pkg", "pkg"),
        ] {
            let got = from_name(name);
            assert_eq!(got, id, "{name}");
            assert_eq!(check(&got), Ok(()), "{name}");
        }
        assert_eq!(from_name(&"x".repeat(100)).len(), 63);
    }

    #[test]
    fn taken_ids_get_a_number() {
        let taken = ["hello", "hello-2"];
        assert_eq!(unique("hello", |id| taken.contains(&id)), "hello-3");
        assert_eq!(unique("new", |id| taken.contains(&id)), "new");
        let long = "a".repeat(63);
        let got = unique(&long, |id| id == long);
        assert_eq!(got.len(), 63);
        assert!(got.ends_with("-2"));
        assert_eq!(check(&got), Ok(()));
    }
}
