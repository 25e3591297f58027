//! The hash every Hyperswarm layer uses: unkeyed or keyed BLAKE2b with a 32-byte output
//! (libsodium's `crypto_generichash`). Node ids, tokens, targets and namespaces are all
//! built from it.

use blake2::digest::{consts::U32, Mac};
use blake2::{Blake2b, Blake2bMac, Digest};

/// A 32-byte hash, id, target or key.
pub type Key32 = [u8; 32];

/// BLAKE2b-256 of the concatenation of `parts`.
pub fn hash(parts: &[&[u8]]) -> Key32 {
    let mut h = Blake2b::<U32>::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Keyed BLAKE2b-256 (`crypto_generichash(out, message, key)`).
pub fn keyed_hash(key: &[u8], message: &[u8]) -> Key32 {
    // A key of 1..=64 bytes is always accepted by BLAKE2b; callers pass 32.
    let mut mac = Blake2bMac::<U32>::new_from_slice(key).expect("blake2b key of 1..=64 bytes");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// `hypercore-crypto`'s namespace `i` under `name`: `BLAKE2b(BLAKE2b(name) ‖ byte(i))`
/// (HyperDHT's command namespaces, secret-stream's stream-id namespaces).
pub fn namespace(name: &[u8], i: u8) -> Key32 {
    hash(&[&hash(&[name]), &[i]])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_libsodium_generichash() {
        // BLAKE2b-256("hyperswarm/dht"), the HyperDHT namespace base (hyperdht.md §2).
        assert_eq!(
            hex::encode(hash(&[b"hyperswarm/dht"])),
            "d70d90f7efc42f93e1ad5837e682a6010cf551013c2d2d043f40d8fbe07dcb90"
        );
    }
}
