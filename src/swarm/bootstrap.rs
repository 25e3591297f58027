//! The bootstrap list: which DHT nodes a node first asks to join the network. Parsing
//! (`HOST:PORT[,HOST:PORT…]`, where HOST is an IPv4 address, a name, or hyperdht's
//! `IP@NAME` that tries IP and falls back to resolving NAME), the public default, and
//! resolution with a timeout.
//!
//! Parsing is separate from resolving so that a malformed list is refused before a
//! command does anything else. Nothing here prints; errors name the entry, never more.

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::time::Duration;

/// The public HyperDHT bootstrap nodes, for when no other list is given. (A network's
/// first node, `spork dht`, never uses them.)
pub const DEFAULT_BOOTSTRAP: &str =
    "88.99.3.86@node1.hyperdht.org:49737,142.93.90.113@node2.hyperdht.org:49737,138.68.147.8@node3.hyperdht.org:49737";

/// How long resolving one name may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// One entry of a bootstrap list, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BootstrapNode {
    /// An address to use without resolving (`IP@NAME` or a plain IP).
    pub ip: Option<Ipv4Addr>,
    /// The name to resolve when there is no IP.
    pub name: String,
    /// The UDP port.
    pub port: u16,
}

/// What is wrong with a bootstrap list.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// An entry is not `HOST:PORT`.
    #[error("invalid bootstrap node {0:?}: expected HOST:PORT, e.g. 127.0.0.1:49737")]
    Malformed(String),
    /// An IPv6 address (the stack speaks IPv4 only).
    #[error(
        "invalid bootstrap node {0:?}: IPv6 is not supported yet, use an IPv4 address or a name"
    )]
    Ipv6(String),
    /// No entries at all.
    #[error("the bootstrap list is empty: expected HOST:PORT[,HOST:PORT…]")]
    Empty,
    /// Resolving a name took too long.
    #[error("resolving bootstrap node {0} timed out")]
    ResolveTimeout(String),
    /// The name did not resolve.
    #[error("cannot resolve bootstrap node {name}: {source}")]
    Resolve {
        /// The name.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// The name resolved to IPv6 addresses only.
    #[error("bootstrap node {0} has no IPv4 address")]
    NoIpv4(String),
}

impl BootstrapError {
    /// True for a list that is wrong as written (a usage error), false for a
    /// resolution that failed.
    pub fn is_malformed(&self) -> bool {
        matches!(
            self,
            BootstrapError::Malformed(_) | BootstrapError::Ipv6(_) | BootstrapError::Empty
        )
    }
}

/// Parses `HOST:PORT[,HOST:PORT…]` without resolving anything.
pub fn parse(list: &str) -> Result<Vec<BootstrapNode>, BootstrapError> {
    let mut out = Vec::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if item.starts_with('[') || item.matches(':').count() > 1 {
            return Err(BootstrapError::Ipv6(item.to_string()));
        }
        let bad = || BootstrapError::Malformed(item.to_string());
        let (host, port) = item.rsplit_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().ok().filter(|p| *p != 0).ok_or_else(bad)?;
        let (ip, name) = match host.split_once('@') {
            Some((ip, name)) => (ip.parse::<Ipv4Addr>().ok(), name),
            None => (None, host),
        };
        let ip = ip.or_else(|| name.parse().ok());
        if ip.is_none() && name.is_empty() {
            return Err(bad());
        }
        out.push(BootstrapNode {
            ip,
            name: name.to_string(),
            port,
        });
    }
    if out.is_empty() {
        return Err(BootstrapError::Empty);
    }
    Ok(out)
}

/// Resolves parsed entries to addresses (names within a few seconds each).
pub async fn resolve(nodes: &[BootstrapNode]) -> Result<Vec<SocketAddrV4>, BootstrapError> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        if let Some(ip) = node.ip {
            out.push(SocketAddrV4::new(ip, node.port));
            continue;
        }
        let name = &node.name;
        let addrs = tokio::time::timeout(
            RESOLVE_TIMEOUT,
            tokio::net::lookup_host((name.as_str(), node.port)),
        )
        .await
        .map_err(|_| BootstrapError::ResolveTimeout(name.clone()))?
        .map_err(|source| BootstrapError::Resolve {
            name: name.clone(),
            source,
        })?;
        let v4 = addrs.into_iter().find_map(|a| match a {
            SocketAddr::V4(v4) => Some(v4),
            SocketAddr::V6(_) => None,
        });
        out.push(v4.ok_or_else(|| BootstrapError::NoIpv4(name.clone()))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_parse_as_hyperdht_writes_them() {
        let nodes =
            parse(" 127.0.0.1:40001, 88.99.3.86@node1.hyperdht.org:49737,x.test:7").unwrap();
        assert_eq!(nodes[0].ip, Some(Ipv4Addr::LOCALHOST));
        assert_eq!(nodes[1].ip, Some(Ipv4Addr::new(88, 99, 3, 86)));
        assert_eq!(nodes[1].name, "node1.hyperdht.org");
        assert_eq!(
            (nodes[2].ip, nodes[2].name.as_str(), nodes[2].port),
            (None, "x.test", 7)
        );
        assert_eq!(parse(DEFAULT_BOOTSTRAP).unwrap().len(), 3);
    }

    #[test]
    fn malformed_lists_are_usage_errors_naming_the_entry() {
        for (list, message) in [
            ("127.0.0.1", "invalid bootstrap node \"127.0.0.1\": expected HOST:PORT, e.g. 127.0.0.1:49737"),
            ("h:0", "invalid bootstrap node \"h:0\": expected HOST:PORT, e.g. 127.0.0.1:49737"),
            (":80", "invalid bootstrap node \":80\": expected HOST:PORT, e.g. 127.0.0.1:49737"),
            ("[::1]:49737", "invalid bootstrap node \"[::1]:49737\": IPv6 is not supported yet, use an IPv4 address or a name"),
            ("::1:49737", "invalid bootstrap node \"::1:49737\": IPv6 is not supported yet, use an IPv4 address or a name"),
            (" , ", "the bootstrap list is empty: expected HOST:PORT[,HOST:PORT…]"),
        ] {
            let err = parse(list).unwrap_err();
            assert!(err.is_malformed(), "{list}");
            assert_eq!(err.to_string(), message);
        }
    }

    #[tokio::test]
    async fn addresses_resolve_without_a_lookup() {
        let nodes = parse("127.0.0.1:1,10.0.0.1@nowhere.invalid:2").unwrap();
        let addrs = resolve(&nodes).await.unwrap();
        assert_eq!(
            addrs,
            vec![
                "127.0.0.1:1".parse().unwrap(),
                "10.0.0.1:2".parse().unwrap()
            ]
        );
    }
}
