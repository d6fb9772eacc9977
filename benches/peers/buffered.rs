//! Throughput of a channel buffering [`CAP`] values.
//!
//! `spsc`: one producer process sends, one consumer receives. `mpsc-4`:
//! four producers share the channel (cloned senders). The consumer counts
//! the exact number of messages, so no close is needed. The unit is ns per
//! message (lower is better; 1e9 / it is messages per second). For the
//! async implementations the timed span includes spawning the producer
//! tasks, a negligible share at the calibrated sizes.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use crossbeam_channel as cb;

use super::harness::{race, Config, Contender, Keep, Row};
use super::imps::{each_async, AsyncBench, Kind, Peer, Sched};

/// Buffer size of every channel here.
pub(crate) const CAP: usize = 1024;

/// Producers in the `mpsc-4` variant.
const PRODUCERS: usize = 4;

/// Runs both variants for every implementation.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    for producers in [1, PRODUCERS] {
        let bench = Stream { producers };
        let mut field = each_async(&bench, keep);
        if keep("crossbeam", "threads") {
            let run = move |n| threads(producers, n);
            let units = producers as f64;
            field.push(Contender::calibrated(("crossbeam", "threads"), units, run));
        }
        rows.extend(race(
            cfg,
            ("buffered", &variant(producers), "ns/msg"),
            field,
        ));
    }
}

/// The variant name for a producer count.
fn variant(producers: usize) -> String {
    if producers == 1 {
        "spsc".into()
    } else {
        format!("mpsc-{producers}")
    }
}

/// The async benchmark: `producers` senders, one receiver.
struct Stream {
    /// Sending processes.
    producers: usize,
}

impl AsyncBench for Stream {
    fn contender<P: Peer>(&self, sched: Sched) -> Contender<'_> {
        let rt = P::runtime(sched);
        let producers = self.producers;
        let run = move |n| rt.run(stream::<P>(producers, n));
        Contender::calibrated((P::NAME, sched.name()), producers as f64, run)
    }
}

/// `producers` processes each send `n` values; this one receives them all.
async fn stream<P: Peer>(producers: usize, n: u64) -> Duration {
    let (tx, mut rx) = P::pair(Kind::Buffered(CAP));
    let start = Instant::now();
    let mut joins = Vec::with_capacity(producers);
    for _ in 0..producers {
        joins.push(P::spawn(produce::<P>(P::clone_tx(&tx), n)));
    }
    drop(tx);
    for _ in 0..n * producers as u64 {
        P::recv(&mut rx).await.expect("producer gone");
    }
    let took = start.elapsed();
    for j in joins {
        j.await;
    }
    took
}

/// Sends `0..n`.
async fn produce<P: Peer>(mut tx: P::Tx, n: u64) {
    for i in 0..n {
        assert!(P::send(&mut tx, i).await, "consumer gone");
    }
}

/// The same with OS threads and a crossbeam `bounded(CAP)` channel. The
/// clock starts once every producer thread is running (a barrier), so
/// thread start-up, slow on a loaded machine, is not timed.
fn threads(producers: usize, n: u64) -> Duration {
    let (tx, rx) = cb::bounded::<u64>(CAP);
    let ready = Barrier::new(producers + 1);
    std::thread::scope(|s| {
        for _ in 0..producers {
            let tx = tx.clone();
            let ready = &ready;
            s.spawn(move || {
                ready.wait();
                for i in 0..n {
                    tx.send(i).expect("consumer gone");
                }
            });
        }
        ready.wait();
        let start = Instant::now();
        for _ in 0..n * producers as u64 {
            rx.recv().expect("producer gone");
        }
        start.elapsed()
    })
}
