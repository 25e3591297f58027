//! Who may sign a core, and how a signature is checked: the manifest, the core key and
//! discovery key derived from it, the signable bytes and the signature encodings
//! (`reference/wire/hypercore.md` §4–6; `hypercore@11/lib/verifier.js`, `messages.js`).
//!
//! A core made today has a v1 manifest whose hash is its key, and its signatures are in
//! the multisig encoding even with one signer. A core of hypercore ≤ 10 ("compat") has
//! its signer's public key as its key and raw 64-byte signatures over a shorter
//! signable. [`Verifier`] hides the difference: it signs and verifies a tree hash,
//! length and fork. Patches (`allowPatch`), block encryption and `linked`/`userData`
//! semantics are not implemented: such manifests decode and hash exactly (so keys
//! match), but a signature that relies on a patch is refused, never half-checked.
//!
//! Decoding is total: hostile bytes give a [`ManifestError`], never a panic.

use ed25519_dalek::{Signature, Signer as _, VerifyingKey};

use crate::keys::KeyPair;
use crate::swarm::codec::{DecodeError, Reader, Writer};
use crate::swarm::crypto::{self, Key32};

use super::caps::Namespace;
use super::tree::Node;

/// Manifest flag bits (version ≥ 1).
const FLAG_ALLOW_PATCH: u64 = 1;
const FLAG_PROLOGUE: u64 = 1 << 1;
const FLAG_LINKED: u64 = 1 << 2;
const FLAG_USER_DATA: u64 = 1 << 3;

/// The only hash algorithm hypercore knows (`blake2b`).
const HASH_BLAKE2B: u64 = 0;
/// The only signature scheme hypercore knows (`ed25519`).
const SIGNATURE_ED25519: u64 = 0;
/// The newest manifest version Node writes or reads.
const MAX_VERSION: u64 = 3;
/// v0 manifest layouts.
const V0_PROLOGUE_ONLY: u64 = 0;
const V0_ONE_SIGNER: u64 = 1;
const V0_MANY_SIGNERS: u64 = 2;

/// Why a manifest or a signature could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The bytes are truncated or malformed.
    #[error("malformed manifest: {0}")]
    Decode(#[from] DecodeError),
    /// A version this implementation does not know.
    #[error("unknown manifest version {0}")]
    UnknownVersion(u64),
    /// A hash algorithm other than BLAKE2b.
    #[error("unknown manifest hash algorithm {0}")]
    UnknownHash(u64),
    /// A signature scheme other than Ed25519.
    #[error("unknown manifest signature scheme {0}")]
    UnknownSignature(u64),
    /// A v0 manifest layout other than 0, 1, 2.
    #[error("unknown v0 manifest type {0}")]
    UnknownType(u64),
    /// The manifest does not hash to the core's key (and is not a compat manifest of it).
    #[error("the manifest does not belong to this core key")]
    WrongKey,
}

/// One signer of a manifest: an Ed25519 public key and the namespace it signs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestSigner {
    /// The signer's namespace (the default namespace unless given).
    pub namespace: Key32,
    /// The signer's Ed25519 public key.
    pub public_key: Key32,
}

/// A prologue: the first `length` blocks are fixed by their tree hash, unsigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prologue {
    /// The tree hash of the first `length` blocks.
    pub hash: Key32,
    /// How many blocks the prologue covers.
    pub length: u64,
}

/// How a core is verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// 0 for cores made before hypercore 11, else 1–3.
    pub version: u64,
    /// Whether signers may sign older lengths plus patches (not implemented here).
    pub allow_patch: bool,
    /// How many distinct signers must sign.
    pub quorum: u64,
    /// Who may sign.
    pub signers: Vec<ManifestSigner>,
    /// Blocks fixed by hash at creation.
    pub prologue: Option<Prologue>,
    /// Linked core keys (v2+), opaque here.
    pub linked: Option<Vec<Key32>>,
    /// Application data (v2+), opaque here.
    pub user_data: Option<Vec<u8>>,
}

impl Manifest {
    /// The manifest Node gives a core of one signer: v1, quorum 1, default namespace.
    pub fn single_signer(public_key: Key32) -> Manifest {
        Manifest {
            version: 1,
            allow_patch: false,
            quorum: 1,
            signers: vec![ManifestSigner {
                namespace: *Namespace::DEFAULT_NAMESPACE.bytes(),
                public_key,
            }],
            prologue: None,
            linked: None,
            user_data: None,
        }
    }

    /// The compact encoding (the bytes the key hashes and the wire carries).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::with_capacity(70);
        w.uint(self.version);
        if self.version == 0 {
            self.encode_v0(&mut w);
            return w.into_vec();
        }
        let mut flags = 0;
        for (on, bit) in [
            (self.allow_patch, FLAG_ALLOW_PATCH),
            (self.prologue.is_some(), FLAG_PROLOGUE),
            (self.linked.is_some(), FLAG_LINKED),
            (self.user_data.is_some(), FLAG_USER_DATA),
        ] {
            if on {
                flags |= bit;
            }
        }
        w.uint(flags).uint(HASH_BLAKE2B).uint(self.quorum);
        w.array(&self.signers, encode_signer);
        if let Some(p) = &self.prologue {
            w.bytes(&p.hash).uint(p.length);
        }
        if let Some(linked) = &self.linked {
            w.array(linked, |w, k| {
                w.bytes(k);
            });
        }
        if let Some(data) = &self.user_data {
            w.buffer(data);
        }
        w.into_vec()
    }

    fn encode_v0(&self, w: &mut Writer) {
        w.uint(HASH_BLAKE2B);
        match (&self.prologue, &self.signers[..]) {
            (Some(p), []) => {
                w.uint(V0_PROLOGUE_ONLY).bytes(&p.hash);
            }
            (_, [one]) if self.quorum == 1 && !self.allow_patch => {
                w.uint(V0_ONE_SIGNER);
                encode_signer(w, one);
            }
            _ => {
                w.uint(V0_MANY_SIGNERS)
                    .uint(u64::from(self.allow_patch))
                    .uint(self.quorum);
                w.array(&self.signers, encode_signer);
            }
        }
    }

    /// Reads a manifest from its encoding.
    pub fn decode(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        Self::decode_from(&mut Reader::new(bytes))
    }

    /// Reads a manifest from a message being decoded.
    pub fn decode_from(r: &mut Reader<'_>) -> Result<Manifest, ManifestError> {
        let version = r.uint()?;
        if version == 0 {
            return Self::decode_v0(r);
        }
        if version > MAX_VERSION {
            return Err(ManifestError::UnknownVersion(version));
        }
        let flags = r.uint()?;
        expect_hash(r)?;
        let quorum = r.uint()?;
        let signers = decode_signers(r)?;
        let prologue = if flags & FLAG_PROLOGUE != 0 {
            Some(Prologue {
                hash: r.fixed()?,
                length: r.uint()?,
            })
        } else {
            None
        };
        let linked = if flags & FLAG_LINKED != 0 {
            Some(r.array(|r| r.fixed::<32>())?)
        } else {
            None
        };
        let user_data = if flags & FLAG_USER_DATA != 0 {
            Some(r.buffer()?.to_vec())
        } else {
            None
        };
        Ok(Manifest {
            version,
            allow_patch: flags & FLAG_ALLOW_PATCH != 0,
            quorum,
            signers,
            prologue,
            linked,
            user_data,
        })
    }

    fn decode_v0(r: &mut Reader<'_>) -> Result<Manifest, ManifestError> {
        expect_hash(r)?;
        let mut m = Manifest {
            version: 0,
            allow_patch: false,
            quorum: 1,
            signers: Vec::new(),
            prologue: None,
            linked: None,
            user_data: None,
        };
        match r.uint()? {
            V0_PROLOGUE_ONLY => {
                m.quorum = 0;
                m.prologue = Some(Prologue {
                    hash: r.fixed()?,
                    length: 0,
                });
            }
            V0_ONE_SIGNER => m.signers = vec![decode_signer(r)?],
            V0_MANY_SIGNERS => {
                m.allow_patch = r.uint()? & 1 != 0;
                m.quorum = r.uint()?;
                m.signers = decode_signers(r)?;
            }
            other => return Err(ManifestError::UnknownType(other)),
        }
        Ok(m)
    }

    /// The manifest's hash: the key of a (non-compat) core.
    pub fn hash(&self) -> Key32 {
        crypto::hash(&[Namespace::MANIFEST.bytes(), &self.encode()])
    }
}

fn expect_hash(r: &mut Reader<'_>) -> Result<(), ManifestError> {
    match r.uint()? {
        HASH_BLAKE2B => Ok(()),
        other => Err(ManifestError::UnknownHash(other)),
    }
}

fn encode_signer(w: &mut Writer, s: &ManifestSigner) {
    w.uint(SIGNATURE_ED25519)
        .bytes(&s.namespace)
        .bytes(&s.public_key);
}

fn decode_signer(r: &mut Reader<'_>) -> Result<ManifestSigner, ManifestError> {
    match r.uint()? {
        SIGNATURE_ED25519 => Ok(ManifestSigner {
            namespace: r.fixed()?,
            public_key: r.fixed()?,
        }),
        other => Err(ManifestError::UnknownSignature(other)),
    }
}

fn decode_signers(r: &mut Reader<'_>) -> Result<Vec<ManifestSigner>, ManifestError> {
    let n = r.array_len()?;
    let mut out = Vec::with_capacity(n.min(16));
    for _ in 0..n {
        out.push(decode_signer(r)?);
    }
    Ok(out)
}

/// The discovery key of a core: the swarm topic and protomux channel id that name it
/// without revealing the key.
pub fn discovery_key(key: &Key32) -> Key32 {
    crypto::keyed_hash(key, b"hypercore")
}

/// One proof of a multisig signature: which signer, its signature, its patch length.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SignerProof {
    signer: u64,
    signature: [u8; 64],
    patch: u64,
}

/// Signs and verifies a core's trees as Node does for its manifest.
#[derive(Debug, Clone)]
pub struct Verifier {
    key: Key32,
    manifest: Manifest,
    compat: bool,
}

impl Verifier {
    /// The verifier of the core `key` under `manifest`: the manifest must hash to the
    /// key, or be a one-signer manifest whose public key is the key (a compat core).
    pub fn new(key: Key32, manifest: Manifest) -> Result<Verifier, ManifestError> {
        let compat = manifest.signers.len() == 1 && manifest.signers[0].public_key == key;
        if !compat && manifest.hash() != key {
            return Err(ManifestError::WrongKey);
        }
        Ok(Verifier {
            key,
            manifest,
            compat,
        })
    }

    /// The verifier of a hypercore ≤ 10 core whose key is the signer's public key.
    pub fn compat(public_key: Key32) -> Verifier {
        Verifier {
            key: public_key,
            manifest: Manifest::single_signer(public_key),
            compat: true,
        }
    }

    /// The core key.
    pub fn key(&self) -> &Key32 {
        &self.key
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether the key is the signer's public key (no manifest travels on the wire).
    pub fn is_compat(&self) -> bool {
        self.compat
    }

    /// The bytes `signer` signs for the tree `(tree_hash, length, fork)`.
    fn signable(
        &self,
        signer: &ManifestSigner,
        tree_hash: &Key32,
        length: u64,
        fork: u64,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(112);
        out.extend_from_slice(Namespace::TREE.bytes());
        if !self.compat {
            // A v0 manifest signs under the signer's namespace, v1+ under the key.
            out.extend_from_slice(if self.manifest.version == 0 {
                &signer.namespace
            } else {
                &self.key
            });
        }
        out.extend_from_slice(tree_hash);
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(&fork.to_le_bytes());
        out
    }

    /// Whether the signatures are raw 64 bytes rather than the multisig encoding.
    fn raw_signatures(&self) -> bool {
        self.compat
            || (self.manifest.version == 0
                && self.manifest.signers.len() == 1
                && !self.manifest.allow_patch)
    }

    /// The stored/wire signature of `(tree_hash, length, fork)` by `pair`, or `None`
    /// when `pair` is not the manifest's only signer.
    pub fn sign(
        &self,
        pair: &KeyPair,
        tree_hash: &Key32,
        length: u64,
        fork: u64,
    ) -> Option<Vec<u8>> {
        let [signer] = &self.manifest.signers[..] else {
            return None;
        };
        if &signer.public_key != pair.public_key().as_bytes() {
            return None;
        }
        let signature = pair
            .signing_key()
            .sign(&self.signable(signer, tree_hash, length, fork))
            .to_bytes();
        if self.raw_signatures() {
            return Some(signature.to_vec());
        }
        let mut w = Writer::with_capacity(68);
        w.uint(1).uint(0).bytes(&signature).uint(0).uint(0);
        Some(w.into_vec())
    }

    /// Whether `signature` signs the tree `(tree_hash, length, fork)` for this core.
    pub fn verify(&self, signature: &[u8], tree_hash: &Key32, length: u64, fork: u64) -> bool {
        if self.raw_signatures() {
            let Ok(raw) = <[u8; 64]>::try_from(signature) else {
                return false;
            };
            let signer = &self.manifest.signers[0];
            return verify_one(
                signer,
                &self.signable(signer, tree_hash, length, fork),
                &raw,
            );
        }
        if let Some(p) = &self.manifest.prologue {
            if length <= p.length {
                return length == p.length && *tree_hash == p.hash;
            }
        }
        if self.manifest.version == 0 {
            // The v0 multisig layout (patches as upgrades) is not implemented.
            return false;
        }
        let Ok(proofs) = decode_multisig(signature) else {
            return false;
        };
        let quorum = self.manifest.quorum;
        if quorum == 0 || (proofs.len() as u64) < quorum {
            return false;
        }
        let mut used = vec![false; self.manifest.signers.len()];
        for proof in proofs.iter().take(quorum as usize) {
            let Some(i) = usize::try_from(proof.signer)
                .ok()
                .filter(|i| *i < used.len())
            else {
                return false;
            };
            if used[i] || (proof.patch != 0 && self.manifest.allow_patch) {
                return false;
            }
            used[i] = true;
            let signer = &self.manifest.signers[i];
            if !verify_one(
                signer,
                &self.signable(signer, tree_hash, length, fork),
                &proof.signature,
            ) {
                return false;
            }
        }
        true
    }
}

fn verify_one(signer: &ManifestSigner, message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&signer.public_key) else {
        return false;
    };
    key.verify_strict(message, &Signature::from_bytes(signature))
        .is_ok()
}

/// `multiSignature`: `array(proof) ‖ array(node)`. The patch nodes must be well formed
/// (Node refuses a signature whose decode fails) but are otherwise unused.
fn decode_multisig(bytes: &[u8]) -> Result<Vec<SignerProof>, DecodeError> {
    let mut r = Reader::new(bytes);
    let proofs = r.array(|r| {
        Ok(SignerProof {
            signer: r.uint()?,
            signature: r.fixed()?,
            patch: r.uint()?,
        })
    })?;
    r.array(Node::decode)?;
    Ok(proofs)
}

#[cfg(test)]
mod tests;
