//! Hyperbee blocks on arbitrary bytes: the protobuf decoders never panic and what they
//! accept re-encodes to something that decodes the same; a bee made of a valid header
//! and fuzzed blocks answers every read and write with a value or an error, never a
//! panic or an endless walk.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spork::adb::bee::proto::{Entry, Header, YoloIndex};
use spork::adb::bee::{Bee, Range};

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = Entry::decode(data) {
        assert_eq!(Entry::decode(&e.encode()).as_ref(), Ok(&e));
    }
    if let Ok(i) = YoloIndex::decode(data) {
        assert_eq!(YoloIndex::decode(&i.encode()).as_ref(), Ok(&i));
    }
    let _ = Header::decode(data);
    // Up to four blocks cut from the input, after a good header.
    let mut blocks = vec![Header::hyperbee().encode()];
    blocks.extend(data.chunks(data.len() / 4 + 1).map(<[u8]>::to_vec));
    let bee = Bee::new(blocks);
    let _ = bee.get(b"key");
    let _ = bee.range(&Range::default());
    let _ = bee.put(b"key", b"value");
    let _ = bee.del(b"key");
});
