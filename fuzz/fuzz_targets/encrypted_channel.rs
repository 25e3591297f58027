//! Hostile bytes against every decoder of the encrypted channel: the noise and
//! holepunch payloads (a successful decode must re-encode to something that decodes
//! the same), both IK handshake readers, the XX reader, the secretstream pull and the
//! datagram and holepunch openers. None may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use spork::swarm::hyperdht::payload::{HolepunchPayload, NoisePayload, SecurePayload};
use spork::swarm::noise::{Handshake, Initiator, Keypair, Pattern, Responder};
use spork::swarm::secretstream::datagram::DatagramBox;
use spork::swarm::secretstream::sodium::State;

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = NoisePayload::decode(data) {
        if p.version == 1 {
            let again = NoisePayload::decode(&p.encode()).expect("re-encoding decodes");
            assert_eq!(again.holepunch, p.holepunch);
            assert_eq!(again.addresses4, p.addresses4);
            assert_eq!(again.relay_addresses, p.relay_addresses);
        }
    }
    if let Ok(p) = HolepunchPayload::decode(data) {
        assert_eq!(HolepunchPayload::decode(&p.encode()), Ok(p));
    }
    let kp = Keypair::from_seed([1; 32]);
    let _ = Responder::new(kp.clone(), b"fuzz", Some(Keypair::from_seed([2; 32])))
        .read_message1(data);
    let mut i = Initiator::new(
        Keypair::from_seed([3; 32]),
        *kp.public(),
        b"fuzz",
        Some(Keypair::from_seed([4; 32])),
    );
    if i.write_message1(b"").is_ok() {
        let _ = i.read_message2(data);
    }
    if let Ok(mut x) = Handshake::new(Pattern::XX, false, kp, b"", None, None) {
        let _ = x.read_message(data);
    }
    let mut buf = data.to_vec();
    let _ = State::new(&[5; 32], &[6; 24]).pull_in_place(&mut buf);
    let _ = DatagramBox::new(&[7; 64], false, 0).open(data);
    let _ = SecurePayload::new(&[8; 32]).decrypt(data);
});
