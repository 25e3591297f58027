//! Path-MTU probing as libudx does it (udx.md §10): start at the 1200-byte base, and once
//! data has been acknowledged send one ordinary DATA packet padded (via `data_offset`)
//! to `mtu + 32`; an acknowledged probe raises the MTU, three lost probes at one size
//! end the search. Lost probes are not congestion. This module only keeps the state.

use super::state::BASE_MTU;

/// Largest MTU probed for.
pub const MAX_MTU: usize = 1500;
/// Probe step in bytes.
const STEP: usize = 32;
/// Lost probes at one size before the search completes.
const MAX_FAILS: u8 = 3;

/// The probing state of one stream.
#[derive(Debug, Clone)]
pub struct Mtu {
    /// Current path MTU (IP packet size) used for full packets.
    pub mtu: usize,
    /// IP + UDP + UDX header bytes for this path's address family.
    pub overhead: usize,
    probe_size: usize,
    probe_seq: Option<u32>,
    fails: u8,
    searching: bool,
    done: bool,
}

impl Mtu {
    /// Base state for a path with the given per-packet overhead.
    pub fn new(overhead: usize) -> Mtu {
        Mtu {
            mtu: BASE_MTU,
            overhead,
            probe_size: BASE_MTU + STEP,
            probe_seq: None,
            fails: 0,
            searching: false,
            done: false,
        }
    }

    /// Payload bytes of a full packet at the current MTU.
    pub fn mss(&self) -> usize {
        self.mtu - self.overhead
    }

    /// Data was acknowledged: the search may start.
    pub fn on_data_acked(&mut self) {
        if !self.done {
            self.searching = true;
        }
    }

    /// Padding for a probe carrying a full payload, if a probe should go out now.
    pub fn want_probe(&self) -> Option<usize> {
        if !self.searching || self.done || self.probe_seq.is_some() {
            return None;
        }
        let pad = self.probe_size - self.mtu;
        (pad <= 255).then_some(pad)
    }

    /// A probe with `seq` was sent.
    pub fn probe_sent(&mut self, seq: u32) {
        self.probe_seq = Some(seq);
    }

    /// Whether `seq` is the outstanding probe.
    pub fn is_probe(&self, seq: u32) -> bool {
        self.probe_seq == Some(seq)
    }

    /// The probe was acknowledged on its first transmission.
    pub fn on_probe_acked(&mut self) {
        self.probe_seq = None;
        self.mtu = self.probe_size;
        self.fails = 0;
        if self.mtu >= MAX_MTU {
            self.done = true;
        } else {
            self.probe_size = (self.probe_size + STEP).min(MAX_MTU);
        }
    }

    /// The probe was retransmitted for another reason (RTO, tail-loss probe): try the
    /// same size again later without counting a failure.
    pub fn on_probe_abandoned(&mut self) {
        self.probe_seq = None;
    }

    /// The probe was declared lost.
    pub fn on_probe_lost(&mut self) {
        self.probe_seq = None;
        self.fails += 1;
        if self.fails >= MAX_FAILS {
            self.done = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn climbs_to_max_and_stops_on_failures() {
        let mut m = Mtu::new(48);
        assert_eq!(m.mss(), 1152);
        assert_eq!(m.want_probe(), None);
        m.on_data_acked();
        let mut seq = 0;
        while let Some(pad) = m.want_probe() {
            assert_eq!(pad, 32.min(MAX_MTU - m.mtu));
            m.probe_sent(seq);
            assert!(m.is_probe(seq));
            assert_eq!(m.want_probe(), None);
            m.on_probe_acked();
            seq += 1;
        }
        assert_eq!(m.mtu, MAX_MTU);
        assert_eq!(m.mss(), 1452);
        let mut m = Mtu::new(48);
        m.on_data_acked();
        for _ in 0..3 {
            assert!(m.want_probe().is_some());
            m.probe_sent(1);
            m.on_probe_lost();
        }
        assert_eq!(m.want_probe(), None);
        assert_eq!(m.mtu, BASE_MTU);
    }
}
