//! commstime, the occam classic: four processes in a ring.
//!
//! ```text
//!   prefix(0) --a--> delta --b--> successor --c--> prefix
//!                      \--d--> consumer
//! ```
//!
//! `prefix` outputs 0 and then copies; `delta` copies each value to both
//! outputs, one after another (seq-delta) or at once (par-delta);
//! `successor` adds one; `consumer` counts. One loop is four rendezvous
//! communications; the unit is ns per loop. The network is torn down by
//! the consumer dropping its input, which closes the ring link by link.

use std::time::{Duration, Instant};

use crossbeam_channel as cb;

use super::harness::{race, Config, Contender, Keep, Row};
use super::imps::{each_async, AsyncBench, Kind, Peer, Sched};

/// How `delta` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delta {
    /// One output after the other (occam `SEQ`).
    Seq,
    /// Both outputs at once (occam `PAR`).
    Par,
}

impl Delta {
    /// The variant name in the table.
    fn name(self) -> &'static str {
        match self {
            Delta::Seq => "seq-delta",
            Delta::Par => "par-delta",
        }
    }
}

/// Runs both variants for every implementation.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    for delta in [Delta::Seq, Delta::Par] {
        let bench = Commstime { delta };
        let mut field = each_async(&bench, keep);
        if keep("crossbeam", "threads") {
            let run = move |n| threads(delta, n);
            field.push(Contender::calibrated(("crossbeam", "threads"), 1.0, run));
        }
        rows.extend(race(cfg, ("commstime", delta.name(), "ns/loop"), field));
    }
}

/// The async benchmark for one kind of delta.
struct Commstime {
    /// Which delta.
    delta: Delta,
}

impl AsyncBench for Commstime {
    fn contender<P: Peer>(&self, sched: Sched) -> Contender<'_> {
        let rt = P::runtime(sched);
        let delta = self.delta;
        let run = move |n| rt.run(network::<P>(delta, n));
        Contender::calibrated((P::NAME, sched.name()), 1.0, run)
    }
}

/// Builds the ring, lets the consumer time `n` loops, then tears it down.
async fn network<P: Peer>(delta: Delta, n: u64) -> Duration {
    let (a_tx, a_rx) = P::pair(Kind::Rendezvous);
    let (b_tx, b_rx) = P::pair(Kind::Rendezvous);
    let (c_tx, c_rx) = P::pair(Kind::Rendezvous);
    let (d_tx, d_rx) = P::pair(Kind::Rendezvous);
    let p = P::spawn(prefix::<P>(c_rx, a_tx));
    let dl = P::spawn(delta_proc::<P>(a_rx, b_tx, d_tx, delta));
    let s = P::spawn(successor::<P>(b_rx, c_tx));
    let took = consumer::<P>(d_rx, n).await;
    p.await;
    dl.await;
    s.await;
    took
}

/// Outputs 0, then copies its input to its output.
async fn prefix<P: Peer>(mut input: P::Rx, mut out: P::Tx) {
    if !P::send(&mut out, 0).await {
        return;
    }
    while let Some(x) = P::recv(&mut input).await {
        if !P::send(&mut out, x).await {
            return;
        }
    }
}

/// Copies each input to both outputs (successor first for seq-delta).
async fn delta_proc<P: Peer>(mut input: P::Rx, mut succ: P::Tx, mut cons: P::Tx, delta: Delta) {
    while let Some(x) = P::recv(&mut input).await {
        let ok = match delta {
            Delta::Seq => P::send(&mut succ, x).await && P::send(&mut cons, x).await,
            Delta::Par => P::send_both(&mut succ, &mut cons, x).await,
        };
        if !ok {
            return;
        }
    }
}

/// Outputs each input plus one.
async fn successor<P: Peer>(mut input: P::Rx, mut out: P::Tx) {
    while let Some(x) = P::recv(&mut input).await {
        if !P::send(&mut out, x + 1).await {
            return;
        }
    }
}

/// Receives `n` values and returns how long that took (after a first,
/// untimed value that shows the ring is running); dropping its input on
/// return starts the teardown.
async fn consumer<P: Peer>(mut input: P::Rx, n: u64) -> Duration {
    P::recv(&mut input).await.expect("ring broke");
    let start = Instant::now();
    for _ in 0..n {
        P::recv(&mut input).await.expect("ring broke");
    }
    start.elapsed()
}

/// The same network on OS threads with crossbeam `bounded(0)` channels;
/// par-delta uses a `Select` over both sends, then finishes the other.
fn threads(delta: Delta, n: u64) -> Duration {
    let (a_tx, a_rx) = cb::bounded::<u64>(0);
    let (b_tx, b_rx) = cb::bounded::<u64>(0);
    let (c_tx, c_rx) = cb::bounded::<u64>(0);
    let (d_tx, d_rx) = cb::bounded::<u64>(0);
    std::thread::scope(|s| {
        s.spawn(move || {
            let _ = a_tx.send(0);
            while let Ok(x) = c_rx.recv() {
                if a_tx.send(x).is_err() {
                    return;
                }
            }
        });
        s.spawn(move || {
            while let Ok(x) = a_rx.recv() {
                let ok = match delta {
                    Delta::Seq => b_tx.send(x).is_ok() && d_tx.send(x).is_ok(),
                    Delta::Par => send_both(&b_tx, &d_tx, x),
                };
                if !ok {
                    return;
                }
            }
        });
        s.spawn(move || {
            while let Ok(x) = b_rx.recv() {
                if c_tx.send(x + 1).is_err() {
                    return;
                }
            }
        });
        d_rx.recv().expect("ring broke"); // untimed: threads have started
        let start = Instant::now();
        for _ in 0..n {
            d_rx.recv().expect("ring broke");
        }
        let took = start.elapsed();
        drop(d_rx);
        took
    })
}

/// Sends `x` on both channels, whichever is ready first going first.
fn send_both(a: &cb::Sender<u64>, b: &cb::Sender<u64>, x: u64) -> bool {
    let mut sel = cb::Select::new();
    let ia = sel.send(a);
    sel.send(b);
    let op = sel.select();
    if op.index() == ia {
        op.send(a, x).is_ok() && b.send(x).is_ok()
    } else {
        op.send(b, x).is_ok() && a.send(x).is_ok()
    }
}
