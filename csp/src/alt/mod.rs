//! `alt!`: wait for the first of several events, firing exactly one arm.
//!
//! The macro (in `csp-macros`) builds one [`Guard`] per arm and polls an
//! [`AltCore`] over them. Each poll runs three phases, crossbeam-select
//! style:
//!
//! 0. if parked from the previous poll, *unpark* every guard; if a peer
//!    completed one of them meanwhile (it won the selector), that arm fired;
//! 1. *scan*: try each enabled guard without parking, starting at a random
//!    arm (fair: no ready guard starves) or at the first (`biased;`, the
//!    priority form); the first that completes fires. With a `default` arm,
//!    stop here and fire it;
//! 2. *park* every guard under a fresh selector. If one turns out ready
//!    while parking, abort the selector (or learn that a peer already chose
//!    an arm), unpark, and scan again.
//!
//! The alt never claims its own selector while it has entries parked, so
//! one parked alt is completed by at most one peer, and an alt that fires
//! by scanning has nothing parked that a peer could complete. Arms not
//! chosen are left untouched: a send arm's value is back in its guard.

pub mod guard;
pub(crate) mod selector;

use std::task::{Context, Poll};

pub use guard::{AfterGuard, Guard, RecvGuard, SendGuard};
pub use selector::Selector;

use crate::sync::Arc;

/// The most arms one `alt!` may have (arms are tracked in a bit set).
pub const MAX_ARMS: usize = 64;

/// The state of one `alt!` between polls (see the module docs).
#[derive(Debug)]
pub struct AltCore {
    sel: Option<Arc<Selector>>,
    parked: bool,
    biased: bool,
    has_default: bool,
    enabled: u64,
    arms: usize,
    /// Parked only on a send arm a transport holds reserved for a remote
    /// receiver (the selector is claimed for it): a freeze must wait.
    in_flight: bool,
}

impl AltCore {
    /// An alt over `arms` guards. `biased` scans in arm order (priority
    /// alt); `has_default` makes [`AltCore::poll`] return `arms` when nothing
    /// is ready at once.
    pub fn new(arms: usize, biased: bool, has_default: bool) -> Self {
        assert!(arms <= MAX_ARMS, "alt!: at most {MAX_ARMS} arms");
        AltCore {
            sel: None,
            parked: false,
            biased,
            has_default,
            enabled: if arms == MAX_ARMS {
                u64::MAX
            } else {
                (1u64 << arms) - 1
            },
            arms,
            in_flight: false,
        }
    }

    /// Stops arm `i` from firing (its precondition was false, or its
    /// pattern did not match what it produced).
    pub fn disable(&mut self, i: usize) {
        self.enabled &= !(1u64 << i);
    }

    fn is_enabled(&self, i: usize) -> bool {
        self.enabled & (1u64 << i) != 0
    }

    /// Polls the alt. `Ready(i)` means arm `i` fired (its guard holds the
    /// output); `Ready(arms)` means the default arm.
    ///
    /// # Panics
    /// If every arm is disabled and there is no default arm: such an alt
    /// could never fire (tokio's `select!` panics likewise).
    pub fn poll(&mut self, cx: &mut Context<'_>, guards: &mut [&mut dyn Guard]) -> Poll<usize> {
        debug_assert_eq!(guards.len(), self.arms);
        if self.parked {
            self.parked = false;
            self.in_flight = false;
            if let Some(i) = unpark_all(guards) {
                return Poll::Ready(i);
            }
            if held_in_flight(guards, Some(cx.waker())) {
                self.parked = true;
                return Poll::Pending;
            }
        }
        loop {
            if let Some(i) = self.scan(cx, guards) {
                return Poll::Ready(i);
            }
            if self.has_default {
                return Poll::Ready(self.arms);
            }
            assert!(
                self.enabled != 0,
                "alt!: every arm is disabled and there is no `default` arm, so it could never fire"
            );
            match self.park(cx, guards) {
                None => {
                    self.parked = true;
                    return Poll::Pending;
                }
                Some(Some(i)) => return Poll::Ready(i),
                Some(None) => continue,
            }
        }
    }

    /// Phase 1: the first enabled guard that completes without waiting.
    fn scan(&self, cx: &mut Context<'_>, guards: &mut [&mut dyn Guard]) -> Option<usize> {
        let n = self.arms;
        if n == 0 {
            return None;
        }
        let start = if self.biased { 0 } else { fastrand::usize(..n) };
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| self.is_enabled(i) && guards[i].try_fire(cx))
    }

    /// Phase 2. `None`: parked. `Some(Some(i))`: a peer chose arm `i` while
    /// we were parking. `Some(None)`: something became ready; rescan.
    fn park(
        &mut self,
        cx: &mut Context<'_>,
        guards: &mut [&mut dyn Guard],
    ) -> Option<Option<usize>> {
        let sel = self.sel.get_or_insert_with(|| Arc::new(Selector::new()));
        sel.reset();
        let all_parked = (0..self.arms)
            .filter(|&i| self.enabled & (1u64 << i) != 0)
            .all(|i| guards[i].park(cx, sel, i));
        if all_parked {
            return None;
        }
        // The abort's answer (an arm a peer claimed) is not needed: the
        // unpark finds what completed. Without reservations the two agree;
        // a reservation's claim can be refused before the unpark, and
        // another arm complete meanwhile, or none.
        let _ = sel.abort();
        let completed = unpark_all(guards);
        // A transport that claimed an arm to reserve its send waits for
        // its remote receiver's answer: stay parked on that arm alone.
        if completed.is_none() && held_in_flight(guards, Some(cx.waker())) {
            return None;
        }
        Some(completed)
    }
}

impl AltCore {
    /// Between polls, takes every parking back (a process being frozen):
    /// the arm a peer completed meanwhile, if any. The next poll then
    /// starts afresh.
    ///
    /// A send arm held reserved for a remote receiver cannot be taken back:
    /// the alt stays parked on it and [`AltCore::in_flight`] says so, so
    /// that the freeze waits for the answer.
    pub fn settle(&mut self, guards: &mut [&mut dyn Guard]) -> Option<usize> {
        if !self.parked {
            return None;
        }
        self.parked = false;
        let fired = unpark_all(guards);
        if fired.is_none() && held_in_flight(guards, None) {
            self.parked = true;
            self.in_flight = true;
        }
        fired
    }

    /// Whether the last [`AltCore::settle`] left a send arm in flight.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }
}

/// Whether a guard is still parked after [`unpark_all`] because its send
/// is reserved (at most one can be: the reservation claimed the selector).
fn held_in_flight(guards: &mut [&mut dyn Guard], waker: Option<&std::task::Waker>) -> bool {
    guards.iter_mut().any(|g| g.in_flight(waker))
}

/// A settled alt travels as its configuration: which arms are enabled, and
/// how it chooses. The selector is rebuilt when it next parks.
#[cfg(feature = "migration")]
mod serial {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::AltCore;

    #[derive(Serialize, Deserialize)]
    struct Form {
        biased: bool,
        has_default: bool,
        enabled: u64,
        arms: usize,
    }

    impl Serialize for AltCore {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if self.parked {
                return Err(serde::ser::Error::custom(
                    "a parked alt must be settled before freezing",
                ));
            }
            Form {
                biased: self.biased,
                has_default: self.has_default,
                enabled: self.enabled,
                arms: self.arms,
            }
            .serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for AltCore {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            let f = Form::deserialize(d)?;
            if f.arms > super::MAX_ARMS {
                return Err(serde::de::Error::custom(
                    "alt with more arms than csp supports",
                ));
            }
            let mut core = AltCore::new(f.arms, f.biased, f.has_default);
            core.enabled = f.enabled;
            Ok(core)
        }
    }
}

/// Phase 0: takes every parking back; the arm a peer completed, if any.
fn unpark_all(guards: &mut [&mut dyn Guard]) -> Option<usize> {
    let mut fired = None;
    for (i, g) in guards.iter_mut().enumerate() {
        if g.unpark() {
            debug_assert!(fired.is_none(), "two arms of one alt fired");
            fired = Some(i);
        }
    }
    // A send arm found in flight can be refused while the later arms are
    // withdrawn, releasing the selector, and one of those can then fire:
    // the refused arm is no longer reserved (the fired arm holds the
    // selector), so it comes back like any arm that was not chosen.
    if fired.is_some() {
        for g in guards.iter_mut() {
            if g.in_flight(None) {
                let again = g.unpark();
                debug_assert!(!again, "two arms of one alt fired");
            }
        }
    }
    fired
}

#[cfg(test)]
mod tests;
