//! The loom harness shared by `loom.rs` and `loom_reserve.rs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

/// Runs `f` under loom with at most `bound` preemptions per execution
/// (unless `LOOM_MAX_PREEMPTIONS` says otherwise), and prints how many
/// executions it explored.
pub(crate) fn model<F>(bound: Option<usize>, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let runs = std::sync::Arc::new(AtomicUsize::new(0));
    let count = runs.clone();
    let f = move || {
        count.fetch_add(1, Ordering::Relaxed);
        // `alt!` draws its first arm from fastrand, whose generator loom's
        // threads share: reseed, so an execution depends on its schedule
        // alone.
        fastrand::seed(0x5eed);
        f();
    };
    let start = std::time::Instant::now();
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = bound;
    }
    let mut bound_used = b.preemption_bound;
    if std::env::var_os("LOOM_LOG").is_some() {
        // `loom::model` installs the tracing subscriber that prints the log;
        // it takes its bound from the environment only.
        bound_used = loom::model::Builder::new().preemption_bound;
        loom::model(f);
    } else {
        b.check(f);
    }
    println!(
        "{} executions (preemption bound {:?}) in {:.2?}",
        runs.load(Ordering::Relaxed),
        bound_used,
        start.elapsed()
    );
}

/// Polls `f` once with a waker that does nothing: the operation registers
/// (parks) if it cannot complete, and nobody will poll it again.
pub(crate) fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}
