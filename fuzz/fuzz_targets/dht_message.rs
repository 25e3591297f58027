//! dht-rpc datagrams: `Message::decode` on arbitrary bytes must never panic, and any
//! message it accepts must re-encode to a canonical form that decodes to the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spork::swarm::rpc::messages::Message;

fn encode(m: &Message) -> Vec<u8> {
    match m {
        Message::Request(r) => r.encode(),
        Message::Response(r) => r.encode(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(message) = Message::decode(data) else {
        return;
    };
    let canonical = encode(&message);
    // The canonical form drops non-minimal varints, empty optional fields and trailing
    // bytes, so it is never longer than what was accepted.
    assert!(canonical.len() <= data.len());
    assert_eq!(Message::decode(&canonical).as_ref(), Ok(&message));
    // And it is a fixed point.
    assert_eq!(encode(&Message::decode(&canonical).unwrap()), canonical);
});
