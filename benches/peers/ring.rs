//! Token ring: [`Config::ring_procs`] processes in a circle pass one token.
//!
//! One process is the driver; the others forward whatever they receive to
//! their right-hand neighbour. The ring is built once per implementation
//! and scheduler and reused by every sample; a sample sends the token
//! around `laps` times. The unit is ns per hop (one communication and one
//! process switch). With a single token in flight buffering cannot help,
//! so tokio uses plain `mpsc::channel(1)` (see [`Kind::Handoff`]); csp and
//! kanal use rendezvous channels, crossbeam `bounded(0)` between OS threads.

use std::time::{Duration, Instant};

use crossbeam_channel as cb;

use super::harness::{race, Config, Contender, Keep, Row};
use super::imps::{each_async, AsyncBench, Kind, Peer, Sched};

/// Stack of each forwarding OS thread: the loop needs almost none.
const THREAD_STACK: usize = 64 * 1024;

/// Runs the ring for every implementation.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    let bench = Ring { cfg };
    let mut field = each_async(&bench, keep);
    if keep("crossbeam", "threads") {
        field.push(threads(cfg));
    }
    let variant = format!("{}procs", cfg.ring_procs);
    rows.extend(race(cfg, ("ring", &variant, "ns/hop"), field));
}

/// The async benchmark.
struct Ring<'a> {
    /// Sizes.
    cfg: &'a Config,
}

impl AsyncBench for Ring<'_> {
    /// Builds the ring once; a sample sends the token round `laps` times.
    fn contender<P: Peer>(&self, sched: Sched) -> Contender<'_> {
        let rt = P::runtime(sched);
        let mut ends = Some(rt.run(build::<P>(self.cfg.ring_procs)));
        let run = move |laps| {
            let (head, tail) = ends.take().expect("ring ends");
            let (head, tail, took) = rt.run(drive::<P>(head, tail, laps));
            ends = Some((head, tail));
            took
        };
        // Dropping the closure drops the runtime and the ring with it.
        let (laps, hops) = (self.cfg.ring_laps, self.cfg.ring_procs as f64);
        Contender::fixed((P::NAME, sched.name()), laps, hops, run)
    }
}

/// Spawns `procs - 1` forwarders in a chain and returns the driver's ends:
/// the sender into the first and the receiver out of the last.
async fn build<P: Peer>(procs: usize) -> (P::Tx, P::Rx) {
    let (head, mut prev_rx) = P::pair(Kind::Handoff);
    for _ in 1..procs {
        let (tx, rx) = P::pair(Kind::Handoff);
        // Detached: a forwarder ends when the ring closes.
        drop(P::spawn(forward::<P>(prev_rx, tx)));
        prev_rx = rx;
    }
    (head, prev_rx)
}

/// Forwards values until either neighbour goes away.
async fn forward<P: Peer>(mut input: P::Rx, mut out: P::Tx) {
    while let Some(v) = P::recv(&mut input).await {
        if !P::send(&mut out, v).await {
            return;
        }
    }
}

/// Sends the token round `laps` times; gives the ends back with the time.
async fn drive<P: Peer>(mut head: P::Tx, mut tail: P::Rx, laps: u64) -> (P::Tx, P::Rx, Duration) {
    let start = Instant::now();
    for lap in 0..laps {
        assert!(P::send(&mut head, lap).await, "ring broke");
        P::recv(&mut tail).await.expect("ring broke");
    }
    (head, tail, start.elapsed())
}

/// The ring on OS threads (fewer laps: every hop is a thread wake-up).
/// The threads end when the contender is dropped (its ends close the ring).
fn threads(cfg: &Config) -> Contender<'static> {
    let (head, mut tail) = cb::bounded::<u64>(0);
    for _ in 1..cfg.ring_procs {
        let (tx, rx) = cb::bounded::<u64>(0);
        let input = std::mem::replace(&mut tail, rx);
        let forwarder = move || {
            while let Ok(v) = input.recv() {
                if tx.send(v).is_err() {
                    return;
                }
            }
        };
        let thread = std::thread::Builder::new().stack_size(THREAD_STACK);
        thread.spawn(forwarder).expect("spawn thread");
    }
    let run = move |laps| {
        let start = Instant::now();
        for lap in 0..laps {
            head.send(lap).expect("ring broke");
            tail.recv().expect("ring broke");
        }
        start.elapsed()
    };
    let (laps, hops) = (cfg.ring_laps_threads, cfg.ring_procs as f64);
    Contender::fixed(("crossbeam", "threads"), laps, hops, run)
}
