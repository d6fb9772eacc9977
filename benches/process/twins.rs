//! The processes under test, each written once and compiled twice by
//! [`twin!`]: as a `#[process]` frame and as a plain `async fn`, with the
//! same body, on the same csp channels.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use csp::prelude::*;

/// Defines `$proc` with `#[csp::process]` and `$plain` as a plain
/// `async fn`, from one body (the doc comments go on both).
macro_rules! twin {
    ($(#[$doc:meta])* fn $proc:ident / $plain:ident ($($p:ident : $t:ty),* $(,)?) $(-> $ret:ty)? { $($body:tt)* }) => {
        $(#[$doc])*
        #[csp::process]
        pub(crate) async fn $proc($($p: $t),*) $(-> $ret)? { $($body)* }

        $(#[$doc])*
        pub(crate) async fn $plain($($p: $t),*) $(-> $ret)? { $($body)* }
    };
}

/// Ring processes that reached their first `recv` (the memory benchmark
/// waits for all of them before reading the resident set).
pub(crate) static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Nanoseconds since the first call: a clock reading a frame can carry
/// (an `Instant` cannot be serialized, so a frame field cannot hold one).
pub(crate) fn now_ns() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

twin! {
    /// commstime's `prefix`: outputs 0, then copies its input to its output.
    fn prefix / prefix_async(input: Receiver<u64>, out: Sender<u64>) {
        if out.send(0).await.is_err() {
            return;
        }
        while let Ok(x) = input.recv().await {
            if out.send(x).await.is_err() {
                return;
            }
        }
    }
}

twin! {
    /// commstime's seq-delta: copies each input to the successor, then to
    /// the consumer.
    fn delta / delta_async(input: Receiver<u64>, succ: Sender<u64>, cons: Sender<u64>) {
        while let Ok(v) = input.recv().await {
            let x: u64 = v;
            if succ.send(x).await.is_err() {
                return;
            }
            if cons.send(x).await.is_err() {
                return;
            }
        }
    }
}

twin! {
    /// commstime's par-delta: both outputs at once with `par!` (inside a
    /// process, one pause point running both sends).
    fn delta_par / delta_par_async(input: Receiver<u64>, succ: Sender<u64>, cons: Sender<u64>) {
        while let Ok(x) = input.recv().await {
            let (a, b): (Result<(), SendError<u64>>, Result<(), SendError<u64>>) =
                csp::par!(succ.send(x), cons.send(x));
            if a.is_err() || b.is_err() {
                return;
            }
        }
    }
}

twin! {
    /// commstime's `successor`: outputs each input plus one.
    fn successor / successor_async(input: Receiver<u64>, out: Sender<u64>) {
        while let Ok(x) = input.recv().await {
            if out.send(x + 1).await.is_err() {
                return;
            }
        }
    }
}

twin! {
    /// commstime's `consumer`: receives one untimed value (the ring is
    /// running), then `n` more; returns how long those took in ns.
    /// Dropping its input on return starts the teardown.
    fn consumer / consumer_async(input: Receiver<u64>, n: u64) -> u64 {
        input.recv().await.expect("ring broke");
        let start: u64 = now_ns();
        let mut left: u64 = n;
        while left > 0 {
            input.recv().await.expect("ring broke");
            left -= 1;
        }
        now_ns() - start
    }
}

twin! {
    /// A token-ring node: counts itself as started, then forwards whatever
    /// it receives until either neighbour goes away.
    fn node / node_async(input: Receiver<u64>, out: Sender<u64>) {
        STARTED.fetch_add(1, Ordering::Relaxed);
        while let Ok(v) = input.recv().await {
            if out.send(v).await.is_err() {
                return;
            }
        }
    }
}

/// The small process the freeze benchmark freezes and thaws: parked in
/// `recv`, with a few typed locals beside its two channel ends.
#[csp::process]
pub(crate) async fn gauge(input: Receiver<u64>, output: Sender<u64>, scale: u32) -> u64 {
    let mut total: u64 = 0;
    let mut count: u32 = 0;
    let mut peak: u64 = 0;
    let mut last: Option<u64> = None;
    while let Ok(x) = input.recv().await {
        total += x * u64::from(scale);
        count += 1;
        peak = peak.max(x);
        last = Some(x);
        if output.send(total).await.is_err() {
            break;
        }
    }
    total + u64::from(count) + peak + last.unwrap_or(0)
}
