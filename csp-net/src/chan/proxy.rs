//! The remote side of a channel: a local proxy channel and its bridge.
//!
//! Processes on this node use the proxy like any channel. A *send proxy*
//! holds this node's senders of a remote channel: its bridge is the proxy's
//! only receiver, and ships a parked sender's value only when the home has
//! granted room for it, so a buffered channel's capacity holds end to end;
//! on a rendezvous channel it ships a copy and leaves the sender parked,
//! its value reserved, until the home answers whether a receiver took it.
//! A *recv proxy* holds this node's receivers: the bridge tells the home
//! how many wait, and hands each delivered value to a waiting receiver; if
//! none is waiting any more (an alt chose another arm, a process was
//! frozen) it returns the value, or, for a rendezvous value whose sender
//! waits, answers that it was not taken. Plain state transitions, no I/O.

use csp::migrate::link::{Port, PortError};

use super::{copies, Out};
use crate::proto::Msg;

/// One proxy channel on this node.
pub(crate) struct ProxyChan {
    pub(crate) home: u64,
    pub(crate) chan: u64,
    pub(crate) id: u64,
    pub(crate) sends: bool,
    port: Port,
    granted: u64,
    /// The latest grant asks for answers (a rendezvous channel).
    answer: bool,
    /// Tokens of values shipped and not yet answered, with the pins their
    /// copies took.
    in_flight: Vec<(u64, Vec<u64>)>,
    sent: u64,
    parked_told: u32,
    received: u64,
    want_told: u64,
    closed_by_home: bool,
    close_told: bool,
    /// Detached: its ends are gone; a new end makes a new proxy.
    pub(crate) retired: bool,
}

impl ProxyChan {
    /// A proxy for `chan` on `home`; takes the bridge's own count so that
    /// the proxy neither looks closed nor refuses its ends' operations.
    pub(crate) fn new(home: u64, chan: u64, id: u64, sends: bool, port: Port) -> Self {
        // The bridge is the other side of this node's ends.
        port.add_end(!sends);
        ProxyChan {
            home,
            chan,
            id,
            sends,
            port,
            granted: 0,
            answer: false,
            in_flight: Vec::new(),
            sent: 0,
            parked_told: 0,
            received: 0,
            want_told: 0,
            closed_by_home: false,
            close_told: false,
            retired: false,
        }
    }

    /// One line, for debugging.
    pub(crate) fn dump(&self) -> String {
        format!(
            "proxy {} of {:x}@{:x} sends={} granted={} sent={} parked_told={} received={} want_told={} retired={} {:?}\n",
            self.id, self.chan, self.home, self.sends, self.granted, self.sent, self.parked_told,
            self.received, self.want_told, self.retired, self.port.status()
        )
    }

    pub(crate) fn port(&self) -> &Port {
        &self.port
    }

    /// Handles a message from the home. `Err`: protocol violation.
    pub(crate) fn on_msg(&mut self, msg: Msg, out: &mut Out) -> Result<(), String> {
        match msg {
            Msg::Grant { limit, answer, .. } if self.sends => {
                self.granted = limit;
                self.answer = answer;
            }
            Msg::Answer { token, taken, .. } if self.sends => {
                // An unknown token is late: its value was settled when the
                // home was lost, or the proxy has retired since.
                if let Some(i) = self.in_flight.iter().position(|(t, _)| *t == token) {
                    let (_, pins) = self.in_flight.swap_remove(i);
                    if !taken {
                        copies::refused(pins);
                    }
                    self.port.resolve(token, taken);
                }
            }
            Msg::Deliver {
                bytes,
                token: Some(token),
                ..
            } if !self.sends => {
                self.received += 1;
                // Its sender waits at the home: say whether it was taken;
                // if not, the copy is dropped and the original stays there.
                let taken = self
                    .port
                    .give(bytes)
                    .map_err(|e| format!("delivery on {:x}: {e}", self.chan))?;
                out.push((
                    self.home,
                    Msg::Took {
                        chan: self.chan,
                        proxy: self.id,
                        token,
                        taken,
                    },
                ));
            }
            Msg::Deliver { bytes, .. } if !self.sends => {
                self.received += 1;
                match self.port.hand_over(bytes) {
                    Ok(()) => {}
                    Err(PortError::NoTaker(bytes)) | Err(PortError::Closed(bytes)) => {
                        out.push((
                            self.home,
                            Msg::Return {
                                chan: self.chan,
                                proxy: self.id,
                                bytes,
                            },
                        ));
                    }
                    Err(e) => return Err(format!("delivery on {:x}: {e}", self.chan)),
                }
            }
            Msg::Closed { .. } | Msg::NoSuchChannel { .. } => {
                self.closed_by_home = true;
                self.port.close();
            }
            other => return Err(format!("not a proxy message: {other:?}")),
        }
        Ok(())
    }

    /// The home is unreachable: the proxy's ends see a closed channel, and
    /// a sender whose value was on its way gets it back (with the close:
    /// the home may have taken it, but nobody can say).
    pub(crate) fn home_lost(&mut self) {
        self.closed_by_home = true;
        self.port.close();
        self.refuse_in_flight();
    }

    fn refuse_in_flight(&mut self) {
        for (token, pins) in std::mem::take(&mut self.in_flight) {
            copies::refused(pins);
            self.port.resolve(token, false);
        }
    }

    /// Moves values and reports state; call on every change.
    pub(crate) fn pump(&mut self, out: &mut Out) {
        if self.retired {
            return;
        }
        let st = self.port.status();
        let mine = if self.sends { st.senders } else { st.receivers };
        // Every proxy is made with its first end (or a decoding session's
        // hold) already counted, so none left means it is done.
        if mine == 0 {
            self.retire(out);
            return;
        }
        // An explicit close() by one of this node's ends closes the channel
        // for everyone: tell the home.
        let explicitly_closed = if self.sends {
            st.closed
        } else {
            st.closed && st.senders > 0
        };
        if explicitly_closed && !self.closed_by_home && !self.close_told {
            self.close_told = true;
            out.push((self.home, Msg::Close { chan: self.chan }));
        }
        if self.sends {
            self.ship(out);
        } else {
            let want = self.received + st.waiting_receivers as u64;
            if want != self.want_told {
                self.want_told = want;
                self.state(0, want, out);
            }
        }
    }

    fn ship(&mut self, out: &mut Out) {
        while self.sent < self.granted {
            // Only a reserved copy's pins are kept (its value may be
            // refused); a buffered value's send is over once shipped.
            let (got, pins) = if self.answer {
                copies::recording(|| self.port.reserve().map(|r| r.map(|r| (r.bytes, r.token))))
            } else {
                let got = self.port.try_recv().map(|b| b.map(|b| (b, None)));
                (got, Vec::new())
            };
            match got {
                Ok(Some((bytes, token))) => {
                    self.sent += 1;
                    self.in_flight.extend(token.map(|t| (t, pins)));
                    out.push((
                        self.home,
                        Msg::Value {
                            chan: self.chan,
                            proxy: self.id,
                            bytes,
                            token,
                        },
                    ));
                }
                Ok(None) | Err(PortError::Closed(_)) => break,
                Err(e) => {
                    tracing::error!(chan = self.chan, "value cannot be encoded, dropped: {e}");
                }
            }
        }
        let parked = u32::try_from(self.port.status().parked_senders).unwrap_or(u32::MAX);
        if parked != self.parked_told {
            self.parked_told = parked;
            self.state(parked, 0, out);
        }
    }

    fn state(&self, parked: u32, want: u64, out: &mut Out) {
        out.push((
            self.home,
            Msg::ProxyState {
                chan: self.chan,
                proxy: self.id,
                parked,
                want,
            },
        ));
    }

    fn retire(&mut self, out: &mut Out) {
        self.retired = true;
        // Only abandoned sends can be in flight now: refusing drops them.
        self.refuse_in_flight();
        out.push((
            self.home,
            Msg::Detach {
                chan: self.chan,
                proxy: self.id,
            },
        ));
        self.port.drop_end(!self.sends);
    }
}
