//! The receive operation, as a plain state machine apart from its future.
//!
//! A parked receiver's slot may be filled by a sender at any moment; until
//! the receiver collects it the value lives in the channel. Withdrawing
//! ([`RecvOp::withdraw`]) therefore answers "did I receive?" atomically: the
//! value if a sender got there first, nothing otherwise. A receive future
//! dropped with a filled slot puts the value back at the head of the
//! channel, so cancellation never loses a message.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::core::{Chan, Claim, Take};
use super::RecvError;

/// Where a receive stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RecvOp {
    /// Not parked.
    Start,
    /// Parked in the channel's queue as entry `id`.
    Parked(u64),
}

impl RecvOp {
    pub(crate) fn poll<T>(
        &mut self,
        chan: &Chan<T>,
        cx: &mut Context<'_>,
    ) -> Poll<Result<T, RecvError>> {
        if let RecvOp::Parked(id) = *self {
            // The common re-poll finds nothing new: check that under a
            // plain lock, not `with`, so a transport watching the channel
            // is not woken by its own re-poll (it would spin).
            let mut st = chan.lock();
            if st.recv_parked(id, cx.waker()) && !st.recv_ready(None) {
                return Poll::Pending;
            }
        }
        chan.with(|st, wake| {
            if let RecvOp::Parked(id) = *self {
                if st.recv_parked(id, cx.waker()) {
                    // Still empty: nothing can have been buffered past a
                    // parked plain receiver, so only a close can end the wait.
                    if !st.recv_ready(None) {
                        return Poll::Pending;
                    }
                }
                *self = RecvOp::Start;
                if let Some(v) = st.withdraw_recv(id) {
                    return Poll::Ready(Ok(v));
                }
            }
            match st.take(wake) {
                Take::Value(v) => Poll::Ready(Ok(v)),
                Take::Closed => Poll::Ready(Err(RecvError)),
                Take::Empty => {
                    *self = RecvOp::Parked(st.park_recv(cx.waker().clone(), Claim::plain()));
                    Poll::Pending
                }
            }
        })
    }

    /// Withdraws a parked receive: `Some(v)` if a sender had already filled
    /// it (the receive completed and `v` now belongs to the caller).
    pub(crate) fn withdraw<T>(&mut self, chan: &Chan<T>) -> Option<T> {
        match std::mem::replace(self, RecvOp::Start) {
            RecvOp::Start => None,
            RecvOp::Parked(id) => chan.with(|st, _| st.withdraw_recv(id)),
        }
    }
}

/// Future of [`Receiver::recv`](super::Receiver::recv).
///
/// Dropping it while parked is safe: a value that had already been placed
/// for it goes back to the head of the channel.
#[must_use = "futures do nothing unless awaited"]
pub struct RecvFuture<'a, T> {
    pub(super) chan: &'a Chan<T>,
    pub(super) op: RecvOp,
}

impl<T> RecvFuture<'_, T> {
    /// Withdraws the receive atomically: `Some(v)` if a sender had already
    /// handed it `v` (the receive happened), `None` if nothing was received
    /// and nothing will be.
    pub fn withdraw(mut self) -> Option<T> {
        self.op.withdraw(self.chan)
    }
}

impl<T> Future for RecvFuture<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.op.poll(this.chan, cx)
    }
}

impl<T> Drop for RecvFuture<'_, T> {
    fn drop(&mut self) {
        if let RecvOp::Parked(id) = self.op {
            self.chan.abandon_recv(id);
        }
    }
}

impl<T> std::fmt::Debug for RecvFuture<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecvFuture").field("op", &self.op).finish()
    }
}
