//! Processes as explicit state machines: what `#[process]` generates code
//! against.
//!
//! `#[process]` turns an `async fn` into a *frame* type: a struct holding the
//! parameters, every local that lives across a pause point, the number of
//! the pause point it is stopped at, and the pending operation there. The
//! frame implements [`Process`], whose [`Process::step`] runs the body from
//! the current pause point to the next one. Because all state is in named,
//! typed fields (rather than in a compiler-generated future), a frame can
//! later be frozen, serialized and resumed elsewhere.
//!
//! A frame is also a `Future` (polling it steps it), so [`spawn`](crate::spawn),
//! [`run`](crate::run), `par!` and `.await` take it like any future.
//!
//! The pending operations are in [`pause`]: each owns what it needs to finish
//! (a handle to its channel), so a frame never borrows across a pause.

pub mod pause;
mod question;

use std::task::{Context, Poll};

pub use question::{FromResidualOf, QuestionMark};

/// A resumable process: the frame type `#[process]` generates.
pub trait Process: Unpin {
    /// What the process returns.
    type Output;

    /// The frame's name (the function name in UpperCamelCase, unless
    /// `#[process(name = ..)]` says otherwise).
    const NAME: &'static str;

    /// The code version (`#[process(version = N)]`, default 1).
    const VERSION: u32;

    /// Runs from the current pause point until the next one (`Pending`,
    /// with the waker registered) or the end (`Ready`).
    ///
    /// # Panics
    /// If called again after it returned `Ready`.
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output>;

    /// Settles the pending operation between steps: a parked channel
    /// operation is withdrawn atomically, its outcome (done, or not started)
    /// kept in the frame. Freezing calls this before serializing.
    fn settle(&mut self) {}

    /// Whether the process can be frozen at its current pause point: false
    /// while it waits in `effect` (an arbitrary future cannot be frozen),
    /// so a freeze waits for the next pause point.
    fn freezable(&self) -> bool {
        true
    }
}

/// What a frame does with the operation it is paused in: poll it, settle
/// it, and say whether it can be frozen now. Implemented by every pause
/// type in [`pause`] and by every process (a nested call's frame is its
/// caller's pending operation).
pub trait PauseOp {
    /// What the pause point evaluates to.
    type Output;
    /// Polls the operation.
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output>;
    /// See [`Process::settle`].
    fn settle_op(&mut self) {}
    /// See [`Process::freezable`].
    fn freezable_op(&self) -> bool {
        true
    }
}

impl<P: Process> PauseOp for P {
    type Output = P::Output;
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<P::Output> {
        self.step(cx)
    }
    fn settle_op(&mut self) {
        self.settle()
    }
    fn freezable_op(&self) -> bool {
        self.freezable()
    }
}

/// Runs an arbitrary future (I/O, a timer of your own, a library call) as
/// one pause point of a process: `let n: usize = effect(async { .. }).await;`.
///
/// While the effect runs, the process cannot be frozen or moved: a freeze
/// requested meanwhile takes effect at the next pause point. The future
/// must be `Send + 'static`, and the process must name its output type (a
/// typed `let`, or `effect::<T>(..)`), because the frame stores it.
pub fn effect<F>(fut: F) -> pause::EffectPause<F::Output>
where
    F: std::future::Future + Send + 'static,
{
    pause::EffectPause::new(fut)
}

/// Names the element type of a channel end, so generated frame fields can
/// spell `<Sender<u64> as ChanEnd>::Item` from the type the user wrote.
pub trait ChanEnd {
    /// The message type.
    type Item;
}

impl<T> ChanEnd for crate::Sender<T> {
    type Item = T;
}

impl<T> ChanEnd for crate::Receiver<T> {
    type Item = T;
}

/// `for` loops over owned collections keep their remaining items here: a
/// plain queue of owned values, which (unlike `vec::IntoIter`) a frame can
/// serialize.
pub type OwnedIter<T> = std::collections::VecDeque<T>;

/// Collects an owned collection for a `for` loop in a process.
pub fn owned_iter<C: IntoIterator>(c: C) -> OwnedIter<C::Item> {
    c.into_iter().collect()
}

/// Marks a frame as finished: stepping it again is a bug in the caller.
pub fn stepped_after_completion() -> ! {
    panic!("a process was stepped after it completed")
}
