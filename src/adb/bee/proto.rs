//! The protobuf messages a Hyperbee writes into its core (`reference/wire/hyperbee.md`
//! §1–§4): block 0's `Header`, every later block's `Node` (called [`Entry`] here, to
//! keep "node" for the B-tree's), and the `YoloIndex` of changed tree nodes inside it.
//!
//! Encoders write fields in field-number order and leave out what is absent or empty,
//! as `protocol-buffers` does, so blocks are byte-identical to Node's. Decoders are
//! total: any order, unknown fields skipped by wire type, every length bounds-checked;
//! hostile bytes give a [`ProtoError`], never a panic or a large allocation.

/// Why bytes are not the message they should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoError {
    /// The bytes end inside a field.
    #[error("truncated protobuf")]
    Truncated,
    /// A varint of more than 64 bits, or a wire type protobuf does not have.
    #[error("malformed protobuf")]
    Malformed,
    /// A field the message requires is missing.
    #[error("protobuf field {0} is missing")]
    Missing(u32),
}

/// Protobuf wire types used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WireType(u8);

impl WireType {
    const VARINT: WireType = WireType(0);
    const FIXED64: WireType = WireType(1);
    const BYTES: WireType = WireType(2);
    const FIXED32: WireType = WireType(5);
}

/// Appends `v` as a protobuf varint.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Appends field `field` as length-delimited `bytes`.
fn bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    varint(out, u64::from(field) << 3 | u64::from(WireType::BYTES.0));
    varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// A field: its number and, when length-delimited, its bytes.
type Field<'a> = (u32, Option<&'a [u8]>);

/// A bounds-checked reader over one message.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> Result<u64, ProtoError> {
        let mut v = 0u64;
        for (i, b) in self.bytes.iter().enumerate().take(10) {
            let part = u64::from(b & 0x7f);
            if i == 9 && part > 1 {
                return Err(ProtoError::Malformed);
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                self.bytes = &self.bytes[i + 1..];
                return Ok(v);
            }
        }
        Err(if self.bytes.len() < 10 {
            ProtoError::Truncated
        } else {
            ProtoError::Malformed
        })
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], ProtoError> {
        let n = usize::try_from(n).map_err(|_| ProtoError::Truncated)?;
        if n > self.bytes.len() {
            return Err(ProtoError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// The next field: its number and, for length-delimited ones, its bytes (other
    /// wire types are skipped and give `None`).
    fn field(&mut self) -> Result<Option<Field<'a>>, ProtoError> {
        if self.bytes.is_empty() {
            return Ok(None);
        }
        let tag = self.varint()?;
        let number = u32::try_from(tag >> 3).map_err(|_| ProtoError::Malformed)?;
        let body = match WireType((tag & 7) as u8) {
            WireType::VARINT => {
                self.varint()?;
                None
            }
            WireType::FIXED64 => {
                self.take(8)?;
                None
            }
            WireType::BYTES => {
                let n = self.varint()?;
                Some(self.take(n)?)
            }
            WireType::FIXED32 => {
                self.take(4)?;
                None
            }
            _ => return Err(ProtoError::Malformed),
        };
        Ok(Some((number, body)))
    }
}

/// Packed varints, all of them.
fn packed(bytes: &[u8]) -> Result<Vec<u64>, ProtoError> {
    let mut r = Reader { bytes };
    let mut out = Vec::with_capacity(bytes.len().min(64));
    while !r.bytes.is_empty() {
        out.push(r.varint()?);
    }
    Ok(out)
}

/// Block 0 of a bee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `"hyperbee"` for a bee.
    pub protocol: String,
    /// Hyperdrive's blob core, and what else an application keeps there.
    pub metadata: Option<Metadata>,
}

/// A header's metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    /// A content core's key (hyperdrive).
    pub content_feed: Option<Vec<u8>>,
    /// Anything the application put there.
    pub user_data: Option<Vec<u8>>,
}

impl Header {
    /// The header a new bee writes.
    pub fn hyperbee() -> Header {
        Header {
            protocol: "hyperbee".into(),
            metadata: None,
        }
    }

    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16);
        bytes_field(&mut out, 1, self.protocol.as_bytes());
        if let Some(m) = &self.metadata {
            let mut inner = Vec::new();
            if let Some(c) = &m.content_feed {
                bytes_field(&mut inner, 1, c);
            }
            if let Some(u) = &m.user_data {
                bytes_field(&mut inner, 2, u);
            }
            bytes_field(&mut out, 2, &inner);
        }
        out
    }

    /// Decodes a header.
    pub fn decode(bytes: &[u8]) -> Result<Header, ProtoError> {
        let mut r = Reader { bytes };
        let mut protocol = None;
        let mut metadata = None;
        while let Some((number, body)) = r.field()? {
            match (number, body) {
                (1, Some(b)) => protocol = Some(String::from_utf8_lossy(b).into_owned()),
                (2, Some(b)) => {
                    let mut m = Metadata::default();
                    let mut inner = Reader { bytes: b };
                    while let Some((n, body)) = inner.field()? {
                        match (n, body) {
                            (1, Some(b)) => m.content_feed = Some(b.to_vec()),
                            (2, Some(b)) => m.user_data = Some(b.to_vec()),
                            _ => {}
                        }
                    }
                    metadata = Some(m);
                }
                _ => {}
            }
        }
        Ok(Header {
            protocol: protocol.ok_or(ProtoError::Missing(1))?,
            metadata,
        })
    }
}

/// One block after the header: a write of `key` (a deletion when `value` is `None`)
/// and the tree nodes it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The encoded [`YoloIndex`].
    pub index: Vec<u8>,
    /// The key written.
    pub key: Vec<u8>,
    /// Its value; absent for a deletion.
    pub value: Option<Vec<u8>>,
}

impl Entry {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.index.len() + self.key.len() + 16);
        bytes_field(&mut out, 1, &self.index);
        bytes_field(&mut out, 2, &self.key);
        if let Some(v) = &self.value {
            bytes_field(&mut out, 3, v);
        }
        out
    }

    /// Decodes an entry.
    pub fn decode(bytes: &[u8]) -> Result<Entry, ProtoError> {
        let mut r = Reader { bytes };
        let (mut index, mut key, mut value) = (None, None, None);
        while let Some((number, body)) = r.field()? {
            match (number, body) {
                (1, Some(b)) => index = Some(b.to_vec()),
                (2, Some(b)) => key = Some(b.to_vec()),
                (3, Some(b)) => value = Some(b.to_vec()),
                _ => {}
            }
        }
        Ok(Entry {
            index: index.ok_or(ProtoError::Missing(1))?,
            key: key.ok_or(ProtoError::Missing(2))?,
            value,
        })
    }
}

/// An entry's key and value, borrowed from its block: what a read needs, without the
/// index or any copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The key written.
    pub key: &'a [u8],
    /// Its value; absent for a deletion.
    pub value: Option<&'a [u8]>,
}

impl<'a> EntryRef<'a> {
    /// Decodes the entry in `bytes`, as [`Entry::decode`] checks it.
    pub fn decode(bytes: &'a [u8]) -> Result<EntryRef<'a>, ProtoError> {
        let mut r = Reader { bytes };
        let (mut index, mut key, mut value) = (false, None, None);
        while let Some((number, body)) = r.field()? {
            match (number, body) {
                (1, Some(_)) => index = true,
                (2, Some(b)) => key = Some(b),
                (3, Some(b)) => value = Some(b),
                _ => {}
            }
        }
        if !index {
            return Err(ProtoError::Missing(1));
        }
        Ok(EntryRef {
            key: key.ok_or(ProtoError::Missing(2))?,
            value,
        })
    }
}

/// One B-tree node of a yolo index: its keys (block seqs) and children (`(seq,
/// offset)`: level `offset` of block `seq`'s index).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Level {
    /// The key of each slot is block `keys[i]`'s key.
    pub keys: Vec<u64>,
    /// Child `j` is level `children[j].1` of block `children[j].0`.
    pub children: Vec<(u64, u64)>,
}

/// The tree nodes one write changed, the root first, then in pre-order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YoloIndex {
    /// The nodes.
    pub levels: Vec<Level>,
}

impl YoloIndex {
    /// The message's bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut level = Vec::new();
        let mut run = Vec::new();
        for l in &self.levels {
            level.clear();
            run.clear();
            for k in &l.keys {
                varint(&mut run, *k);
            }
            if !run.is_empty() {
                bytes_field(&mut level, 1, &run);
            }
            run.clear();
            for (seq, offset) in &l.children {
                varint(&mut run, *seq);
                varint(&mut run, *offset);
            }
            if !run.is_empty() {
                bytes_field(&mut level, 2, &run);
            }
            bytes_field(&mut out, 1, &level);
        }
        out
    }

    /// Decodes an index.
    pub fn decode(bytes: &[u8]) -> Result<YoloIndex, ProtoError> {
        let mut r = Reader { bytes };
        let mut levels = Vec::new();
        while let Some((number, body)) = r.field()? {
            let (1, Some(b)) = (number, body) else {
                continue;
            };
            let mut level = Level::default();
            let mut inner = Reader { bytes: b };
            while let Some((n, body)) = inner.field()? {
                match (n, body) {
                    (1, Some(b)) => level.keys.extend(packed(b)?),
                    (2, Some(b)) => {
                        let flat = packed(b)?;
                        if flat.len() % 2 != 0 {
                            return Err(ProtoError::Malformed);
                        }
                        level
                            .children
                            .extend(flat.chunks_exact(2).map(|p| (p[0], p[1])));
                    }
                    _ => {}
                }
            }
            levels.push(level);
        }
        Ok(YoloIndex { levels })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_header_without_metadata_is_nodes() {
        let bytes = Header::hyperbee().encode();
        assert_eq!(hex::encode(&bytes), "0a086879706572626565");
        assert_eq!(Header::decode(&bytes), Ok(Header::hyperbee()));
    }

    #[test]
    fn block_1_of_the_vector() {
        let bytes = hex::decode("0a050a030a010112066b65792d30301a077b226e223a307d").unwrap();
        let entry = Entry::decode(&bytes).unwrap();
        assert_eq!(entry.key, b"key-00");
        assert_eq!(entry.value.as_deref(), Some(&b"{\"n\":0}"[..]));
        let index = YoloIndex::decode(&entry.index).unwrap();
        assert_eq!(
            index.levels,
            vec![Level {
                keys: vec![1],
                children: vec![]
            }]
        );
        assert_eq!(index.encode(), entry.index);
        assert_eq!(entry.encode(), bytes);
    }

    proptest! {
        #[test]
        fn decoders_are_total(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let _ = Header::decode(&bytes);
            let _ = Entry::decode(&bytes);
            let _ = YoloIndex::decode(&bytes);
        }

        #[test]
        fn indexes_round_trip(levels in proptest::collection::vec(
            (proptest::collection::vec(any::<u64>(), 0..9),
             proptest::collection::vec((any::<u64>(), 0..64u64), 0..10)), 0..8)) {
            let index = YoloIndex {
                levels: levels.into_iter().map(|(keys, children)| Level { keys, children }).collect(),
            };
            prop_assert_eq!(YoloIndex::decode(&index.encode()), Ok(index));
        }

        #[test]
        fn entries_round_trip(index in proptest::collection::vec(any::<u8>(), 0..64),
                              key in proptest::collection::vec(any::<u8>(), 0..64),
                              value in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64))) {
            let entry = Entry { index, key, value };
            prop_assert_eq!(Entry::decode(&entry.encode()), Ok(entry));
        }
    }
}
