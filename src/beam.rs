//! Beam: a 1-1 encrypted pipe keyed by a passphrase, as npm `hyperbeam@3` makes it.
//!
//! The passphrase is the lowercase, unpadded RFC 4648 base32 form of a 32-byte seed;
//! both ends derive the same Ed25519 keypair from it. The announcing end listens under
//! that key and admits only that same key; the other end connects with it. So only
//! holders of the passphrase can pair, and nobody else can even answer.
//!
//! [`wait_for_peer`] and [`reach_peer`] are the two ends' waits; they never print,
//! and `spork beam` shows what they report.

use std::fmt;
use std::time::Duration;

use crate::keys::KeyPair;
use crate::swarm::node::{ConnectError, Connection, Firewall, Node};

/// How long one attempt to reach the other side may take before it is retried.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause between attempts while the other side is not there yet (doubling).
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(8);

/// Why the connecting end stopped waiting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BeamError {
    /// The key's server answered nobody: it refused our key, or it is gone.
    #[error("the peer refused the connection or is not there")]
    Refused,
    /// No DHT node answered.
    #[error(transparent)]
    Isolated(ConnectError),
    /// The waiting end stopped listening before anyone came.
    #[error("stopped listening before the other side connected")]
    Closed,
}

/// The waiting end: listens under the passphrase's key, admits only that key, takes
/// the first connection and stops announcing.
pub async fn wait_for_peer(node: &Node, passphrase: &Passphrase) -> Result<Connection, BeamError> {
    let mut server = node
        .listen(&passphrase.keypair(), passphrase.firewall())
        .await;
    let conn = server.accept().await.ok_or(BeamError::Closed);
    server.close().await;
    conn
}

/// The connecting end: retries (1 s doubling to 8 s) until the other side is there,
/// telling `status` each new reason it is not yet. An announcement nobody answers
/// means the peer refused our key (or is gone): that ends the wait.
pub async fn reach_peer<F>(
    node: &Node,
    passphrase: &Passphrase,
    status: F,
) -> Result<Connection, BeamError>
where
    F: Fn(&str),
{
    let keypair = passphrase.keypair();
    let remote = keypair.public_key();
    let mut pause = RETRY_MIN;
    let mut last_status = String::new();
    loop {
        let now = match tokio::time::timeout(ATTEMPT_TIMEOUT, node.connect(&remote, &keypair)).await
        {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(ConnectError::NoAnswer)) => return Err(BeamError::Refused),
            Ok(Err(e @ ConnectError::Isolated)) => return Err(BeamError::Isolated(e)),
            Ok(Err(ConnectError::PeerNotFound)) => {
                "waiting for the other side to start (not announced yet)...".to_string()
            }
            Ok(Err(e)) => format!("could not connect yet ({e}); retrying..."),
            Err(_) => "the connection attempt timed out; retrying...".to_string(),
        };
        if now != last_status {
            status(&now);
            last_status = now;
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RETRY_MAX);
    }
}

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
