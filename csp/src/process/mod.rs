//! Processes as explicit state machines: the language `#[process]` accepts
//! and what it generates.
//!
//! `#[process]` turns an `async fn` into a *frame* type (the function name
//! in UpperCamelCase, or `#[process(name = X)]`): a struct holding the
//! parameters, every local that lives across a pause point, the number of
//! the state to run next, and the pending operation. The function keeps its
//! name and parameters and becomes a constructor that builds the frame
//! without running any code. The frame implements [`Process`] (its
//! [`step`](Process::step) runs from one pause point to the next) and
//! `Future`, so [`spawn`](crate::spawn), [`run`](crate::run), `par!` and
//! `.await` take it like any future. Because all of its state is in named,
//! typed fields rather than in a compiler-generated future, a frame can be
//! frozen, serialized and resumed elsewhere (feature `migration`, see
//! `csp::migrate`). `examples/expanded.md` shows one expansion in full.
//!
//! # Pause points
//!
//! A process can stop only where it waits, at one of these `.await`s:
//!
//! | written | waits for |
//! |---|---|
//! | `rx.recv().await` | a message (`Result<T, RecvError>`) |
//! | `tx.send(v).await` | a receiver to take `v` (`Result<(), SendError<T>>`) |
//! | `sleep(d).await`, `yield_now().await` | time, or the scheduler |
//! | `migrate_to(peer).await` | a move to node `peer` (see [`migrate_to`](crate::migrate_to)): run by a csp-net `Node`, the process is frozen here and resumes on `peer` with `Ok(())`; if the move fails, or no node runs the process (plain `spawn`/`run`), it gets `Err(MoveError)` and keeps running where it is (`Result<(), MoveError>`) |
//! | `child(args).await` | another process: its frame nests in this one's |
//! | `effect(fut).await` | any other future (I/O...); not freezable while it runs |
//! | `par!(op, op, ..)` | up to 8 of the above at once (written without `.await`); the tuple of results |
//! | `alt! { .. }` | the first ready of its guards (up to 12); its arm's body may pause again |
//!
//! Any other `.await` is a compile error whose fix is `effect`. A call is
//! taken as a call to another process when it names a function by a plain
//! path (`child(..)`, `pipes::filter(..)`): the caller's frame then names
//! the callee's frame type (`Child`, `pipes::Filter`). If the function is a
//! plain `async fn`, rustc reports `cannot find type `Child` in this scope`
//! at the call: a macro cannot see whether another function is a process,
//! and name resolution stops the build before any check with a better
//! message could run. The fix is `effect(async move { child(..).await })
//! .await`; calls that certainly are not processes (a local closure,
//! `Type::method(..)`, `std::..`) get that fix as their error directly. A
//! process renamed with `#[process(name = ..)]` cannot be called from
//! another process for the same reason. A process frozen
//! inside `par!` keeps the results of finished branches and resumes the
//! others; frozen while waiting in `alt!`, it has chosen no arm (or the one
//! a peer completed meanwhile, which it then runs). In a process, `alt!` is
//! a statement or the value of a typed `let`/block, and the channels of its
//! guards follow the same rule as other pause points.
//!
//! # What you write differently
//!
//! * **A local that lives across a pause point needs a written type**:
//!   `let mut total: u64 = 0;`. A macro sees no types, and the frame must
//!   declare a field for it. Locals used only between two pause points need
//!   nothing. `Ok(x)` matched directly on a receive (`while let Ok(x) =
//!   rx.recv().await`) gets the message type for free; other pattern
//!   bindings that live across a pause are re-bound with a type under a
//!   name of their own (`let x2: T = x;`).
//! * **The channel of a pause point is a parameter or typed local, named
//!   directly** (`rx.recv()`, not `chans[i].recv()`): the frame names the
//!   message type from the channel's type. `let (tx, rx): (Sender<u32>,
//!   Receiver<u32>) = channel();` types both ends.
//! * **No borrow may live across a pause point**: a frame owns everything.
//!   Parameters are owned values; a typed local holding `&T` across a pause
//!   is refused.
//! * **A name that lives across a pause point is not shadowed**: the frame
//!   has one field per name, so while such a name is in scope it cannot be
//!   bound again (`let x: u32 = x + 1;` is refused: write `let x2: u32 =
//!   x + 1;`). Bindings in *sibling* scopes may share a name (two `for i`
//!   loops in a row, `Ok(v)` in two arms, `let x` in both branches of an
//!   `if`) when they have the same written type: they are never in scope
//!   together, so they share the field. Different types for one name are
//!   refused, as is a binding that hides such a name around a `break` or
//!   `continue` that leaves a lowered loop.
//! * **When locals are dropped**: a typed local or parameter lives until the
//!   end of its scope as in an `async fn`, if the body never moves it out
//!   (parameters) or if its name starts with `_` (`let _keep: Sender<T> =
//!   tx;`, the guard idiom). Any other local is dropped at the first pause
//!   point after its last use, which for a channel end means its peers may
//!   see the channel close sooner than with a plain `async fn`.
//! * **Evaluation order is kept**: in `a.recv().await? + b.recv().await?`
//!   the first receive (and its `?`) completes before the second starts.
//!   What a statement evaluates before a pause point must read the same
//!   after it (a literal, a variable, a field, arithmetic on those);
//!   anything else (`f() + rx.recv().await?`) is refused with the fix: bind
//!   it to a typed local first. A pause to the right of `&&`/`||` is refused
//!   too (write an `if`).
//! * **Signatures**: `async fn` with owned, named, typed parameters; no
//!   `self`, no generics, no `impl Trait` return type.
//!
//! Everything between pause points is left exactly as written: closures,
//! iterators, macros, `unsafe` blocks (as long as no pause is inside one).
//!
//! # Control flow
//!
//! Around pause points, at any depth: `if`/`else`, `if let`, `match` (with
//! guards and bindings), `loop`, `while`, `while let`, `for` over ranges
//! with a nameable element type (`0..n` with `n: u32`, `0..10u32`) and over
//! owned collections held in typed locals, labelled `break`/`continue`,
//! `break value`, `let x: T = if/match/loop {..}`, `return` and `?` (on
//! `Result`, with `From` conversion, and `Option`). A call to another
//! process nests its frame, so freezing the caller freezes the callee where
//! it stands.
//!
//! ```
//! use csp::prelude::*;
//!
//! #[process]
//! async fn pairs(input: Receiver<u32>, out: Sender<(u32, u32)>) -> Result<u32, RecvError> {
//!     let mut n: u32 = 0;
//!     loop {
//!         let a: u32 = input.recv().await?;           // `?` ends the process on close
//!         let b: u32 = input.recv().await?;
//!         if out.send((a, b)).await.is_err() {
//!             return Ok(n);
//!         }
//!         n += 1;
//!     }
//! }
//!
//! csp::run(async {
//!     let (tx, rx) = channel();
//!     let (otx, orx) = buffered(4);
//!     let p = spawn(pairs(rx, otx));
//!     for i in 0..4 {
//!         tx.send(i).await.unwrap();
//!     }
//!     drop(tx);
//!     assert_eq!(p.join().await.unwrap(), Err(RecvError));
//!     assert_eq!(orx.try_recv(), Ok((0, 1)));
//!     assert_eq!(orx.try_recv(), Ok((2, 3)));
//! });
//! ```

mod alt;
pub mod moving;
mod par;
pub mod pause;
mod question;

use std::task::{Context, Poll};

pub use alt::{AltGuards, AltPause};
pub use par::{Branch, Par1, Par2, Par3, Par4, Par5, Par6, Par7, Par8};
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

    /// A hash of the frame's layout: a `#[process]` frame built with the
    /// `migration` feature gives its fingerprint, which a caller nesting
    /// this frame mixes into its own; hand-written processes may keep 0.
    const LAYOUT: u64 = 0;

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

    /// Checks that a frame rebuilt from bytes is one its code can run: it
    /// stands at a state where a frame can rest (the start, or a pause
    /// point), holds the operation of that pause point, and has every local
    /// that state needs. Thawing calls this, so damaged or forged bytes are
    /// an error rather than a panic when the process runs.
    fn validate(&self) -> Result<(), &'static str> {
        Ok(())
    }

    /// What the process waits in now, for operators (`cspctl ps`):
    /// `"recv"`, `"send"`, `"alt"`, `"par"`, `"sleep"`, `"yield"`,
    /// `"effect"`, `"migrate_to"`, or `"start"` before its first step (a
    /// nested call reports its callee's).
    fn pause_point(&self) -> &'static str {
        "start"
    }

    /// Where in the source the process waits now, as `(file, line)`, for
    /// operators: `cspctl ps` shows `in recv` at `src/worker.rs:42`, so one
    /// can open the line a stuck process is parked at instead of guessing
    /// which of its receives it is. The line is that of the pause point's
    /// `.await` (of the `par!` or `alt!` for those), read by `#[process]`
    /// when it compiles the function; the file is what `file!()` names
    /// where the function is written (the path rustc was given, relative
    /// to the workspace root under cargo). Neither is stored in the frame,
    /// so a moved or checkpointed process reports the lines of the binary
    /// that runs it.
    ///
    /// A nested call reports its callee's location, the place where the
    /// process really waits (as [`pause_point`](Process::pause_point)
    /// reports its callee's kind); if the callee has none, the line of the
    /// call. `par!` and `alt!` report their own line.
    ///
    /// `None` before the first step, and where no line is known: this
    /// default, for hand-written `Process` impls (which therefore keep
    /// compiling), and frames built by a compiler older than 1.88, whose
    /// procedural macros cannot read line numbers.
    fn pause_location(&self) -> Option<(&'static str, u32)> {
        None
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
    /// See [`Process::validate`].
    fn validate_op(&self) -> Result<(), &'static str> {
        Ok(())
    }
    /// See [`Process::pause_point`].
    fn describe_op(&self) -> &'static str;
    /// Where a nested frame waits (see [`Process::pause_location`]);
    /// `None` for every other operation, whose location is the pause point
    /// that holds it.
    fn locate_op(&self) -> Option<(&'static str, u32)> {
        None
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
    fn validate_op(&self) -> Result<(), &'static str> {
        self.validate()
    }
    fn describe_op(&self) -> &'static str {
        self.pause_point()
    }
    fn locate_op(&self) -> Option<(&'static str, u32)> {
        self.pause_location()
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
