//! The client's half of a holepunch (hyperdht `lib/connect.js` `probeRound` and
//! `roundPunch`): through one of the server's relays, swap NAT views over the sealed
//! holepunch channel (a probe round, repeated once if the server was still unsure),
//! then tell the server we punch, start our own probes, and wait for the first probe
//! of the server's to come through.

use std::net::SocketAddrV4;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::ConnectError;
use crate::swarm::crypto::Key32;
use crate::swarm::hyperdht::holepuncher::{Holepuncher, Status};
use crate::swarm::hyperdht::payload::{HolepunchPayload, RelayInfo, SecurePayload};
use crate::swarm::hyperdht::router::{peer_holepunch, HolepunchReply};
use crate::swarm::hyperdht::{error, firewall, HyperDht};
use crate::swarm::noise::{holepunch_secret, HandshakeResult};
use crate::swarm::udx::Socket;

/// How long after the punch started we wait for a probe to come through (random-NAT
/// probing runs ~35 s).
const PUNCH_WAIT: Duration = Duration::from_secs(45);
/// The pause that gives a server still classifying its NAT time to finish.
const UNSURE_PAUSE: Duration = Duration::from_secs(1);

/// What the probe round settled.
struct Probe {
    /// The server's token for our host (echoed back to prove we receive from it).
    token: Option<Key32>,
    /// The server's holepunch socket as the relay saw it.
    peer_address: SocketAddrV4,
}

/// One client-side holepunch.
pub(super) struct ClientPunch<'a> {
    dht: &'a HyperDht,
    target: Key32,
    /// The server's slot for our handshake.
    id: u64,
    sealer: SecurePayload,
    puncher: Arc<Holepuncher>,
    round: u64,
}

impl<'a> ClientPunch<'a> {
    /// Prepares a punch for the handshake `hs` with a server whose NAT class is
    /// `server_firewall`, using its slot `id`.
    pub fn new(
        dht: &'a HyperDht,
        target: Key32,
        hs: &HandshakeResult,
        id: u64,
        server_firewall: u64,
    ) -> Result<Self, ConnectError> {
        let puncher = Holepuncher::new(dht, true, server_firewall)
            .map_err(|e| ConnectError::Local(e.to_string()))?;
        Ok(ClientPunch {
            dht,
            target,
            id,
            sealer: SecurePayload::new(&holepunch_secret(&hs.hash)),
            puncher,
            round: 0,
        })
    }

    /// Punches through to the server at `server_address` (as the relay `relay` we
    /// shook hands through saw it), negotiating through one of `relays`. Returns the
    /// socket and address the first probe came through on.
    pub async fn run(
        self,
        relays: &[RelayInfo],
        mut server_address: SocketAddrV4,
        relay: SocketAddrV4,
    ) -> Result<(Socket, SocketAddrV4), ConnectError> {
        let puncher = self.puncher.clone();
        let result = self.punch(relays, &mut server_address, relay).await;
        // The server's fast-mode probe can beat the negotiation: then we are through,
        // whatever the last round said.
        let result = match (result, connected(&puncher)) {
            (_, Some(path)) => Ok(path),
            (Ok(()), None) => wait_for_probe(&puncher).await,
            (Err(e), None) => Err(e),
        };
        puncher.destroy();
        result
    }

    async fn punch(
        mut self,
        relays: &[RelayInfo],
        server_address: &mut SocketAddrV4,
        relay: SocketAddrV4,
    ) -> Result<(), ConnectError> {
        let server_relay = relays
            .iter()
            .find(|r| r.relay_address == relay)
            .or(relays.first())
            .copied()
            .ok_or(ConnectError::CannotHolepunch)?;
        let probe = self.probe_round(*server_address, &server_relay).await?;
        // Same relay as the handshake: the server may have moved to another socket.
        if server_relay.relay_address == relay && probe.peer_address != *server_address {
            *server_address = probe.peer_address;
            self.puncher.open_session(*server_address);
        }
        self.round_punch(*server_address, probe.token, relay).await
    }

    /// Swaps NAT views until both sides are classified (asking again once if the
    /// server was unsure or gave no token).
    async fn probe_round(
        &mut self,
        server_address: SocketAddrV4,
        server_relay: &RelayInfo,
    ) -> Result<Probe, ConnectError> {
        let mut retry = true;
        loop {
            self.puncher.open_session(server_address);
            let nat = self.puncher.nat();
            let ask = HolepunchPayload {
                firewall: nat.firewall,
                round: self.next_round(),
                addresses: nat.addresses,
                remote_address: Some(server_address),
                ..HolepunchPayload::default()
            };
            let (answer, reply) = self
                .update(server_relay.peer_address, server_relay.relay_address, &ask)
                .await?;
            self.puncher.add_sample(reply.to, reply.from);
            if self.puncher.remote().firewall == firewall::UNKNOWN {
                tokio::time::sleep(UNSURE_PAUSE).await;
            }
            if !self.puncher.analyze(false).await && self.puncher.analyze(true).await && retry {
                retry = false;
                continue;
            }
            let remote = self.puncher.remote().firewall;
            if (remote == firewall::UNKNOWN || answer.token.is_none()) && retry {
                retry = false;
                continue;
            }
            let ours = self.puncher.nat().firewall;
            if remote == firewall::UNKNOWN || ours == firewall::UNKNOWN {
                return Err(self
                    .abort(server_relay, "a NAT could not be classified in time")
                    .await);
            }
            if remote >= firewall::RANDOM && ours >= firewall::RANDOM {
                return Err(self
                    .abort(server_relay, "both peers are behind random-port NATs")
                    .await);
            }
            return Ok(Probe {
                token: answer.token,
                peer_address: reply.peer_address,
            });
        }
    }

    /// Tells the server we punch (echoing its token, sending ours) and starts probing.
    async fn round_punch(
        &mut self,
        server_address: SocketAddrV4,
        remote_token: Option<Key32>,
        relay: SocketAddrV4,
    ) -> Result<(), ConnectError> {
        self.puncher.freeze();
        let nat = self.puncher.nat();
        let random =
            self.puncher.remote().firewall >= firewall::RANDOM || nat.firewall >= firewall::RANDOM;
        if random && self.dht.random_punch_busy() {
            return Err(ConnectError::Holepunch(
                "another punch through a random-port NAT is running; try again in 20 s",
            ));
        }
        let ask = HolepunchPayload {
            firewall: nat.firewall,
            round: self.next_round(),
            punching: true,
            addresses: nat.addresses,
            token: Some(self.sealer.token(&server_address.ip().to_string())),
            remote_token,
            ..HolepunchPayload::default()
        };
        // Count ourselves in while the server decides, so we do not race another punch
        // (given back however this ends, a cancelled connect included).
        let counted = random.then(|| RandomPunchSlot::take(self.dht));
        let answered = self.update(server_address, relay, &ask).await;
        drop(counted);
        answered?;
        if !self.puncher.remote().punching {
            return Err(ConnectError::Holepunch("the peer did not start punching"));
        }
        if !self.puncher.punch() {
            return Err(ConnectError::Holepunch(
                "the peer's NAT cannot be punched from ours",
            ));
        }
        Ok(())
    }

    /// One sealed round trip through `relay` to the server at `peer_address`.
    async fn update(
        &self,
        peer_address: SocketAddrV4,
        relay: SocketAddrV4,
        ask: &HolepunchPayload,
    ) -> Result<(HolepunchPayload, HolepunchReply), ConnectError> {
        let via = self.puncher.socket();
        let reply = peer_holepunch(
            self.dht,
            &via,
            self.target,
            self.id,
            self.sealer.encrypt(ask),
            peer_address,
            relay,
        )
        .await
        .map_err(|_| ConnectError::Holepunch("the peer's relay did not answer"))?;
        let answer = self
            .sealer
            .decrypt(&reply.payload)
            .ok_or(ConnectError::Holepunch(
                "the peer sent an invalid holepunch reply",
            ))?;
        if answer.error == error::TRY_LATER {
            return Err(ConnectError::Holepunch(
                "the peer is punching through another random-port NAT; try again shortly",
            ));
        }
        if answer.error != error::NONE {
            // Which side gives up first when both NATs are random-port is a race: say
            // the reason either way.
            let ours = self.puncher.nat().firewall;
            let theirs = answer.firewall.max(self.puncher.remote().firewall);
            if ours >= firewall::RANDOM && theirs >= firewall::RANDOM {
                return Err(ConnectError::Holepunch(
                    "both peers are behind random-port NATs",
                ));
            }
            return Err(ConnectError::Holepunch("the peer gave up holepunching"));
        }
        let echoed = ask.token.is_some() && answer.remote_token == ask.token;
        self.puncher.update_remote(
            answer.punching,
            answer.firewall,
            answer.addresses.as_deref().unwrap_or_default(),
            echoed.then_some(*peer_address.ip()),
        );
        Ok((answer, reply))
    }

    /// Tells the server we give up (best effort) and returns the error to report.
    async fn abort(&mut self, server_relay: &RelayInfo, why: &'static str) -> ConnectError {
        let ask = HolepunchPayload {
            error: error::ABORTED,
            round: self.next_round(),
            ..HolepunchPayload::default()
        };
        let _ = self
            .update(server_relay.peer_address, server_relay.relay_address, &ask)
            .await;
        self.puncher.destroy();
        ConnectError::Holepunch(why)
    }

    fn next_round(&mut self) -> u64 {
        self.round += 1;
        self.round - 1
    }
}

/// One place in the process's random-punch budget, held while it lives.
struct RandomPunchSlot<'a>(&'a HyperDht);

impl<'a> RandomPunchSlot<'a> {
    fn take(dht: &'a HyperDht) -> Self {
        dht.random_punches().fetch_add(1, Ordering::SeqCst);
        RandomPunchSlot(dht)
    }
}

impl Drop for RandomPunchSlot<'_> {
    fn drop(&mut self) {
        self.0.random_punches().fetch_sub(1, Ordering::SeqCst);
    }
}

/// Waits for the first probe from the server to come through.
async fn wait_for_probe(puncher: &Holepuncher) -> Result<(Socket, SocketAddrV4), ConnectError> {
    let mut status = puncher.status();
    let _ = tokio::time::timeout(
        PUNCH_WAIT,
        status.wait_for(|s| !matches!(s, Status::Running)),
    )
    .await;
    connected(puncher).ok_or(ConnectError::Holepunch(
        "no probe came through the NATs in time",
    ))
}

/// The path a probe opened, if one did.
fn connected(puncher: &Holepuncher) -> Option<(Socket, SocketAddrV4)> {
    match &*puncher.status().borrow() {
        Status::Connected(socket, from) => Some((socket.clone(), *from)),
        _ => None,
    }
}
