//! A service's log, `logs/{id}.log`: what it prints on stdout and stderr and what the
//! host says about it (started, exited, restarting), one line at a time, rotated to
//! `{id}.log.1` past [`MAX_BYTES`]. Values its config schema marks secret are replaced
//! by `[secret]` before a line is written.
//!
//! Lines are flushed as they come (no fsync: a log is not an acknowledged write). It
//! never reads the service's output itself; [`Log::line`] is fed by the supervisor.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The size at which `{id}.log` becomes `{id}.log.1` (the old `.1` is dropped).
pub const MAX_BYTES: u64 = 1024 * 1024;

/// The longest line kept; the rest is cut (a service printing megabytes without a
/// newline must not grow the host's memory).
pub const MAX_LINE: usize = 16 * 1024;

/// One service's log file.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    secrets: Vec<String>,
}

impl Log {
    /// The log at `path` (opened on first write).
    pub fn new(path: PathBuf) -> Log {
        Log {
            path,
            file: None,
            size: 0,
            secrets: Vec::new(),
        }
    }

    /// Values to hide from now on.
    pub fn set_secrets(&mut self, secrets: Vec<String>) {
        self.secrets = secrets.into_iter().filter(|s| s.len() >= 4).collect();
    }

    fn open(&mut self) -> io::Result<&mut File> {
        if self.file.is_none() {
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&self.path)?;
            self.size = file.metadata()?.len();
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("just opened"))
    }

    /// Appends one line (without its newline), redacted, rotating first if full.
    pub fn line(&mut self, bytes: &[u8]) {
        let mut text = String::from_utf8_lossy(&bytes[..bytes.len().min(MAX_LINE)]).into_owned();
        for secret in &self.secrets {
            if text.contains(secret.as_str()) {
                text = text.replace(secret.as_str(), "[secret]");
            }
        }
        text.push('\n');
        if self.size + text.len() as u64 > MAX_BYTES {
            self.rotate();
        }
        if let Ok(file) = self.open() {
            if file.write_all(text.as_bytes()).is_ok() {
                self.size += text.len() as u64;
            }
        }
    }

    /// A line from the host itself, marked as such.
    pub fn note(&mut self, text: &str) {
        self.line(format!("[spork] {text}").as_bytes());
    }

    fn rotate(&mut self) {
        self.file = None;
        let mut old = self.path.clone().into_os_string();
        old.push(".1");
        let _ = std::fs::rename(&self.path, old);
        self.size = 0;
    }
}

/// What is appended to a log from now on, as `tail -f` reads it: polled every
/// [`FOLLOW_EVERY`], starting over on the new file when the log rotates.
pub struct Follower {
    path: PathBuf,
    file: File,
    pos: u64,
}

/// How often a follower looks for new lines.
pub const FOLLOW_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

impl Follower {
    /// Follows the log at `path` from its current end.
    pub fn new(path: &Path) -> std::io::Result<Follower> {
        let file = File::open(path)?;
        let pos = file.metadata()?.len();
        Ok(Follower {
            path: path.to_owned(),
            file,
            pos,
        })
    }

    /// The bytes appended since the last call, waiting until there are some.
    pub async fn next(&mut self) -> std::io::Result<Vec<u8>> {
        loop {
            tokio::time::sleep(FOLLOW_EVERY).await;
            let len = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
            if len < self.pos {
                // Rotated: start on the new file.
                self.file = File::open(&self.path)?;
                self.pos = 0;
            }
            self.file.seek(SeekFrom::Start(self.pos))?;
            let mut buf = Vec::new();
            self.file.read_to_end(&mut buf)?;
            self.pos += buf.len() as u64;
            if !buf.is_empty() {
                return Ok(buf);
            }
        }
    }
}

/// The last `n` lines of the log at `path` (reading `.1` too when the current file is
/// short), oldest first.
pub fn tail(path: &Path, n: usize) -> Vec<String> {
    let mut lines = last_lines(path, n);
    if lines.len() < n {
        let mut old = path.to_owned().into_os_string();
        old.push(".1");
        let mut earlier = last_lines(Path::new(&old), n - lines.len());
        earlier.append(&mut lines);
        lines = earlier;
    }
    lines
}

fn last_lines(path: &Path, n: usize) -> Vec<String> {
    let Ok(mut file) = File::open(path) else {
        return Vec::new();
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    // Enough for n ordinary lines without reading a whole megabyte for a short tail.
    let window = (n as u64 * 256).clamp(4096, MAX_BYTES);
    let start = len.saturating_sub(window);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(start)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let mut lines: Vec<String> = bytes.lines().map_while(Result::ok).collect::<Vec<_>>();
    if start > 0 && !lines.is_empty() {
        lines.remove(0); // cut mid-line
    }
    let skip = lines.len().saturating_sub(n);
    lines.split_off(skip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_redacted_rotated_and_tailed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hello.log");
        let mut log = Log::new(path.clone());
        log.set_secrets(vec!["hunter22".into()]);
        log.line(b"password is hunter22!");
        log.note("started");
        assert_eq!(tail(&path, 5), ["password is [secret]!", "[spork] started"]);
        let long = "x".repeat(1000);
        for _ in 0..1100 {
            log.line(long.as_bytes());
        }
        log.line(b"last");
        assert!(std::fs::metadata(&path).unwrap().len() < MAX_BYTES);
        assert!(dir.path().join("hello.log.1").exists());
        let t = tail(&path, 3);
        assert_eq!(t.len(), 3);
        assert_eq!(t[2], "last");
    }
}
