//! commstime and the token ring, `#[process]` frames against the same code
//! as plain async fns (see [`twins`]), on csp channels and csp's runtime,
//! on both tokio schedulers.
//!
//! commstime is the network of `benches/peers/commstime.rs` (prefix, delta,
//! successor, consumer; the unit is ns per loop of four rendezvous), in
//! both variants: seq-delta sends to the successor, then to the consumer;
//! par-delta sends to both with `par!`, which `#[process]` supports since
//! commit 7a711ef (one pause point running both sends). The consumer is
//! the timed part in both versions and runs inside the driving task, as in
//! the peer benchmark.
//!
//! The ring is [`Config::ring_procs`] processes (the driver and
//! `ring_procs - 1` [`twins::node`]s) passing one token; built once per
//! contender, a sample sends the token round a calibrated number of laps;
//! the unit is ns per hop.

use std::time::Duration;

use csp::{channel, Receiver, Sender};

use super::harness::{Config, Keep, Row};
use super::imps::{Csp, Peer, Sched};
use super::paired::{Field, Paired};
use super::twins;
use super::Style;

/// How `delta` outputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delta {
    /// One output after the other (occam `SEQ`).
    Seq,
    /// Both outputs at once (occam `PAR`, `par!`).
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

/// Runs commstime, seq-delta and par-delta, for both styles; only the
/// variants `variant` keeps. Adds rows and paired ratios.
pub(crate) fn commstime(
    cfg: &Config,
    (rows, paired): (&mut Vec<Row>, &mut Vec<Paired>),
    keep: &Keep<'_>,
    variant: &dyn Fn(&str) -> bool,
) {
    for delta in [Delta::Seq, Delta::Par]
        .into_iter()
        .filter(|d| variant(d.name()))
    {
        let mut field = Field::default();
        for sched in Sched::ALL {
            for style in Style::ALL {
                if !keep(style.name(), sched.name()) {
                    continue;
                }
                let rt = Csp::runtime(sched);
                let run = move |n| Duration::from_nanos(rt.run(network(style, delta, n)));
                field.push(style, sched, 1.0, run);
            }
        }
        let label = ("commstime", delta.name(), "ns/loop");
        field.race(cfg, label, rows, paired);
    }
}

/// Builds commstime in `style`, lets the consumer time `n` loops, tears it
/// down and returns the consumer's time in ns.
async fn network(style: Style, delta: Delta, n: u64) -> u64 {
    let (a_tx, a_rx) = channel();
    let (b_tx, b_rx) = channel();
    let (c_tx, c_rx) = channel();
    let (d_tx, d_rx) = channel();
    match style {
        Style::Process => {
            let p = csp::spawn(twins::prefix(c_rx, a_tx));
            let dl = match delta {
                Delta::Seq => csp::spawn(twins::delta(a_rx, b_tx, d_tx)),
                Delta::Par => csp::spawn(twins::delta_par(a_rx, b_tx, d_tx)),
            };
            let s = csp::spawn(twins::successor(b_rx, c_tx));
            let took = twins::consumer(d_rx, n).await;
            p.join().await.expect("prefix");
            dl.join().await.expect("delta");
            s.join().await.expect("successor");
            took
        }
        Style::Async => {
            let p = csp::spawn(twins::prefix_async(c_rx, a_tx));
            let dl = match delta {
                Delta::Seq => csp::spawn(twins::delta_async(a_rx, b_tx, d_tx)),
                Delta::Par => csp::spawn(twins::delta_par_async(a_rx, b_tx, d_tx)),
            };
            let s = csp::spawn(twins::successor_async(b_rx, c_tx));
            let took = twins::consumer_async(d_rx, n).await;
            p.join().await.expect("prefix");
            dl.join().await.expect("delta");
            s.join().await.expect("successor");
            took
        }
    }
}

/// Runs the token ring for both styles on both schedulers. Adds rows and
/// paired ratios.
pub(crate) fn ring(
    cfg: &Config,
    (rows, paired): (&mut Vec<Row>, &mut Vec<Paired>),
    keep: &Keep<'_>,
) {
    let procs = cfg.ring_procs;
    let mut field = Field::default();
    for sched in Sched::ALL {
        for style in Style::ALL {
            if !keep(style.name(), sched.name()) {
                continue;
            }
            let rt = Csp::runtime(sched);
            let mut ends = Some(rt.run(build(style, procs)));
            let run = move |laps| {
                let (head, tail) = ends.take().expect("ring ends");
                let (head, tail, took) = rt.run(drive(head, tail, laps));
                ends = Some((head, tail));
                took
            };
            // Dropping the closure drops the runtime and the ring with it.
            field.push(style, sched, procs as f64, run);
        }
    }
    let variant = format!("{procs}procs");
    field.race(cfg, ("ring", &variant, "ns/hop"), rows, paired);
}

/// Spawns `procs - 1` nodes in a chain and returns the driver's ends: the
/// sender into the first and the receiver out of the last.
pub(crate) async fn build(style: Style, procs: usize) -> (Sender<u64>, Receiver<u64>) {
    let (head, mut prev_rx) = channel();
    for _ in 1..procs {
        let (tx, rx) = channel();
        // Detached: a node ends when the ring closes.
        match style {
            Style::Process => drop(csp::spawn(twins::node(prev_rx, tx))),
            Style::Async => drop(csp::spawn(twins::node_async(prev_rx, tx))),
        }
        prev_rx = rx;
    }
    (head, prev_rx)
}

/// Sends the token round `laps` times; gives the ends back with the time.
async fn drive(
    head: Sender<u64>,
    tail: Receiver<u64>,
    laps: u64,
) -> (Sender<u64>, Receiver<u64>, Duration) {
    let start = std::time::Instant::now();
    for lap in 0..laps {
        head.send(lap).await.expect("ring broke");
        tail.recv().await.expect("ring broke");
    }
    (head, tail, start.elapsed())
}
