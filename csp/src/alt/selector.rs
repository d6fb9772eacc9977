//! The selector: the one atomic that makes an `alt!` fire exactly one arm.
//!
//! While an alt is parked it has an entry in the wait queue of every channel
//! it watches, all pointing at one shared `Selector`. A peer that wants to
//! complete one of those entries (a sender filling the alt's receive slot, a
//! receiver taking the alt's offered value) must first win
//! [`Selector::try_claim`] for that entry's arm; every other entry then
//! becomes stale and peers skip it. The alt itself never claims an arm while
//! it has entries out: when a registration finds its channel already ready,
//! it [`aborts`](Selector::abort) the selector instead, withdraws everything
//! and rescans with nothing registered. This is crossbeam's select protocol
//! carried over to wakers.
//!
//! Claims and aborts happen only while holding the lock of the channel whose
//! queue holds the entry, and the alt reads the outcome only after
//! withdrawing its entries under those same locks, so the locks order every
//! access; the atomic is there because one selector spans several channels.

use crate::sync::{AtomicUsize, Ordering};

/// No arm chosen yet; peers may claim.
const WAITING: usize = usize::MAX;
/// The alt withdrew; no peer may claim.
const ABORTED: usize = usize::MAX - 1;

/// Shared decision cell of one parked alt (see the module docs).
#[derive(Debug)]
pub struct Selector {
    state: AtomicUsize,
}

impl Default for Selector {
    fn default() -> Self {
        Self::new()
    }
}

impl Selector {
    /// A selector open to claims.
    pub fn new() -> Self {
        Selector {
            state: AtomicUsize::new(WAITING),
        }
    }

    /// Chooses `arm` if nothing has been chosen and the alt has not aborted.
    pub(crate) fn try_claim(&self, arm: usize) -> bool {
        debug_assert!(arm < ABORTED);
        self.state
            .compare_exchange(WAITING, arm, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// True if a claim would currently succeed (used to decide whether a
    /// queue entry is worth trying; the claim itself decides).
    pub(crate) fn is_open(&self) -> bool {
        self.state.load(Ordering::Acquire) == WAITING
    }

    /// Closes the selector to claims. `Err(arm)` if a peer chose `arm` first.
    pub(crate) fn abort(&self) -> Result<(), usize> {
        match self
            .state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(ABORTED) => Ok(()),
            Err(arm) => Err(arm),
        }
    }

    /// Re-opens a selector that `arm` was claimed for, after the claim's
    /// holder (a transport that reserved this alt's send, see
    /// `State::reserve`) learnt that the remote receiver refused it. The
    /// alt still has that entry parked, and is woken to look again.
    #[cfg(feature = "migration")]
    pub(crate) fn release(&self, arm: usize) {
        let _ = self
            .state
            .compare_exchange(arm, WAITING, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Re-opens the selector. Only call once no queue holds an entry for it.
    pub(crate) fn reset(&self) {
        self.state.store(WAITING, Ordering::Release);
    }
}
