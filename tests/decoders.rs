//! Property tests over every wire decoder: hostile bytes never panic, valid structures
//! round-trip, and truncated encodings are rejected.
//!
//! Each property runs 256 cases by default (see [`config`]), which keeps the whole file
//! well under a few seconds in a debug build; raise it locally with
//! `PROPTEST_CASES=10000`. Failures are not persisted to disk: proptest prints the
//! minimal failing input, which belongs in the regression section at the end.
//!
//! Where compact-encoding legitimately accepts a shorter prefix, the property says so:
//! the only such case is a LOOKUP reply cut exactly before its optional `bump`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use proptest::prelude::*;

use spork::swarm::codec::{self, DecodeError, Reader, Writer, MAX_SAFE_INTEGER};
use spork::swarm::hyperdht::messages::{
    decode_lookup_reply, encode_lookup_reply, Announce, Handshake, Holepunch, MutableGet,
    MutablePut, PeerRecord,
};
use spork::swarm::rpc::messages::{Message, Request, Response, REQUEST_ID, RESPONSE_ID};

// ---------------------------------------------------------------------------------------
// Allocation tracking: a hostile length must not make a decoder reserve memory the input
// cannot back (each element of an array takes at least one byte of input).
// ---------------------------------------------------------------------------------------

/// The system allocator, noting the largest single request made on each thread.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the slot may already be gone while a thread is being torn down.
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
}

// SAFETY: every call is passed on unchanged to the system allocator, which upholds
// GlobalAlloc's contract; `note` only records a size. (A GlobalAlloc cannot be written
// without `unsafe`.)
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Runs `f` and returns its result with the largest single allocation it made.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|c| c.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

/// What decoding `input_len` bytes may reserve at once: a decoded element is at most
/// 64 bytes in memory (a `PeerRecord` is the largest) and takes at least one input byte.
fn allocation_bound(input_len: usize) -> usize {
    64 * input_len + 1024
}

/// Decodes `buf` with `decode`, checking the allocation bound.
fn bounded<T>(buf: &[u8], decode: impl FnOnce(&[u8]) -> T) -> Result<T, TestCaseError> {
    let (out, largest) = largest_allocation(|| decode(buf));
    prop_assert!(
        largest <= allocation_bound(buf.len()),
        "decoding {} bytes allocated {} bytes at once",
        buf.len(),
        largest
    );
    Ok(out)
}

fn config() -> ProptestConfig {
    // PROPTEST_CASES in the environment still overrides this default.
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

/// Any `uint` value, weighted so every varint width (1, 3, 5 and 9 bytes) is common.
fn uint() -> impl Strategy<Value = u64> {
    prop_oneof![
        0..=0xfcu64,
        0xfd..=0xffffu64,
        0x1_0000..=0xffff_ffffu64,
        0x1_0000_0000..=MAX_SAFE_INTEGER,
        Just(MAX_SAFE_INTEGER),
    ]
}

fn key32() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>()
}

fn sig64() -> impl Strategy<Value = [u8; 64]> {
    (any::<[u8; 32]>(), any::<[u8; 32]>()).prop_map(|(a, b)| {
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&a);
        out[32..].copy_from_slice(&b);
        out
    })
}

fn addr4() -> impl Strategy<Value = SocketAddrV4> {
    (any::<[u8; 4]>(), any::<u16>()).prop_map(|(ip, port)| SocketAddrV4::new(ip.into(), port))
}

fn addr6() -> impl Strategy<Value = SocketAddrV6> {
    (any::<[u8; 16]>(), any::<u16>())
        .prop_map(|(ip, port)| SocketAddrV6::new(ip.into(), port, 0, 0))
}

/// Byte strings long enough to need a 3-byte length prefix now and then.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => proptest::collection::vec(any::<u8>(), 250..300),
    ]
}

/// Arbitrary input for the "never panics" properties: mostly random, sometimes starting
/// with a byte that gets a decoder past its first check.
fn hostile(first: &'static [u8]) -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(first),
        any::<bool>(),
        proptest::collection::vec(any::<u8>(), 0..2048),
    )
        .prop_map(|(b, use_it, mut rest)| {
            if use_it {
                rest.insert(0, b);
            }
            rest
        })
}

fn request() -> impl Strategy<Value = Request> {
    (
        any::<u16>(),
        addr4(),
        proptest::option::of(key32()),
        proptest::option::of(key32()),
        any::<bool>(),
        uint(),
        proptest::option::of(key32()),
        proptest::option::of(bytes()),
    )
        .prop_map(
            |(tid, to, id, token, internal, command, target, value)| Request {
                tid,
                to,
                id,
                token,
                internal,
                command,
                target,
                value,
            },
        )
}

fn response() -> impl Strategy<Value = Response> {
    (
        any::<u16>(),
        addr4(),
        proptest::option::of(key32()),
        proptest::option::of(key32()),
        proptest::collection::vec(addr4(), 0..30),
        prop_oneof![Just(0u64), uint()],
        proptest::option::of(bytes()),
    )
        .prop_map(
            |(tid, to, id, token, closer_nodes, error, value)| Response {
                tid,
                to,
                id,
                token,
                closer_nodes,
                error,
                value,
            },
        )
}

fn message() -> impl Strategy<Value = Message> {
    prop_oneof![
        request().prop_map(Message::Request),
        response().prop_map(Message::Response),
    ]
}

fn handshake() -> impl Strategy<Value = Handshake> {
    (
        uint(),
        bytes(),
        proptest::option::of(addr4()),
        proptest::option::of(addr4()),
    )
        .prop_map(|(mode, noise, peer_address, relay_address)| Handshake {
            mode,
            noise,
            peer_address,
            relay_address,
        })
}

fn holepunch() -> impl Strategy<Value = Holepunch> {
    (uint(), uint(), bytes(), proptest::option::of(addr4())).prop_map(
        |(mode, id, payload, peer_address)| Holepunch {
            mode,
            id,
            payload,
            peer_address,
        },
    )
}

fn peer_record() -> impl Strategy<Value = PeerRecord> {
    (key32(), proptest::collection::vec(addr4(), 0..5)).prop_map(|(public_key, relay_addresses)| {
        PeerRecord {
            public_key,
            relay_addresses,
        }
    })
}

fn announce() -> impl Strategy<Value = Announce> {
    (
        proptest::option::of(peer_record()),
        proptest::option::of(key32()),
        proptest::option::of(sig64()),
        prop_oneof![Just(0u64), uint()],
    )
        .prop_map(|(peer, refresh, signature, bump)| Announce {
            peer,
            refresh,
            signature,
            bump,
        })
}

fn lookup_reply() -> impl Strategy<Value = (Vec<PeerRecord>, u64)> {
    (
        proptest::collection::vec(peer_record(), 0..6),
        prop_oneof![Just(0u64), uint()],
    )
}

fn mutable_put() -> impl Strategy<Value = MutablePut> {
    (key32(), uint(), bytes(), sig64()).prop_map(|(public_key, seq, value, signature)| MutablePut {
        public_key,
        seq,
        value,
        signature,
    })
}

fn mutable_get() -> impl Strategy<Value = MutableGet> {
    (uint(), bytes(), sig64()).prop_map(|(seq, value, signature)| MutableGet {
        seq,
        value,
        signature,
    })
}

fn encode_message(m: &Message) -> Vec<u8> {
    match m {
        Message::Request(r) => r.encode(),
        Message::Response(r) => r.encode(),
    }
}

fn encode_lookup(peers: &[PeerRecord], bump: u64) -> Vec<u8> {
    let records: Vec<Vec<u8>> = peers.iter().map(PeerRecord::encode).collect();
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    encode_lookup_reply(&refs, bump)
}

/// Every strict prefix of `full` must fail with `OutOfBounds` (the data read before the
/// cut is unchanged, so the only way to fail is running out of bytes).
fn assert_prefixes_fail<T: std::fmt::Debug>(
    full: &[u8],
    decode: impl Fn(&[u8]) -> codec::Result<T>,
) -> Result<(), TestCaseError> {
    for cut in 0..full.len() {
        let got = decode(&full[..cut]);
        prop_assert!(
            matches!(got, Err(DecodeError::OutOfBounds)),
            "prefix of {} of {} bytes decoded to {:?}",
            cut,
            full.len(),
            got
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// A program of Reader primitives
// ---------------------------------------------------------------------------------------

/// One compact-encoding primitive with a value to write and expect back.
#[derive(Debug, Clone, PartialEq)]
enum Prim {
    Uint(u64),
    Uint32(u32),
    Len(usize),
    Int(i64),
    U8(u8),
    U16(u16),
    U24(u32),
    U32(u32),
    U32Be(u32),
    U64(u64),
    Bool(bool),
    Buffer(Vec<u8>),
    OptionalBuffer(Option<Vec<u8>>),
    String(String),
    Fixed32([u8; 32]),
    Fixed64(Vec<u8>),
    Raw(Vec<u8>),
    ArrayUint(Vec<u64>),
    ArrayString(Vec<String>),
    ArrayIpv4Address(Vec<SocketAddrV4>),
    ArrayBuffer(Vec<Vec<u8>>),
    Ipv4(Ipv4Addr),
    Ipv4Address(SocketAddrV4),
    Ipv6(Ipv6Addr),
    Ipv6Address(SocketAddrV6),
    Ip(IpAddr),
    IpAddress(SocketAddr),
}

fn ip_addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(IpAddr::from),
        any::<[u8; 16]>().prop_map(IpAddr::from),
    ]
}

fn prim() -> impl Strategy<Value = Prim> {
    // Zig-zag doubles the magnitude: keep `int` within what a `uint` can carry.
    let int = -(1i64 << 52)..(1i64 << 52);
    prop_oneof![
        uint().prop_map(Prim::Uint),
        any::<u32>().prop_map(Prim::Uint32),
        (0usize..100_000).prop_map(Prim::Len),
        int.prop_map(Prim::Int),
        any::<u8>().prop_map(Prim::U8),
        any::<u16>().prop_map(Prim::U16),
        (0u32..1 << 24).prop_map(Prim::U24),
        any::<u32>().prop_map(Prim::U32),
        any::<u32>().prop_map(Prim::U32Be),
        (0..=MAX_SAFE_INTEGER).prop_map(Prim::U64),
        any::<bool>().prop_map(Prim::Bool),
        bytes().prop_map(Prim::Buffer),
        proptest::option::of(proptest::collection::vec(any::<u8>(), 1..40))
            .prop_map(Prim::OptionalBuffer),
        ".{0,20}".prop_map(Prim::String),
        key32().prop_map(Prim::Fixed32),
        proptest::collection::vec(any::<u8>(), 64).prop_map(Prim::Fixed64),
        proptest::collection::vec(any::<u8>(), 0..10).prop_map(Prim::Raw),
        proptest::collection::vec(uint(), 0..8).prop_map(Prim::ArrayUint),
        proptest::collection::vec(".{0,5}", 0..5).prop_map(Prim::ArrayString),
        proptest::collection::vec(addr4(), 0..5).prop_map(Prim::ArrayIpv4Address),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..5), 0..5)
            .prop_map(Prim::ArrayBuffer),
        any::<[u8; 4]>().prop_map(|b| Prim::Ipv4(b.into())),
        addr4().prop_map(Prim::Ipv4Address),
        any::<[u8; 16]>().prop_map(|b| Prim::Ipv6(b.into())),
        addr6().prop_map(Prim::Ipv6Address),
        ip_addr().prop_map(Prim::Ip),
        (ip_addr(), any::<u16>()).prop_map(|(ip, port)| Prim::IpAddress(SocketAddr::new(ip, port))),
    ]
}

fn write_prim(w: &mut Writer, p: &Prim) {
    match p {
        Prim::Uint(v) => w.uint(*v),
        Prim::Uint32(v) => w.uint(u64::from(*v)),
        Prim::Len(v) => w.uint(*v as u64),
        Prim::Int(v) => w.int(*v),
        Prim::U8(v) => w.u8(*v),
        Prim::U16(v) => w.u16(*v),
        Prim::U24(v) => w.u24(*v),
        Prim::U32(v) => w.u32(*v),
        Prim::U32Be(v) => w.u32_be(*v),
        Prim::U64(v) => w.u64(*v),
        Prim::Bool(v) => w.bool(*v),
        Prim::Buffer(v) => w.buffer(v),
        Prim::OptionalBuffer(v) => w.optional_buffer(v.as_deref()),
        Prim::String(v) => w.string(v),
        Prim::Fixed32(v) => w.bytes(v),
        Prim::Fixed64(v) => w.bytes(v),
        Prim::Raw(v) => w.bytes(v),
        Prim::ArrayUint(v) => w.array(v, |w, x| {
            w.uint(*x);
        }),
        Prim::ArrayString(v) => w.array(v, |w, x| {
            w.string(x);
        }),
        Prim::ArrayIpv4Address(v) => w.array(v, |w, x| {
            w.ipv4_address(*x);
        }),
        Prim::ArrayBuffer(v) => w.array(v, |w, x| {
            w.buffer(x);
        }),
        Prim::Ipv4(v) => w.ipv4(*v),
        Prim::Ipv4Address(v) => w.ipv4_address(*v),
        Prim::Ipv6(v) => w.ipv6(*v),
        Prim::Ipv6Address(v) => w.ipv6_address(*v),
        Prim::Ip(v) => w.ip(*v),
        Prim::IpAddress(v) => w.ip_address(*v),
    };
}

/// Reads back the primitive of the same kind as `shape`.
fn read_prim(r: &mut Reader<'_>, shape: &Prim) -> codec::Result<Prim> {
    Ok(match shape {
        Prim::Uint(_) => Prim::Uint(r.uint()?),
        Prim::Uint32(_) => Prim::Uint32(r.uint32()?),
        Prim::Len(_) => Prim::Len(r.len()?),
        Prim::Int(_) => Prim::Int(r.int()?),
        Prim::U8(_) => Prim::U8(r.u8()?),
        Prim::U16(_) => Prim::U16(r.u16()?),
        Prim::U24(_) => Prim::U24(r.u24()?),
        Prim::U32(_) => Prim::U32(r.u32()?),
        Prim::U32Be(_) => Prim::U32Be(r.u32_be()?),
        Prim::U64(_) => Prim::U64(r.u64()?),
        Prim::Bool(_) => Prim::Bool(r.bool()?),
        Prim::Buffer(_) => Prim::Buffer(r.buffer()?.to_vec()),
        Prim::OptionalBuffer(_) => Prim::OptionalBuffer(r.optional_buffer()?.map(<[u8]>::to_vec)),
        Prim::String(_) => Prim::String(r.string()?.to_owned()),
        Prim::Fixed32(_) => Prim::Fixed32(r.fixed()?),
        Prim::Fixed64(_) => Prim::Fixed64(r.fixed::<64>()?.to_vec()),
        Prim::Raw(v) => Prim::Raw(r.bytes(v.len())?.to_vec()),
        Prim::ArrayUint(_) => Prim::ArrayUint(r.array(Reader::uint)?),
        Prim::ArrayString(_) => Prim::ArrayString(r.array(|r| r.string().map(str::to_owned))?),
        Prim::ArrayIpv4Address(_) => Prim::ArrayIpv4Address(r.array(Reader::ipv4_address)?),
        Prim::ArrayBuffer(_) => Prim::ArrayBuffer(r.array(|r| r.buffer().map(<[u8]>::to_vec))?),
        Prim::Ipv4(_) => Prim::Ipv4(r.ipv4()?),
        Prim::Ipv4Address(_) => Prim::Ipv4Address(r.ipv4_address()?),
        Prim::Ipv6(_) => Prim::Ipv6(r.ipv6()?),
        Prim::Ipv6Address(_) => Prim::Ipv6Address(r.ipv6_address()?),
        Prim::Ip(_) => Prim::Ip(r.ip()?),
        Prim::IpAddress(_) => Prim::IpAddress(r.ip_address()?),
    })
}

/// Runs a program of primitives over `buf`, stopping at the first error.
fn read_program(buf: &[u8], program: &[Prim]) -> codec::Result<(Vec<Prim>, usize)> {
    let mut r = Reader::new(buf);
    let mut out = Vec::with_capacity(program.len());
    for p in program {
        out.push(read_prim(&mut r, p)?);
    }
    Ok((out, r.remaining().len()))
}

/// Every primitive, applied in turn (cycling) to arbitrary bytes until one fails.
fn drive_all_primitives(buf: &[u8], start: usize) {
    let shapes = [
        Prim::Uint(0),
        Prim::Uint32(0),
        Prim::Len(0),
        Prim::Int(0),
        Prim::U8(0),
        Prim::U16(0),
        Prim::U24(0),
        Prim::U32(0),
        Prim::U32Be(0),
        Prim::U64(0),
        Prim::Bool(false),
        Prim::Buffer(vec![]),
        Prim::OptionalBuffer(None),
        Prim::String(String::new()),
        Prim::Fixed32([0; 32]),
        Prim::Fixed64(vec![]),
        Prim::Raw(vec![0; 3]),
        Prim::ArrayUint(vec![]),
        Prim::ArrayString(vec![]),
        Prim::ArrayIpv4Address(vec![]),
        Prim::ArrayBuffer(vec![]),
        Prim::Ipv4(Ipv4Addr::UNSPECIFIED),
        Prim::Ipv4Address(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)),
        Prim::Ipv6(Ipv6Addr::UNSPECIFIED),
        Prim::Ipv6Address(SocketAddrV6::new(Ipv6Addr::UNSPECIFIED, 0, 0, 0)),
        Prim::Ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
        Prim::IpAddress(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0)),
    ];
    let mut r = Reader::new(buf);
    // Every primitive consumes at least one byte when it succeeds, so this ends; the
    // bound is a guard in case one ever does not.
    for i in start..start + buf.len() + 1 {
        let before = r.remaining().len();
        match read_prim(&mut r, &shapes[i % shapes.len()]) {
            Ok(_) => {
                assert!(
                    r.remaining().len() < before,
                    "a successful read consumed nothing"
                );
                if r.is_empty() {
                    break;
                }
            }
            Err(_) => {
                break;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// (a) arbitrary bytes never panic, and whatever decodes re-encodes stably
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn message_decode_never_panics(buf in hostile(&[REQUEST_ID, RESPONSE_ID])) {
        if let Ok(m) = bounded(&buf, Message::decode)? {
            // Canonical re-encoding decodes to the same message.
            prop_assert_eq!(Message::decode(&encode_message(&m)), Ok(m));
        }
    }

    #[test]
    fn handshake_decode_never_panics(buf in hostile(&[0, 1, 2, 3])) {
        if let Ok(m) = bounded(&buf, Handshake::decode)? {
            prop_assert_eq!(Handshake::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn holepunch_decode_never_panics(buf in hostile(&[0, 1])) {
        if let Ok(m) = bounded(&buf, Holepunch::decode)? {
            prop_assert_eq!(Holepunch::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn peer_record_decode_never_panics(buf in hostile(&[0])) {
        if let Ok(m) = bounded(&buf, PeerRecord::decode)? {
            prop_assert_eq!(PeerRecord::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn announce_decode_never_panics(buf in hostile(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 15])) {
        if let Ok(m) = bounded(&buf, Announce::decode)? {
            prop_assert_eq!(Announce::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn lookup_reply_decode_never_panics(buf in hostile(&[0, 1, 2])) {
        if let Ok((peers, bump)) = bounded(&buf, decode_lookup_reply)? {
            prop_assert_eq!(decode_lookup_reply(&encode_lookup(&peers, bump)), Ok((peers, bump)));
        }
    }

    #[test]
    fn mutable_put_decode_never_panics(buf in hostile(&[0])) {
        if let Ok(m) = bounded(&buf, MutablePut::decode)? {
            prop_assert_eq!(MutablePut::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn mutable_get_decode_never_panics(buf in hostile(&[0, 1, 0xfd])) {
        if let Ok(m) = bounded(&buf, MutableGet::decode)? {
            prop_assert_eq!(MutableGet::decode(&m.encode()), Ok(m));
        }
    }

    #[test]
    fn reader_primitives_never_panic(
        buf in proptest::collection::vec(any::<u8>(), 0..2048),
        start in 0usize..64,
    ) {
        bounded(&buf, |b| drive_all_primitives(b, start))?;
    }

    #[test]
    fn reader_program_never_panics(
        buf in proptest::collection::vec(any::<u8>(), 0..2048),
        program in proptest::collection::vec(prim(), 0..16),
    ) {
        // Only the shapes of `program` matter here; the values come from `buf`.
        if let Ok((values, left)) = bounded(&buf, |b| read_program(b, &program))? {
            prop_assert!(left <= buf.len());
            prop_assert_eq!(values.len(), program.len());
        }
    }
}

// ---------------------------------------------------------------------------------------
// (b) valid structures round-trip, and (c) every truncation is rejected
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn message_roundtrip_and_truncation(m in message()) {
        let full = encode_message(&m);
        prop_assert_eq!(Message::decode(&full), Ok(m.clone()));
        // Trailing bytes are ignored, as dht-rpc does.
        let mut longer = full.clone();
        longer.extend_from_slice(&[0xff, 0x00, 0x13]);
        prop_assert_eq!(Message::decode(&longer), Ok(m));
        assert_prefixes_fail(&full, Message::decode)?;
    }

    #[test]
    fn handshake_roundtrip_and_truncation(m in handshake()) {
        let full = m.encode();
        prop_assert_eq!(Handshake::decode(&full), Ok(m));
        assert_prefixes_fail(&full, Handshake::decode)?;
    }

    #[test]
    fn holepunch_roundtrip_and_truncation(m in holepunch()) {
        let full = m.encode();
        prop_assert_eq!(Holepunch::decode(&full), Ok(m));
        assert_prefixes_fail(&full, Holepunch::decode)?;
    }

    #[test]
    fn peer_record_roundtrip_and_truncation(m in peer_record()) {
        let full = m.encode();
        prop_assert_eq!(full.len(), 33 + 6 * m.relay_addresses.len());
        prop_assert_eq!(PeerRecord::decode(&full), Ok(m));
        assert_prefixes_fail(&full, PeerRecord::decode)?;
    }

    #[test]
    fn announce_roundtrip_and_truncation(m in announce()) {
        let full = m.encode();
        prop_assert_eq!(Announce::decode(&full), Ok(m));
        assert_prefixes_fail(&full, Announce::decode)?;
    }

    #[test]
    fn lookup_reply_roundtrip_and_truncation((peers, bump) in lookup_reply()) {
        let full = encode_lookup(&peers, bump);
        prop_assert_eq!(decode_lookup_reply(&full), Ok((peers.clone(), bump)));

        // The encoder always writes `bump`, but decoders treat it as optional: the
        // prefix that stops right before it is a valid reply with bump 0. Every other
        // prefix is out of bounds.
        let mut bump_len = Writer::new();
        bump_len.uint(bump);
        let without_bump = full.len() - bump_len.into_vec().len();
        for cut in 0..full.len() {
            let got = decode_lookup_reply(&full[..cut]);
            if cut == without_bump {
                prop_assert_eq!(got, Ok((peers.clone(), 0)));
            } else {
                prop_assert!(
                    matches!(got, Err(DecodeError::OutOfBounds)),
                    "prefix {} of {}: {:?}", cut, full.len(), got
                );
            }
        }
    }

    #[test]
    fn mutable_put_roundtrip_and_truncation(m in mutable_put()) {
        let full = m.encode();
        prop_assert_eq!(MutablePut::decode(&full), Ok(m));
        assert_prefixes_fail(&full, MutablePut::decode)?;
    }

    #[test]
    fn mutable_get_roundtrip_and_truncation(m in mutable_get()) {
        let full = m.encode();
        prop_assert_eq!(MutableGet::decode(&full), Ok(m));
        assert_prefixes_fail(&full, MutableGet::decode)?;
    }

    #[test]
    fn reader_program_roundtrip_and_truncation(program in proptest::collection::vec(prim(), 0..16)) {
        let mut w = Writer::new();
        for p in &program {
            write_prim(&mut w, p);
        }
        let full = w.into_vec();
        prop_assert_eq!(read_program(&full, &program), Ok((program.clone(), 0)));
        assert_prefixes_fail(&full, |b| read_program(b, &program))?;
    }
}

// ---------------------------------------------------------------------------------------
// Fixed regression and boundary cases
// ---------------------------------------------------------------------------------------

#[test]
fn huge_lengths_are_rejected_without_allocating() {
    // Each case claims far more items or bytes than the input holds; the decoder must
    // fail before reserving room for them.
    let cases: [(&str, Vec<u8>, DecodeError); 6] = [
        (
            "buffer of 2^53-1 bytes",
            hex::decode("ffffffffffffff1f00").unwrap(),
            DecodeError::OutOfBounds,
        ),
        (
            "array of 0x100000 uints",
            hex::decode("fe00001000").unwrap(),
            DecodeError::OutOfBounds,
        ),
        (
            "array of 0x100001 uints",
            hex::decode("fe01001000").unwrap(),
            DecodeError::ArrayTooBig,
        ),
        (
            "lookup reply of 0x100000 records",
            hex::decode("fe00001000").unwrap(),
            DecodeError::OutOfBounds,
        ),
        (
            "peer record with 0x100000 relays",
            [vec![0; 32], hex::decode("fe00001000").unwrap()].concat(),
            DecodeError::OutOfBounds,
        ),
        (
            "response with 0xffff closer nodes",
            hex::decode("1304efbec000020a409cfdffff").unwrap(),
            DecodeError::OutOfBounds,
        ),
    ];
    for (name, buf, expected) in cases {
        let (got, largest) = largest_allocation(|| match name {
            n if n.starts_with("buffer") => Reader::new(&buf).buffer().map(|_| ()),
            n if n.starts_with("array") => Reader::new(&buf).array(Reader::uint).map(|_| ()),
            n if n.starts_with("lookup") => decode_lookup_reply(&buf).map(|_| ()),
            n if n.starts_with("peer") => PeerRecord::decode(&buf).map(|_| ()),
            _ => Message::decode(&buf).map(|_| ()),
        });
        assert_eq!(got, Err(expected), "{name}");
        assert!(
            largest <= allocation_bound(buf.len()),
            "{name}: allocated {largest} bytes at once"
        );
    }
}

#[test]
fn unknown_type_byte_and_bad_ip_family_are_invalid() {
    assert_eq!(Message::decode(&[0x04, 0, 0]), Err(DecodeError::Invalid));
    assert_eq!(Message::decode(&[]), Err(DecodeError::OutOfBounds));
    assert_eq!(
        Reader::new(&[5, 1, 2, 3, 4]).ip(),
        Err(DecodeError::Invalid)
    );
    assert_eq!(Reader::new(&[0xfe, 0, 0, 0, 0]).uint32(), Ok(0));
    assert_eq!(
        Reader::new(&hex::decode("ff0000000001000000").unwrap()).uint32(),
        Err(DecodeError::Invalid)
    );
    assert_eq!(
        Reader::new(&[2, 0xff, 0xfe]).string(),
        Err(DecodeError::InvalidUtf8)
    );
}
