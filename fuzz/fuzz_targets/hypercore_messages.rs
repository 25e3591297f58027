//! Hypercore's replication messages and manifests on arbitrary bytes: no decoder may
//! panic, what one accepts must re-encode and decode back the same, and a decoded
//! proof must verify or fail cleanly — against an empty reader and a 5-block one.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spork::hypercore::manifest::{Manifest, Verifier};
use spork::hypercore::messages::Message;
use spork::hypercore::tree::Roots;
use spork::hypercore::verify::verify;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Message::decode(data) {
        assert_eq!(Message::decode(&m.encode()).as_ref(), Ok(&m));
        if let Message::Data(d) = m {
            let manifest = Manifest::single_signer([7; 32]);
            let verifier = Verifier::new(manifest.hash(), manifest).unwrap();
            let mut five = Roots::new();
            for i in 0..5u8 {
                five.append(&[i], &mut Vec::new());
            }
            let _ = verify(d.proof.clone(), d.proof.fork, &Roots::new(), &verifier);
            let _ = verify(d.proof, 0, &five, &verifier);
        }
    }
    if let Ok(m) = Manifest::decode(data) {
        assert_eq!(Manifest::decode(&m.encode()).as_ref(), Ok(&m));
        let _ = m.hash();
    }
});
