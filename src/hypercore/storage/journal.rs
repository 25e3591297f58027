//! The store's journal: every change is written here first, in one `write`, before it
//! goes to redb without an fsync; a checkpoint (a durable redb commit) empties it.
//!
//! Why: a durable redb commit costs an fsync (~0.25 ms here), which capped single
//! appends and replication near 4,000 operations a second. A `write` that returned is in
//! the kernel's page cache and survives the process being killed, so a record that was
//! fully written is an acknowledged change that must never be lost; a power cut may lose
//! what came after the last checkpoint. On open, every whole record is replayed into
//! redb (puts are idempotent, in order) and made durable; a torn or corrupt tail — a
//! write the process never finished, so never acknowledged — ends the replay.
//!
//! The file is reused, not truncated (truncating made the kernel drop and re-allocate
//! its pages at every checkpoint): records carry consecutive sequence numbers, and the
//! header names the first one that counts, so the leftovers of an earlier generation
//! after the live records end the replay like a torn tail does.
//!
//! Header: `"SPJ1" ‖ u32le 0 ‖ u64le first sequence number`. Record: `u32le length ‖
//! u32le crc32(seq ‖ payload) ‖ u64le seq ‖ payload`; payload: `uint count`, then per put
//! `u8 table ‖ uint id ‖ uint index ‖ buffer value`.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::swarm::codec::{Reader, Writer};

/// Which redb table a put goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Table(pub u8);

impl Table {
    /// (core id, flat index) → node.
    pub const NODES: Table = Table(0);
    /// (core id, block index) → block.
    pub const BLOCKS: Table = Table(1);
    /// core id → record (the index is unused).
    pub const HEADS: Table = Table(2);
}

/// One write to redb; the value is borrowed where the caller has it (an append's
/// blocks are not copied before the journal and redb copy them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Put<'a> {
    pub table: Table,
    pub id: u64,
    pub index: u64,
    pub value: Cow<'a, [u8]>,
}

/// The largest record replayed; anything claiming more is a corrupt tail.
const MAX_RECORD: usize = 256 * 1024 * 1024;

/// The file's first bytes.
const MAGIC: &[u8; 4] = b"SPJ1";
/// Header bytes before the first record.
const HEADER: u64 = 16;
/// Bytes before a record's payload.
const RECORD_HEADER: usize = 16;

/// The journal file beside a store.
#[derive(Debug)]
pub(super) struct Journal {
    file: File,
    /// Where the next record goes.
    pos: u64,
    /// The next record's sequence number.
    next_seq: u64,
}

impl Journal {
    /// The journal of the store at `store_path` (`….journal`); `replay` gets every
    /// live record already in it, in order.
    pub fn open(
        store_path: &Path,
        mut replay: impl FnMut(Vec<Put<'static>>) -> io::Result<()>,
    ) -> io::Result<Journal> {
        let mut path = store_path.as_os_str().to_owned();
        path.push(".journal");
        let path = PathBuf::from(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)?;
        // Records are read one by one: the file may hold a long stale tail from
        // earlier generations that must not be read at every open.
        let mut header = [0u8; HEADER as usize];
        let first_seq = match file.read_exact(&mut header) {
            Ok(()) if &header[..4] == MAGIC => {
                u64::from_le_bytes(header[8..16].try_into().unwrap_or_default())
            }
            _ => {
                // New (or not ours): a first generation, numbered from 0.
                let mut journal = Journal {
                    file,
                    pos: HEADER,
                    next_seq: 0,
                };
                journal.write_header()?;
                return Ok(journal);
            }
        };
        let mut reader = io::BufReader::new(&mut file);
        let mut pos = HEADER;
        let mut seq = first_seq;
        let mut buf = Vec::new();
        loop {
            let mut head = [0u8; RECORD_HEADER];
            if reader.read_exact(&mut head).is_err() {
                break;
            }
            let len = u32::from_le_bytes(head[..4].try_into().unwrap_or_default()) as usize;
            if len > MAX_RECORD {
                break;
            }
            buf.clear();
            buf.extend_from_slice(&head);
            buf.resize(RECORD_HEADER + len, 0);
            if reader.read_exact(&mut buf[RECORD_HEADER..]).is_err() {
                break;
            }
            let Some((puts, used)) = read_record(&buf, seq) else {
                break;
            };
            replay(puts)?;
            pos += used as u64;
            seq += 1;
        }
        Ok(Journal {
            file,
            pos,
            next_seq: seq,
        })
    }

    fn write_header(&mut self) -> io::Result<()> {
        let mut header = [0u8; HEADER as usize];
        header[..4].copy_from_slice(MAGIC);
        header[8..].copy_from_slice(&self.next_seq.to_le_bytes());
        self.file.write_all_at(&header, 0)
    }

    /// Appends one record of `puts`; when this returns, the change survives a crash of
    /// the process.
    pub fn write(&mut self, puts: &[Put<'_>]) -> io::Result<()> {
        // The record's header is reserved and filled in after the payload, so the record
        // is built in one buffer and goes out in one `write`.
        let mut record = encode(puts, RECORD_HEADER);
        let payload_len = record.len() - RECORD_HEADER;
        record[8..16].copy_from_slice(&self.next_seq.to_le_bytes());
        let crc = crc32fast::hash(&record[8..]);
        record[..4].copy_from_slice(&(payload_len as u32).to_le_bytes());
        record[4..8].copy_from_slice(&crc.to_le_bytes());
        self.file.write_all_at(&record, self.pos)?;
        self.pos += record.len() as u64;
        self.next_seq += 1;
        Ok(())
    }

    /// Bytes of live records.
    pub fn len(&self) -> u64 {
        self.pos - HEADER
    }

    /// Starts a new generation (after a durable checkpoint made the live records
    /// redundant): the records written so far stop counting.
    pub fn clear(&mut self) -> io::Result<()> {
        self.write_header()?;
        self.pos = HEADER;
        Ok(())
    }
}

/// The payload of `puts`, after `room` zero bytes.
fn encode(puts: &[Put<'_>], room: usize) -> Vec<u8> {
    let size: usize = puts.iter().map(|p| p.value.len() + 24).sum();
    let mut w = Writer::with_capacity(room + size + 4);
    w.bytes(&[0; RECORD_HEADER][..room]);
    w.uint(puts.len() as u64);
    for p in puts {
        w.u8(p.table.0).uint(p.id).uint(p.index).buffer(&p.value);
    }
    w.into_vec()
}

/// The record at the start of `bytes` if it is whole, intact and number `seq`, and its
/// size; `None` for a torn, corrupt, stale or missing one.
fn read_record(bytes: &[u8], seq: u64) -> Option<(Vec<Put<'static>>, usize)> {
    let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(bytes.get(4..8)?.try_into().ok()?);
    if len > MAX_RECORD {
        return None;
    }
    let covered = bytes.get(8..RECORD_HEADER + len)?;
    if crc32fast::hash(covered) != crc || u64::from_le_bytes(covered[..8].try_into().ok()?) != seq {
        return None;
    }
    let payload = &covered[8..];
    let mut r = Reader::new(payload);
    let n = r.len().ok()?;
    let mut puts = Vec::with_capacity(n.min(4096));
    for _ in 0..n {
        let table = Table(r.u8().ok()?);
        if ![Table::NODES, Table::BLOCKS, Table::HEADS].contains(&table) {
            return None;
        }
        puts.push(Put {
            table,
            id: r.uint().ok()?,
            index: r.uint().ok()?,
            value: Cow::Owned(r.buffer().ok()?.to_vec()),
        });
    }
    Some((puts, RECORD_HEADER + len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(table: Table, index: u64, value: &[u8]) -> Put<'static> {
        Put {
            table,
            id: 3,
            index,
            value: Cow::Owned(value.to_vec()),
        }
    }

    #[test]
    fn whole_records_replay_and_a_torn_tail_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("s.redb");
        let a = vec![put(Table::BLOCKS, 0, b"zero"), put(Table::NODES, 0, b"n")];
        let b = vec![put(Table::HEADS, 0, &[9; 300])];
        {
            let mut j = Journal::open(&store, |_| panic!("empty")).unwrap();
            j.write(&a).unwrap();
            j.write(&b).unwrap();
            j.write(&a).unwrap();
        }
        // Tear the last record, as a kill in the middle of a write would.
        let path = dir.path().join("s.redb.journal");
        let full = std::fs::read(&path).unwrap();
        std::fs::write(&path, &full[..full.len() - 3]).unwrap();
        let mut seen = Vec::new();
        Journal::open(&store, |p| {
            seen.push(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![a.clone(), b.clone()]);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // A flipped byte ends the replay at that record.
        let mut bad = full.clone();
        bad[10] ^= 1;
        std::fs::write(&path, &bad).unwrap();
        let mut n = 0;
        Journal::open(&store, |_| {
            n += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(n, 0);
        std::fs::write(&path, &full).unwrap();
        let mut j = Journal::open(&store, |_| Ok(())).unwrap();
        j.clear().unwrap();
        assert_eq!(j.len(), 0);
        drop(j);
        Journal::open(&store, |_| panic!("cleared")).unwrap();
        // The file is reused: a new generation's record overwrites the first old one,
        // and the old ones after it do not come back.
        let mut j = Journal::open(&store, |_| panic!("cleared")).unwrap();
        j.write(&b).unwrap();
        drop(j);
        assert_eq!(std::fs::read(&path).unwrap().len(), full.len());
        let mut seen = Vec::new();
        Journal::open(&store, |p| {
            seen.push(p);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![b.clone()]);
    }

    use std::os::unix::fs::PermissionsExt;

    proptest::proptest! {
        #[test]
        fn reading_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let _ = read_record(&bytes, 0);
        }
    }
}
