//! Guards: the one internal trait that `alt!` drives.
//!
//! A guard is one arm's event: a receive, a send, or a timeout. The alt core
//! (`alt/mod.rs`) only ever asks three things of it, in this order of
//! phases, which is why every kind of arm (and, later, remote channel ends)
//! can join the same alt:
//!
//! 1. [`Guard::try_fire`]: complete now if possible, parking nothing;
//! 2. [`Guard::park`]: park on the channel under the alt's selector, or
//!    report that the event became ready (then nothing is parked);
//! 3. [`Guard::unpark`]: take the parking back, reporting whether a peer
//!    completed it in the meantime.
//!
//! Each guard keeps its own output until the macro collects it, so the core
//! can drive guards of different types through `&mut dyn Guard`.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Waker};
use std::time::Duration;

use super::selector::Selector;
use crate::channel::{Chan, Claim, Offer, Receiver, RecvError, SendError, Sender, Take, Withdraw};
use crate::sync::Arc;

/// One arm's event, as driven by `alt!` (see the module docs).
pub trait Guard {
    /// Completes the event now if it can without waiting; true if it did.
    fn try_fire(&mut self, cx: &mut Context<'_>) -> bool;
    /// Parks on the event as arm `arm` of the alt owning `sel`. Returns
    /// false, parking nothing, if the event is ready right now.
    fn park(&mut self, cx: &mut Context<'_>, sel: &Arc<Selector>, arm: usize) -> bool;
    /// Takes back a parking. True if a peer completed it first (the guard
    /// now holds its output).
    fn unpark(&mut self) -> bool;
    /// After [`Guard::unpark`]: true if the parking could not be taken back
    /// because a transport holds this send reserved for a remote receiver
    /// (see `channel/core.rs`); it stays parked until the remote answers,
    /// and `waker` (if given) is the one that answer wakes.
    fn in_flight(&mut self, _waker: Option<&Waker>) -> bool {
        false
    }
}

/// An input guard: `pat = rx.recv()`.
pub struct RecvGuard<T> {
    chan: Arc<Chan<T>>,
    parked: Option<u64>,
    out: Option<Result<T, RecvError>>,
}

impl<T> RecvGuard<T> {
    /// Watches `rx` for a value (or its close).
    pub fn new(rx: &Receiver<T>) -> Self {
        RecvGuard {
            chan: rx.chan.clone(),
            parked: None,
            out: None,
        }
    }

    /// The received value (or the close), once this arm has fired.
    pub fn take_output(&mut self) -> Result<T, RecvError> {
        self.out
            .take()
            .expect("alt!: output of an arm that did not fire")
    }
}

impl<T> Guard for RecvGuard<T> {
    fn try_fire(&mut self, _cx: &mut Context<'_>) -> bool {
        let out = self.chan.with(|st, wake| match st.take(wake) {
            Take::Value(v) => Some(Ok(v)),
            Take::Closed => Some(Err(RecvError)),
            Take::Empty => None,
        });
        self.out = out;
        self.out.is_some()
    }

    fn park(&mut self, cx: &mut Context<'_>, sel: &Arc<Selector>, arm: usize) -> bool {
        let parked = self.chan.with(|st, _| {
            if st.recv_ready(Some(sel)) {
                return None;
            }
            Some(st.park_recv(cx.waker().clone(), Claim::arm(sel, arm)))
        });
        self.parked = parked;
        parked.is_some()
    }

    fn unpark(&mut self) -> bool {
        let Some(id) = self.parked.take() else {
            return false;
        };
        match self.chan.with(|st, _| st.withdraw_recv(id)) {
            Some(v) => {
                self.out = Some(Ok(v));
                true
            }
            None => false,
        }
    }
}

impl<T> Drop for RecvGuard<T> {
    fn drop(&mut self) {
        if let Some(id) = self.parked.take() {
            self.chan.abandon_recv(id);
        }
    }
}

/// An output guard: `tx.send(v)`. If the arm is not chosen the value stays
/// in the guard, untouched ([`SendGuard::into_value`]).
pub struct SendGuard<T> {
    chan: Arc<Chan<T>>,
    value: Option<T>,
    parked: Option<u64>,
    out: Option<Result<(), SendError<T>>>,
}

impl<T> SendGuard<T> {
    /// Offers `value` on `tx`.
    pub fn new(tx: &Sender<T>, value: T) -> Self {
        SendGuard {
            chan: tx.chan.clone(),
            value: Some(value),
            parked: None,
            out: None,
        }
    }

    /// The send's result, once this arm has fired.
    pub fn take_output(&mut self) -> Result<(), SendError<T>> {
        self.out
            .take()
            .expect("alt!: output of an arm that did not fire")
    }

    /// The value, if this arm did not fire.
    pub fn into_value(mut self) -> Option<T> {
        self.value.take()
    }
}

impl<T> Guard for SendGuard<T> {
    fn try_fire(&mut self, _cx: &mut Context<'_>) -> bool {
        let Some(v) = self.value.take() else {
            return false;
        };
        let (out, back) = self.chan.with(|st, wake| match st.offer(v, wake) {
            Offer::Done => (Some(Ok(())), None),
            Offer::Closed(v) => (Some(Err(SendError(v))), None),
            Offer::Full(v) => (None, Some(v)),
        });
        self.value = back;
        self.out = out;
        self.out.is_some()
    }

    fn park(&mut self, cx: &mut Context<'_>, sel: &Arc<Selector>, arm: usize) -> bool {
        let Some(v) = self.value.take() else {
            return true;
        };
        let (parked, back) = self.chan.with(|st, _| {
            if st.send_ready(Some(sel)) {
                return (None, Some(v));
            }
            (
                Some(st.park_send(v, cx.waker().clone(), Claim::arm(sel, arm))),
                None,
            )
        });
        self.parked = parked;
        self.value = back;
        parked.is_some()
    }

    fn unpark(&mut self) -> bool {
        let Some(id) = self.parked.take() else {
            return false;
        };
        match self.chan.with(|st, _| st.withdraw_send(id)) {
            Withdraw::Back(v) => {
                self.value = Some(v);
                false
            }
            Withdraw::Taken => {
                self.out = Some(Ok(()));
                true
            }
            Withdraw::InFlight => {
                self.parked = Some(id);
                false
            }
        }
    }

    fn in_flight(&mut self, waker: Option<&Waker>) -> bool {
        let Some(id) = self.parked else {
            return false;
        };
        if let Some(w) = waker {
            self.chan.with(|st, _| st.send_parked(id, w));
        }
        true
    }
}

impl<T> Drop for SendGuard<T> {
    fn drop(&mut self) {
        if let Some(id) = self.parked.take() {
            let withdrawn = self.chan.with(|st, _| st.abandon_send(id));
            drop(withdrawn);
        }
    }
}

/// A timeout guard: `after(duration)` fires once the duration has passed
/// since the alt began.
pub struct AfterGuard {
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl AfterGuard {
    /// Fires `d` from now.
    pub fn new(d: Duration) -> Self {
        AfterGuard {
            sleep: Box::pin(tokio::time::sleep(d)),
        }
    }

    /// Nothing to collect; present so every arm reads the same.
    pub fn take_output(&mut self) {}
}

impl Guard for AfterGuard {
    fn try_fire(&mut self, cx: &mut Context<'_>) -> bool {
        self.sleep.as_mut().poll(cx).is_ready()
    }

    fn park(&mut self, cx: &mut Context<'_>, _sel: &Arc<Selector>, _arm: usize) -> bool {
        self.sleep.as_mut().poll(cx).is_pending()
    }

    fn unpark(&mut self) -> bool {
        false
    }
}

impl AfterGuard {
    /// Time left before it fires.
    pub fn remaining(&self) -> Duration {
        self.sleep
            .deadline()
            .saturating_duration_since(tokio::time::Instant::now())
    }
}

#[cfg(feature = "migration")]
mod serial {
    //! Settled guards as data (a guard still parked refuses to serialize).

    use serde::de::DeserializeOwned;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::*;
    use crate::migrate::chanref::RawChan;

    impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for RecvGuard<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if self.parked.is_some() {
                return Err(S::Error::custom(
                    "a parked alt guard must be settled before freezing",
                ));
            }
            (RawChan::<T, false>(self.chan.clone()), &self.out).serialize(s)
        }
    }

    impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for RecvGuard<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (chan, out): (RawChan<T, false>, Option<Result<T, RecvError>>) =
                Deserialize::deserialize(d)?;
            Ok(RecvGuard {
                chan: chan.0,
                parked: None,
                out,
            })
        }
    }

    impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for SendGuard<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if self.parked.is_some() {
                return Err(S::Error::custom(
                    "a parked alt guard must be settled before freezing",
                ));
            }
            (
                RawChan::<T, true>(self.chan.clone()),
                &self.value,
                &self.out,
            )
                .serialize(s)
        }
    }

    impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for SendGuard<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            type Form<T> = (
                RawChan<T, true>,
                Option<T>,
                Option<Result<(), SendError<T>>>,
            );
            let (chan, value, out): Form<T> = Deserialize::deserialize(d)?;
            Ok(SendGuard {
                chan: chan.0,
                value,
                parked: None,
                out,
            })
        }
    }

    /// A timeout travels as the time it has left.
    impl Serialize for AfterGuard {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.remaining().serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for AfterGuard {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(AfterGuard::new(Duration::deserialize(d)?))
        }
    }
}

/// An arm whose precondition was false at the start of the alt: its guard
/// was never built and it never fires.
impl<G: Guard> Guard for Option<G> {
    fn try_fire(&mut self, cx: &mut Context<'_>) -> bool {
        self.as_mut().is_some_and(|g| g.try_fire(cx))
    }

    fn park(&mut self, cx: &mut Context<'_>, sel: &Arc<Selector>, arm: usize) -> bool {
        self.as_mut().is_none_or(|g| g.park(cx, sel, arm))
    }

    fn unpark(&mut self) -> bool {
        self.as_mut().is_some_and(|g| g.unpark())
    }

    fn in_flight(&mut self, waker: Option<&Waker>) -> bool {
        self.as_mut().is_some_and(|g| g.in_flight(waker))
    }
}
