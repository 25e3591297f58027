//! Beam: a 1-1 encrypted pipe keyed by a passphrase, as npm `hyperbeam@3` makes it.
//!
//! The passphrase is the lowercase, unpadded RFC 4648 base32 form of a 32-byte seed;
//! both ends derive the same Ed25519 keypair from it. The announcing end listens under
//! that key and admits only that same key; the other end connects with it. So only
//! holders of the passphrase can pair, and nobody else can even answer.

use std::fmt;

use crate::keys::KeyPair;
use crate::swarm::node::Firewall;

/// Characters in a passphrase: base32 of 32 bytes, unpadded.
pub const PASSPHRASE_LEN: usize = 52;

/// A beam passphrase (the secret both ends share).
#[derive(Clone, PartialEq, Eq)]
pub struct Passphrase([u8; 32]);

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A secret: never in logs by accident.
        f.write_str("Passphrase(..)")
    }
}

/// Why a passphrase was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid passphrase {shown:?}: expected the {PASSPHRASE_LEN}-character base32 passphrase that `spork beam` or `hyperbeam` printed"
)]
pub struct PassphraseError {
    /// The input, shortened if long.
    shown: String,
}

impl Passphrase {
    /// A fresh random passphrase.
    pub fn generate() -> Passphrase {
        Passphrase(rand::random())
    }

    /// Parses a passphrase (any letter case, as hyperbeam accepts).
    pub fn parse(text: &str) -> Result<Passphrase, PassphraseError> {
        let bad = || PassphraseError {
            shown: text.chars().take(64).collect(),
        };
        if text.len() != PASSPHRASE_LEN {
            return Err(bad());
        }
        let bytes = data_encoding::BASE32_NOPAD
            .decode(text.to_ascii_uppercase().as_bytes())
            .map_err(|_| bad())?;
        let seed: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
        Ok(Passphrase(seed))
    }

    /// The keypair both ends use.
    pub fn keypair(&self) -> KeyPair {
        KeyPair::from_seed(&self.0)
    }

    /// The firewall of the announcing end: only the passphrase's own key gets in.
    pub fn firewall(&self) -> Firewall {
        let own = *self.keypair().public_key().as_bytes();
        std::sync::Arc::new(move |remote: &[u8; 32], _| *remote == own)
    }
}

impl fmt::Display for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &data_encoding::BASE32_NOPAD
                .encode(&self.0)
                .to_ascii_lowercase(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every hyperbeam vector of `vectors/hyperdht-app-keys.json`: seed ↔ passphrase ↔
    /// public key.
    #[test]
    fn matches_hyperbeam_vectors() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../tests/vectors/hyperdht-app-keys.json")).unwrap();
        let cases = v["hyperbeam"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for case in cases {
            let text = case["passphrase"].as_str().unwrap();
            let p = Passphrase::parse(text).unwrap();
            assert_eq!(hex::encode(p.0), case["seed"].as_str().unwrap());
            assert_eq!(p.to_string(), text);
            assert_eq!(Passphrase::parse(&text.to_uppercase()).unwrap(), p);
            assert_eq!(
                p.keypair().public_key().to_hex(),
                case["publicKey"].as_str().unwrap()
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_passphrase() {
        for bad in [
            "",
            "hello",
            "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dyp1",
            "aaaqeayeaudaocajbifqydiob4ibceqtcqkrmfyydenbwha5dypqq",
        ] {
            let e = Passphrase::parse(bad).unwrap_err();
            assert!(e.to_string().starts_with("invalid passphrase"), "{e}");
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(format!("{:?}", Passphrase::generate()), "Passphrase(..)");
    }
}
