//! Congestion control, RTT estimation and pacing for one UDX stream.
//!
//! The controller is NewReno-style (slow start, additive increase, a 0.7 multiplicative
//! decrease once per recovery episode, collapse to the floor on RTO), counted in packets.
//! Pacing is by rate, not by timer ticks: a token bucket refilled from the elapsed time
//! at `gain × cwnd × packet / srtt`, with a burst allowance of a couple of milliseconds
//! so that one wake-up fills a whole GSO batch. libudx uses BBR here; the choice only
//! affects timing, never the wire format. This module does no I/O.

use std::time::{Duration, Instant};

/// Initial congestion window in packets (as libudx).
pub const INITIAL_CWND: f64 = 10.0;
/// The congestion window never drops below this many packets.
pub const MIN_CWND: f64 = 4.0;
/// Minimum retransmission timeout.
pub const RTO_MIN: Duration = Duration::from_millis(1000);
/// Maximum retransmission timeout.
pub const RTO_MAX: Duration = Duration::from_millis(30_000);
/// Pacing rate before the first RTT sample: 25 000 bytes per millisecond (libudx).
const INITIAL_RATE: f64 = 25_000_000.0;

/// RFC 6298 round-trip estimator (microsecond precision, 1 s minimum RTO).
#[derive(Debug, Clone)]
pub struct RttEstimator {
    /// Smoothed RTT, once there is a sample.
    pub srtt: Option<Duration>,
    rttvar: Duration,
    /// Smallest RTT seen.
    pub min_rtt: Duration,
    /// Current RTO before backoff.
    pub rto: Duration,
}

impl Default for RttEstimator {
    fn default() -> Self {
        RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            min_rtt: Duration::MAX,
            rto: RTO_MIN,
        }
    }
}

impl RttEstimator {
    /// Feeds one RTT sample (from a packet that was never retransmitted).
    pub fn sample(&mut self, rtt: Duration) {
        let rtt = rtt.min(RTO_MAX);
        self.min_rtt = self.min_rtt.min(rtt);
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let delta = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + delta) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
        let srtt = self.srtt.unwrap_or(rtt);
        self.rto = (srtt + self.rttvar * 4).clamp(RTO_MIN, RTO_MAX);
    }

    /// The smoothed RTT or a conservative guess before any sample.
    pub fn srtt_or(&self, default: Duration) -> Duration {
        self.srtt.unwrap_or(default)
    }
}

/// NewReno-style window plus a rate pacer.
#[derive(Debug, Clone)]
pub struct Congestion {
    /// Congestion window in packets.
    pub cwnd: f64,
    ssthresh: f64,
    /// While `Some(high)`, we are recovering from losses of packets below `high`.
    pub recovery_high: Option<u32>,
    tokens: f64,
    last_refill: Instant,
    rate: f64,
}

impl Congestion {
    /// A fresh controller in slow start.
    pub fn new(now: Instant) -> Self {
        Congestion {
            cwnd: INITIAL_CWND,
            ssthresh: f64::INFINITY,
            recovery_high: None,
            tokens: 64.0 * 1500.0,
            last_refill: now,
            rate: INITIAL_RATE,
        }
    }

    /// `acked` packets were newly delivered (cumulatively or by SACK).
    pub fn on_ack(&mut self, acked: usize, cap: f64) {
        if self.recovery_high.is_some() || acked == 0 {
            return;
        }
        let a = acked as f64;
        if self.cwnd < self.ssthresh {
            self.cwnd += a;
        } else {
            self.cwnd += a / self.cwnd;
        }
        self.cwnd = self.cwnd.min(cap.max(MIN_CWND));
    }

    /// The cumulative ack reached `ack`; leaves recovery once it passes the mark.
    pub fn on_cumulative(&mut self, ack: u32) {
        if let Some(high) = self.recovery_high {
            if super::packet::seq_diff(ack, high) >= 0 {
                self.recovery_high = None;
            }
        }
    }

    /// Loss detected (not by RTO); `next_seq` is the next seq to be sent.
    pub fn on_loss(&mut self, next_seq: u32) {
        if self.recovery_high.is_some() {
            return;
        }
        self.ssthresh = (self.cwnd * 0.7).max(MIN_CWND);
        self.cwnd = self.ssthresh;
        self.recovery_high = Some(next_seq);
    }

    /// The retransmission timer fired.
    pub fn on_rto(&mut self, next_seq: u32) {
        self.ssthresh = (self.cwnd * 0.5).max(MIN_CWND);
        self.cwnd = MIN_CWND;
        self.recovery_high = Some(next_seq);
    }

    /// Recomputes the pacing rate from the window and the smoothed RTT.
    pub fn update_rate(&mut self, srtt: Option<Duration>, packet: usize) {
        if let Some(srtt) = srtt {
            let secs = srtt.as_secs_f64().max(20e-6);
            let gain = if self.cwnd < self.ssthresh { 2.0 } else { 1.25 };
            self.rate = (gain * self.cwnd * packet as f64 / secs).max(packet as f64 * 100.0);
        }
    }

    fn burst(&self, packet: usize) -> f64 {
        (self.rate * 0.002).max(packet as f64 * 16.0)
    }

    /// Refills the bucket from the time elapsed since the last refill.
    pub fn refill(&mut self, now: Instant, packet: usize) {
        let dt = now
            .saturating_duration_since(self.last_refill)
            .as_secs_f64();
        self.last_refill = now;
        self.tokens = (self.tokens + dt * self.rate).min(self.burst(packet));
    }

    /// Whether `bytes` may be sent now.
    pub fn can_send(&self, bytes: usize) -> bool {
        self.tokens >= bytes as f64
    }

    /// Takes `bytes` from the bucket.
    pub fn spend(&mut self, bytes: usize) {
        self.tokens -= bytes as f64;
    }

    /// When enough tokens for `bytes` will have accumulated.
    pub fn ready_at(&self, bytes: usize) -> Instant {
        let need = (bytes as f64 - self.tokens).max(0.0);
        self.last_refill + Duration::from_secs_f64(need / self.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rto_floor_and_backoff_inputs() {
        let mut r = RttEstimator::default();
        assert_eq!(r.rto, RTO_MIN);
        r.sample(Duration::from_millis(10));
        assert_eq!(r.rto, RTO_MIN);
        r.sample(Duration::from_secs(60));
        assert!(r.rto <= RTO_MAX);
    }

    #[test]
    fn reno_window() {
        let now = Instant::now();
        let mut c = Congestion::new(now);
        c.on_ack(10, 1e9);
        assert_eq!(c.cwnd, 20.0);
        c.on_loss(100);
        assert_eq!(c.cwnd, 14.0);
        c.on_loss(120); // same episode
        assert_eq!(c.cwnd, 14.0);
        c.on_cumulative(100);
        c.on_ack(14, 1e9);
        assert!((c.cwnd - 15.0).abs() < 1e-9);
        c.on_rto(200);
        assert_eq!(c.cwnd, MIN_CWND);
    }

    #[test]
    fn pacer_refills_by_time() {
        let now = Instant::now();
        let mut c = Congestion::new(now);
        c.update_rate(Some(Duration::from_millis(100)), 1000);
        c.spend(100_000);
        assert!(!c.can_send(1000));
        let at = c.ready_at(1000);
        c.refill(at + Duration::from_millis(1), 1000);
        assert!(c.can_send(1000));
    }
}
