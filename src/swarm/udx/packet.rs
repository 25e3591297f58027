//! The UDX packet format: the fixed 20-byte little-endian header, the type flags, SACK
//! blocks and MTU-probe padding (`data_offset`), plus wrapping sequence comparison.
//!
//! Decoding is total: [`Packet::decode`] returns `None` for anything that is not a
//! well-formed stream packet and never panics, whatever the bytes. This module knows
//! nothing of sockets, streams or timers.

/// First byte of every stream packet.
pub const MAGIC: u8 = 0xFF;
/// Second byte of every stream packet.
pub const VERSION: u8 = 1;
/// Size of the fixed header.
pub const HEADER_LEN: usize = 20;
/// The packet carries stream payload and consumes one seq.
pub const FLAG_DATA: u8 = 0x01;
/// FIN: the sender will send no more data; consumes one seq.
pub const FLAG_END: u8 = 0x02;
/// The bytes after the header are SACK blocks.
pub const FLAG_SACK: u8 = 0x04;
/// Unreliable datagram on a stream.
pub const FLAG_MESSAGE: u8 = 0x08;
/// Reset: the receiver fails the stream with ECONNRESET.
pub const FLAG_DESTROY: u8 = 0x10;
/// Probe / keepalive: the receiver answers with an ACK.
pub const FLAG_HEARTBEAT: u8 = 0x20;
/// At most this many SACK blocks are written into one ACK.
pub const MAX_SACKS: usize = 50;

/// `a - b` as a signed distance modulo 2^32 (positive when `a` is after `b`).
#[inline]
pub fn seq_diff(a: u32, b: u32) -> i32 {
    a.wrapping_sub(b) as i32
}

/// The fixed header of a stream packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Header {
    /// Type flags (`FLAG_*`).
    pub flags: u8,
    /// Padding bytes between header and payload (MTU probes only).
    pub data_offset: u8,
    /// The destination's local stream id.
    pub id: u32,
    /// The sender's receive window in bytes.
    pub rwnd: u32,
    /// The sender's sequence number.
    pub seq: u32,
    /// Cumulative ack: next seq the sender expects.
    pub ack: u32,
}

impl Header {
    /// Peeks at the destination id if `buf` starts like a stream packet.
    #[inline]
    pub fn peek_id(buf: &[u8]) -> Option<u32> {
        if buf.len() < HEADER_LEN || buf[0] != MAGIC || buf[1] != VERSION {
            return None;
        }
        Some(u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]))
    }

    /// Writes the 20 header bytes into `out[..20]`; `out` must be at least 20 bytes long.
    #[inline]
    pub fn write(&self, out: &mut [u8]) {
        out[0] = MAGIC;
        out[1] = VERSION;
        out[2] = self.flags;
        out[3] = self.data_offset;
        out[4..8].copy_from_slice(&self.id.to_le_bytes());
        out[8..12].copy_from_slice(&self.rwnd.to_le_bytes());
        out[12..16].copy_from_slice(&self.seq.to_le_bytes());
        out[16..20].copy_from_slice(&self.ack.to_le_bytes());
    }

    /// Reads a header; `None` unless `buf` has 20 bytes with the right magic and version.
    #[inline]
    pub fn read(buf: &[u8]) -> Option<Header> {
        let id = Self::peek_id(buf)?;
        let u = |o: usize| u32::from_le_bytes([buf[o], buf[o + 1], buf[o + 2], buf[o + 3]]);
        Some(Header {
            flags: buf[2],
            data_offset: buf[3],
            id,
            rwnd: u(8),
            seq: u(12),
            ack: u(16),
        })
    }
}

/// A decoded stream packet borrowing its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<'a> {
    /// The header.
    pub header: Header,
    /// The MTU-probe padding (normally empty), kept for byte-exact re-encoding.
    pub padding: &'a [u8],
    /// Everything after header and padding (SACK blocks for a SACK packet).
    pub payload: &'a [u8],
}

impl<'a> Packet<'a> {
    /// Decodes a stream packet, or `None` if `buf` is not one (short, bad magic or
    /// version, or a `data_offset` pointing past the end).
    pub fn decode(buf: &'a [u8]) -> Option<Packet<'a>> {
        let header = Header::read(buf)?;
        let rest = &buf[HEADER_LEN..];
        let (padding, payload) = if header.flags & FLAG_SACK != 0 {
            // libudx: data_offset bounds the SACK area when 0 < data_offset < len;
            // it never sends one, so we keep the whole rest as the SACK payload.
            (&rest[..0], rest)
        } else {
            let off = header.data_offset as usize;
            if off > rest.len() {
                return None;
            }
            rest.split_at(off)
        };
        Some(Packet {
            header,
            padding,
            payload,
        })
    }

    /// Iterates over the valid-looking SACK blocks `[start, end)` of a SACK packet.
    pub fn sacks(&self) -> impl Iterator<Item = (u32, u32)> + 'a {
        let area: &'a [u8] = if self.header.flags & FLAG_SACK != 0 {
            let off = self.header.data_offset as usize;
            if off > 0 && off < self.payload.len() {
                &self.payload[..off]
            } else {
                self.payload
            }
        } else {
            &[]
        };
        area.chunks_exact(8).map(|c| {
            (
                u32::from_le_bytes([c[0], c[1], c[2], c[3]]),
                u32::from_le_bytes([c[4], c[5], c[6], c[7]]),
            )
        })
    }

    /// Encodes the packet back to bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN];
        self.header.write(&mut out);
        out.extend_from_slice(self.padding);
        out.extend_from_slice(self.payload);
        out
    }
}

/// Appends SACK blocks to `out` (after a header), returning how many were written.
pub fn write_sacks(out: &mut Vec<u8>, blocks: &[(u32, u32)]) -> usize {
    let n = blocks.len().min(MAX_SACKS);
    for &(s, e) in &blocks[..n] {
        out.extend_from_slice(&s.to_le_bytes());
        out.extend_from_slice(&e.to_le_bytes());
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    fn vectors() -> Value {
        // Captured from udx-native@1.21.3 (copied from the shared wire reference).
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/udx-packets.json"
        );
        let text = std::fs::read_to_string(path).expect("udx-packets.json readable");
        serde_json::from_str(&text).expect("valid json")
    }

    fn check_fields(p: &Packet<'_>, f: &Value) {
        let u = |k: &str| f[k].as_u64().expect("numeric field") as u32;
        assert_eq!(p.header.flags as u32, u("type"));
        assert_eq!(p.header.data_offset as u32, u("data_offset"));
        let id = if f.get("remote_id").is_some() {
            u("remote_id")
        } else {
            u("id")
        };
        assert_eq!(p.header.id, id);
        assert_eq!(p.header.rwnd, u("rwnd"));
        assert_eq!(p.header.seq, u("seq"));
        assert_eq!(p.header.ack, u("ack"));
        if let Some(s) = f.get("payload").and_then(Value::as_str) {
            assert_eq!(p.payload, s.as_bytes());
        }
        if let Some(sacks) = f.get("sacks").and_then(Value::as_array) {
            let want: Vec<(u32, u32)> = sacks
                .iter()
                .map(|b| (b[0].as_u64().unwrap() as u32, b[1].as_u64().unwrap() as u32))
                .collect();
            assert_eq!(p.sacks().collect::<Vec<_>>(), want);
        }
        if let Some(n) = f.get("payload_len").and_then(Value::as_u64) {
            assert_eq!(p.payload.len() as u64, n);
        }
    }

    #[test]
    fn synthetic_vectors_roundtrip() {
        let v = vectors();
        let list = v["synthetic"].as_array().expect("synthetic list");
        assert!(!list.is_empty());
        for case in list {
            let bytes = hex::decode(case["hex"].as_str().unwrap()).unwrap();
            assert_eq!(bytes.len() as u64, case["len"].as_u64().unwrap());
            let p = Packet::decode(&bytes).unwrap_or_else(|| panic!("{}", case["name"]));
            check_fields(&p, &case["fields"]);
            assert_eq!(p.encode(), bytes, "{}", case["name"]);
            // Building from the fields gives the same bytes.
            let mut built = vec![0u8; HEADER_LEN];
            p.header.write(&mut built);
            built.resize(HEADER_LEN + p.header.data_offset as usize, 0);
            if p.header.flags & FLAG_SACK != 0 {
                let blocks: Vec<_> = p.sacks().collect();
                write_sacks(&mut built, &blocks);
            } else {
                built.extend_from_slice(p.payload);
            }
            assert_eq!(built, bytes, "{}", case["name"]);
        }
    }

    #[test]
    fn capture_vectors_roundtrip() {
        let v = vectors();
        let list = v["loopback_capture"]["packets"]
            .as_array()
            .expect("packets");
        let mut stream_packets = 0;
        for pkt in list {
            let hex_str = pkt["hex"].as_str().unwrap();
            let truncated = hex_str.ends_with("...");
            let bytes = hex::decode(hex_str.trim_end_matches("...")).unwrap();
            if !truncated {
                assert_eq!(bytes.len() as u64, pkt["len"].as_u64().unwrap());
            }
            match pkt.get("udx") {
                Some(f) => {
                    stream_packets += 1;
                    let p = Packet::decode(&bytes).expect("stream packet decodes");
                    assert_eq!(p.encode(), bytes);
                    let mut f = f.clone();
                    if truncated {
                        // Only the first bytes of bulk payloads were captured.
                        f.as_object_mut().unwrap().remove("payload_len");
                        let full = pkt["len"].as_u64().unwrap() as usize - HEADER_LEN;
                        assert_eq!(f["payload_len"].as_u64(), None);
                        assert!(full >= p.payload.len());
                    }
                    check_fields(&p, &f);
                }
                None => assert!(Packet::decode(&bytes).is_none(), "raw datagram"),
            }
        }
        assert!(stream_packets > 20);
    }

    #[test]
    fn rejects_non_stream() {
        assert!(Packet::decode(b"raw").is_none());
        assert!(
            Packet::decode(&[0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .is_none()
        );
        let mut p = vec![0u8; 20];
        Header {
            flags: FLAG_DATA,
            data_offset: 5,
            ..Default::default()
        }
        .write(&mut p);
        assert!(Packet::decode(&p).is_none(), "data_offset past end");
        assert_eq!(seq_diff(0, u32::MAX), 1);
        assert_eq!(seq_diff(u32::MAX, 0), -1);
    }

    proptest! {
        #[test]
        fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..3000)) {
            if let Some(p) = Packet::decode(&bytes) {
                let _ = p.sacks().count();
                prop_assert_eq!(p.encode(), bytes);
            }
        }

        #[test]
        fn decode_headerlike_never_panics(
            flags in any::<u8>(), off in any::<u8>(),
            rest in proptest::collection::vec(any::<u8>(), 0..600),
        ) {
            let mut bytes = vec![MAGIC, VERSION, flags, off];
            bytes.extend_from_slice(&rest);
            if let Some(p) = Packet::decode(&bytes) {
                let _ = p.sacks().count();
                prop_assert_eq!(p.encode(), bytes);
            }
        }
    }
}
