//! How people write a core's key: 64 hex digits, or the z-base-32 form npm
//! `hypercore-id-encoding` prints (52 characters, what Keet and Pear show, optionally
//! behind `pear://`). Printed as hex in JSON, as ADB's `dbId` is.

use std::sync::LazyLock;

use data_encoding::{Encoding, Specification, HEXLOWER_PERMISSIVE};

use crate::swarm::crypto::Key32;

static Z32: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = Specification::new();
    spec.symbols.push_str("ybndrfg8ejkmcpqxot1uwisza345h769");
    spec.encoding()
        .expect("the z-base-32 alphabet is a valid specification")
});

/// A string that is not a core key in either form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a hypercore key (64 hex digits or 52 z-base-32 characters)")]
pub struct BadKey(pub String);

/// Reads a core key from either form.
pub fn parse_key(text: &str) -> Result<Key32, BadKey> {
    let bad = || BadKey(text.chars().take(80).collect());
    let t = text.trim();
    let t = t
        .strip_prefix("pear://")
        .map_or(t, |r| r.split('/').next().unwrap_or(r));
    let bytes = match t.len() {
        64 => HEXLOWER_PERMISSIVE
            .decode(t.as_bytes())
            .map_err(|_| bad())?,
        52 => Z32.decode(t.as_bytes()).map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    Key32::try_from(bytes).map_err(|_| bad())
}

/// The z-base-32 form of a key.
pub fn z32(key: &Key32) -> String {
    Z32.encode(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_read_as_node_writes_them() {
        // hypercore-id-encoding@1.3.0's encode() of the vector core's key.
        let hex = "41578a02f97c456853c2f8662e38345bbf62baa4de8fb1e455987f90442c4cf7";
        let z = "efmawyz3xtnsow6n9bunhqbwmq9sfqir5485d3niub93ytbcju5o";
        let key = parse_key(hex).unwrap();
        assert_eq!(z32(&key), z);
        assert_eq!(parse_key(z), Ok(key));
        assert_eq!(parse_key(&hex.to_uppercase()), Ok(key));
        assert_eq!(parse_key(&format!("pear://{z}/app")), Ok(key));
        let mut first = [0u8; 32];
        first[0] = 0xff;
        assert!(z32(&first).starts_with("9hyyy"));
        for bad in ["", "abc", &hex[1..], &z[1..], &format!("{}!", &z[1..])] {
            assert!(parse_key(bad).is_err(), "{bad}");
        }
    }
}
