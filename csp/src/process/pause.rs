//! The pending operation of a frame stopped at a pause point.
//!
//! Each owns a handle to what it waits on (a channel, a deadline), so the
//! frame holds no borrow while paused, and each withdraws itself when
//! dropped: a process dropped at a pause (aborted, or its runtime shut
//! down) leaves nothing parked in a channel, and loses no message (a value
//! already delivered to a parked receive goes back to the channel).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use crate::channel::{Chan, RecvOp, SendOp};
use crate::sync::Arc;
use crate::{Receiver, RecvError, SendError, Sender};

/// A process paused in `rx.recv().await`.
pub struct RecvPause<T> {
    chan: Arc<Chan<T>>,
    op: RecvOp,
}

impl<T> RecvPause<T> {
    /// Starts receiving from `rx`.
    pub fn new(rx: &Receiver<T>) -> Self {
        RecvPause {
            chan: rx.chan.clone(),
            op: RecvOp::Start,
        }
    }

    /// Polls the receive.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>> {
        self.op.poll(&self.chan, cx)
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
}

impl<T> SendPause<T> {
    /// Starts sending `v` on `tx`.
    pub fn new(tx: &Sender<T>, v: T) -> Self {
        SendPause {
            chan: tx.chan.clone(),
            op: SendOp::Start(v),
        }
    }

    /// Polls the send.
    pub fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<T>>> {
        self.op.poll(&self.chan, cx)
    }
}

impl<T> Drop for SendPause<T> {
    fn drop(&mut self) {
        if matches!(self.op, SendOp::Parked(_)) {
            drop(self.op.withdraw(&self.chan));
        }
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
}
