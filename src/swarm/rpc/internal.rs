//! Answering requests: dht-rpc's internal commands (PING, PING_NAT, FIND_NODE,
//! DOWN_HINT, DELAYED_PING) here, application commands handed to the node's
//! [`super::RequestHandler`], UNKNOWN_COMMAND for anything else.

use std::net::SocketAddrV4;
use std::time::Duration;

use super::messages::{errors, internal};
use super::node::DhtNode;
use super::request::IncomingRequest;
use crate::swarm::crypto::hash;

/// Longest DELAYED_PING delay we honour.
const MAX_PING_DELAY_MS: u32 = 10_000;

impl DhtNode {
    pub(super) fn on_request(&self, r: IncomingRequest) {
        if !r.req.internal {
            let unhandled = match self.handler() {
                Some(h) => h.on_request(r).err(),
                None => Some(Box::new(r)),
            };
            if let Some(r) = unhandled {
                r.error(errors::UNKNOWN_COMMAND);
            }
            return;
        }
        match r.req.command {
            internal::PING => r.reply(None, false, false),
            internal::PING_NAT => {
                let port = match r.req.value.as_deref() {
                    Some([lo, hi, ..]) => u16::from_le_bytes([*lo, *hi]),
                    _ => return,
                };
                if port == 0 {
                    return;
                }
                let to = SocketAddrV4::new(*r.from.ip(), port);
                r.send_reply(0, None, false, false, to);
            }
            internal::FIND_NODE => {
                if r.req.target.is_some() {
                    r.reply(None, false, true);
                }
            }
            internal::DOWN_HINT => {
                let Some(v) = r.req.value.as_deref().filter(|v| v.len() >= 6) else {
                    return;
                };
                let id = hash(&[&v[..6]]);
                let suspect = {
                    let mut st = self.state();
                    let tick = st.tick;
                    match st.table.get_mut(&id) {
                        Some(n) if n.pinged < tick || n.down_hints == 0 => {
                            n.down_hints += 1;
                            Some(n.clone())
                        }
                        _ => None,
                    }
                };
                if let Some(node) = suspect {
                    self.check(node);
                }
                r.reply(None, false, false);
            }
            internal::DELAYED_PING => {
                let delay = match r.req.value.as_deref() {
                    Some([a, b, c, d, ..]) => u32::from_le_bytes([*a, *b, *c, *d]),
                    _ => return,
                };
                if delay > MAX_PING_DELAY_MS {
                    return;
                }
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_millis(u64::from(delay))).await;
                    r.reply(None, false, false);
                });
            }
            _ => r.error(errors::UNKNOWN_COMMAND),
        }
    }
}
