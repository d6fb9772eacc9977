//! The home side of a channel with remote ends.
//!
//! The home keeps the real channel. For each remote proxy it acts as one
//! participant of the channel: a *send proxy*'s values are offered to the
//! channel as they arrive (they were granted, so a receiver or a free
//! slot was waiting for them); for a *recv proxy* of a buffered channel
//! the home receives on the channel, in turn with its local receivers,
//! and ships what it gets. On a rendezvous channel nothing completes
//! before a receiver has the value: a send proxy's value is answered
//! (taken by a receiver here, relayed to a recv proxy that asks, or
//! refused), and a recv proxy gets copies of parked senders' values,
//! which stay reserved until it answers (see `proto`).
//! Everything here is a plain state transition: messages in, messages out
//! (`Out`), no I/O.

use std::collections::{BTreeMap, HashMap};
use std::task::{Context, Poll};

use csp::migrate::link::{Offered, Port, PortError, PortRecv, Reserved};

use super::{copies, Out};
use crate::proto::Msg;

/// What the home knows about one remote proxy.
struct Remote {
    sends: bool,
    // send proxy
    granted: u64,
    /// The highest limit granted (grants only grow; kept apart so the
    /// check on arriving values does not depend on that).
    peak: u64,
    received: u64,
    parked: u32,
    // recv proxy
    want: u64,
    shipped: u64,
    recv: Option<PortRecv>,
    /// `Closed` was sent: nothing more flows to or from this proxy.
    closed: bool,
}

impl Remote {
    /// A recv proxy, not told `Closed`, that asks for more than it got.
    fn wants(&self) -> bool {
        !self.sends && !self.closed && self.shipped < self.want
    }

    fn outstanding(&self) -> u64 {
        self.granted.saturating_sub(self.received)
    }
}

/// A rendezvous value delivered to a recv proxy under a token, whose
/// sender waits for the proxy's `Took`.
struct Owed {
    /// The recv proxy `(node, proxy)` it went to.
    to: (u64, u64),
    sender: Waiting,
    /// The pins its encoding took, released if it is refused (`copies`).
    pins: Vec<u64>,
}

/// Who waits for a `Took`.
enum Waiting {
    /// A sender here, parked with its value reserved under this token of
    /// the channel (`Port::reserve`).
    Here(u64),
    /// A send proxy whose `Value` was relayed: it gets the `Answer`.
    Relayed { node: u64, proxy: u64, token: u64 },
}

/// A channel homed on this node that remote nodes hold ends of.
pub(crate) struct HomeChan {
    chan: u64,
    port: Port,
    remotes: BTreeMap<(u64, u64), Remote>,
    /// Counts held for ends in transit (see `Channels::pin`).
    pub(crate) pins: u32,
    cursor: usize,
    /// Deliveries waiting for `Took`, by the token they went under.
    owed: HashMap<u64, Owed>,
    next_token: u64,
    /// Which recv proxy is served first next (round robin).
    turn: usize,
    /// A rendezvous channel (capacity 0; a channel's capacity never
    /// changes): its values travel reserved and are answered.
    rendezvous: bool,
}

impl HomeChan {
    pub(crate) fn new(chan: u64, port: Port) -> Self {
        let rendezvous = port.status().capacity == 0;
        HomeChan {
            rendezvous,
            chan,
            port,
            remotes: BTreeMap::new(),
            pins: 0,
            cursor: 0,
            owed: HashMap::new(),
            next_token: 0,
            turn: 0,
        }
    }

    pub(crate) fn port(&self) -> &Port {
        &self.port
    }

    /// A line per remote proxy, for debugging.
    pub(crate) fn dump(&self) -> String {
        let mut out = format!(
            "home {:x} pins {} owed {} {:?}\n",
            self.chan,
            self.pins,
            self.owed.len(),
            self.port.status()
        );
        for ((node, proxy), r) in &self.remotes {
            out += &format!(
                "  remote {node:x}/{proxy} sends={} granted={} received={} parked={} want={} shipped={} recv={} closed={}\n",
                r.sends, r.granted, r.received, r.parked, r.want, r.shipped, r.recv.is_some(), r.closed
            );
        }
        out
    }

    /// Nothing refers to this channel from elsewhere any more.
    pub(crate) fn idle(&self) -> bool {
        self.remotes.is_empty() && self.pins == 0 && self.owed.is_empty()
    }

    /// A proxy on `node` joins: it holds one count on the channel.
    pub(crate) fn attach(&mut self, node: u64, proxy: u64, sends: bool) -> bool {
        if self.remotes.contains_key(&(node, proxy)) {
            return false;
        }
        self.port.add_end(sends);
        self.remotes.insert(
            (node, proxy),
            Remote {
                sends,
                granted: 0,
                peak: 0,
                received: 0,
                parked: 0,
                want: 0,
                shipped: 0,
                recv: None,
                closed: false,
            },
        );
        true
    }

    /// A proxy leaves (its node has no ends left, or the node is gone).
    pub(crate) fn detach(&mut self, node: u64, proxy: u64) -> bool {
        let Some(mut r) = self.remotes.remove(&(node, proxy)) else {
            return false;
        };
        // Dropping a pending receive puts back a value that had reached it.
        r.recv = None;
        self.port.drop_end(r.sends);
        true
    }

    /// Every proxy of a node that is gone. Its deliveries that were not
    /// answered count as not taken: their senders keep their values (a
    /// receiver there may have taken one just before; nobody can say).
    pub(crate) fn drop_node(&mut self, node: u64, out: &mut Out) {
        let lost: Vec<u64> = self
            .owed
            .iter()
            .filter(|(_, o)| o.to.0 == node)
            .map(|(t, _)| *t)
            .collect();
        for t in lost {
            if let Some(o) = self.owed.remove(&t) {
                self.settle(o, false, out);
            }
        }
        let gone: Vec<_> = self
            .remotes
            .keys()
            .filter(|(n, _)| *n == node)
            .copied()
            .collect();
        for (n, p) in gone {
            self.detach(n, p);
        }
    }

    /// Handles a channel message from proxy `(node, proxy)`. `Err` is a
    /// protocol violation: the connection must close.
    pub(crate) fn on_msg(&mut self, node: u64, msg: Msg, out: &mut Out) -> Result<(), String> {
        match msg {
            Msg::ProxyState {
                proxy,
                parked,
                want,
                ..
            } => {
                let r = self.remote(node, proxy)?;
                if r.sends {
                    r.parked = parked;
                } else {
                    r.want = want;
                    // Asks for no more: withdraw the receive made for it
                    // now, not at the next pump, so a value that already
                    // reached it is back at the head of the channel before
                    // anything handled after this message (a mover's
                    // `Sync`, another proxy's demand) can overtake it.
                    if r.shipped >= r.want {
                        r.recv = None;
                    }
                }
            }
            Msg::Value {
                proxy,
                bytes,
                token,
                ..
            } => {
                let chan = self.chan;
                let r = self.remote(node, proxy)?;
                if !r.sends || r.received >= r.peak {
                    return Err(format!("value on channel {chan:x} beyond its grant"));
                }
                r.received += 1;
                // A rendezvous value comes reserved, with a token; a
                // buffered one without (see `proto`).
                let rendezvous = self.rendezvous;
                if token.is_some() != rendezvous {
                    return Err(format!(
                        "value on channel {chan:x} {} a token",
                        if rendezvous { "without" } else { "with" }
                    ));
                }
                match token {
                    Some(token) => self.offer(node, proxy, token, bytes, out)?,
                    None => match self.port.inject(bytes) {
                        Ok(()) | Err(PortError::Closed(_)) => {}
                        Err(e) => return Err(format!("value on channel {chan:x}: {e}")),
                    },
                }
            }
            Msg::Took {
                proxy,
                token,
                taken,
                ..
            } => {
                // An unknown token is late (its delivery was settled when
                // the node was lost), not hostile: a token of another
                // proxy is.
                match self.owed.get(&token) {
                    None => {}
                    Some(o) if o.to != (node, proxy) => {
                        return Err(format!(
                            "answer for another proxy's delivery on channel {:x}",
                            self.chan
                        ))
                    }
                    Some(_) => {
                        if let Some(o) = self.owed.remove(&token) {
                            self.settle(o, taken, out);
                        }
                    }
                }
            }
            Msg::Return { proxy, bytes, .. } => {
                let chan = self.chan;
                // A delivery can reach a proxy after it detached: its node
                // sends the value back under the old id, and it goes back
                // into the channel all the same.
                if let Some(r) = self.remotes.get(&(node, proxy)) {
                    if r.sends {
                        return Err(format!("return from a send proxy of {chan:x}"));
                    }
                }
                // The proxy counts a returned value as received: it asks
                // again through `want`, so nothing else changes here.
                self.port
                    .put_back(bytes)
                    .map_err(|e| format!("returned value on channel {chan:x}: {e}"))?;
            }
            Msg::Close { .. } => {
                self.port.close();
            }
            other => return Err(format!("not a home message: {other:?}")),
        }
        Ok(())
    }

    /// A rendezvous value from send proxy `(node, proxy)` whose sender
    /// waits: a receiver waiting here takes it, else a recv proxy that
    /// asks for a value gets it relayed, else the sender keeps it.
    fn offer(
        &mut self,
        node: u64,
        proxy: u64,
        token: u64,
        bytes: Vec<u8>,
        out: &mut Out,
    ) -> Result<(), String> {
        let chan = self.chan;
        let sender = Waiting::Relayed { node, proxy, token };
        let mut wanting: Vec<(u64, u64)> = self
            .remotes
            .iter()
            .filter(|(_, r)| r.wants())
            .map(|(k, _)| *k)
            .collect();
        if !wanting.is_empty() && self.port.status().closed {
            wanting.clear();
        }
        self.turn = self.turn.wrapping_add(1);
        let relay = wanting.get(self.turn % wanting.len().max(1)).copied();
        let (offered, pins) = copies::recording(|| self.port.offer(bytes, relay.is_some()));
        match offered.map_err(|e| format!("value on channel {chan:x}: {e}"))? {
            Offered::Taken => self.answer(sender, true, out),
            Offered::Back(bytes) => {
                let to = relay.expect("asked back only to relay");
                if let Some(r) = self.remotes.get_mut(&to) {
                    r.shipped += 1;
                }
                let t = self.owe(to, sender, pins);
                out.push(deliver(chan, to, bytes, Some(t)));
            }
            Offered::Refused => self.answer(sender, false, out),
        }
        Ok(())
    }

    /// A delivery was answered (or its recv proxy's node lost): a copy
    /// not taken gives back the pins it took.
    fn settle(&mut self, o: Owed, taken: bool, out: &mut Out) {
        if !taken {
            copies::refused(o.pins);
        }
        self.answer(o.sender, taken, out);
    }

    /// Tells a waiting sender whether its value was taken.
    fn answer(&mut self, sender: Waiting, taken: bool, out: &mut Out) {
        match sender {
            Waiting::Here(t) => self.port.resolve(t, taken),
            Waiting::Relayed { node, proxy, token } => out.push((
                node,
                Msg::Answer {
                    chan: self.chan,
                    proxy,
                    token,
                    taken,
                },
            )),
        }
    }

    fn remote(&mut self, node: u64, proxy: u64) -> Result<&mut Remote, String> {
        let chan = self.chan;
        self.remotes
            .get_mut(&(node, proxy))
            .ok_or_else(|| format!("unknown proxy {proxy} of channel {chan:x}"))
    }

    /// Moves values and limits; called whenever the channel or a proxy's
    /// state changed. Registers `cx` to be woken on the next change.
    pub(crate) fn pump(&mut self, cx: &mut Context<'_>, out: &mut Out) {
        // Watch first: a change between reading the channel's state and
        // registering would otherwise be lost (the watch fires only for
        // changes after it is set). Our own changes below fire it too,
        // which costs one extra, idle pump.
        self.port.watch(cx.waker());
        if self.rendezvous {
            self.serve_rendezvous(out);
        } else {
            self.serve_receivers(cx, out);
        }
        self.grant_senders(out);
    }

    /// Recv proxies of a rendezvous channel that want values get copies of
    /// parked senders' values, which stay parked, reserved, until the
    /// proxy's `Took` (see `proto`). Values past capacity (given back by
    /// a `Return`, or from a sender that already completed) go as they
    /// are, without a token.
    fn serve_rendezvous(&mut self, out: &mut Out) {
        let chan = self.chan;
        let keys = self.recv_proxies();
        let n = keys.len();
        // One value per proxy that asks, in turn, starting one further on
        // at every pump, so that no remote receiver starves another.
        self.turn = self.turn.wrapping_add(1);
        let (mut i, mut passed) = (self.turn, 0);
        while passed < n {
            let to = keys[i % n];
            i += 1;
            let r = self.remotes.get_mut(&to).expect("listed above");
            if r.shipped >= r.want {
                passed += 1;
                continue;
            }
            passed = 0;
            let (got, pins) = copies::recording(|| self.port.reserve());
            match got {
                Ok(Some(Reserved { bytes, token })) => {
                    r.shipped += 1;
                    let token = token.map(|t| self.owe(to, Waiting::Here(t), pins));
                    out.push(deliver(chan, to, bytes, token));
                }
                Ok(None) => {
                    let st = self.port.status();
                    if st.closed && st.buffered == 0 {
                        self.close_wanting(out);
                    }
                    return;
                }
                Err(e) => tracing::error!(
                    chan,
                    "value cannot be encoded for a remote receiver, dropped: {e}"
                ),
            }
        }
    }

    /// The recv proxies not told `Closed`.
    fn recv_proxies(&self) -> Vec<(u64, u64)> {
        self.remotes
            .iter()
            .filter(|(_, r)| !r.sends && !r.closed)
            .map(|(k, _)| *k)
            .collect()
    }

    /// Records a delivery to `to` that `sender` waits on; its token.
    fn owe(&mut self, to: (u64, u64), sender: Waiting, pins: Vec<u64>) -> u64 {
        self.next_token += 1;
        self.owed.insert(self.next_token, Owed { to, sender, pins });
        self.next_token
    }

    /// Tells every recv proxy that asks for a value that none will come.
    fn close_wanting(&mut self, out: &mut Out) {
        let chan = self.chan;
        for (&(node, proxy), r) in self.remotes.iter_mut() {
            if r.wants() {
                r.closed = true;
                out.push((node, Msg::Closed { chan, proxy }));
            }
        }
    }

    /// Receives for recv proxies that want values, ships what arrives.
    fn serve_receivers(&mut self, cx: &mut Context<'_>, out: &mut Out) {
        let chan = self.chan;
        for (&(node, proxy), r) in self.remotes.iter_mut() {
            if r.sends || r.closed {
                continue;
            }
            while r.shipped < r.want {
                let fut = r.recv.get_or_insert_with(|| self.port.recv());
                match fut.as_mut().poll(cx) {
                    Poll::Pending => break,
                    Poll::Ready(got) => {
                        r.recv = None;
                        match got {
                            Some(Ok(bytes)) => {
                                r.shipped += 1;
                                out.push((
                                    node,
                                    Msg::Deliver {
                                        chan,
                                        proxy,
                                        bytes,
                                        token: None,
                                    },
                                ));
                            }
                            Some(Err(e)) => {
                                tracing::error!(
                                    chan,
                                    "value cannot be encoded for a remote receiver, dropped: {e}"
                                );
                            }
                            None => {
                                r.closed = true;
                                out.push((node, Msg::Closed { chan, proxy }));
                                break;
                            }
                        }
                    }
                }
            }
            if r.shipped >= r.want {
                r.recv = None;
            }
        }
    }

    /// Grants send proxies exactly what the channel can take now.
    fn grant_senders(&mut self, out: &mut Out) {
        let chan = self.chan;
        let st = self.port.status();
        let shut = st.closed || st.receivers == 0;
        if shut {
            for (&(node, proxy), r) in self.remotes.iter_mut() {
                if r.sends && !r.closed {
                    r.closed = true;
                    out.push((node, Msg::Closed { chan, proxy }));
                }
            }
            return;
        }
        // Remote receivers of a rendezvous channel do not wait in it (the
        // home reserves senders' values for them): count what they ask.
        let remote_wants: u64 = if self.rendezvous {
            self.remotes
                .values()
                .filter(|r| !r.sends && !r.closed)
                .map(|r| r.want.saturating_sub(r.shipped))
                .sum()
        } else {
            0
        };
        let demand =
            (st.waiting_receivers + st.capacity.saturating_sub(st.buffered)) as u64 + remote_wants;
        // On a rendezvous channel a grant counts only up to the senders
        // parked at its proxy: one made for a sender that then went away
        // (aborted, or its alt fired another arm) must not keep a receiver
        // from senders elsewhere, and a value shipped under it later finds
        // no receiver and is refused. (On a buffered channel every grant
        // counts: credit is buffer room, and must not be given twice.)
        let rendezvous = self.rendezvous;
        let outstanding: u64 = self
            .remotes
            .values()
            .filter(|r| r.sends)
            .map(|r| match rendezvous {
                true => r.outstanding().min(u64::from(r.parked)),
                false => r.outstanding(),
            })
            .sum();
        let mut changed: Vec<(u64, u64)> = Vec::new();
        if demand > outstanding {
            let mut extra = demand - outstanding;
            let keys: Vec<(u64, u64)> = self
                .remotes
                .iter()
                .filter(|(_, r)| r.sends && u64::from(r.parked) > r.outstanding())
                .map(|(k, _)| *k)
                .collect();
            let n = keys.len();
            let mut i = 0;
            while extra > 0 && n > 0 && i < n * 2 {
                let k = keys[(self.cursor + i) % n];
                let r = self.remotes.get_mut(&k).expect("listed above");
                if u64::from(r.parked) > r.outstanding() {
                    r.granted += 1;
                    r.peak = r.peak.max(r.granted);
                    extra -= 1;
                    changed.push(k);
                }
                i += 1;
            }
            self.cursor = self.cursor.wrapping_add(1);
            // Pipelining: free buffer slots still unclaimed go, as credit,
            // to proxies whose senders are parked now, so that a fast
            // remote sender fills the buffer without a round trip per
            // value. A proxy never holds more credit than the capacity.
            let cap = st.capacity as u64;
            while extra > 0 && cap > 0 {
                let before = extra;
                for k in &keys {
                    let r = self.remotes.get_mut(k).expect("listed above");
                    if extra > 0 && r.outstanding() < cap {
                        r.granted += 1;
                        r.peak = r.peak.max(r.granted);
                        extra -= 1;
                        changed.push(*k);
                    }
                }
                if extra == before {
                    break;
                }
            }
        }
        // Grants are never taken back: a lowered limit could cross values
        // already on the way and leave both sides waiting for each other.
        // On a rendezvous channel a value that finds no receiver any more
        // is refused (its sender waits on); on a buffered one, a grant
        // made for a receiver that then stopped waiting (its alt chose
        // another arm) lets one later value complete and wait in the home
        // channel, past its capacity: nothing is lost or reordered.
        changed.sort_unstable();
        changed.dedup();
        // A rendezvous send completes when a receiver takes the value:
        // its values come with tokens and are answered (see `proto`).
        let answer = self.rendezvous;
        for (node, proxy) in changed {
            let limit = self.remotes[&(node, proxy)].granted;
            out.push((
                node,
                Msg::Grant {
                    chan,
                    proxy,
                    limit,
                    answer,
                },
            ));
        }
    }
}

/// A `Deliver` of `bytes` on `chan` to recv proxy `to`.
fn deliver(chan: u64, to: (u64, u64), bytes: Vec<u8>, token: Option<u64>) -> (u64, Msg) {
    (
        to.0,
        Msg::Deliver {
            chan,
            proxy: to.1,
            bytes,
            token,
        },
    )
}
