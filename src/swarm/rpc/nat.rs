//! NAT sampling (`nat-sampler@1.0.1` semantics): every response tells us the address
//! the remote saw us at; once enough samples agree we know our public host and port
//! (or only the host, port 0, behind a NAT that randomises ports).

use std::net::Ipv4Addr;

/// How many recent samples are kept (of each kind).
const WINDOW: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Sample {
    host: Ipv4Addr,
    port: u16,
    hits: u32,
}

/// Tracks the public address the network reports for us.
#[derive(Debug, Clone, Default)]
pub struct NatSampler {
    /// Samples taken so far (capped at the window).
    size: usize,
    /// Ring of (host, port) samples and host-only samples, interleaved.
    samples: Vec<usize>,
    slots: Vec<Sample>,
    free: Vec<usize>,
    top: usize,
    best_addr: Option<usize>,
    best_host: Option<usize>,
    threshold: u32,
    /// The agreed public host, if any.
    pub host: Option<Ipv4Addr>,
    /// The agreed public port; 0 when only the host is agreed.
    pub port: u16,
}

impl NatSampler {
    /// An empty sampler.
    pub fn new() -> Self {
        NatSampler::default()
    }

    /// Number of samples counted.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Adds one observation; returns how often this exact (host, port) was seen
    /// recently.
    pub fn add(&mut self, host: Ipv4Addr, port: u16) -> u32 {
        let a = self.bump(host, port, 2);
        let b = self.bump(host, 0, 1);
        if self.samples.len() < 2 * WINDOW {
            self.size += 1;
            let size = self.size as u32;
            self.threshold = size
                - match size {
                    0..=3 => 0,
                    4..=7 => 1,
                    8..=11 => 2,
                    _ => 3,
                };
            self.samples.push(a);
            self.samples.push(b);
            self.top += 2;
        } else {
            if self.top == 2 * WINDOW {
                self.top = 0;
            }
            for slot in [a, b] {
                let old = std::mem::replace(&mut self.samples[self.top], slot);
                self.slots[old].hits = self.slots[old].hits.saturating_sub(1);
                // hits counts the ring places naming a slot: at 0 it can be reused.
                if self.slots[old].hits == 0
                    && self.best_addr != Some(old)
                    && self.best_host != Some(old)
                {
                    self.free.push(old);
                }
                self.top += 1;
            }
        }
        self.best_addr = self.promote(self.best_addr, a);
        self.best_host = self.promote(self.best_host, b);
        let sa = self.best_addr.map(|i| self.slots[i]);
        let sb = self.best_host.map(|i| self.slots[i]);
        match (sa, sb) {
            (Some(s), _) if s.hits >= self.threshold => {
                self.host = Some(s.host);
                self.port = s.port;
            }
            (_, Some(s)) if s.hits >= self.threshold => {
                self.host = Some(s.host);
                self.port = 0;
            }
            _ => {
                self.host = None;
                self.port = 0;
            }
        }
        self.slots[a].hits
    }

    /// Makes `candidate` the best slot if it has more hits, freeing a displaced best
    /// slot that no ring place names any more.
    fn promote(&mut self, best: Option<usize>, candidate: usize) -> Option<usize> {
        match best {
            Some(i) if self.slots[i].hits >= self.slots[candidate].hits => Some(i),
            Some(i) => {
                if self.slots[i].hits == 0 && i != candidate {
                    self.free.push(i);
                }
                Some(candidate)
            }
            None => Some(candidate),
        }
    }

    /// Finds a matching sample among the last four of the same kind, or makes a new one.
    fn bump(&mut self, host: Ipv4Addr, port: u16, inc: usize) -> usize {
        for i in 0..4 {
            let j = (self.top.wrapping_sub(inc).wrapping_sub(2 * i)) & (2 * WINDOW - 1);
            let Some(&slot) = self.samples.get(j) else {
                break;
            };
            let s = &mut self.slots[slot];
            if s.port == port && s.host == host {
                s.hits += 1;
                return slot;
            }
        }
        let sample = Sample {
            host,
            port,
            hits: 1,
        };
        match self.free.pop() {
            Some(i) => {
                self.slots[i] = sample;
                i
            }
            None => {
                self.slots.push(sample);
                self.slots.len() - 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreeing_samples_give_host_and_port() {
        let mut s = NatSampler::new();
        let ip = Ipv4Addr::new(1, 2, 3, 4);
        s.add(ip, 1000);
        assert_eq!((s.host, s.port), (Some(ip), 1000));
        s.add(ip, 1000);
        s.add(ip, 1000);
        assert_eq!((s.host, s.port), (Some(ip), 1000));
    }

    #[test]
    fn changing_ports_give_host_only() {
        let mut s = NatSampler::new();
        let ip = Ipv4Addr::new(1, 2, 3, 4);
        for port in 1000..1004 {
            s.add(ip, port);
        }
        assert_eq!((s.host, s.port), (Some(ip), 0));
    }

    #[test]
    fn long_runs_reuse_slots() {
        let mut s = NatSampler::new();
        for i in 0..10_000u32 {
            s.add(Ipv4Addr::from(i % 7), (i % 13) as u16);
        }
        assert!(
            s.slots.len() < 8 * WINDOW,
            "slots grew to {}",
            s.slots.len()
        );
    }
}
