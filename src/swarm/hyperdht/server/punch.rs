//! The server's half of a holepunch (hyperdht `lib/server.js` `_onpeerholepunch`): one
//! slot per handshake whose client is behind a NAT, holding the sealed channel the two
//! sides negotiate over and the server's [`Holepuncher`]. Each PEER_HOLEPUNCH message
//! updates what we know of the client, waits for our own NAT verdict, starts punching
//! once the client says it punches, and answers with our view.

use std::net::SocketAddrV4;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::super::holepuncher::{Holepuncher, Status};
use super::super::payload::{HolepunchPayload, SecurePayload};
use super::super::router::ServerReply;
use super::super::{error, firewall, HyperDht};
use crate::swarm::lock;
use crate::swarm::noise::{holepunch_secret, HandshakeResult};
use crate::swarm::rpc::PoolSocket;

/// How long a slot waits for the client to start punching, and how long a finished
/// slot's id stays taken (late messages must not reach a new handshake).
const PREPUNCH_WAIT: Duration = Duration::from_secs(10);
/// The longest a punch may take (random-NAT probing runs ~35 s).
const PUNCH_WAIT: Duration = Duration::from_secs(60);

/// The slots by id; an id is the first free index, as in hyperdht.
#[derive(Clone, Default)]
pub struct Slots(Arc<Mutex<Vec<SlotEntry>>>);

/// A slot's place in the table.
#[derive(Clone, Default)]
enum SlotEntry {
    /// Free.
    #[default]
    Free,
    /// Taken while the handshake is answered.
    Reserved,
    /// Live.
    Open(Arc<Slot>),
}

impl Slots {
    /// Takes the first free id.
    pub fn reserve(&self) -> usize {
        let mut slots = lock(&self.0);
        match slots.iter().position(|s| matches!(s, SlotEntry::Free)) {
            Some(i) => {
                slots[i] = SlotEntry::Reserved;
                i
            }
            None => {
                slots.push(SlotEntry::Reserved);
                slots.len() - 1
            }
        }
    }

    /// Puts a slot in its reserved place.
    pub fn fill(&self, id: usize, slot: Slot) -> (usize, Arc<Slot>) {
        let slot = Arc::new(slot);
        lock(&self.0)[id] = SlotEntry::Open(slot.clone());
        (id, slot)
    }

    /// Frees an id (and trims free ids off the end).
    pub fn release(&self, id: usize) {
        let mut slots = lock(&self.0);
        if let Some(s) = slots.get_mut(id) {
            *s = SlotEntry::Free;
        }
        while matches!(slots.last(), Some(SlotEntry::Free)) {
            slots.pop();
        }
    }

    /// Frees `id` after a while, if it still holds `slot`.
    pub fn clear_later(&self, id: usize, slot: Arc<Slot>) {
        let slots = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(PREPUNCH_WAIT).await;
            let current = match lock(&slots.0).get(id) {
                Some(SlotEntry::Open(s)) => Arc::ptr_eq(s, &slot),
                _ => false,
            };
            if current {
                slots.release(id);
            }
        });
    }

    /// The live slot `id`.
    pub fn get(&self, id: u64) -> Option<Arc<Slot>> {
        let id = usize::try_from(id).ok()?;
        match lock(&self.0).get(id) {
            Some(SlotEntry::Open(s)) => Some(s.clone()),
            _ => None,
        }
    }
}

/// One handshake's holepunch state.
pub struct Slot {
    sealer: SecurePayload,
    puncher: Arc<Holepuncher>,
    /// The highest round the client has sent.
    round: Mutex<u64>,
    /// The client said it punches: the pre-punch wait no longer applies.
    punching: AtomicBool,
}

impl Slot {
    /// A slot for the handshake `hs` with a client whose NAT class is `client_firewall`.
    pub fn open(
        dht: &HyperDht,
        hs: &HandshakeResult,
        client_firewall: u64,
    ) -> std::io::Result<Slot> {
        Ok(Slot {
            sealer: SecurePayload::new(&holepunch_secret(&hs.hash)),
            puncher: Holepuncher::new(dht, false, client_firewall)?,
            round: Mutex::new(0),
            punching: AtomicBool::new(false),
        })
    }

    /// The socket our answers go out on (its NAT mapping is what the client aims at).
    pub fn socket(&self) -> Arc<PoolSocket> {
        self.puncher.socket()
    }

    /// Resolves when the client can no longer be expected: it did not start punching
    /// within the pre-punch wait, the punch gave up, or it took too long.
    pub async fn expired(&self) {
        let mut status = self.puncher.status();
        let prepunch = async {
            tokio::time::sleep(PREPUNCH_WAIT).await;
            if self.punching.load(Ordering::SeqCst) {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = status.wait_for(|s| matches!(s, Status::Aborted)) => {}
            () = prepunch => {}
            () = tokio::time::sleep(PUNCH_WAIT) => {}
        }
    }

    /// Stops punching (connected, or given up).
    pub fn close(&self) {
        self.puncher.destroy();
    }

    /// Answers one sealed holepunch message from `client`; `from_our_relay` when it
    /// came through one of our announce relays (only then do we hand out a token).
    pub async fn on_holepunch(
        &self,
        dht: &HyperDht,
        sealed: &[u8],
        client: SocketAddrV4,
        from_our_relay: bool,
    ) -> Option<ServerReply> {
        let remote = self.sealer.decrypt(sealed)?;
        let puncher = &self.puncher;
        if puncher.done() {
            return Some(self.abort(error::ABORTED));
        }
        let round = {
            let mut round = lock(&self.round);
            if remote.round >= *round {
                *round = remote.round;
            }
            *round
        };
        if remote.error != error::NONE {
            return Some(self.abort(error::ABORTED));
        }
        let token = self.sealer.token(&client.ip().to_string());
        let echoed = from_our_relay && remote.remote_token == Some(token);
        if remote.round >= round {
            puncher.update_remote(
                remote.punching,
                remote.firewall,
                remote.addresses.as_deref().unwrap_or_default(),
                echoed.then_some(*client.ip()),
            );
        }
        let mut stable = puncher.analyze(false).await;
        if puncher.done() {
            return None;
        }
        if !puncher.remote().punching && !stable {
            stable = puncher.analyze(true).await;
            if puncher.done() {
                return None;
            }
            if !stable {
                return Some(self.abort(error::ABORTED));
            }
        }
        // Fast mode: the client opened a session toward our mapping; fire back now.
        let nat = puncher.nat();
        let consistent = matches!(nat.firewall, firewall::OPEN | firewall::CONSISTENT);
        if consistent
            && remote
                .remote_address
                .is_some_and(|a| nat.addresses.as_ref().is_some_and(|ours| ours.contains(&a)))
        {
            puncher.ping(client);
        }
        if puncher.remote().punching {
            self.punching.store(true, Ordering::SeqCst);
            let random = remote.firewall >= firewall::RANDOM || nat.firewall >= firewall::RANDOM;
            if random && dht.random_punch_busy() {
                // Without a blind relay to fall back on, "later" means giving up.
                return Some(self.abort(error::TRY_LATER));
            }
            if !puncher.punch() {
                return Some(self.abort(error::ABORTED));
            }
        }
        let nat = puncher.nat();
        if nat.firewall != firewall::UNKNOWN {
            puncher.freeze();
        }
        let answer = HolepunchPayload {
            error: error::NONE,
            firewall: nat.firewall,
            round,
            connected: false,
            punching: puncher.punching(),
            addresses: nat.addresses,
            remote_address: None,
            token: from_our_relay.then_some(token),
            remote_token: remote.token,
        };
        Some(ServerReply {
            payload: self.sealer.encrypt(&answer),
            via: Some(puncher.socket()),
        })
    }

    /// Gives up, telling the client why.
    fn abort(&self, code: u64) -> ServerReply {
        let answer = HolepunchPayload {
            error: code,
            // Our NAT's class, so the client can say why (Node's clients ignore it on
            // an error reply).
            firewall: self.puncher.nat().firewall,
            round: *lock(&self.round),
            ..HolepunchPayload::default()
        };
        self.puncher.destroy();
        ServerReply {
            payload: self.sealer.encrypt(&answer),
            via: None,
        }
    }
}
