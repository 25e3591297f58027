//! A small interpreter driving compact-encoding `Reader` primitives from the input.
//!
//! Input layout: byte 0 gives the number of operations (mod 33), the next bytes are the
//! operation codes, the rest is the buffer they read. Each successful read must consume
//! at least one byte and survive a write-then-read round trip through `Writer`; the
//! first error ends the program.

#![no_main]

use std::net::SocketAddr;

use libfuzzer_sys::fuzz_target;
use spork::swarm::codec::{Reader, Writer, MAX_ARRAY_LEN, MAX_SAFE_INTEGER};

/// Reads one primitive, re-encodes it, and checks the re-encoding reads back the same.
macro_rules! check {
    ($r:expr, $read:expr, $write:expr) => {{
        let read = $read;
        let write = $write;
        match read(&mut *$r) {
            Err(_) => false,
            Ok(v) => {
                let mut w = Writer::new();
                write(&mut w, &v);
                let bytes = w.into_vec();
                let mut again = Reader::new(&bytes);
                assert_eq!(read(&mut again).as_ref(), Ok(&v));
                assert!(again.is_empty(), "re-encoding has leftover bytes");
                true
            }
        }
    }};
}

fn step(op: u8, r: &mut Reader<'_>) -> bool {
    match op % 26 {
        0 => check!(
            r,
            |r: &mut Reader| r.uint().inspect(|v| assert!(*v <= MAX_SAFE_INTEGER)),
            |w: &mut Writer, v: &u64| {
                w.uint(*v);
            }
        ),
        1 => check!(r, |r: &mut Reader| r.uint32(), |w: &mut Writer, v: &u32| {
            w.uint(u64::from(*v));
        }),
        2 => check!(r, |r: &mut Reader| r.len(), |w: &mut Writer, v: &usize| {
            w.uint(*v as u64);
        }),
        3 => check!(r, |r: &mut Reader| r.int(), |w: &mut Writer, v: &i64| {
            w.int(*v);
        }),
        4 => check!(r, |r: &mut Reader| r.u8(), |w: &mut Writer, v: &u8| {
            w.u8(*v);
        }),
        5 => check!(r, |r: &mut Reader| r.u16(), |w: &mut Writer, v: &u16| {
            w.u16(*v);
        }),
        6 => check!(
            r,
            |r: &mut Reader| r.u24().inspect(|v| assert!(*v < 1 << 24)),
            |w: &mut Writer, v: &u32| {
                w.u24(*v);
            }
        ),
        7 => check!(r, |r: &mut Reader| r.u32(), |w: &mut Writer, v: &u32| {
            w.u32(*v);
        }),
        8 => check!(r, |r: &mut Reader| r.u32_be(), |w: &mut Writer, v: &u32| {
            w.u32_be(*v);
        }),
        9 => check!(r, |r: &mut Reader| r.u64(), |w: &mut Writer, v: &u64| {
            w.u64(*v);
        }),
        10 => check!(r, |r: &mut Reader| r.bool(), |w: &mut Writer, v: &bool| {
            w.bool(*v);
        }),
        11 => check!(
            r,
            |r: &mut Reader| r.buffer().map(<[u8]>::to_vec),
            |w: &mut Writer, v: &Vec<u8>| {
                w.buffer(v);
            }
        ),
        12 => check!(
            r,
            |r: &mut Reader| r.optional_buffer().map(|b| b.map(<[u8]>::to_vec)),
            |w: &mut Writer, v: &Option<Vec<u8>>| {
                w.optional_buffer(v.as_deref());
            }
        ),
        13 => check!(
            r,
            |r: &mut Reader| r.string().map(str::to_owned),
            |w: &mut Writer, v: &String| {
                w.string(v);
            }
        ),
        14 => check!(
            r,
            |r: &mut Reader| r.fixed::<32>(),
            |w: &mut Writer, v: &[u8; 32]| {
                w.bytes(v);
            }
        ),
        15 => check!(
            r,
            |r: &mut Reader| r.fixed::<64>(),
            |w: &mut Writer, v: &[u8; 64]| {
                w.bytes(v);
            }
        ),
        16 => match r.array_len() {
            Err(_) => false,
            Ok(n) => {
                assert!(n as u64 <= MAX_ARRAY_LEN);
                // A count is only accepted with at least one byte per element behind it.
                assert!(n <= r.remaining().len());
                let mut w = Writer::new();
                w.uint(n as u64).bytes(&vec![0; n]);
                let bytes = w.into_vec();
                let mut again = Reader::new(&bytes);
                assert_eq!(again.array_len(), Ok(n));
                assert_eq!(again.remaining().len(), n);
                true
            }
        },
        17 => check!(
            r,
            |r: &mut Reader| r.array(Reader::uint),
            |w: &mut Writer, v: &Vec<u64>| {
                w.array(v, |w, x| {
                    w.uint(*x);
                });
            }
        ),
        18 => check!(
            r,
            |r: &mut Reader| r.array(|r| r.string().map(str::to_owned)),
            |w: &mut Writer, v: &Vec<String>| {
                w.array(v, |w, x| {
                    w.string(x);
                });
            }
        ),
        19 => check!(
            r,
            |r: &mut Reader| r.array(Reader::ipv4_address),
            |w: &mut Writer, v: &Vec<std::net::SocketAddrV4>| {
                w.array(v, |w, x| {
                    w.ipv4_address(*x);
                });
            }
        ),
        20 => check!(
            r,
            |r: &mut Reader| r.ipv4(),
            |w: &mut Writer, v: &std::net::Ipv4Addr| {
                w.ipv4(*v);
            }
        ),
        21 => check!(
            r,
            |r: &mut Reader| r.ipv4_address(),
            |w: &mut Writer, v: &std::net::SocketAddrV4| {
                w.ipv4_address(*v);
            }
        ),
        22 => check!(
            r,
            |r: &mut Reader| r.ipv6(),
            |w: &mut Writer, v: &std::net::Ipv6Addr| {
                w.ipv6(*v);
            }
        ),
        23 => check!(
            r,
            |r: &mut Reader| r.ipv6_address(),
            |w: &mut Writer, v: &std::net::SocketAddrV6| {
                w.ipv6_address(*v);
            }
        ),
        24 => check!(
            r,
            |r: &mut Reader| r.ip(),
            |w: &mut Writer, v: &std::net::IpAddr| {
                w.ip(*v);
            }
        ),
        _ => check!(
            r,
            |r: &mut Reader| r.ip_address(),
            |w: &mut Writer, v: &SocketAddr| {
                w.ip_address(*v);
            }
        ),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 33).min(rest.len());
    let (ops, buf) = rest.split_at(n);
    let mut r = Reader::new(buf);
    for &op in ops {
        let before = r.remaining().len();
        if !step(op, &mut r) {
            break;
        }
        assert!(r.remaining().len() < before, "op {op} consumed nothing");
    }
});
