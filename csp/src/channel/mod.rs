//! Channels: the only way processes share anything.
//!
//! [`channel`] makes a rendezvous channel: `send(v).await` completes only
//! once a receiver has taken `v`, which is CSP's (and occam's) synchronous
//! communication. [`buffered`] makes one that holds up to `n` values before
//! senders wait. Both are the same core (`core.rs`) with a different
//! capacity; both ends clone, so any number of processes may send and
//! receive on one channel (any-to-any).
//!
//! Closing, as in Go and crossbeam: the channel closes when the last
//! [`Sender`] is dropped or anyone calls `close()`. Receivers then drain
//! what is buffered and get [`RecvError`]. Sends on a closed channel (or one
//! whose receivers are all gone) fail with the value handed back in
//! [`SendError`]; a rendezvous sender still waiting when the channel closes
//! gets its value back too, because nobody took it.
//!
//! Channel ends are ordinary values: send a `Sender<T>` over a
//! `Sender<Sender<T>>` to give another process the right to talk (occam-π's
//! mobile channels).

mod core;
mod error;
mod recv;
mod send;

pub use error::{RecvError, SendError, TryRecvError, TrySendError};
pub use recv::RecvFuture;
pub use send::{SendFuture, SendWithdrawal};

#[cfg(feature = "migration")]
pub(crate) use self::core::Lent;
pub(crate) use self::core::{Chan, Claim, Offer, Take, Withdraw};
pub(crate) use recv::RecvOp;
pub(crate) use send::SendOp;

use std::fmt;

use crate::sync::Arc;

/// Creates a rendezvous channel: every send waits for a receiver to take
/// the value.
///
/// ```
/// # csp::run(async {
/// let (tx, rx) = csp::channel::<u32>();
/// let h = csp::spawn(async move { tx.send(7).await });
/// assert_eq!(rx.recv().await, Ok(7));
/// assert!(h.join().await.unwrap().is_ok());
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    with_capacity(0)
}

/// Creates a channel that buffers up to `cap` values; senders wait only when
/// it is full. `buffered(0)` is the same as [`channel`].
pub fn buffered<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    with_capacity(cap)
}

fn with_capacity<T>(cap: usize) -> (Sender<T>, Receiver<T>) {
    let chan = Arc::new(Chan::new(cap));
    (Sender { chan: chan.clone() }, Receiver { chan })
}

/// The sending end of a channel. Clone it to add senders; the channel closes
/// when the last one is dropped.
pub struct Sender<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

/// The receiving end of a channel. Clone it to add receivers; each value
/// goes to exactly one of them.
pub struct Receiver<T> {
    pub(crate) chan: Arc<Chan<T>>,
}

impl<T> Sender<T> {
    /// Sends `v`, waiting until a receiver takes it (rendezvous) or there is
    /// room in the buffer. Fails, returning `v`, if the channel is closed.
    pub fn send(&self, v: T) -> SendFuture<'_, T> {
        SendFuture {
            chan: &self.chan,
            op: SendOp::Start(v),
        }
    }

    /// Sends `v` only if that can happen without waiting: a receiver is
    /// parked on a rendezvous channel, or the buffer has room.
    pub fn try_send(&self, v: T) -> Result<(), TrySendError<T>> {
        self.chan.with(|st, wake| match st.offer(v, wake) {
            Offer::Done => Ok(()),
            Offer::Full(v) => Err(TrySendError::Full(v)),
            Offer::Closed(v) => Err(TrySendError::Closed(v)),
        })
    }

    /// Closes the channel for everyone. Returns false if it was already
    /// closed. Buffered values are still delivered.
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether a send would fail: the channel is closed, or no receiver
    /// is left.
    pub fn is_closed(&self) -> bool {
        self.chan.lock().closed_for_send()
    }

    /// The buffer size this channel was made with (0 for rendezvous).
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// Values currently buffered.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both ends belong to the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Receiver<T> {
    /// Receives the next value, waiting for one. Fails once the channel is
    /// closed and drained.
    pub fn recv(&self) -> RecvFuture<'_, T> {
        RecvFuture {
            chan: &self.chan,
            op: RecvOp::Start,
        }
    }

    /// Receives a value only if one is available without waiting.
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        self.chan.with(|st, wake| match st.take(wake) {
            Take::Value(v) => Ok(v),
            Take::Closed => Err(TryRecvError::Closed),
            Take::Empty => Err(TryRecvError::Empty),
        })
    }

    /// Closes the channel: no further sends succeed; what is buffered can
    /// still be received. Returns false if it was already closed.
    pub fn close(&self) -> bool {
        self.chan.close()
    }

    /// Whether the channel is closed (explicitly, or because no sender is
    /// left); buffered values may still be waiting to be received.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// The buffer size this channel was made with (0 for rendezvous).
    pub fn capacity(&self) -> usize {
        self.chan.capacity()
    }

    /// Values currently buffered.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Whether no value is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether both ends belong to the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.chan.add_sender();
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.chan.add_receiver();
        Receiver {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        self.chan.drop_sender();
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        self.chan.drop_receiver();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
