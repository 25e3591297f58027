//! A device's identity on the DHT: an Ed25519 keypair, the public key's text forms, and
//! the keyfile that keeps a keypair between runs.
//!
//! Keys are laid out as libsodium and `hyperdht` lay them out: the secret key is the
//! 32-byte seed followed by the 32-byte public key. A public key is written as RFC 4648
//! base32, lowercase and unpadded (52 characters), and read back from that form (in either
//! case) or from 64 hex digits. A keyfile is the original spork's JSON,
//! `{"publicKey":"<b32>","secretKey":"<b32>"}`, created with mode 0600 and refused — never
//! replaced — when it is unreadable, malformed, inconsistent, readable by other users,
//! owned by another user (one planted in a shared folder, or a symlink to someone
//! else's) or not a regular file (a FIFO must not make a command hang).
//!
//! Nothing here prints: errors are typed ([`ParseKeyError`] for a key someone typed,
//! [`KeyfileError`] for a keyfile) so that commands choose the exit code and the hint.
//! No error message and no `Debug` output ever contains a secret key.

use std::fmt;
use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use data_encoding::{BASE32_NOPAD, HEXLOWER_PERMISSIVE};
use ed25519_dalek::{SigningKey, VerifyingKey};

/// Length of a public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;
/// Length of a secret key in bytes: seed ‖ public key.
pub const SECRET_KEY_LEN: usize = 64;
/// Characters in the base32 form of a public key.
pub const PUBLIC_KEY_B32_LEN: usize = 52;
/// Characters in the base32 form of a secret key.
pub const SECRET_KEY_B32_LEN: usize = 103;

/// Largest keyfile read (a real one is about 180 bytes).
const MAX_KEYFILE_LEN: u64 = 64 * 1024;

/// Lowercase unpadded RFC 4648 base32 of `bytes`.
fn base32(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes).to_ascii_lowercase()
}

/// Decodes unpadded RFC 4648 base32 in either case; `None` unless it is canonical and
/// exactly `N` bytes long.
fn decode_base32<const N: usize>(text: &str) -> Option<[u8; N]> {
    let bytes = BASE32_NOPAD
        .decode(text.to_ascii_uppercase().as_bytes())
        .ok()?;
    bytes.try_into().ok()
}

/// A public key someone typed is neither 52 base32 characters nor 64 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid key {shown}: expected 52 base32 characters or 64 hex digits")]
pub struct ParseKeyError {
    /// The input as the message shows it: quoted, or only its length when it is too long
    /// to be a public key (it may be a pasted secret key).
    shown: String,
}

impl ParseKeyError {
    fn new(input: &str) -> Self {
        let chars = input.chars().count();
        let shown = if chars > 64 {
            format!("({chars} characters)")
        } else {
            format!("{input:?}")
        };
        ParseKeyError { shown }
    }
}

/// An Ed25519 public key: a device's address on the DHT.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey([u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// The key with these bytes.
    pub fn from_bytes(bytes: [u8; PUBLIC_KEY_LEN]) -> Self {
        PublicKey(bytes)
    }

    /// The key's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// The key as 64 lowercase hex digits (the form Node's `hyperdht` prints).
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }
}

impl FromStr for PublicKey {
    type Err = ParseKeyError;

    /// Reads 52 base32 characters (either case, unpadded) or 64 hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = match s.len() {
            PUBLIC_KEY_B32_LEN => decode_base32::<PUBLIC_KEY_LEN>(s),
            64 => HEXLOWER_PERMISSIVE
                .decode(s.as_bytes())
                .ok()
                .and_then(|b| b.try_into().ok()),
            _ => None,
        };
        bytes.map(PublicKey).ok_or_else(|| ParseKeyError::new(s))
    }
}

impl fmt::Display for PublicKey {
    /// Lowercase unpadded base32, 52 characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&base32(&self.0))
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// An Ed25519 keypair: the identity a device listens and connects with.
///
/// Its `Debug` form shows only the public key.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl KeyPair {
    /// A new random keypair from the operating system's generator.
    pub fn generate() -> Self {
        KeyPair {
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// The keypair libsodium's `crypto_sign_seed_keypair` derives from `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        KeyPair {
            signing: SigningKey::from_bytes(seed),
        }
    }

    /// The keypair whose libsodium secret key (seed ‖ public key) this is; `None` if the
    /// public half does not belong to the seed.
    pub fn from_secret_key(secret: &[u8; SECRET_KEY_LEN]) -> Option<Self> {
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&secret[..32]);
        let pair = KeyPair::from_seed(&seed);
        (pair.public_key().as_bytes()[..] == secret[32..]).then_some(pair)
    }

    /// The public key: what others use to reach this device.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    /// The secret key as libsodium and `hyperdht` hold it: seed ‖ public key.
    pub fn secret_key(&self) -> [u8; SECRET_KEY_LEN] {
        self.signing.to_keypair_bytes()
    }

    /// The signing key, for the handshake and for signing records.
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// The verifying (public) key in `ed25519-dalek`'s type.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    /// The keyfile contents: `{"publicKey":"<b32>","secretKey":"<b32>"}` and a newline.
    /// This string holds the secret key.
    pub fn to_keyfile_json(&self) -> String {
        format!(
            "{{\"publicKey\":\"{}\",\"secretKey\":\"{}\"}}\n",
            self.public_key(),
            base32(&self.secret_key())
        )
    }

    /// Reads keyfile contents (see [`KeyPair::to_keyfile_json`]). The error says what is
    /// wrong without repeating the secret.
    pub fn from_keyfile_json(text: &[u8]) -> Result<Self, KeyfileProblem> {
        let value: serde_json::Value =
            serde_json::from_slice(text).map_err(|e| KeyfileProblem::NotJson {
                line: e.line(),
                column: e.column(),
            })?;
        let obj = value.as_object().ok_or(KeyfileProblem::NotAnObject)?;
        let field = |name: &'static str| match obj.get(name) {
            None => Err(KeyfileProblem::Missing(name)),
            Some(serde_json::Value::String(s)) => Ok(s.as_str()),
            Some(_) => Err(KeyfileProblem::NotAString(name)),
        };
        let public_text = field("publicKey")?;
        let secret_text = field("secretKey")?;
        let public: PublicKey = public_text.parse().map_err(|_| KeyfileProblem::PublicKey)?;
        let secret = decode_base32::<SECRET_KEY_LEN>(secret_text)
            .filter(|_| secret_text.len() == SECRET_KEY_B32_LEN)
            .ok_or(KeyfileProblem::SecretKey)?;
        let pair = KeyPair::from_secret_key(&secret).ok_or(KeyfileProblem::Inconsistent)?;
        if pair.public_key() != public {
            return Err(KeyfileProblem::Inconsistent);
        }
        Ok(pair)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// What is wrong with a keyfile's contents. Never contains the secret key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyfileProblem {
    /// Not JSON at all.
    #[error("not valid JSON (line {line}, column {column})")]
    NotJson {
        /// 1-based line of the syntax error.
        line: usize,
        /// 1-based column of the syntax error.
        column: usize,
    },
    /// JSON, but not an object.
    #[error("expected a JSON object {{\"publicKey\":…,\"secretKey\":…}}")]
    NotAnObject,
    /// A field is absent.
    #[error("no {0} field")]
    Missing(&'static str),
    /// A field is not a string.
    #[error("{0} is not a string")]
    NotAString(&'static str),
    /// `publicKey` is not a key (its value is not shown: a mangled file may hold
    /// secret material there).
    #[error("publicKey is not 52 base32 characters or 64 hex digits")]
    PublicKey,
    /// `secretKey` is not 64 bytes in base32 (its value is deliberately not shown).
    #[error("secretKey is not {SECRET_KEY_B32_LEN} base32 characters")]
    SecretKey,
    /// The public key does not belong to the secret key's seed.
    #[error("its publicKey does not match its secretKey")]
    Inconsistent,
}

/// A keyfile could not be used. Every variant names the file; none contains the secret.
#[derive(Debug, thiserror::Error)]
pub enum KeyfileError {
    /// Opening or reading failed (missing, permission denied, a directory…).
    #[error("cannot read keyfile {}: {source}", path.display())]
    Read {
        /// The keyfile.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is readable or writable by group or others.
    #[error("keyfile {} is accessible to other users (mode {mode:04o})", path.display())]
    Permissions {
        /// The keyfile.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The file belongs to another user: someone else could have chosen this key.
    #[error("keyfile {} is owned by another user (uid {owner})", path.display())]
    Owner {
        /// The keyfile.
        path: PathBuf,
        /// Its owner's uid.
        owner: u32,
    },
    /// A directory, FIFO, device or socket.
    #[error("keyfile {} is not a regular file", path.display())]
    NotAFile {
        /// The keyfile.
        path: PathBuf,
    },
    /// The contents are not a usable keypair.
    #[error("keyfile {} is malformed: {problem}", path.display())]
    Malformed {
        /// The keyfile.
        path: PathBuf,
        /// What is wrong.
        problem: KeyfileProblem,
    },
    /// The public key does not belong to the secret key.
    #[error("keyfile {} is inconsistent: its publicKey does not match its secretKey", path.display())]
    Inconsistent {
        /// The keyfile.
        path: PathBuf,
    },
    /// Creating a keyfile where a file already exists.
    #[error("keyfile {} already exists", path.display())]
    Exists {
        /// The keyfile.
        path: PathBuf,
    },
    /// Writing a new keyfile failed.
    #[error("cannot write keyfile {}: {source}", path.display())]
    Write {
        /// The keyfile.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl KeyfileError {
    /// The keyfile the error is about.
    pub fn path(&self) -> &Path {
        match self {
            KeyfileError::Read { path, .. }
            | KeyfileError::Permissions { path, .. }
            | KeyfileError::Owner { path, .. }
            | KeyfileError::NotAFile { path }
            | KeyfileError::Malformed { path, .. }
            | KeyfileError::Inconsistent { path }
            | KeyfileError::Exists { path }
            | KeyfileError::Write { path, .. } => path,
        }
    }
}

/// Whether [`load_or_create`] found the keyfile or made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyfileOrigin {
    /// The file existed and was read.
    Loaded,
    /// The file was missing and has been created with a new keypair.
    Created,
}

/// Reads the keypair in `path`. Refuses a file that is unreadable, malformed,
/// inconsistent, accessible to group or others (it may have leaked; the user decides),
/// owned by another user, or not a regular file.
pub fn load(path: &Path) -> Result<KeyPair, KeyfileError> {
    let read_err = |source| KeyfileError::Read {
        path: path.to_owned(),
        source,
    };
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Opening a FIFO for reading blocks until a writer comes: never wait.
        options.custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32);
    }
    let file = options.open(path).map_err(read_err)?;
    // What is checked is the file actually opened (a symlink's target included), not
    // whatever the path names a moment later.
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(KeyfileError::NotAFile {
            path: path.to_owned(),
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mode = meta.mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(KeyfileError::Permissions {
                path: path.to_owned(),
                mode,
            });
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(KeyfileError::Owner {
                path: path.to_owned(),
                owner: meta.uid(),
            });
        }
    }
    let mut text = Vec::new();
    file.take(MAX_KEYFILE_LEN)
        .read_to_end(&mut text)
        .map_err(read_err)?;
    KeyPair::from_keyfile_json(&text).map_err(|problem| match problem {
        KeyfileProblem::Inconsistent => KeyfileError::Inconsistent {
            path: path.to_owned(),
        },
        problem => KeyfileError::Malformed {
            path: path.to_owned(),
            problem,
        },
    })
}

/// Writes `pair` to a new keyfile at `path` with mode 0600. Never replaces an existing
/// file ([`KeyfileError::Exists`]); readers never see a partly written file.
pub fn create(path: &Path, pair: &KeyPair) -> Result<(), KeyfileError> {
    crate::files::create_private(path, pair.to_keyfile_json().as_bytes()).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            KeyfileError::Exists {
                path: path.to_owned(),
            }
        } else {
            KeyfileError::Write {
                path: path.to_owned(),
                source,
            }
        }
    })
}

/// Reads the keyfile at `path`, or creates it with a new keypair if it does not exist.
/// Any other problem is an error: an existing file is never replaced.
pub fn load_or_create(path: &Path) -> Result<(KeyPair, KeyfileOrigin), KeyfileError> {
    match load(path) {
        Ok(pair) => Ok((pair, KeyfileOrigin::Loaded)),
        Err(KeyfileError::Read { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let pair = KeyPair::generate();
            match create(path, &pair) {
                Ok(()) => Ok((pair, KeyfileOrigin::Created)),
                // Another process created it first: use theirs.
                Err(KeyfileError::Exists { .. }) => Ok((load(path)?, KeyfileOrigin::Loaded)),
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests;
