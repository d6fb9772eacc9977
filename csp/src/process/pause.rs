//! The pending operation of a frame stopped at a pause point.
//!
//! Each owns a handle to what it waits on (a channel, a deadline), so the
//! frame holds no borrow while paused, and each withdraws itself when
//! dropped: a process dropped at a pause (aborted, or its runtime shut
//! down) leaves nothing parked in a channel, and loses no message (a value
//! already delivered to a parked receive goes back to the channel).
//!
//! `settle` is the freeze step: it withdraws a parked operation under the
//! channel lock and records the outcome, so that what is serialized is
//! either "not started" (with the value, for a send) or "done" (with the
//! result, for a receive): never both, never neither.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::channel::{Chan, RecvOp, SendOp, SendWithdrawal};
use crate::sync::Arc;
use crate::{Receiver, RecvError, SendError, Sender};

/// What starting an operation at a pause point gives: its result at once,
/// or the operation to keep in the frame (parked, its waker registered).
pub enum Started<O, P> {
    /// It completed on its first poll.
    Done(O),
    /// It waits: the frame stores it and the step returns `Pending`.
    Waiting(P),
}

/// A process paused in `rx.recv().await`.
pub struct RecvPause<T> {
    chan: Arc<Chan<T>>,
    op: RecvOp,
    done: Option<Result<T, RecvError>>,
}

impl<T> RecvPause<T> {
    /// Starts receiving from `rx`.
    pub fn new(rx: &Receiver<T>) -> Self {
        RecvPause {
            chan: rx.chan.clone(),
            op: RecvOp::Start,
            done: None,
        }
    }

    /// Receives from `rx` as a pause point is reached: polls once, and
    /// makes the operation the frame keeps only if that finds nothing. A
    /// receive that completes at once costs no channel reference count and
    /// never enters the frame.
    pub fn start(rx: &Receiver<T>, cx: &mut Context<'_>) -> Started<Result<T, RecvError>, Self> {
        let mut op = RecvOp::Start;
        match op.poll(&rx.chan, cx) {
            Poll::Ready(r) => Started::Done(r),
            Poll::Pending => Started::Waiting(RecvPause {
                chan: rx.chan.clone(),
                op,
                done: None,
            }),
        }
    }

    /// Polls the receive.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        if let Some(r) = self.done.take() {
            return Poll::Ready(r);
        }
        self.op.poll(&self.chan, cx)
    }

    /// Withdraws a parked receive, keeping a value that had arrived.
    pub fn settle(&mut self) {
        if let Some(v) = self.op.withdraw(&self.chan) {
            self.done = Some(Ok(v));
        }
    }
}

impl<T> Drop for RecvPause<T> {
    fn drop(&mut self) {
        if let RecvOp::Parked(id) = self.op {
            self.chan.abandon_recv(id);
        }
    }
}

/// A process paused in `tx.send(v).await`.
pub struct SendPause<T> {
    chan: Arc<Chan<T>>,
    op: SendOp<T>,
    sent: bool,
    /// The last settle found the value held for a remote receiver's
    /// answer: the send stays parked and a freeze must wait.
    in_flight: bool,
}

impl<T> SendPause<T> {
    /// Starts sending `v` on `tx`.
    pub fn new(tx: &Sender<T>, v: T) -> Self {
        SendPause {
            chan: tx.chan.clone(),
            op: SendOp::Start(v),
            sent: false,
            in_flight: false,
        }
    }

    /// Sends `v` on `tx` as a pause point is reached (see
    /// [`RecvPause::start`]).
    pub fn start(
        tx: &Sender<T>,
        v: T,
        cx: &mut Context<'_>,
    ) -> Started<Result<(), SendError<T>>, Self> {
        let mut op = SendOp::Start(v);
        match op.poll(&tx.chan, cx) {
            Poll::Ready(r) => Started::Done(r),
            Poll::Pending => Started::Waiting(SendPause {
                chan: tx.chan.clone(),
                op,
                sent: false,
                in_flight: false,
            }),
        }
    }

    /// Polls the send.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.in_flight = false;
        if self.sent {
            self.sent = false;
            return Poll::Ready(Ok(()));
        }
        self.op.poll(&self.chan, cx)
    }

    /// Withdraws a parked send: either it already happened, or the value
    /// is back in the operation, ready to be offered again; or a remote
    /// receiver's node holds it and has not answered, and it stays parked
    /// (then [`SendPause::freezable`] is false until the answer).
    pub fn settle(&mut self) {
        if let SendOp::Parked(_) = self.op {
            match self.op.withdraw(&self.chan) {
                SendWithdrawal::Sent => self.sent = true,
                SendWithdrawal::Withdrawn(v) => self.op = SendOp::Start(v),
                SendWithdrawal::InFlight => self.in_flight = true,
            }
        }
    }

    /// Whether the last settle took the send back (see [`SendPause::settle`]).
    pub fn freezable(&self) -> bool {
        !self.in_flight
    }
}

impl<T> Drop for SendPause<T> {
    fn drop(&mut self) {
        self.op.abandon(&self.chan);
    }
}

/// A process paused in `sleep(d).await`: remembers its deadline, and makes
/// the timer only when polled.
pub struct SleepPause {
    deadline: tokio::time::Instant,
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl SleepPause {
    /// Sleeps for `d` from now.
    pub fn new(d: Duration) -> Self {
        SleepPause {
            deadline: tokio::time::Instant::now() + d,
            timer: None,
        }
    }

    /// Polls the sleep.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let deadline = self.deadline;
        self.timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)))
            .as_mut()
            .poll(cx)
    }

    /// Nothing to withdraw: the deadline is the whole state.
    pub fn settle(&mut self) {}
}

/// A process paused in `yield_now().await`: pending once, then ready.
#[derive(Default)]
pub struct YieldPause {
    yielded: bool,
}

impl YieldPause {
    /// A fresh yield.
    pub fn new() -> Self {
        YieldPause { yielded: false }
    }

    /// Polls the yield.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }

    /// Nothing to withdraw.
    pub fn settle(&mut self) {}
}

use super::PauseOp;

impl<T> PauseOp for RecvPause<T> {
    fn describe_op(&self) -> &'static str {
        "recv"
    }
    type Output = Result<T, RecvError>;
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll(cx)
    }
    fn settle_op(&mut self) {
        self.settle()
    }
}

impl<T> PauseOp for SendPause<T> {
    fn describe_op(&self) -> &'static str {
        "send"
    }
    type Output = Result<(), SendError<T>>;
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll(cx)
    }
    fn settle_op(&mut self) {
        self.settle()
    }
    fn freezable_op(&self) -> bool {
        self.freezable()
    }
}

impl PauseOp for SleepPause {
    fn describe_op(&self) -> &'static str {
        "sleep"
    }
    type Output = ();
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll(cx)
    }
}

impl PauseOp for YieldPause {
    fn describe_op(&self) -> &'static str {
        "yield"
    }
    type Output = ();
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        self.poll(cx)
    }
}

/// A process paused in `effect(fut).await`: runs an arbitrary future.
pub struct EffectPause<O> {
    fut: Option<Pin<Box<dyn Future<Output = O> + Send>>>,
}

impl<O> EffectPause<O> {
    /// Wraps the future.
    pub fn new<F: Future<Output = O> + Send + 'static>(fut: F) -> Self {
        EffectPause {
            fut: Some(Box::pin(fut)),
        }
    }
}

impl<O> PauseOp for EffectPause<O> {
    fn describe_op(&self) -> &'static str {
        "effect"
    }
    type Output = O;
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<O> {
        let fut = self.fut.as_mut().expect("effect polled after it finished");
        let out = std::task::ready!(fut.as_mut().poll(cx));
        self.fut = None;
        Poll::Ready(out)
    }
    /// An effect in progress cannot be frozen.
    fn freezable_op(&self) -> bool {
        self.fut.is_none()
    }
}

/// `effect(..)` is awaited like any future outside processes, too.
impl<O> Future for EffectPause<O> {
    type Output = O;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<O> {
        self.get_mut().poll_op(cx)
    }
}

#[cfg(feature = "migration")]
mod serial {
    //! Settled operations as data. A parked operation cannot be serialized:
    //! freezing settles first.

    use serde::de::DeserializeOwned;
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::*;
    use crate::migrate::chanref::RawChan;

    #[derive(Serialize, Deserialize)]
    enum RecvState<C, T> {
        Start(C),
        /// `Err(())` is a receive that saw the channel closed.
        Done(C, Result<T, ()>),
    }

    impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for RecvPause<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if matches!(self.op, RecvOp::Parked(_)) {
                return Err(S::Error::custom(
                    "a parked receive must be settled before freezing",
                ));
            }
            let chan = RawChan::<T, false>(self.chan.clone());
            match &self.done {
                None => RecvState::<_, &T>::Start(chan).serialize(s),
                Some(r) => RecvState::Done(chan, r.as_ref().map_err(|_| ())).serialize(s),
            }
        }
    }

    impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for RecvPause<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let (chan, done) = match RecvState::<RawChan<T, false>, T>::deserialize(d)? {
                RecvState::Start(c) => (c, None),
                RecvState::Done(c, r) => (c, Some(r.map_err(|()| RecvError))),
            };
            Ok(RecvPause {
                chan: chan.0,
                op: RecvOp::Start,
                done,
            })
        }
    }

    #[derive(Serialize, Deserialize)]
    enum SendState<C, T> {
        Start(C, T),
        Sent(C),
    }

    impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for SendPause<T> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let chan = RawChan::<T, true>(self.chan.clone());
            match (&self.op, self.sent) {
                (_, true) => SendState::<_, &T>::Sent(chan).serialize(s),
                (SendOp::Start(v), false) => SendState::Start(chan, v).serialize(s),
                _ => Err(S::Error::custom(
                    "a parked send must be settled before freezing",
                )),
            }
        }
    }

    impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for SendPause<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(match SendState::<RawChan<T, true>, T>::deserialize(d)? {
                SendState::Start(c, v) => SendPause {
                    chan: c.0,
                    op: SendOp::Start(v),
                    sent: false,
                    in_flight: false,
                },
                SendState::Sent(c) => SendPause {
                    chan: c.0,
                    op: SendOp::Done,
                    sent: true,
                    in_flight: false,
                },
            })
        }
    }

    /// A sleep travels as the time it still has to run, so it means the same
    /// on a machine whose clock started elsewhere.
    impl Serialize for SleepPause {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let left = self
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            left.serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for SleepPause {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(SleepPause::new(Duration::deserialize(d)?))
        }
    }

    /// Never serialized in practice: a frame in an effect is not
    /// freezable, and a finished effect is no longer the pending operation.
    impl<O> Serialize for EffectPause<O> {
        fn serialize<S: Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(S::Error::custom(
                "a process inside `effect` cannot be frozen until the effect finishes",
            ))
        }
    }

    impl<'de, O> Deserialize<'de> for EffectPause<O> {
        fn deserialize<D: Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Err(serde::de::Error::custom(
                "a frozen frame never holds an effect in progress",
            ))
        }
    }

    impl Serialize for YieldPause {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.yielded.serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for YieldPause {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(YieldPause {
                yielded: bool::deserialize(d)?,
            })
        }
    }
}
