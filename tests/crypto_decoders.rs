//! Property tests over the decoders of the encrypted channel: hostile bytes never panic
//! the noise-payload and holepunch-payload decoders, the Noise handshake readers, the
//! secretstream pull, the datagram opener or a `SecretStream` reading a hostile peer;
//! structured payloads round-trip.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use proptest::prelude::*;

use spork::swarm::hyperdht::payload::{
    HolepunchInfo, HolepunchPayload, NoisePayload, RelayInfo, RelayThrough, SecurePayload, UdxInfo,
};
use spork::swarm::noise::{
    stream_id, Handshake, HandshakeResult, Initiator, Keypair, Pattern, Responder,
};
use spork::swarm::secretstream::datagram::DatagramBox;
use spork::swarm::secretstream::sodium::State;
use spork::swarm::secretstream::{header_message, SecretStream};

fn config() -> ProptestConfig {
    ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn v4() -> impl Strategy<Value = SocketAddrV4> {
    (any::<u32>(), any::<u16>()).prop_map(|(ip, p)| SocketAddrV4::new(Ipv4Addr::from(ip), p))
}

fn v6() -> impl Strategy<Value = SocketAddrV6> {
    (any::<u128>(), any::<u16>()).prop_map(|(ip, p)| SocketAddrV6::new(Ipv6Addr::from(ip), p, 0, 0))
}

const MAX: u64 = (1 << 53) - 1;

fn noise_payload() -> impl Strategy<Value = NoisePayload> {
    (
        (0..MAX, 0..MAX),
        proptest::option::of((0..MAX, proptest::collection::vec((v4(), v4()), 0..4))),
        proptest::collection::vec(v4(), 0..4),
        proptest::collection::vec(v6(), 0..3),
        proptest::option::of((any::<bool>(), 0..MAX, 0..MAX)),
        any::<bool>(),
        proptest::option::of((any::<[u8; 32]>(), any::<[u8; 32]>())),
        proptest::option::of(proptest::collection::vec(v4(), 0..4)),
    )
        .prop_map(
            |((error, firewall), hp, a4, a6, udx, ss, rt, ra)| NoisePayload {
                version: 1,
                error,
                firewall,
                holepunch: hp.map(|(id, relays)| HolepunchInfo {
                    id,
                    relays: relays
                        .into_iter()
                        .map(|(relay_address, peer_address)| RelayInfo {
                            relay_address,
                            peer_address,
                        })
                        .collect(),
                }),
                addresses4: a4,
                addresses6: a6,
                udx: udx.map(|(reusable_socket, id, seq)| UdxInfo {
                    version: 1,
                    reusable_socket,
                    id,
                    seq,
                }),
                secret_stream: ss.then_some(1),
                relay_through: rt.map(|(public_key, token)| RelayThrough {
                    version: 1,
                    public_key,
                    token,
                }),
                relay_addresses: ra,
            },
        )
}

fn holepunch_payload() -> impl Strategy<Value = HolepunchPayload> {
    (
        (0..MAX, 0..MAX, 0..MAX, any::<bool>(), any::<bool>()),
        proptest::option::of(proptest::collection::vec(v4(), 0..4)),
        proptest::option::of(v4()),
        proptest::option::of(any::<[u8; 32]>()),
        proptest::option::of(any::<[u8; 32]>()),
    )
        .prop_map(
            |((error, firewall, round, connected, punching), addresses, ra, token, rt)| {
                HolepunchPayload {
                    error,
                    firewall,
                    round,
                    connected,
                    punching,
                    addresses,
                    remote_address: ra,
                    token,
                    remote_token: rt,
                }
            },
        )
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..300)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn noise_payload_decoder_never_panics(b in bytes()) {
        let _ = NoisePayload::decode(&b);
    }

    #[test]
    fn noise_payload_round_trips(p in noise_payload()) {
        let enc = p.encode();
        prop_assert_eq!(NoisePayload::decode(&enc).unwrap(), p);
        for n in 0..enc.len() {
            prop_assert!(NoisePayload::decode(&enc[..n]).is_err());
        }
    }

    #[test]
    fn holepunch_payload_round_trips_and_seals(p in holepunch_payload(), key in any::<[u8; 32]>()) {
        let enc = p.encode();
        prop_assert_eq!(HolepunchPayload::decode(&enc).unwrap(), p.clone());
        let sp = SecurePayload::new(&key);
        prop_assert_eq!(sp.decrypt(&sp.encrypt(&p)).unwrap(), p);
    }

    #[test]
    fn holepunch_decoders_never_panic(b in bytes(), key in any::<[u8; 32]>()) {
        let _ = HolepunchPayload::decode(&b);
        prop_assert!(SecurePayload::new(&key).decrypt(&b).is_none() || b.len() > 40);
    }

    #[test]
    fn noise_readers_never_panic(b in bytes(), seed in any::<[u8; 32]>()) {
        let kp = Keypair::from_seed(seed);
        let mut r = Responder::new(kp.clone(), b"p", None);
        prop_assert!(r.read_message1(&b).is_err());
        let mut i = Initiator::new(Keypair::random(), *kp.public(), b"p", None);
        i.write_message1(b"").unwrap();
        prop_assert!(i.read_message2(&b).is_err());
        let mut x = Handshake::new(Pattern::XX, false, kp, b"", None, None).unwrap();
        let _ = x.read_message(&b);
    }

    #[test]
    fn pull_and_datagram_open_never_panic(mut b in bytes(), key in any::<[u8; 32]>(), h in any::<[u8; 24]>()) {
        let mut st = State::new(&key, &h);
        prop_assert!(st.pull_in_place(&mut b).is_err());
        let hash = [key, key].concat().try_into().unwrap();
        prop_assert!(DatagramBox::new(&hash, true, 5).open(&b).is_none());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..config() })]

    /// A peer that sends a valid header and then garbage: the reader gets an error or
    /// EOF, never a panic and never plaintext.
    #[test]
    fn secret_stream_reading_garbage(garbage in proptest::collection::vec(any::<u8>(), 0..2000)) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let hs = HandshakeResult {
                tx: [1; 32],
                rx: [2; 32],
                hash: [3; 64],
                remote_public_key: [4; 32],
                is_initiator: true,
            };
            let (a, mut raw) = tokio::io::duplex(1 << 16);
            raw.write_all(&header_message(&stream_id(&hs.hash, false), &[5; 24])).await.unwrap();
            raw.write_all(&garbage).await.unwrap();
            raw.shutdown().await.unwrap();
            let mut s = SecretStream::new(a, &hs).await.unwrap();
            let mut out = Vec::new();
            let r = s.read_to_end(&mut out).await;
            assert!(out.is_empty());
            // Any byte after the header is part of a frame that is cut, too short or
            // forged; only an empty input ends cleanly.
            assert_eq!(r.is_err(), !garbage.is_empty());
        });
    }
}
