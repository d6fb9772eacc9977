//! The synchronisation primitives the channel core is built on.
//!
//! Under `--cfg csp_loom` these are loom's model-checked versions, so the same
//! core code runs in the loom tests (`csp/tests/loom.rs`) that explore every
//! interleaving of a rendezvous, a close, an alt registration and a send
//! withdrawal. Everything in the core that synchronises goes through here.

#[cfg(csp_loom)]
pub(crate) use loom::sync::{
    atomic::{AtomicUsize, Ordering},
    Mutex, MutexGuard,
};

/// Loom's `Arc` checks for leaks, but cannot hold a `dyn` trait object,
/// be downgraded or downcast, all of which the `migration` feature's
/// type-erased channel handles need; with that feature the loom models
/// (`csp/tests/loom_reserve.rs`) share channels through std's `Arc`. The
/// channel's own lock and the selector's atomic stay loom's, and they are
/// what the models explore.
#[cfg(all(csp_loom, not(feature = "migration")))]
pub(crate) use loom::sync::Arc;
#[cfg(all(csp_loom, feature = "migration"))]
pub(crate) use std::sync::Arc;

#[cfg(not(csp_loom))]
pub(crate) use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, Mutex, MutexGuard,
};

/// Locks `m`, ignoring poisoning.
///
/// The core never panics while it holds a lock except through a user's
/// `Drop` of a message, and the state stays consistent across that (every
/// mutation is completed before values are dropped), so a poisoned lock is
/// still a usable lock.
#[cfg(not(csp_loom))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Locks `m` (loom's mutex does not poison).
#[cfg(csp_loom)]
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap()
}
