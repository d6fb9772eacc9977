//! `alt!` inside a process: the wait is one pause point whose operation
//! owns the guards (each holds its channel, and a send arm its value).
//!
//! The alt fires one arm; the frame then takes that guard's output and runs
//! the arm's body, which may pause again. A pattern that does not match the
//! output disables the arm and the frame waits on the same operation
//! again, as `alt!` does outside processes. Freezing settles the operation
//! like the alt core does between polls: every parking is taken back, and an
//! arm a peer completed meanwhile is remembered as fired.

use std::task::{Context, Poll};

use super::PauseOp;
use crate::alt::{AltCore, Guard};

/// The guards of one alt, as a tuple of `Option<guard>` (`None`: the arm's
/// precondition was false).
pub trait AltGuards {
    /// How many arms.
    const ARMS: usize;
    /// Runs `f` over the guards as trait objects, in arm order.
    fn with_dyn<R>(&mut self, f: impl FnOnce(&mut [&mut dyn Guard]) -> R) -> R;
    /// Whether arm `i` exists (its precondition held).
    fn present(&self, i: usize) -> bool;
}

/// The pending operation of an `alt!` in a process.
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
pub struct AltPause<G> {
    core: AltCore,
    /// The guards, public so generated code can take an arm's output.
    pub guards: G,
    fired: Option<usize>,
}

impl<G: AltGuards> AltPause<G> {
    /// An alt over `guards`; `Ready(G::ARMS)` will mean the default arm.
    pub fn new(guards: G, biased: bool, has_default: bool) -> Self {
        let mut core = AltCore::new(G::ARMS, biased, has_default);
        for i in 0..G::ARMS {
            if !guards.present(i) {
                core.disable(i);
            }
        }
        AltPause {
            core,
            guards,
            fired: None,
        }
    }

    /// Stops arm `i` from firing (its pattern did not match).
    pub fn disable(&mut self, i: usize) {
        self.core.disable(i);
    }
}

impl<G: AltGuards> PauseOp for AltPause<G> {
    fn describe_op(&self) -> &'static str {
        "alt"
    }
    type Output = usize;

    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<usize> {
        if let Some(i) = self.fired.take() {
            return Poll::Ready(i);
        }
        let core = &mut self.core;
        self.guards.with_dyn(|g| core.poll(cx, g))
    }

    fn settle_op(&mut self) {
        let core = &mut self.core;
        if let Some(i) = self.guards.with_dyn(|g| core.settle(g)) {
            self.fired = Some(i);
        }
    }

    /// Not while a send arm is held for a remote receiver's answer.
    fn freezable_op(&self) -> bool {
        !self.core.in_flight()
    }
}

macro_rules! alt_guards {
    ($n:literal: $($g:ident $i:tt),+) => {
        impl<$($g: Guard),+> AltGuards for ($(Option<$g>,)+) {
            const ARMS: usize = $n;

            fn with_dyn<R>(&mut self, f: impl FnOnce(&mut [&mut dyn Guard]) -> R) -> R {
                f(&mut [$(&mut self.$i as &mut dyn Guard),+])
            }

            fn present(&self, i: usize) -> bool {
                match i {
                    $($i => self.$i.is_some(),)+
                    _ => false,
                }
            }
        }
    };
}

alt_guards!(1: G0 0);
alt_guards!(2: G0 0, G1 1);
alt_guards!(3: G0 0, G1 1, G2 2);
alt_guards!(4: G0 0, G1 1, G2 2, G3 3);
alt_guards!(5: G0 0, G1 1, G2 2, G3 3, G4 4);
alt_guards!(6: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5);
alt_guards!(7: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6);
alt_guards!(8: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6, G7 7);
alt_guards!(9: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6, G7 7, G8 8);
alt_guards!(10: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6, G7 7, G8 8, G9 9);
alt_guards!(11: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6, G7 7, G8 8, G9 9, G10 10);
alt_guards!(12: G0 0, G1 1, G2 2, G3 3, G4 4, G5 5, G6 6, G7 7, G8 8, G9 9, G10 10, G11 11);
