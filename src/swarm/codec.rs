//! compact-encoding: the byte format every Hyperswarm layer above UDP speaks.
//!
//! Fields are written back to back with no framing; optional fields are gated by a
//! flags varint. [`Reader`] is a bounds-checked cursor that never panics on short or
//! hostile input (every short read is [`DecodeError::OutOfBounds`]); [`Writer`] appends
//! to a `Vec<u8>`. The rules that matter for interop with the JS stack
//! (`compact-encoding@3.5.2`): `uint` decodes any width but encodes the shortest, values
//! are capped at 2^53-1, `bool` is true only for `0x01`, arrays are capped at 0x100000
//! items, ports are little-endian while IPv4 octets are in network order, and trailing
//! bytes after a complete message are ignored.
//!
//! This module knows nothing of the messages built from these primitives.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

/// The largest integer JavaScript can carry exactly; `uint` rejects anything above it.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// compact-encoding refuses arrays longer than this before reading any element.
pub const MAX_ARRAY_LEN: u64 = 0x10_0000;

/// Why a decode failed. Any of these makes a datagram silently ignored upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// Fewer bytes remained than the field needs.
    #[error("Out of bounds")]
    OutOfBounds,
    /// A `uint` above 2^53-1.
    #[error("uint must be between 0 and 9007199254740991, use biguint")]
    UintTooLarge,
    /// An array longer than [`MAX_ARRAY_LEN`].
    #[error("Array is too big")]
    ArrayTooBig,
    /// A `string` whose bytes are not UTF-8.
    #[error("invalid utf-8 in string")]
    InvalidUtf8,
    /// A field was structurally valid but its value is not allowed here.
    #[error("invalid value")]
    Invalid,
}

/// Shorthand for decoder results.
pub type Result<T> = std::result::Result<T, DecodeError>;

/// A bounds-checked cursor over an encoded message.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Starts reading at the first byte of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> &'a [u8] {
        self.buf
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Takes the next `n` raw bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8]> {
        if self.buf.len() < n {
            return Err(DecodeError::OutOfBounds);
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Ok(head)
    }

    /// Takes exactly `N` raw bytes (`fixed32`, `fixed64`, …).
    pub fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// `uint8`.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes(1)?[0])
    }

    /// `uint16`, little-endian.
    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.fixed()?))
    }

    /// `uint24`, little-endian.
    pub fn u24(&mut self) -> Result<u32> {
        let b = self.bytes(3)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], 0]))
    }

    /// `uint32`, little-endian.
    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.fixed()?))
    }

    /// `uint32be`.
    pub fn u32_be(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.fixed()?))
    }

    /// `uint64`, little-endian, capped at 2^53-1 like the JS decoder.
    pub fn u64(&mut self) -> Result<u64> {
        let v = u64::from_le_bytes(self.fixed()?);
        if v > MAX_SAFE_INTEGER {
            return Err(DecodeError::UintTooLarge);
        }
        Ok(v)
    }

    /// `uint`: the compact varint. Accepts non-minimal forms, as JS does.
    pub fn uint(&mut self) -> Result<u64> {
        match self.u8()? {
            0xfd => Ok(u64::from(self.u16()?)),
            0xfe => Ok(u64::from(self.u32()?)),
            0xff => self.u64(),
            b => Ok(u64::from(b)),
        }
    }

    /// A `uint` that must fit a `usize` (lengths, counts).
    pub fn len(&mut self) -> Result<usize> {
        usize::try_from(self.uint()?).map_err(|_| DecodeError::OutOfBounds)
    }

    /// A `uint` that must fit a `u32` (stream ids, flags).
    pub fn uint32(&mut self) -> Result<u32> {
        u32::try_from(self.uint()?).map_err(|_| DecodeError::Invalid)
    }

    /// `int`: zig-zag over `uint`.
    pub fn int(&mut self) -> Result<i64> {
        Ok(zigzag_decode(self.uint()?))
    }

    /// `bool`: true only for `0x01`.
    pub fn bool(&mut self) -> Result<bool> {
        Ok(self.u8()? == 1)
    }

    /// `buffer`: `uint` length then the bytes. Empty decodes as an empty slice.
    pub fn buffer(&mut self) -> Result<&'a [u8]> {
        let n = self.len()?;
        self.bytes(n)
    }

    /// `optionalBuffer`: like [`Reader::buffer`] but zero length is `None`.
    pub fn optional_buffer(&mut self) -> Result<Option<&'a [u8]>> {
        let b = self.buffer()?;
        Ok((!b.is_empty()).then_some(b))
    }

    /// `string` / `utf8`.
    pub fn string(&mut self) -> Result<&'a str> {
        std::str::from_utf8(self.buffer()?).map_err(|_| DecodeError::InvalidUtf8)
    }

    /// The element count of an `array`, checked against [`MAX_ARRAY_LEN`].
    pub fn array_len(&mut self) -> Result<usize> {
        let n = self.uint()?;
        if n > MAX_ARRAY_LEN {
            return Err(DecodeError::ArrayTooBig);
        }
        // Each element takes at least one byte: a count above what is left is a lie.
        let n = n as usize;
        if n > self.buf.len() {
            return Err(DecodeError::OutOfBounds);
        }
        Ok(n)
    }

    /// `array(T)` with a decoder for one element.
    pub fn array<T>(&mut self, mut item: impl FnMut(&mut Self) -> Result<T>) -> Result<Vec<T>> {
        let n = self.array_len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(item(self)?);
        }
        Ok(out)
    }

    /// `ipv4`: four octets in network order.
    pub fn ipv4(&mut self) -> Result<Ipv4Addr> {
        Ok(Ipv4Addr::from(self.fixed::<4>()?))
    }

    /// `ipv4Address`: `ipv4` then the port as uint16 LE.
    pub fn ipv4_address(&mut self) -> Result<SocketAddrV4> {
        Ok(SocketAddrV4::new(self.ipv4()?, self.u16()?))
    }

    /// `ipv6`: eight big-endian groups.
    pub fn ipv6(&mut self) -> Result<Ipv6Addr> {
        Ok(Ipv6Addr::from(self.fixed::<16>()?))
    }

    /// `ipv6Address`: `ipv6` then the port as uint16 LE.
    pub fn ipv6_address(&mut self) -> Result<SocketAddrV6> {
        Ok(SocketAddrV6::new(self.ipv6()?, self.u16()?, 0, 0))
    }

    /// `ip`: a family byte (4 or 6) then the address.
    pub fn ip(&mut self) -> Result<std::net::IpAddr> {
        match self.u8()? {
            4 => Ok(self.ipv4()?.into()),
            6 => Ok(self.ipv6()?.into()),
            _ => Err(DecodeError::Invalid),
        }
    }

    /// `ipAddress`: `ip` then the port as uint16 LE.
    pub fn ip_address(&mut self) -> Result<std::net::SocketAddr> {
        let ip = self.ip()?;
        Ok(std::net::SocketAddr::new(ip, self.u16()?))
    }
}

/// Appends compact-encoded fields to a byte vector.
#[derive(Debug, Default, Clone)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Writer::default()
    }

    /// An empty writer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }

    /// The bytes written so far.
    pub fn into_vec(self) -> Vec<u8> {
        self.buf
    }

    /// Raw bytes with no length prefix (`fixed32`, `fixed64`, …).
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(b);
        self
    }

    /// `uint8`.
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }

    /// `uint16` LE.
    pub fn u16(&mut self, v: u16) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    /// `uint24` LE; the top byte of `v` is dropped.
    pub fn u24(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes()[..3])
    }

    /// `uint32` LE.
    pub fn u32(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    /// `uint32be`.
    pub fn u32_be(&mut self, v: u32) -> &mut Self {
        self.bytes(&v.to_be_bytes())
    }

    /// `uint64` LE.
    pub fn u64(&mut self, v: u64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    /// `uint`: the shortest compact varint. Values above 2^53-1 are a caller bug
    /// (JS throws); they are clamped here rather than panicking.
    pub fn uint(&mut self, v: u64) -> &mut Self {
        let v = v.min(MAX_SAFE_INTEGER);
        if v <= 0xfc {
            self.u8(v as u8)
        } else if v <= 0xffff {
            self.u8(0xfd).u16(v as u16)
        } else if v <= 0xffff_ffff {
            self.u8(0xfe).u32(v as u32)
        } else {
            self.u8(0xff).u64(v)
        }
    }

    /// `int`: zig-zag over `uint`.
    pub fn int(&mut self, v: i64) -> &mut Self {
        self.uint(zigzag_encode(v))
    }

    /// `bool`.
    pub fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }

    /// `buffer`: `uint` length then the bytes.
    pub fn buffer(&mut self, b: &[u8]) -> &mut Self {
        self.uint(b.len() as u64).bytes(b)
    }

    /// `optionalBuffer`: `None` is written as a zero length.
    pub fn optional_buffer(&mut self, b: Option<&[u8]>) -> &mut Self {
        self.buffer(b.unwrap_or_default())
    }

    /// `string`: byte length then UTF-8.
    pub fn string(&mut self, s: &str) -> &mut Self {
        self.buffer(s.as_bytes())
    }

    /// `array(T)` with an encoder for one element.
    pub fn array<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) -> &mut Self {
        self.uint(items.len() as u64);
        for i in items {
            item(self, i);
        }
        self
    }

    /// `ipv4`.
    pub fn ipv4(&mut self, ip: Ipv4Addr) -> &mut Self {
        self.bytes(&ip.octets())
    }

    /// `ipv4Address`: octets then the port LE.
    pub fn ipv4_address(&mut self, a: SocketAddrV4) -> &mut Self {
        self.ipv4(*a.ip()).u16(a.port())
    }

    /// `ipv6`.
    pub fn ipv6(&mut self, ip: Ipv6Addr) -> &mut Self {
        self.bytes(&ip.octets())
    }

    /// `ipv6Address`.
    pub fn ipv6_address(&mut self, a: SocketAddrV6) -> &mut Self {
        self.ipv6(*a.ip()).u16(a.port())
    }

    /// `ip`: family byte then the address.
    pub fn ip(&mut self, ip: std::net::IpAddr) -> &mut Self {
        match ip {
            std::net::IpAddr::V4(v4) => self.u8(4).ipv4(v4),
            std::net::IpAddr::V6(v6) => self.u8(6).ipv6(v6),
        }
    }

    /// `ipAddress`.
    pub fn ip_address(&mut self, a: std::net::SocketAddr) -> &mut Self {
        self.ip(a.ip()).u16(a.port())
    }
}

/// Encodes a 6-byte `ipv4Address` (the preimage of a dht-rpc node id).
pub fn ipv4_address_bytes(a: SocketAddrV4) -> [u8; 6] {
    let mut out = [0u8; 6];
    out[..4].copy_from_slice(&a.ip().octets());
    out[4..].copy_from_slice(&a.port().to_le_bytes());
    out
}

fn zigzag_encode(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn zigzag_decode(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uint_uses_the_shortest_form() {
        let cases: [(u64, &str); 4] = [
            (252, "fc"),
            (253, "fdfd00"),
            (65536, "fe00000100"),
            (1 << 32, "ff0000000001000000"),
        ];
        for (v, hex_) in cases {
            let mut w = Writer::new();
            w.uint(v);
            assert_eq!(hex::encode(w.into_vec()), hex_);
        }
    }

    #[test]
    fn truncated_input_is_out_of_bounds() {
        assert_eq!(
            Reader::new(&[0xfd, 0x05]).uint(),
            Err(DecodeError::OutOfBounds)
        );
        assert_eq!(
            Reader::new(&[3, 1, 2]).buffer(),
            Err(DecodeError::OutOfBounds)
        );
    }

    #[test]
    fn zigzag_roundtrips_extremes() {
        for v in [0, -1, 1, i64::MIN / 4, i64::MAX / 4] {
            assert_eq!(zigzag_decode(zigzag_encode(v)), v);
        }
    }
}
