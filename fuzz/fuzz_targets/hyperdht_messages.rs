//! Every HyperDHT payload decoder on the same arbitrary bytes: none may panic, and what
//! each accepts must re-encode canonically and decode back to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spork::swarm::hyperdht::messages::{
    decode_lookup_reply, encode_lookup_reply, Announce, Handshake, Holepunch, MutableGet,
    MutablePut, PeerRecord,
};

/// Checks decode → encode → decode for one message type.
macro_rules! roundtrip {
    ($ty:ty, $data:expr) => {
        if let Ok(m) = <$ty>::decode($data) {
            let canonical = m.encode();
            assert!(canonical.len() <= $data.len(), stringify!($ty));
            assert_eq!(<$ty>::decode(&canonical).as_ref(), Ok(&m), stringify!($ty));
        }
    };
}

fuzz_target!(|data: &[u8]| {
    roundtrip!(Handshake, data);
    roundtrip!(Holepunch, data);
    roundtrip!(PeerRecord, data);
    roundtrip!(Announce, data);
    roundtrip!(MutablePut, data);
    roundtrip!(MutableGet, data);

    if let Ok((peers, bump)) = decode_lookup_reply(data) {
        let records: Vec<Vec<u8>> = peers.iter().map(PeerRecord::encode).collect();
        let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
        let canonical = encode_lookup_reply(&refs, bump);
        // The encoder always writes `bump`, which the input may have left out (one byte).
        assert!(canonical.len() <= data.len() + 1);
        assert_eq!(decode_lookup_reply(&canonical), Ok((peers, bump)));
    }
});
