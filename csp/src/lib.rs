//! # csp: communicating sequential processes on tokio
//!
//! A csp program is a network of *processes* (async functions running as
//! tasks) that share nothing and talk only over *channels*. This crate is
//! the runtime; `csp-net` carries processes and channel ends between
//! machines.
//!
//! A tour, in the order you meet things:
//!
//! * [`channel()`] makes a rendezvous channel (a send completes only when a
//!   receiver has the value); [`buffered`] one that holds `n` values. Both
//!   ends clone; errors give the value back ([`SendError`]). See
//!   [`mod@channel`] for closing rules.
//! * [`alt!`] waits for the first ready of several guards (receives, sends,
//!   a timeout, a default) and fires exactly one arm: occam's `ALT`, Go's
//!   `select`. Fair unless you write `biased;`.
//! * [`par!`] runs branches concurrently and returns all their results.
//! * [`spawn`] starts a process; [`JoinHandle::join`] waits for it and
//!   reports a panic as [`JoinError`]. [`run`] is `main`'s entry point, and
//!   [`Runtime::builder`] picks the scheduler.
//!
//! ```
//! use csp::prelude::*;
//!
//! // A process that keeps a running total of its input.
//! async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
//!     let mut total: u64 = 0;
//!     while let Ok(x) = input.recv().await {
//!         total += x;
//!         if output.send(total).await.is_err() {
//!             break;
//!         }
//!     }
//!     total
//! }
//!
//! csp::run(async {
//!     let (tx_in, rx_in) = channel();
//!     let (tx_out, rx_out) = channel();
//!     let p = spawn(running_total(rx_in, tx_out));
//!     let mut seen = Vec::new();
//!     for x in [1, 2, 3] {
//!         // Send and receive at once; a rendezvous needs both sides.
//!         let (sent, got) = par!(tx_in.send(x), rx_out.recv());
//!         sent.unwrap();
//!         seen.push(got.unwrap());
//!     }
//!     drop(tx_in); // closing the input ends the process
//!     assert_eq!(seen, [1, 3, 6]);
//!     assert_eq!(p.join().await.unwrap(), 6);
//! });
//! ```
//!
//! ## Design decisions worth knowing
//!
//! * **Cancellation never loses a message.** Dropping a pending send
//!   withdraws it (unless a receiver already took the value); dropping a
//!   pending receive whose value had arrived puts the value back at the head
//!   of the channel. [`SendFuture::withdraw`] and [`RecvFuture::withdraw`]
//!   expose this atomic withdrawal, which is what freezing a process for
//!   migration is built on.
//! * **`par!` is concurrency within one process**, like `futures::join!`:
//!   branches may borrow, and a process moved while inside `par!` moves with
//!   its branches. Use [`spawn`] for parallelism.
//! * **Default runtime is multi-threaded** (see [`mod@runtime`]).

// Lets the macros' `::csp::...` paths resolve in this crate's own tests.
#[cfg(test)]
extern crate self as csp;

pub mod alt;
pub mod channel;
#[cfg(feature = "migration")]
pub mod migrate;
mod par;
pub mod process;
pub mod runtime;
#[cfg(test)]
mod runtime_tests;
mod sync;
mod task;
mod time;

pub use channel::{
    buffered, channel, Receiver, RecvError, RecvFuture, SendError, SendFuture, SendWithdrawal,
    Sender, TryRecvError, TrySendError,
};
pub use process::moving::{migrate_to, MoveError};
pub use process::{effect, Process};
pub use runtime::{run, Builder, Flavor, Runtime};
pub use task::{spawn, JoinError, JoinHandle};
pub use time::{sleep, yield_now};

/// Waits for the first ready of several guards and runs exactly that arm.
///
/// ```
/// # use csp::prelude::*;
/// # use std::time::Duration;
/// # csp::run(async {
/// let (tx, rx) = csp::buffered::<u32>(1);
/// let (out, _keep) = csp::channel::<u32>();
/// tx.try_send(5).unwrap();
/// let got = alt! {
///     Ok(v) = rx.recv() => v,                    // input guard with a binding
///     out.send(1) => 0,                          // output guard (no receiver: not ready)
///     after(Duration::from_secs(5)) => 99,       // timeout guard
/// };
/// assert_eq!(got, 5);
/// let nothing = alt! {
///     Ok(v) = rx.recv(), if false => v,         // precondition: arm disabled
///     default => 0,                              // fires when nothing is ready
/// };
/// assert_eq!(nothing, 0);
/// # });
/// ```
///
/// Arms, separated by commas (optional after a block):
///
/// * `pat = rx.recv() => body`: the receive's `Result<T, RecvError>` is
///   matched against `pat`. If it does not match (say `Ok(v)` when the
///   channel closed), the arm is disabled and the alt keeps waiting, as in
///   tokio's `select!`. Without `pat =`, the pattern is `Ok(_)`.
/// * `pat = tx.send(value) => body`: fires when the value has been taken
///   (rendezvous) or buffered; `pat` sees `Result<(), SendError<T>>`,
///   default `Ok(())`. Every send value is evaluated when the alt starts (as
///   in Go); an arm that is not chosen is never delivered, and its value is
///   dropped when the alt returns.
/// * `after(duration) => body`: fires once `duration` has passed.
/// * `default => body`: fires if no guard is ready when the alt starts.
/// * `guard, if condition => body`: a precondition, evaluated once when the
///   alt starts, before the guard's expressions; false disables the arm.
///
/// Arm choice is fair: among guards ready at once, the first one tried is
/// random. Write `biased;` first for the priority form (occam's `PRI ALT`):
/// arms are tried in order. Bodies are ordinary code in the enclosing
/// function (`return`, `?`, `break` and `.await` mean what they say there).
///
/// Panics if every arm is disabled and there is no `default`.
pub use csp_macros::alt;

/// Runs branches concurrently and evaluates to the tuple of their results.
///
/// ```
/// # csp::run(async {
/// let (tx, rx) = csp::channel::<&str>();
/// let (sent, got) = csp::par!(tx.send("hi"), rx.recv());
/// assert_eq!((sent, got), (Ok(()), Ok("hi")));
/// # });
/// ```
///
/// Each branch is anything that can be `.await`ed. All branches run within
/// the calling process (see the crate docs); a panic in a branch propagates.
pub use csp_macros::par;

/// Turns an `async fn` into a process: a named frame type holding its
/// parameters, the locals it keeps across pause points and where it is
/// paused, plus a constructor with the function's name that builds the
/// frame without running any code. See [`mod@process`] for the language.
///
/// ```
/// use csp::prelude::*;
///
/// #[csp::process]
/// async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
///     let mut total: u64 = 0;
///     while let Ok(x) = input.recv().await {
///         total += x;
///         if output.send(total).await.is_err() {
///             break;
///         }
///     }
///     total
/// }
///
/// csp::run(async {
///     let (tx, rx) = channel();
///     let (out, results) = buffered(8);
///     let frame: RunningTotal = running_total(rx, out); // nothing runs yet
///     let p = spawn(frame);
///     for x in [1, 2, 3] {
///         tx.send(x).await.unwrap();
///     }
///     drop(tx);
///     assert_eq!(p.join().await.unwrap(), 6);
///     assert_eq!(results.try_recv(), Ok(1));
/// });
/// ```
pub use csp_macros::process;

/// The names a csp program usually wants.
pub mod prelude {
    pub use crate::{
        alt, buffered, channel, effect, migrate_to, par, process, run, sleep, spawn, yield_now,
        JoinError, JoinHandle, MoveError, Process, Receiver, RecvError, SendError, Sender,
        TryRecvError, TrySendError,
    };
    pub use std::time::Duration;
}

/// Used by code the macros generate; not a public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::alt::{AfterGuard, AltCore, Guard, RecvGuard, SendGuard};
    #[cfg(feature = "migration")]
    pub use crate::migrate::present as frame_field;
    #[cfg(feature = "migration")]
    pub use crate::migrate::present::bytes as frame_bytes;
    #[cfg(feature = "migration")]
    pub use crate::migrate::schema::mix_fingerprints;
    #[cfg(feature = "migration")]
    pub use crate::migrate::{
        EncodeOutput, EncodeOutputFallback, Migratable, OutWrap, OutputEncoder, ProcessType,
        Schema, UpgradeFn,
    };
    pub use crate::par::MaybeDone;
    pub use crate::process::moving::MigratePause;
    pub use crate::process::pause::{
        EffectPause, RecvPause, SendPause, SleepPause, Started, YieldPause,
    };
    pub use crate::process::{
        owned_iter, stepped_after_completion, AltGuards, AltPause, ChanEnd, FromResidualOf,
        OwnedIter, Par1, Par2, Par3, Par4, Par5, Par6, Par7, Par8, PauseOp, Process, QuestionMark,
    };
    #[cfg(feature = "migration")]
    pub use ::inventory;
    #[cfg(feature = "migration")]
    pub use ::serde;
    pub use core::future::poll_fn;
    pub use core::ops::{Range, RangeInclusive};

    /// Expands the first block when csp is built with `migration`, else
    /// the second: generated code cannot test csp's features itself.
    #[cfg(feature = "migration")]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __csp_if_migration {
        ({ $($yes:tt)* } else { $($no:tt)* }) => { $($yes)* };
    }

    /// See the `migration` twin of this macro.
    #[cfg(not(feature = "migration"))]
    #[macro_export]
    #[doc(hidden)]
    macro_rules! __csp_if_migration {
        ({ $($yes:tt)* } else { $($no:tt)* }) => { $($no)* };
    }

    pub use crate::__csp_if_migration as if_migration;
    pub use core::pin::pin;
    pub use core::task::{Context, Poll};
}
