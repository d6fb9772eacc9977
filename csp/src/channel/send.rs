//! The send operation, kept as a plain state machine apart from its future.
//!
//! [`SendOp`] is what a process frame stores for a pending send: the value
//! before it is offered, or the id of the parked entry that holds it. Freezing
//! calls [`SendOp::withdraw`], which under the channel lock either finds the
//! entry (the value comes back, nothing was sent) or finds it gone (a
//! receiver took it, the send is complete): never both, never neither.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::core::{Chan, Claim, Offer, Withdraw};
use super::SendError;

/// Where a send stands.
#[derive(Debug)]
pub(crate) enum SendOp<T> {
    /// Not yet offered; the caller still owns the value.
    Start(T),
    /// Parked in the channel's queue as entry `id`, value inside the channel.
    Parked(u64),
    /// Finished (or withdrawn); polling again is a bug.
    Done,
}

/// The result of withdrawing a pending send.
#[derive(Debug, PartialEq, Eq)]
pub enum SendWithdrawal<T> {
    /// A receiver had already taken the value: the send happened.
    Sent,
    /// The send did not happen; here is the value.
    Withdrawn(T),
    /// A remote receiver's node holds a copy of the value and has not
    /// answered yet (only for a channel end of another node, see
    /// `csp-net`). For [`SendFuture::withdraw`] the outcome is then left
    /// to that answer: the send happens, or the value is dropped.
    InFlight,
}

impl<T> SendOp<T> {
    pub(crate) fn poll(
        &mut self,
        chan: &Chan<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<(), SendError<T>>> {
        match std::mem::replace(self, SendOp::Done) {
            SendOp::Start(v) => chan.with(|st, wake| match st.offer(v, wake) {
                Offer::Done => Poll::Ready(Ok(())),
                Offer::Closed(v) => Poll::Ready(Err(SendError(v))),
                Offer::Full(v) => {
                    *self = SendOp::Parked(st.park_send(v, cx.waker().clone(), Claim::plain()));
                    Poll::Pending
                }
            }),
            SendOp::Parked(id) => chan.with(|st, _| {
                if !st.send_parked(id, cx.waker()) {
                    return Poll::Ready(Ok(()));
                }
                if st.closed_for_send() {
                    if let Withdraw::Back(v) = st.withdraw_send(id) {
                        return Poll::Ready(Err(SendError(v)));
                    }
                }
                *self = SendOp::Parked(id);
                Poll::Pending
            }),
            SendOp::Done => panic!("send polled after completion"),
        }
    }

    /// Withdraws atomically. `InFlight` leaves the operation parked: the
    /// caller may poll it again, or [`SendOp::abandon`] it.
    pub(crate) fn withdraw(&mut self, chan: &Chan<T>) -> SendWithdrawal<T> {
        match std::mem::replace(self, SendOp::Done) {
            SendOp::Start(v) => SendWithdrawal::Withdrawn(v),
            SendOp::Parked(id) => match chan.with(|st, _| st.withdraw_send(id)) {
                Withdraw::Back(v) => SendWithdrawal::Withdrawn(v),
                Withdraw::Taken => SendWithdrawal::Sent,
                Withdraw::InFlight => {
                    *self = SendOp::Parked(id);
                    SendWithdrawal::InFlight
                }
            },
            SendOp::Done => SendWithdrawal::Sent,
        }
    }

    /// The owner goes away (dropped future or frame): withdraws the send,
    /// or leaves a reserved one to its remote answer.
    pub(crate) fn abandon(&mut self, chan: &Chan<T>) {
        if let SendOp::Parked(id) = std::mem::replace(self, SendOp::Done) {
            let v = chan.with(|st, _| st.abandon_send(id));
            drop(v);
        }
    }
}

/// Future of [`Sender::send`](super::Sender::send).
///
/// Dropping it while pending withdraws the send: the value is dropped and
/// never delivered, unless a receiver had already taken it (then the send
/// simply happened), or a remote receiver's node holds a copy and has not
/// answered yet (then that answer decides: taken, or dropped). Use
/// [`SendFuture::withdraw`] to get the value back.
#[must_use = "futures do nothing unless awaited"]
pub struct SendFuture<'a, T> {
    pub(super) chan: &'a Chan<T>,
    pub(super) op: SendOp<T>,
}

// The value is never pinned: it moves into and out of the channel by value.
impl<T> Unpin for SendFuture<'_, T> {}

impl<T> SendFuture<'_, T> {
    /// Withdraws the send atomically: either a receiver had taken the value
    /// ([`SendWithdrawal::Sent`]) or it comes back and nobody will ever see
    /// it. This is the primitive that freezing a process builds on.
    pub fn withdraw(mut self) -> SendWithdrawal<T> {
        let r = self.op.withdraw(self.chan);
        if matches!(r, SendWithdrawal::InFlight) {
            self.op.abandon(self.chan);
        }
        r
    }
}

impl<T> Future for SendFuture<'_, T> {
    type Output = Result<(), SendError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.op.poll(this.chan, cx)
    }
}

impl<T> Drop for SendFuture<'_, T> {
    fn drop(&mut self) {
        self.op.abandon(self.chan);
    }
}

impl<T> std::fmt::Debug for SendFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.op {
            SendOp::Start(_) => "start",
            SendOp::Parked(_) => "parked",
            SendOp::Done => "done",
        };
        f.debug_struct("SendFuture").field("state", &state).finish()
    }
}
