//! The timers of a stream's [`State`]: RTO with exponential backoff and the 6-strike
//! `TimedOut`, the RACK reordering timer, the tail-loss probe, the zero-window probe,
//! keepalive HEARTBEATs and the peer timeout, plus the next deadline the driver must
//! wake up for.
//!
//! Liveness: with a keepalive of `k`, an idle stream sends a HEARTBEAT every `k`, which
//! any UDX peer answers with an ACK. Once the peer has been silent for `k`, HEARTBEATs
//! go out every [`PROBE_INTERVAL`], so one lost probe (or its ACK) does not look like a
//! dead peer; after the peer timeout of silence the stream fails with `TimedOut`.

use std::io;
use std::time::{Duration, Instant};

use super::Effects;
use super::{State, MAX_RTO_TIMEOUTS};

/// How often a silent peer is probed once a keepalive interval has passed unanswered.
pub const PROBE_INTERVAL: Duration = Duration::from_secs(1);
use crate::swarm::udx::congestion::RTO_MAX;
use crate::swarm::udx::packet::HEADER_LEN;

impl State {
    /// Runs expired timers. Returns true if the stream just failed.
    pub fn on_timers(&mut self, now: Instant) -> bool {
        if self.error.is_some() || self.conn.is_none() {
            return false;
        }
        if self.peer_deadline().is_some_and(|t| now >= t) {
            self.fail(io::ErrorKind::TimedOut);
            return true;
        }
        if !self.inflight.is_empty() {
            if now >= self.rto_deadline() {
                self.rto_strikes += 1;
                if self.rto_strikes >= MAX_RTO_TIMEOUTS {
                    self.fail(io::ErrorKind::TimedOut);
                    return true;
                }
                self.rto_backoff = (self.rto_backoff * 2).min(64);
                self.rto_armed = now;
                self.rtx.clear();
                for i in 0..self.inflight.len() {
                    let p = &mut self.inflight[i];
                    if p.lost && !p.sacked {
                        self.rtx.push_back(p.seq);
                    } else {
                        let seq = p.seq;
                        let _ = self.mark_lost(i, seq, false);
                    }
                }
                self.cc.on_rto(self.seq);
                self.tlp_armed = false;
            }
            if self.rack_timer.is_some_and(|t| now >= t) {
                let mut fx = Effects::default();
                self.detect_loss(now, &mut fx);
            }
            if let Some(t) = self.tlp_deadline() {
                if now >= t {
                    // Tail-loss probe: retransmit the newest packet still in flight.
                    self.tlp_armed = false;
                    if let Some(i) = (0..self.inflight.len())
                        .rev()
                        .find(|&i| !self.inflight[i].sacked && !self.inflight[i].lost)
                    {
                        let seq = self.inflight[i].seq;
                        let _ = self.mark_lost(i, seq, false);
                    }
                }
            }
        } else if self.zero_window_stalled() {
            // First probe one RTO after the stall began, then every 2×RTO.
            let due = self.zwp_armed.unwrap_or(self.last_send + self.rtt.rto);
            if now >= due {
                self.pending_heartbeat = true;
                self.zwp_armed = Some(now + (self.rtt.rto * 2).min(RTO_MAX));
            }
        } else if self.keepalive_deadline().is_some_and(|t| now >= t) {
            self.pending_heartbeat = true;
        }
        false
    }

    /// When the next keepalive HEARTBEAT is due: `k` after our last packet, or every
    /// [`PROBE_INTERVAL`] once the peer has been silent for `k`.
    fn keepalive_deadline(&self) -> Option<Instant> {
        let k = self.keepalive?;
        let silent = self.last_recv + k;
        Some((self.last_send + k).min(silent.max(self.last_send + PROBE_INTERVAL)))
    }

    /// When the peer's silence makes the stream fail.
    fn peer_deadline(&self) -> Option<Instant> {
        Some(self.last_recv + self.peer_timeout?)
    }

    fn zero_window_stalled(&self) -> bool {
        self.send_rwnd == 0 && (!self.send_buf.is_empty() || (self.end_queued && !self.end_sent))
    }

    fn rto_deadline(&self) -> Instant {
        self.rto_armed + (self.rtt.rto * self.rto_backoff).min(RTO_MAX)
    }

    fn tlp_deadline(&self) -> Option<Instant> {
        if !self.tlp_armed
            || self.in_flight == 0
            || self.sacked_count > 0
            || self.cc.recovery_high.is_some()
        {
            return None;
        }
        let srtt = self.rtt.srtt?;
        let extra = if self.in_flight == 1 {
            Duration::from_millis(2)
        } else {
            Duration::ZERO
        };
        let t = self.last_send + (srtt * 2 + extra).max(Duration::from_millis(10));
        Some(t.min(self.rto_deadline()))
    }

    /// The next instant a timer needs attention, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.error.is_some() || self.conn.is_none() {
            return self.linger_until;
        }
        let mut best: Option<Instant> = self.linger_until;
        let mut consider = |t: Option<Instant>| {
            if let Some(t) = t {
                best = Some(best.map_or(t, |b| b.min(t)));
            }
        };
        if !self.inflight.is_empty() {
            consider(Some(self.rto_deadline()));
            consider(self.rack_timer);
            consider(self.tlp_deadline());
        } else if self.zero_window_stalled() {
            consider(Some(
                self.zwp_armed.unwrap_or(self.last_send + self.rtt.rto),
            ));
        } else {
            consider(self.keepalive_deadline());
        }
        consider(self.peer_deadline());
        if self.pacing_blocked {
            consider(Some(self.cc.ready_at(self.mtu.mss() + HEADER_LEN)));
        }
        best
    }
}
