//! Helpers shared by the integration tests: running a root process on a
//! chosen runtime flavour under a watchdog, and a waker that records wakes.

#![allow(dead_code)] // each test file uses only some of these

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use csp::Flavor;
use futures::task::{waker, ArcWake};

/// Both scheduler flavours, for tests that run on each.
pub(crate) const FLAVORS: [Flavor; 2] = [Flavor::CurrentThread, Flavor::MultiThread];

/// Far longer than any test needs: only a hang (a deadlock or a livelock
/// in the library) ever reaches it, and it turns that hang into a failure.
const WATCHDOG: Duration = Duration::from_secs(30);

/// Builds a runtime of `flavor` (two workers when multi-threaded, like the
/// smallest CI machine) and runs the root process made by `root` on it, on a
/// fresh thread. Panics in the root propagate; a root that does not finish
/// before the watchdog fails the test instead of hanging it.
pub(crate) fn run_on<F, Fut, T>(flavor: Flavor, root: F) -> T
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = T>,
    T: Send + 'static,
{
    let (done_tx, done_rx) = mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = csp::Runtime::builder()
            .flavor(flavor)
            .workers(2)
            .build()
            .expect("runtime builds");
        let out = rt.block_on(root());
        let _ = done_tx.send(out);
    });
    match done_rx.recv_timeout(WATCHDOG) {
        Ok(out) => {
            thread.join().expect("root thread finished");
            out
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("root finished without a result"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("watchdog: the test did not finish within {WATCHDOG:?} on {flavor:?} (hang?)")
        }
    }
}

/// A waker that counts how often it was woken.
#[derive(Default)]
pub(crate) struct WakeCount(AtomicUsize);

impl ArcWake for WakeCount {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl WakeCount {
    /// A fresh counter and a waker that bumps it.
    pub(crate) fn new() -> (Arc<WakeCount>, Waker) {
        let c = Arc::new(WakeCount::default());
        let w = waker(c.clone());
        (c, w)
    }

    /// Wakes so far.
    pub(crate) fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `f` once with `w`, outside any executor.
pub(crate) fn poll_with<F: Future + Unpin>(f: &mut F, w: &Waker) -> Poll<F::Output> {
    Pin::new(f).poll(&mut Context::from_waker(w))
}
