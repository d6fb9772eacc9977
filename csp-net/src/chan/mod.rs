//! Remote channels: homes, proxies, pins, and the codec that turns channel
//! ends into references to their home and back.
//!
//! **Scheme: home directory, no forwarding.** A channel stays where it was
//! made (its *home*); every other node that holds an end has one proxy per
//! direction, attached to the home. An end that moves (inside a message, or
//! in a migrating process) is re-attached at its new node directly to the
//! home, so there is never a forwarding chain and never a buffer away from
//! home: values wait only in the home channel or in a parked sender, which
//! is what makes per-sender FIFO and exactly-once hold while ends move.
//! The cost: traffic between two non-home nodes takes two hops, and a
//! channel dies with its home node (its remote ends then see it closed).
//!
//! **Pins.** An end in transit must keep its channel open: the exporting
//! node takes a count (a *pin*) that the importer releases, through the
//! home, only after its own count is in place.
//!
//! **Where a remote rendezvous completes.** Only where a receiver has
//! taken the value. The value travels as a copy while the original stays
//! with its parked sender, *reserved* (`Port::reserve`: nobody else can
//! take it, and an `alt!` sender is committed to that arm), until the
//! receiving side answers (`Answer` or `Took`, see `proto`): taken, and
//! the send completes; not taken (the receiver's `alt!` chose another arm
//! meanwhile, or it was frozen), and the copy is dropped, the sender waits
//! on and an `alt!` may fire another arm. A freeze of a sender whose value
//! is out waits for the answer. The cost is one more message per value,
//! and a remote sender's rendezvous completes one round trip later than a
//! hand-over without the answer would. A buffered channel's send completes
//! when its value is buffered, or shipped under credit for buffer room.
//!
//! When a node is lost while a rendezvous value is out, the sender keeps
//! its value (with the channel closed, if the lost node was the home): a
//! receiver there may have taken it just before, and nobody can say. So
//! such a value is never lost at a failure, and may be seen twice across
//! one. A value whose send had already completed (buffered, or shipped
//! under buffer credit) is lost with the node it was on its way to.
//!
//! The copies in flight hold pins on the channel ends inside them; a copy
//! refused gives them back (see `copies`).
//!
//! One known wart: an `alt!` that both sends and receives on the same
//! remote rendezvous channel, with nobody else on it, never meets itself
//! (as locally), but while it waits its send is granted, relayed to its own
//! receive, refused and granted again, a few round trips a cycle. A local
//! alt just waits.

mod copies;
mod home;
mod proxy;

use std::collections::HashMap;
use std::future::poll_fn;
use std::sync::{Arc, Mutex, Weak};
use std::task::{Poll, Waker};

use csp::migrate::link::{with_codec, EndCodec, EndKind, Port, RemoteRef};

pub(crate) use home::HomeChan;
pub(crate) use proxy::ProxyChan;

use crate::proto::Msg;

thread_local! {
    /// Counts held on proxies while a frame or message is being decoded
    /// (see [`Channels::session`]).
    static HOLDS: std::cell::RefCell<Option<Vec<(Port, bool)>>> = const { std::cell::RefCell::new(None) };
}

/// Keeps `port` (already counted once more) alive until the session ends;
/// outside a session the count is given back at once.
fn hold(port: &Port, sends: bool) {
    let kept = HOLDS.with(|h| match h.borrow_mut().as_mut() {
        Some(v) => {
            v.push((port.clone(), sends));
            true
        }
        None => false,
    });
    if !kept {
        port.drop_end(sends);
    }
}

/// Takes a count on `port` and holds it for the session.
fn take_hold(port: &Port, sends: bool) {
    port.add_end(sends);
    hold(port, sends);
}

/// Messages to send, each to a node.
pub(crate) type Out = Vec<(u64, Msg)>;

/// Where channel messages go: the node's connections, or a test's queues.
pub(crate) trait Net: Send + Sync + 'static {
    /// This node's id.
    fn me(&self) -> u64;
    /// Queues `msg` for `node` (dropped if it is not connected).
    fn send(&self, node: u64, msg: Msg);
    /// Whether `node` is connected now.
    fn connected(&self, _node: u64) -> bool {
        true
    }
}

/// A state machine with the waker of the task that pumps it.
struct Cell<S> {
    state: Mutex<S>,
    waker: Mutex<Option<Waker>>,
}

impl<S> Cell<S> {
    fn new(s: S) -> Arc<Self> {
        Arc::new(Cell {
            state: Mutex::new(s),
            waker: Mutex::new(None),
        })
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, S> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
    fn wake(&self) {
        if let Some(w) = self.waker.lock().unwrap_or_else(|e| e.into_inner()).take() {
            w.wake();
        }
    }
    fn park(&self, w: &Waker) {
        *self.waker.lock().unwrap_or_else(|e| e.into_inner()) = Some(w.clone());
    }
}

#[derive(Default)]
struct Tables {
    homes: HashMap<u64, Arc<Cell<HomeChan>>>,
    /// Live proxy per (home, chan, sends).
    proxies: HashMap<(u64, u64, bool), Arc<Cell<ProxyChan>>>,
    by_id: HashMap<u64, Arc<Cell<ProxyChan>>>,
    /// Local channel id of a proxy port → (home, chan).
    proxy_ports: HashMap<u64, (u64, u64)>,
    pins: HashMap<u64, Pin>,
    next: u64,
}

struct Pin {
    port: Port,
    sends: bool,
    /// The home channel this pin keeps open, if homed here.
    home_chan: Option<u64>,
}

/// This node's remote-channel tables.
pub(crate) struct Channels {
    net: Arc<dyn Net>,
    t: Mutex<Tables>,
    me: Weak<Channels>,
    codec: Arc<dyn EndCodec>,
}

impl Channels {
    pub(crate) fn new(net: Arc<dyn Net>) -> Arc<Self> {
        Arc::new_cyclic(|me: &Weak<Channels>| Channels {
            net,
            t: Mutex::new(Tables::default()),
            me: me.clone(),
            codec: Arc::new(Codec(me.clone())),
        })
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.t.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn flush(&self, out: Out) {
        for (node, msg) in out {
            self.net.send(node, msg);
        }
    }

    /// Runs `f`, which decodes frames or messages, with this node's codec
    /// and an import session: every proxy an uncounted end (a pending
    /// operation's handle) joins is held until `f` returns, so it cannot
    /// retire before the frame's counted ends of the same channel join it
    /// too, whatever order they are decoded in.
    ///
    /// The outermost session also releases the pins of copies that were
    /// refused in it (see `copies`), now that no lock is held.
    pub(crate) fn session<R>(&self, f: impl FnOnce() -> R) -> R {
        let outer = HOLDS.with(|h| h.borrow_mut().replace(Vec::new()));
        let outermost = outer.is_none();
        let r = with_codec(self.codec(), f);
        let holds = HOLDS.with(|h| std::mem::replace(&mut *h.borrow_mut(), outer));
        for (port, sends) in holds.unwrap_or_default() {
            port.drop_end(sends);
        }
        if outermost {
            self.unpin(&copies::take_refused());
        }
        r
    }

    /// The codec to freeze or thaw frames and messages with on this node.
    pub(crate) fn codec(&self) -> Arc<dyn EndCodec> {
        self.codec.clone()
    }

    /// Makes channel `port` (local) available to remote nodes, pinned
    /// once for an end on its way out (under the table lock, so the home's
    /// pump cannot find it idle and drop it in between).
    fn export_home(&self, port: &Port, sends: bool) -> u64 {
        let id = port.id();
        let mut t = self.tables();
        let fresh = !t.homes.contains_key(&id);
        let cell = t
            .homes
            .entry(id)
            .or_insert_with(|| Cell::new(HomeChan::new(id, port.clone())))
            .clone();
        let pin = Self::pin_locked(&mut t, port, sends, Some(id));
        drop(t);
        if fresh {
            self.spawn_home(id, cell);
        } else {
            cell.wake();
        }
        pin
    }

    fn spawn_home(&self, id: u64, cell: Arc<Cell<HomeChan>>) {
        let me = self.me.clone();
        tokio::spawn(poll_fn(move |cx| {
            let Some(chans) = me.upgrade() else {
                return Poll::Ready(());
            };
            cell.park(cx.waker());
            let mut out = Out::new();
            let idle = chans.session(|| {
                let mut h = cell.lock();
                h.pump(cx, &mut out);
                // Queue under the lock, so that a message handled after
                // this pump (a `Sync` a mover waits on) is answered behind
                // every delivery it made.
                chans.flush(std::mem::take(&mut out));
                h.idle()
            });
            if idle {
                let mut t = chans.tables();
                // Re-check under the table lock: an export may have pinned
                // it again in the meantime.
                if cell.lock().idle() {
                    t.homes.remove(&id);
                    return Poll::Ready(());
                }
            }
            Poll::Pending
        }));
    }

    fn spawn_proxy(&self, cell: Arc<Cell<ProxyChan>>) {
        let me = self.me.clone();
        tokio::spawn(poll_fn(move |cx| {
            let Some(chans) = me.upgrade() else {
                return Poll::Ready(());
            };
            cell.park(cx.waker());
            let mut out = Out::new();
            let (retired, id, key, local) = chans.session(|| {
                let mut p = cell.lock();
                // Watch before reading the state (see `HomeChan::pump`).
                p.port().watch(cx.waker());
                p.pump(&mut out);
                // Queue under the lock: once `barrier` has held this lock,
                // every value a finished send gave the bridge is queued.
                chans.flush(std::mem::take(&mut out));
                (p.retired, p.id, (p.home, p.chan, p.sends), p.port().id())
            });
            if retired {
                let mut t = chans.tables();
                t.by_id.remove(&id);
                t.proxy_ports.remove(&local);
                if t.proxies.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
                    t.proxies.remove(&key);
                }
                return Poll::Ready(());
            }
            Poll::Pending
        }));
    }

    /// A pin: a count on `port` held until the importer releases it.
    fn pin_locked(t: &mut Tables, port: &Port, sends: bool, home_chan: Option<u64>) -> u64 {
        port.add_end(sends);
        t.next += 1;
        let id = t.next;
        if let Some(c) = home_chan.and_then(|c| t.homes.get(&c)) {
            c.lock().pins += 1;
        }
        t.pins.insert(
            id,
            Pin {
                port: port.clone(),
                sends,
                home_chan,
            },
        );
        id
    }

    /// Releases pin `id` (idempotent: a pin released twice counts once).
    pub(crate) fn release(&self, id: u64) {
        let (pin, home) = {
            let mut t = self.tables();
            let Some(pin) = t.pins.remove(&id) else {
                return;
            };
            let home = pin.home_chan.and_then(|c| t.homes.get(&c).cloned());
            (pin, home)
        };
        if let Some(h) = &home {
            let mut h = h.lock();
            h.pins = h.pins.saturating_sub(1);
        }
        pin.port.drop_end(pin.sends);
        if let Some(h) = home {
            h.wake();
        }
    }

    fn release_ref(&self, pin: Option<(u64, u64)>, via_home: u64) {
        let Some((node, id)) = pin else { return };
        let me = self.net.me();
        if node == me {
            self.release(id);
        } else if via_home == me {
            // This node is the home and its count is already in place.
            self.net.send(node, Msg::Release { pin: id });
        } else {
            // Through the home, behind the Attach that takes our count.
            self.net.send(via_home, Msg::Unpin { node, pin: id });
        }
    }

    /// Handles a channel message from `node`. `Err`: protocol violation.
    /// Values decode here, with this node's codec: channel ends inside them
    /// become this node's ends.
    pub(crate) fn on_msg(&self, node: u64, msg: Msg) -> Result<(), String> {
        self.session(|| self.on_msg_inner(node, msg))
    }

    fn on_msg_inner(&self, node: u64, msg: Msg) -> Result<(), String> {
        let mut out = Out::new();
        match msg {
            Msg::Attach {
                chan,
                proxy,
                sends,
                pin,
            } => {
                let cell = self.tables().homes.get(&chan).cloned();
                match cell {
                    Some(c) => {
                        c.lock().attach(node, proxy, sends);
                        c.wake();
                    }
                    None => out.push((node, Msg::NoSuchChannel { chan, proxy })),
                }
                if let Some((holder, id)) = pin {
                    if holder == self.net.me() {
                        self.release(id);
                    } else {
                        out.push((holder, Msg::Release { pin: id }));
                    }
                }
            }
            Msg::Unpin { node: holder, pin } => {
                if holder == self.net.me() {
                    self.release(pin);
                } else {
                    out.push((holder, Msg::Release { pin }));
                }
            }
            Msg::Release { pin } => self.release(pin),
            Msg::Detach { chan, proxy } => {
                if let Some(c) = self.tables().homes.get(&chan).cloned() {
                    c.lock().detach(node, proxy);
                    c.wake();
                }
            }
            Msg::ProxyState { chan, .. }
            | Msg::Value { chan, .. }
            | Msg::Took { chan, .. }
            | Msg::Return { chan, .. }
            | Msg::Close { chan } => {
                let c = self.tables().homes.get(&chan).cloned();
                // A message for a channel that is gone (every remote end
                // detached and it was dropped here) is late, not hostile.
                if let Some(c) = c {
                    let mut h = c.lock();
                    h.on_msg(node, msg, &mut out)?;
                    // Queue under the lock, as the pumps do (see below).
                    self.flush(std::mem::take(&mut out));
                    drop(h);
                    c.wake();
                }
            }
            Msg::Grant { proxy, .. }
            | Msg::Answer { proxy, .. }
            | Msg::Deliver { proxy, .. }
            | Msg::Closed { proxy, .. }
            | Msg::NoSuchChannel { proxy, .. } => {
                let c = self.tables().by_id.get(&proxy).cloned();
                match c {
                    Some(c) => {
                        let mut p = c.lock();
                        if p.home != node {
                            return Err(format!("node {node:x} is not the home of proxy {proxy}"));
                        }
                        p.on_msg(msg, &mut out)?;
                        // Queue under the lock: a `Return` made here must
                        // reach the home before the demand the proxy's
                        // pump reports next, which already counts the
                        // returned value as received; queued after the
                        // lock, the demand could overtake it and the home
                        // would ship the next value ahead of the returned
                        // one (a reorder seen under load).
                        self.flush(std::mem::take(&mut out));
                        drop(p);
                        c.wake();
                    }
                    // A delivery to a proxy that retired goes back, or,
                    // if its sender waits, is answered as not taken.
                    None => match msg {
                        Msg::Deliver {
                            chan,
                            proxy,
                            token: Some(token),
                            ..
                        } => out.push((
                            node,
                            Msg::Took {
                                chan,
                                proxy,
                                token,
                                taken: false,
                            },
                        )),
                        Msg::Deliver {
                            chan, bytes, proxy, ..
                        } => out.push((node, Msg::Return { chan, proxy, bytes })),
                        _ => {}
                    },
                }
            }
            other => return Err(format!("not a channel message: {other:?}")),
        }
        self.flush(out);
        Ok(())
    }

    /// `node` is gone: channels homed here forget its proxies; proxies of
    /// channels homed there see them closed.
    pub(crate) fn node_lost(&self, node: u64) {
        self.session(|| self.node_lost_inner(node));
    }

    fn node_lost_inner(&self, node: u64) {
        let (homes, proxies): (Vec<_>, Vec<_>) = {
            let t = self.tables();
            (
                t.homes.values().cloned().collect(),
                t.by_id.values().cloned().collect(),
            )
        };
        for h in homes {
            let mut out = Out::new();
            let mut g = h.lock();
            g.drop_node(node, &mut out);
            self.flush(out);
            drop(g);
            h.wake();
        }
        for p in proxies {
            let mut g = p.lock();
            if g.home == node {
                g.home_lost();
                drop(g);
                p.wake();
            }
        }
    }

    /// Every end is exported under a pin, raw ones (a pending operation's
    /// channel) included, so a channel cannot close or be forgotten while
    /// any reference to it is on the way.
    fn export(&self, port: &Port, end: EndKind) -> Result<RemoteRef, String> {
        let me = self.net.me();
        let local = port.id();
        let mut t = self.tables();
        match t.proxy_ports.get(&local).copied() {
            Some((home, chan)) => {
                let pin = Self::pin_locked(&mut t, port, end.sends(), None);
                copies::took(pin);
                Ok(RemoteRef {
                    home,
                    chan,
                    pin: Some((me, pin)),
                })
            }
            None => {
                drop(t);
                let pin = self.export_home(port, end.sends());
                copies::took(pin);
                Ok(RemoteRef {
                    home: me,
                    chan: local,
                    pin: Some((me, pin)),
                })
            }
        }
    }

    fn import(
        &self,
        r: &RemoteRef,
        end: EndKind,
        make: &mut dyn FnMut() -> Port,
    ) -> Result<Port, String> {
        let me = self.net.me();
        // The end's own count is taken here, before the pin it travelled
        // under is released (see `EndCodec::import`).
        let count = |port: &Port| {
            if end.counted() {
                port.add_end(end.sends());
            }
        };
        if r.home == me {
            let port = self
                .tables()
                .homes
                .get(&r.chan)
                .map(|c| c.lock().port().clone())
                .ok_or_else(|| format!("channel {:x} of this node no longer exists", r.chan))?;
            count(&port);
            self.release_ref(r.pin, me);
            return Ok(port);
        }
        if !self.net.connected(r.home) {
            return Err(format!(
                "channel {:x} is homed on node {:016x}, which is not connected",
                r.chan, r.home
            ));
        }
        let sends = end.sends();
        let key = (r.home, r.chan, sends);
        let existing = self.tables().proxies.get(&key).cloned();
        if let Some(c) = existing {
            let p = c.lock();
            // Join it only while it still holds an end, atomically and under
            // its lock (its pump retires it under the same lock once no end
            // is left; a send proxy whose last sender went is closed for
            // good). The count taken is the end's own, or, for a pending
            // operation's uncounted handle, a hold until the session ends.
            if !p.retired && p.port().join(sends) {
                let port = p.port().clone();
                drop(p);
                if !end.counted() {
                    hold(&port, sends);
                }
                self.release_ref(r.pin, r.home);
                return Ok(port);
            }
        }
        let port = make();
        if end.counted() {
            count(&port);
        } else {
            take_hold(&port, sends);
        }
        let mut t = self.tables();
        t.next += 1;
        let id = t.next;
        let cell = Cell::new(ProxyChan::new(r.home, r.chan, id, sends, port.clone()));
        t.proxies.insert(key, cell.clone());
        t.by_id.insert(id, cell.clone());
        t.proxy_ports.insert(port.id(), (r.home, r.chan));
        drop(t);
        self.net.send(
            r.home,
            Msg::Attach {
                chan: r.chan,
                proxy: id,
                sends,
                pin: r.pin,
            },
        );
        self.spawn_proxy(cell);
        Ok(port)
    }
}

/// What exporting a moving process took: the pins this node now holds for
/// its ends, and the other nodes its channels are homed on.
#[derive(Default, Debug)]
pub(crate) struct Exported {
    pub(crate) pins: Vec<u64>,
    pub(crate) homes: Vec<u64>,
}

/// A codec that records what it exported (see [`Channels::freeze_movable`]).
struct Recording {
    chans: Arc<Channels>,
    got: Mutex<Exported>,
}

impl EndCodec for Recording {
    fn export(&self, port: &Port, end: EndKind) -> Result<RemoteRef, String> {
        let r = self.chans.export(port, end)?;
        let mut got = self.got.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, pin)) = r.pin {
            got.pins.push(pin);
        }
        if r.home != self.chans.net.me() && !got.homes.contains(&r.home) {
            got.homes.push(r.home);
        }
        Ok(r)
    }

    fn import(
        &self,
        r: &RemoteRef,
        end: EndKind,
        proxy: &mut dyn FnMut() -> Port,
    ) -> Result<Port, String> {
        self.chans.import(r, end, proxy)
    }
}

impl Channels {
    /// Serializes a process for another node with `freeze`, which is given
    /// the codec to freeze with. Its ends become pinned references; the
    /// frame stays intact with the caller, so that it can resume if the
    /// move fails ([`Channels::unpin`] then gives the pins back).
    pub(crate) fn freeze_for_move(
        self: &Arc<Self>,
        freeze: impl FnOnce(
            Arc<dyn EndCodec>,
        ) -> Result<csp::migrate::Frozen, csp::migrate::FreezeError>,
    ) -> Result<(csp::migrate::Frozen, Exported), csp::migrate::FreezeError> {
        let rec = Arc::new(Recording {
            chans: self.clone(),
            got: Mutex::new(Exported::default()),
        });
        let frozen = freeze(rec.clone());
        let got = std::mem::take(&mut *rec.got.lock().unwrap_or_else(|e| e.into_inner()));
        if frozen.is_err() {
            self.unpin(&got.pins);
        }
        frozen.map(|f| (f, got))
    }

    /// Brings every proxy of a channel homed on `home` up to date now:
    /// values its senders gave up are queued for the home, and a recv
    /// proxy whose receivers stopped waiting (a process was stopped to
    /// move) has lowered what it asks for. A `Sync` sent after this
    /// arrives behind all of it.
    pub(crate) fn barrier(&self, home: u64) {
        let cells: Vec<_> = self
            .tables()
            .by_id
            .values()
            .filter(|c| c.lock().home == home)
            .cloned()
            .collect();
        self.session(|| {
            for c in cells {
                let mut out = Out::new();
                let mut p = c.lock();
                p.pump(&mut out);
                self.flush(out);
            }
        });
    }

    /// The state of every home and proxy, for debugging.
    pub(crate) fn dump(&self) -> String {
        let (homes, proxies): (Vec<_>, Vec<_>) = {
            let t = self.tables();
            (
                t.homes.values().cloned().collect(),
                t.by_id.values().cloned().collect(),
            )
        };
        let mut out = String::new();
        for h in homes {
            out += &h.lock().dump();
        }
        for p in proxies {
            out += &p.lock().dump();
        }
        out
    }

    /// Gives back pins of an export that will never be imported (a move
    /// that failed). Pins already released by an importer are skipped.
    pub(crate) fn unpin(&self, pins: &[u64]) {
        for &p in pins {
            self.release(p);
        }
    }

    /// Decodes a process that arrived from another node: its ends become
    /// this node's ends (proxies attach to their homes).
    pub(crate) fn thaw_movable(
        &self,
        frozen: csp::migrate::Frozen,
    ) -> Result<csp::migrate::Movable, csp::migrate::ThawError> {
        self.session(|| {
            csp::migrate::Registry::global()
                .thaw(frozen)
                .map(|t| t.into_movable())
        })
    }
}

struct Codec(Weak<Channels>);

impl Codec {
    fn chans(&self) -> Result<Arc<Channels>, String> {
        self.0
            .upgrade()
            .ok_or_else(|| "the node is shut down".to_string())
    }
}

impl EndCodec for Codec {
    fn export(&self, port: &Port, end: EndKind) -> Result<RemoteRef, String> {
        self.chans()?.export(port, end)
    }

    fn import(
        &self,
        r: &RemoteRef,
        end: EndKind,
        proxy: &mut dyn FnMut() -> Port,
    ) -> Result<Port, String> {
        self.chans()?.import(r, end, proxy)
    }
}

#[cfg(test)]
mod tests;
