//! Which peer a request is for, from its Host: `{key}.localhost[:port]` or `{key}.D`
//! for each gateway domain D. The label must be a base32 public key (52 characters:
//! hex would not fit in a DNS label). Never touches the network.

use crate::keys::PublicKey;

/// Where a request goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The bare domain (or `localhost`): the gateway's own landing page.
    Landing,
    /// A peer, by key.
    Peer(PublicKey),
    /// A subdomain of ours that is not a key.
    NotAKey(String),
    /// A host that is none of ours.
    UnknownHost(String),
}

/// Routes `host` (a Host header, any case, maybe with a port) for a gateway serving
/// `domains` (and always `localhost`).
pub fn route(host: &str, domains: &[String]) -> Route {
    let host = host.trim().trim_end_matches('.').to_ascii_lowercase();
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host.as_str(),
    };
    let bases = std::iter::once("localhost").chain(domains.iter().map(|d| d.as_str()));
    for base in bases {
        let base = base.trim_end_matches('.');
        if name == base {
            return Route::Landing;
        }
        if let Some(label) = name.strip_suffix(base).and_then(|s| s.strip_suffix('.')) {
            return match label.parse::<PublicKey>() {
                Ok(key) if !label.contains('.') && label.len() == 52 => Route::Peer(key),
                _ => Route::NotAKey(label.to_string()),
            };
        }
    }
    Route::UnknownHost(name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "x7sj5ty4nvr27judtf5hnp2kuughngjxdyrc6ab6epca2awd5a3q";

    fn domains() -> Vec<String> {
        vec!["atek.app".into(), "example.org".into()]
    }

    #[test]
    fn keys_under_localhost_and_each_domain() {
        let key: PublicKey = KEY.parse().unwrap();
        for host in [
            format!("{KEY}.localhost:8080"),
            format!("{KEY}.localhost"),
            format!("{}.ATEK.app", KEY.to_uppercase()),
            format!("{KEY}.example.org."),
        ] {
            assert_eq!(route(&host, &domains()), Route::Peer(key), "{host}");
        }
    }

    #[test]
    fn bare_domains_land() {
        for host in ["localhost:8080", "atek.app", "Example.org"] {
            assert_eq!(route(host, &domains()), Route::Landing, "{host}");
        }
    }

    #[test]
    fn labels_that_are_not_keys() {
        assert_eq!(
            route("www.atek.app", &domains()),
            Route::NotAKey("www".into())
        );
        let hex = "ab".repeat(32);
        assert_eq!(
            route(&format!("{hex}.localhost"), &domains()),
            Route::NotAKey(hex)
        );
        assert_eq!(
            route(&format!("a.{KEY}.atek.app"), &domains()),
            Route::NotAKey(format!("a.{KEY}"))
        );
    }

    #[test]
    fn other_hosts_are_not_ours() {
        assert_eq!(
            route("127.0.0.1:8080", &domains()),
            Route::UnknownHost("127.0.0.1".into())
        );
        assert_eq!(
            route("evilatek.app", &domains()),
            Route::UnknownHost("evilatek.app".into())
        );
    }
}
