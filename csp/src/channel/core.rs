//! The channel core: one mutex-protected state shared by both flavours.
//!
//! A rendezvous channel is a buffered channel of capacity 0. Both sides can
//! park in a wait queue; a parked entry is completed by the peer that
//! arrives, never by its owner:
//!
//! * a **sender** that finds no room parks *with its value* in `sendq`; a
//!   receiver completes it by taking the value out (or, for a buffered
//!   channel, moving it into the buffer behind what it just popped) and
//!   removing the entry. The sender learns it is done because its entry is
//!   gone. Withdrawing is "remove my entry if it is still there": under the
//!   lock, exactly one of *taken* and *withdrawn with the value* happens.
//!   This is what makes a pending send freezable.
//! * a **receiver** that finds nothing parks in `recvq` with an empty slot; a
//!   sender completes it by filling the slot. The entry stays until its
//!   owner collects the value, so a receiver that goes away with a filled
//!   slot hands the value back to the channel ([`Chan::abandon_recv`])
//!   instead of losing it.
//!
//! Entries that belong to an `alt!` carry a [`Claim`]; a peer must win the
//! claim before completing such an entry and skips it otherwise (see
//! `alt/selector.rs`). Wakers are taken out under the lock and woken after
//! it is released.

use std::collections::VecDeque;
use std::task::Waker;

use crate::alt::selector::Selector;
use crate::sync::{lock, Arc, Mutex, MutexGuard};

/// The right to complete a parked entry: plain operations always grant it,
/// alt entries grant it to the first peer that wins their selector.
#[derive(Clone, Debug, Default)]
pub(crate) struct Claim {
    sel: Option<(Arc<Selector>, usize)>,
}

impl Claim {
    /// The claim of a plain (non-alt) operation.
    pub(crate) fn plain() -> Self {
        Claim { sel: None }
    }

    /// The claim of arm `arm` of the alt owning `sel`.
    pub(crate) fn arm(sel: &Arc<Selector>, arm: usize) -> Self {
        Claim {
            sel: Some((sel.clone(), arm)),
        }
    }

    fn try_claim(&self) -> bool {
        match &self.sel {
            None => true,
            Some((sel, arm)) => sel.try_claim(*arm),
        }
    }

    /// Gives back a claim won by a reservation that was refused: the alt
    /// is open to claims again (see [`Selector::release`]).
    #[cfg(feature = "migration")]
    fn release(&self) {
        if let Some((sel, arm)) = &self.sel {
            sel.release(*arm);
        }
    }

    /// Whether a peer could complete this entry: its alt is still open,
    /// and it is not an entry of `own` (an alt never meets itself: an alt
    /// with a send and a receive arm on one channel waits for a peer).
    fn open_to(&self, own: Option<&Arc<Selector>>) -> bool {
        match &self.sel {
            None => true,
            Some((sel, _)) => sel.is_open() && !own.is_some_and(|o| Arc::ptr_eq(o, sel)),
        }
    }
}

struct SendEntry<T> {
    id: u64,
    /// `None` only inside [`State::reserve`]'s two lock sections.
    value: Option<T>,
    waker: Waker,
    claim: Claim,
    /// A transport has shipped a copy to a remote receiver and waits for
    /// its answer ([`State::resolve`]): nobody else may take or withdraw it.
    reserved: bool,
    /// Its owner went away while it was reserved: a refusal drops it.
    abandoned: bool,
}

impl<T> SendEntry<T> {
    /// Whether a receiver could take this entry's value now.
    fn takeable(&self) -> bool {
        !self.reserved && self.value.is_some()
    }
}

/// What withdrawing a parked send found.
#[derive(Debug)]
pub(crate) enum Withdraw<T> {
    /// The entry is gone: a receiver took the value, the send completed.
    Taken,
    /// The entry was there: the send did not happen, here is the value.
    Back(T),
    /// A remote receiver's node holds a copy and has not answered: the
    /// entry stays until [`State::resolve`] settles it.
    InFlight,
}

struct RecvEntry<T> {
    id: u64,
    slot: Option<T>,
    waker: Waker,
    claim: Claim,
}

/// What a receive attempt found.
pub(crate) enum Take<T> {
    /// A value, now owned by the receiver.
    Value(T),
    /// Closed and drained: no value will ever come.
    Closed,
    /// Nothing yet.
    Empty,
}

/// A value [`State::reserve`] lent out, to be copied for a remote receiver.
#[cfg(feature = "migration")]
pub(crate) enum Lent<T> {
    /// A buffered value: the transport owns it.
    Owned(T),
    /// Parked sender `id`'s value: it goes back with [`State::unlend`].
    Reserved(u64, T),
}

/// What a send attempt did.
pub(crate) enum Offer<T> {
    /// The value was handed to a receiver or buffered.
    Done,
    /// The channel is closed or has no receivers; the value comes back.
    Closed(T),
    /// No room and no receiver; the value comes back.
    Full(T),
}

pub(crate) struct State<T> {
    /// Counts lock sections, so that of two snapshots of one channel the
    /// later can be told (`migrate::chanref`).
    seq: u64,
    buf: VecDeque<T>,
    cap: usize,
    closed: bool,
    senders: usize,
    receivers: usize,
    sendq: VecDeque<SendEntry<T>>,
    recvq: VecDeque<RecvEntry<T>>,
    next_id: u64,
    /// A transport watching this channel (`migrate::link`): woken after
    /// every lock section, then forgotten until it watches again.
    #[cfg(feature = "migration")]
    watch: Option<Waker>,
}

/// A channel's shared state. `Sender` and `Receiver` are counted handles to it.
pub(crate) struct Chan<T> {
    state: Mutex<State<T>>,
    /// Process-wide identity, assigned when a frozen frame first refers to
    /// the channel (see `migrate::chanref`).
    #[cfg(feature = "migration")]
    pub(crate) id: std::sync::OnceLock<u64>,
}

/// Wakers to wake once the lock is released.
#[derive(Default)]
pub(crate) struct Wakeups {
    /// Almost every operation wakes at most one peer: no allocation then.
    one: Option<Waker>,
    more: Vec<Waker>,
}

impl Wakeups {
    fn push(&mut self, w: Waker) {
        match self.one {
            None => self.one = Some(w),
            Some(_) => self.more.push(w),
        }
    }

    fn wake(self) {
        if let Some(w) = self.one {
            w.wake();
        }
        for w in self.more {
            w.wake();
        }
    }
}

/// Pushes onto `q`, allocating room for exactly one entry the first time so
/// a channel with one parked peer (the common case in a network of
/// processes) costs one entry, not a default-sized block.
fn push_lean<E>(q: &mut VecDeque<E>, e: E) {
    if q.capacity() == 0 {
        q.reserve_exact(1);
    }
    q.push_back(e);
}

fn take_waker(w: &mut Waker) -> Waker {
    std::mem::replace(w, Waker::noop().clone())
}

impl<T> State<T> {
    fn is_closed(&self) -> bool {
        self.closed || self.receivers == 0
    }

    fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Takes the first parked sender's value whose claim we win.
    fn claim_sender(&mut self, wake: &mut Wakeups) -> Option<T> {
        let i = self
            .sendq
            .iter()
            .position(|e| e.takeable() && e.claim.try_claim())?;
        let e = self.sendq.remove(i)?;
        wake.push(e.waker);
        e.value
    }

    /// Receives without parking: buffer first, then a parked sender.
    pub(crate) fn take(&mut self, wake: &mut Wakeups) -> Take<T> {
        if let Some(v) = self.buf.pop_front() {
            // Refill only into real room: a value given back by a dropped
            // receive sits in the buffer beyond capacity (even of a
            // rendezvous channel) and must not let a parked sender complete.
            if !self.closed && self.buf.len() < self.cap {
                if let Some(next) = self.claim_sender(wake) {
                    self.buf.push_back(next);
                }
            }
            return Take::Value(v);
        }
        if !self.closed {
            if let Some(v) = self.claim_sender(wake) {
                return Take::Value(v);
            }
        }
        if self.closed || self.senders == 0 {
            Take::Closed
        } else {
            Take::Empty
        }
    }

    /// Hands `v` to the first parked receiver whose claim we win.
    fn deliver(&mut self, v: T, wake: &mut Wakeups) -> Result<(), T> {
        let found = self
            .recvq
            .iter_mut()
            .find(|e| e.slot.is_none() && e.claim.try_claim());
        match found {
            Some(e) => {
                e.slot = Some(v);
                wake.push(take_waker(&mut e.waker));
                Ok(())
            }
            None => Err(v),
        }
    }

    /// Sends without parking: a parked receiver first, then the buffer.
    pub(crate) fn offer(&mut self, v: T, wake: &mut Wakeups) -> Offer<T> {
        if self.is_closed() {
            return Offer::Closed(v);
        }
        let v = match self.deliver(v, wake) {
            Ok(()) => return Offer::Done,
            Err(v) => v,
        };
        if self.buf.len() < self.cap {
            self.buf.push_back(v);
            Offer::Done
        } else {
            Offer::Full(v)
        }
    }

    /// Whether a receive by the alt owning `own` (if any) would find
    /// something (a value, or the close) right now.
    pub(crate) fn recv_ready(&self, own: Option<&Arc<Selector>>) -> bool {
        !self.buf.is_empty()
            || self.closed
            || self.senders == 0
            || self
                .sendq
                .iter()
                .any(|e| e.takeable() && e.claim.open_to(own))
    }

    /// Whether a send by the alt owning `own` (if any) would complete (or
    /// fail) right now.
    pub(crate) fn send_ready(&self, own: Option<&Arc<Selector>>) -> bool {
        self.is_closed()
            || self.buf.len() < self.cap
            || self
                .recvq
                .iter()
                .any(|e| e.slot.is_none() && e.claim.open_to(own))
    }

    /// Parks a sender with its value; returns the entry id.
    pub(crate) fn park_send(&mut self, value: T, waker: Waker, claim: Claim) -> u64 {
        let id = self.fresh_id();
        push_lean(
            &mut self.sendq,
            SendEntry {
                id,
                value: Some(value),
                waker,
                claim,
                reserved: false,
                abandoned: false,
            },
        );
        id
    }

    /// Parks a receiver with an empty slot; returns the entry id.
    pub(crate) fn park_recv(&mut self, waker: Waker, claim: Claim) -> u64 {
        let id = self.fresh_id();
        push_lean(
            &mut self.recvq,
            RecvEntry {
                id,
                slot: None,
                waker,
                claim,
            },
        );
        id
    }

    /// Removes parked sender `id` if it is still there and not reserved.
    pub(crate) fn withdraw_send(&mut self, id: u64) -> Withdraw<T> {
        let Some(i) = self.sendq.iter().position(|e| e.id == id) else {
            return Withdraw::Taken;
        };
        if self.sendq[i].reserved {
            return Withdraw::InFlight;
        }
        match self.sendq.remove(i).and_then(|e| e.value) {
            Some(v) => Withdraw::Back(v),
            None => Withdraw::Taken,
        }
    }

    /// The owner of parked sender `id` is going away: withdraw it, or, if
    /// it is reserved, leave it for [`State::resolve`] to finish (taken:
    /// the send happened; refused: the value is dropped).
    pub(crate) fn abandon_send(&mut self, id: u64) -> Option<T> {
        match self.withdraw_send(id) {
            Withdraw::Back(v) => Some(v),
            Withdraw::Taken => None,
            Withdraw::InFlight => {
                if let Some(e) = self.sendq.iter_mut().find(|e| e.id == id) {
                    e.abandoned = true;
                }
                None
            }
        }
    }

    /// A transport takes the first value a receiver could take, to ship a
    /// copy to a remote receiver: a buffered value (its send completed
    /// when it was buffered; no token), or a parked sender's, which stays
    /// parked and *reserved* under the returned token until
    /// [`State::resolve`]. The value is lent out: give it back with
    /// [`State::unlend`] once the copy is made (outside the lock, since
    /// encoding may take other locks). An `alt!` sender's claim is won
    /// here, so its other arms cannot fire meanwhile.
    #[cfg(feature = "migration")]
    pub(crate) fn reserve(&mut self, wake: &mut Wakeups) -> Option<Lent<T>> {
        if !self.buf.is_empty() {
            return match self.take(wake) {
                Take::Value(v) => Some(Lent::Owned(v)),
                _ => None,
            };
        }
        if self.closed {
            return None;
        }
        let e = self
            .sendq
            .iter_mut()
            .find(|e| e.takeable() && e.claim.try_claim())?;
        e.reserved = true;
        let v = e.value.take()?;
        Some(Lent::Reserved(e.id, v))
    }

    /// Returns a reserved value lent out by [`State::reserve`].
    #[cfg(feature = "migration")]
    pub(crate) fn unlend(&mut self, id: u64, v: T) -> Option<T> {
        match self.sendq.iter_mut().find(|e| e.id == id) {
            Some(e) => {
                e.value = Some(v);
                None
            }
            None => Some(v),
        }
    }

    /// Settles reserved sender `id`: `taken` completes the send (the
    /// entry goes, its owner wakes); otherwise the value is takeable again
    /// where it stood in the queue, an `alt!` owner's claim is released,
    /// and the owner wakes to look again (a freeze waiting for the answer
    /// can then withdraw it). Returns a value to drop outside the lock.
    #[cfg(feature = "migration")]
    pub(crate) fn resolve(&mut self, id: u64, taken: bool, wake: &mut Wakeups) -> Option<T> {
        let i = self.sendq.iter().position(|e| e.id == id && e.reserved)?;
        if taken || self.sendq[i].abandoned {
            let e = self.sendq.remove(i)?;
            wake.push(e.waker);
            return e.value;
        }
        // Refused. A receiver that arrived meanwhile found nothing it
        // could take and parked (or there is buffer room): complete the
        // send with it now, under the claim the reservation still holds,
        // as a sender arriving would have; nobody else will pair the two.
        let v = self.sendq[i].value.take()?;
        let v = match self.offer(v, wake) {
            Offer::Done => {
                let e = self.sendq.remove(i)?;
                wake.push(e.waker);
                return None;
            }
            Offer::Closed(v) | Offer::Full(v) => v,
        };
        let e = &mut self.sendq[i];
        e.value = Some(v);
        e.reserved = false;
        e.claim.release();
        wake.push(take_waker(&mut e.waker));
        None
    }

    /// Removes parked receiver `id`; `Some(v)` if a sender had filled it
    /// (the receive completed with `v`).
    pub(crate) fn withdraw_recv(&mut self, id: u64) -> Option<T> {
        let i = self.recvq.iter().position(|e| e.id == id)?;
        self.recvq.remove(i).and_then(|e| e.slot)
    }

    /// Whether parked sender `id` is still waiting; refreshes its waker.
    pub(crate) fn send_parked(&mut self, id: u64, waker: &Waker) -> bool {
        match self.sendq.iter_mut().find(|e| e.id == id) {
            Some(e) => {
                if !e.waker.will_wake(waker) {
                    e.waker = waker.clone();
                }
                true
            }
            None => false,
        }
    }

    /// Refreshes parked receiver `id`'s waker; true if it is still parked.
    pub(crate) fn recv_parked(&mut self, id: u64, waker: &Waker) -> bool {
        match self.recvq.iter_mut().find(|e| e.id == id) {
            Some(e) if e.slot.is_none() => {
                if !e.waker.will_wake(waker) {
                    e.waker = waker.clone();
                }
                true
            }
            _ => false,
        }
    }

    /// `(seq, capacity, closed, buffered values)`, for a snapshot.
    #[cfg(feature = "migration")]
    pub(crate) fn snapshot_parts(&self) -> (u64, usize, bool, &VecDeque<T>) {
        (
            self.seq,
            self.cap,
            self.closed || self.senders == 0,
            &self.buf,
        )
    }

    /// Asks for `w` to be woken after the next lock section (one-shot).
    #[cfg(feature = "migration")]
    pub(crate) fn set_watch(&mut self, w: &Waker) {
        match &self.watch {
            Some(old) if old.will_wake(w) => {}
            _ => self.watch = Some(w.clone()),
        }
    }

    /// `(parked senders, waiting receivers)` that a peer could complete now:
    /// entries whose alt is still open, receivers whose slot is empty.
    #[cfg(feature = "migration")]
    pub(crate) fn parked_counts(&self) -> (usize, usize) {
        let senders = self
            .sendq
            .iter()
            .filter(|e| e.takeable() && e.claim.open_to(None))
            .count();
        let receivers = self
            .recvq
            .iter()
            .filter(|e| e.slot.is_none() && e.claim.open_to(None))
            .count();
        (senders, receivers)
    }

    /// `(buffered, capacity, closed flag, senders, receivers)`.
    #[cfg(feature = "migration")]
    pub(crate) fn shape(&self) -> (usize, usize, bool, usize, usize) {
        (
            self.buf.len(),
            self.cap,
            self.closed,
            self.senders,
            self.receivers,
        )
    }

    /// Hands `v` to a waiting receiver, or else appends it to the buffer even
    /// past capacity: a value a remote sender already let go of (its send
    /// completed) must not be refused. `Err` gives it back when the channel
    /// is closed or nobody can receive.
    #[cfg(feature = "migration")]
    pub(crate) fn inject(&mut self, v: T, wake: &mut Wakeups) -> Result<(), T> {
        if self.is_closed() {
            return Err(v);
        }
        if let Err(v) = self.deliver(v, wake) {
            self.buf.push_back(v);
        }
        Ok(())
    }

    /// Hands `v` only to a waiting receiver (never the buffer).
    #[cfg(feature = "migration")]
    pub(crate) fn hand_over(&mut self, v: T, wake: &mut Wakeups) -> Result<(), T> {
        if self.is_closed() {
            return Err(v);
        }
        self.deliver(v, wake)
    }

    /// Puts `v` back at the head (a remote receiver returned it unused).
    #[cfg(feature = "migration")]
    pub(crate) fn put_back(&mut self, v: T, wake: &mut Wakeups) {
        self.restore(v, wake)
    }

    /// Whether the channel refuses further sends.
    pub(crate) fn closed_for_send(&self) -> bool {
        self.is_closed()
    }

    /// Puts back a value whose receiver went away before collecting it: to
    /// another parked receiver, else at the head of the buffer (it was the
    /// oldest value in flight), else dropped when nobody can receive.
    fn restore(&mut self, v: T, wake: &mut Wakeups) {
        if self.receivers == 0 {
            return;
        }
        if let Err(v) = self.deliver(v, wake) {
            self.buf.push_front(v);
        }
    }

    fn wake_all(&mut self, wake: &mut Wakeups) {
        for e in self.sendq.iter_mut() {
            wake.push(take_waker(&mut e.waker));
        }
        for e in self.recvq.iter_mut().filter(|e| e.slot.is_none()) {
            wake.push(take_waker(&mut e.waker));
        }
    }
}

#[cfg(feature = "migration")]
impl<T> Drop for Chan<T> {
    fn drop(&mut self) {
        if let Some(id) = self.id.get() {
            crate::migrate::chanref::unregister(*id);
        }
    }
}

impl<T> Chan<T> {
    /// A channel holding up to `cap` values (0: rendezvous), with one sender
    /// and one receiver handle.
    pub(crate) fn new(cap: usize) -> Self {
        Self::with_state(cap, false, VecDeque::new(), 1)
    }

    /// A channel in a given state with `ends` senders and receivers each.
    pub(crate) fn with_state(cap: usize, closed: bool, buf: VecDeque<T>, ends: usize) -> Self {
        Chan {
            state: Mutex::new(State {
                seq: 0,
                buf,
                cap,
                closed,
                senders: ends,
                receivers: ends,
                sendq: VecDeque::new(),
                recvq: VecDeque::new(),
                next_id: 0,
                #[cfg(feature = "migration")]
                watch: None,
            }),
            #[cfg(feature = "migration")]
            id: std::sync::OnceLock::new(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State<T>> {
        lock(&self.state)
    }

    /// Runs `f` under the lock, then wakes whatever it queued.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut State<T>, &mut Wakeups) -> R) -> R {
        let mut wake = Wakeups::default();
        let r = {
            let mut st = self.lock();
            st.seq = st.seq.wrapping_add(1);
            let r = f(&mut st, &mut wake);
            #[cfg(feature = "migration")]
            if let Some(w) = st.watch.take() {
                wake.push(w);
            }
            r
        };
        wake.wake();
        r
    }

    pub(crate) fn capacity(&self) -> usize {
        self.lock().cap
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().buf.len()
    }

    pub(crate) fn add_sender(&self) {
        self.with(|st, _| st.senders += 1);
    }

    pub(crate) fn add_receiver(&self) {
        self.with(|st, _| st.receivers += 1);
    }

    /// Drops a sender handle; the last one closes the channel.
    pub(crate) fn drop_sender(&self) {
        self.with(|st, wake| {
            st.senders -= 1;
            if st.senders == 0 && !st.closed {
                st.closed = true;
                st.wake_all(wake);
            }
        });
    }

    /// Adds a sender (or receiver) handle only if one is still held.
    #[cfg(feature = "migration")]
    pub(crate) fn join_live(&self, sender: bool) -> bool {
        self.with(|st, _| {
            let n = if sender {
                &mut st.senders
            } else {
                &mut st.receivers
            };
            if *n == 0 {
                return false;
            }
            *n += 1;
            true
        })
    }

    /// Drops a receiver handle; after the last one nothing can be received,
    /// so buffered values are dropped and parked senders get their values
    /// back.
    pub(crate) fn drop_receiver(&self) {
        let dropped = self.with(|st, wake| {
            st.receivers -= 1;
            if st.receivers > 0 {
                return VecDeque::new();
            }
            st.wake_all(wake);
            std::mem::take(&mut st.buf)
        });
        // Dropped outside the lock: a message's Drop may do anything.
        drop(dropped);
    }

    /// Closes the channel; false if it was already closed.
    pub(crate) fn close(&self) -> bool {
        self.with(|st, wake| {
            if st.closed {
                return false;
            }
            st.closed = true;
            st.wake_all(wake);
            true
        })
    }

    pub(crate) fn is_closed(&self) -> bool {
        let st = self.lock();
        st.closed || st.senders == 0
    }

    /// A receiver went away while parked as `id`: withdraw the entry and
    /// give back a value a sender had already placed in it.
    pub(crate) fn abandon_recv(&self, id: u64) {
        self.with(|st, wake| {
            if let Some(v) = st.withdraw_recv(id) {
                st.restore(v, wake);
            }
        });
    }
}
