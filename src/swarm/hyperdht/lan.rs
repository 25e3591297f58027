//! The LAN shortcut (hyperdht `holepuncher.js` `localAddresses`/`matchAddress`, and
//! connect.js's LAN race): two peers behind the same NAT cannot reach each other
//! through its public address (most routers do not hairpin), but they can on the LAN.
//! Each side lists its own interface addresses in the handshake; a client that sees
//! the server at its own public IP pings the server's LAN address that best matches
//! one of its own subnets, and connects there if it answers.

use std::net::{Ipv4Addr, SocketAddrV4};

/// Our IPv4 interface addresses (loopback left out) with `port`; just `bound` when
/// the socket is bound to one address; `127.0.0.1` when there is nothing else.
pub fn local_addresses(bound: SocketAddrV4) -> Vec<SocketAddrV4> {
    if !bound.ip().is_unspecified() {
        return vec![bound];
    }
    let mut out: Vec<SocketAddrV4> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            std::net::IpAddr::V4(ip) => Some(SocketAddrV4::new(ip, bound.port())),
            std::net::IpAddr::V6(_) => None,
        })
        .collect();
    out.dedup();
    if out.is_empty() {
        out.push(SocketAddrV4::new(Ipv4Addr::LOCALHOST, bound.port()));
    }
    out
}

/// Private (RFC 1918) addresses: the only ones worth trying on a LAN.
pub fn is_private(a: &SocketAddrV4) -> bool {
    a.ip().is_private()
}

/// Of `theirs`, the address sharing the longest leading octets (1–3) with one of
/// `ours`: same /24 wins at once, then /16, then /8; `None` if no first octet matches.
pub fn best_match(ours: &[SocketAddrV4], theirs: &[SocketAddrV4]) -> Option<SocketAddrV4> {
    let mut best: Option<(usize, SocketAddrV4)> = None;
    for a in ours {
        for b in theirs {
            let shared = a
                .ip()
                .octets()
                .iter()
                .zip(b.ip().octets().iter())
                .take(3)
                .take_while(|(x, y)| x == y)
                .count();
            if shared == 3 {
                return Some(*b);
            }
            if shared > 0 && best.is_none_or(|(n, _)| shared > n) {
                best = Some((shared, *b));
            }
        }
    }
    best.map(|(_, b)| b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddrV4 {
        s.parse().unwrap()
    }

    #[test]
    fn the_same_subnet_wins() {
        let ours = [a("192.168.122.238:1")];
        let theirs = [a("192.168.0.23:2"), a("192.168.122.1:3"), a("10.0.0.5:4")];
        assert_eq!(best_match(&ours, &theirs), Some(a("192.168.122.1:3")));
        assert_eq!(
            best_match(&ours, &[a("192.168.0.23:2"), a("192.1.0.1:9")]),
            Some(a("192.168.0.23:2"))
        );
        assert_eq!(best_match(&ours, &[a("10.0.0.5:4")]), None);
        assert_eq!(best_match(&ours, &[]), None);
    }

    #[test]
    fn a_specific_bind_is_its_own_address() {
        assert_eq!(
            local_addresses(a("192.168.1.2:5000")),
            vec![a("192.168.1.2:5000")]
        );
        let any = local_addresses(a("0.0.0.0:5000"));
        assert!(!any.is_empty());
        assert!(any.iter().all(|x| x.port() == 5000));
        assert!(any.iter().all(|x| !x.ip().is_loopback()) || any == [a("127.0.0.1:5000")]);
    }

    #[test]
    fn only_private_addresses_are_tried() {
        assert!(is_private(&a("192.168.1.2:1")));
        assert!(is_private(&a("10.1.2.3:1")));
        assert!(!is_private(&a("8.8.8.8:1")));
        assert!(!is_private(&a("127.0.0.1:1")));
    }
}
