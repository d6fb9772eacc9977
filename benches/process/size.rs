//! How big a process is: its frame type, its frozen bytes, and the memory
//! a parked one costs.
//!
//! * `frame-size`: `size_of` of each `#[process]` frame type, and
//!   `size_of_val` of its plain async twin's future (before its first
//!   poll; an async fn's future is as large as its largest state).
//! * `frozen-size`: `Frozen::frame_len()` of each frame frozen while
//!   parked at its first pause point (its peers' ends held, so nothing
//!   completes); `frozen-checkpoint` adds the whole `to_bytes()` for the
//!   freeze benchmark's gauge (identity, frame and channel snapshots).
//! * `memory`: a ring of [`Config::mem_procs`] nodes ([`twins::node`] or
//!   [`twins::node_async`]), each a spawned task parked in `recv` on its
//!   own rendezvous channel (the channel to its right is held by the next
//!   node, so every process owns one channel and no `Vec` of ends is
//!   needed). Bytes per process is the growth of the resident set divided
//!   by the count, in a fresh child process per sample, on the
//!   current_thread scheduler, built in batches, each batch awaited until
//!   every node has counted itself started (and so, on one thread, parked),
//!   as `benches/peers/memory.rs` does.

use std::process::Command;
use std::sync::atomic::Ordering;
use std::task::{Context, Waker};

use csp::migrate::{Frozen, Migratable};
use csp::{channel, Receiver, Sender};

use super::harness::{progress, Config, Keep, Row, Stats};
use super::imps::{Csp, Peer, Sched};
use super::twins;
use super::Style;

/// The command-line flag that turns this binary into a memory child.
pub(crate) const CHILD_FLAG: &str = "--process-memory-child";

/// The flavor column of the size rows (no scheduler involved).
const NO_FLAVOR: &str = "-";

/// Nodes spawned before waiting for them all to park.
const BATCH: usize = 1024;

/// A row with a single, exact value.
fn exact(bench: &str, variant: &str, imp: &str, value: f64) -> Row {
    let stats = Stats {
        median: value,
        min: value,
        max: value,
    };
    Row::new(bench, variant, imp, NO_FLAVOR, stats, "bytes")
}

/// A fresh rendezvous channel of `u64`.
fn pair() -> (Sender<u64>, Receiver<u64>) {
    channel()
}

/// Frame sizes and frozen sizes.
pub(crate) fn frames(rows: &mut Vec<Row>, keep: &Keep<'_>) {
    let mut out = Vec::new();
    let (keep_proc, keep_async) = (
        keep(Style::Process.name(), NO_FLAVOR),
        keep(Style::Async.name(), NO_FLAVOR),
    );
    let mut size = |name: &str, process: usize, plain: Option<usize>| {
        if keep_proc {
            out.push(exact("frame-size", name, "process", process as f64));
        }
        if let (true, Some(plain)) = (keep_async, plain) {
            out.push(exact("frame-size", name, "async", plain as f64));
        }
    };
    let ((t1, r1), (t2, r2), (t3, _r3)) = (pair(), pair(), pair());
    size(
        "node",
        size_of::<twins::Node>(),
        Some(size_of_val(&twins::node_async(r1.clone(), t1.clone()))),
    );
    size(
        "prefix",
        size_of::<twins::Prefix>(),
        Some(size_of_val(&twins::prefix_async(r1.clone(), t1.clone()))),
    );
    size(
        "delta",
        size_of::<twins::Delta>(),
        Some(size_of_val(&twins::delta_async(
            r1.clone(),
            t1.clone(),
            t2.clone(),
        ))),
    );
    size(
        "delta-par",
        size_of::<twins::DeltaPar>(),
        Some(size_of_val(&twins::delta_par_async(
            r1.clone(),
            t1.clone(),
            t2.clone(),
        ))),
    );
    size(
        "successor",
        size_of::<twins::Successor>(),
        Some(size_of_val(&twins::successor_async(r1.clone(), t1.clone()))),
    );
    size(
        "consumer",
        size_of::<twins::Consumer>(),
        Some(size_of_val(&twins::consumer_async(r1.clone(), 1))),
    );
    size(
        "gauge",
        size_of::<twins::Gauge>(),
        // No async twin: the freeze benchmark needs only the frame.
        None,
    );
    if keep_proc {
        // Each frozen at its first pause: parked in recv (send for prefix),
        // with every peer end alive so the pause stays pending.
        let frozen = [
            ("node", frozen_len(twins::node(r1.clone(), t2.clone()))),
            ("prefix", frozen_len(twins::prefix(r1.clone(), t3.clone()))),
            (
                "delta",
                frozen_len(twins::delta(r1.clone(), t2.clone(), t3.clone())),
            ),
            (
                "delta-par",
                frozen_len(twins::delta_par(r1.clone(), t2.clone(), t3.clone())),
            ),
            (
                "successor",
                frozen_len(twins::successor(r1.clone(), t2.clone())),
            ),
            ("consumer", frozen_len(twins::consumer(r2.clone(), 1))),
        ];
        for (name, len) in frozen {
            out.push(exact("frozen-size", name, "process", len as f64));
        }
        let mut rig = super::freeze::Rig::new();
        let frozen = rig.freeze();
        let (frame, file) = (frozen.frame_len(), frozen.to_bytes().len());
        rig.thaw(frozen);
        out.push(exact("frozen-size", "gauge", "process", frame as f64));
        out.push(exact("frozen-checkpoint", "gauge", "process", file as f64));
    }
    drop((t1, r1, t2, r2, t3));
    out.iter().for_each(progress);
    rows.extend(out);
}

/// Steps `frame` once (to its first pause) and returns its frozen length.
fn frozen_len<P: Migratable>(mut frame: P) -> usize {
    let pending = frame
        .step(&mut Context::from_waker(Waker::noop()))
        .is_pending();
    assert!(pending, "{} pauses at its first pause point", P::NAME);
    Frozen::freeze(&mut frame).expect("freeze").frame_len()
}

/// Memory per parked process, each sample in a fresh child process.
pub(crate) fn memory(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    let flavor = Sched::CurrentThread.name();
    let styles: Vec<Style> = Style::ALL
        .into_iter()
        .filter(|s| keep(s.name(), flavor))
        .collect();
    // Samples in rounds, one child per style per round.
    let mut samples = vec![Vec::new(); styles.len()];
    for _ in 0..cfg.mem_samples {
        for (style, out) in styles.iter().zip(&mut samples) {
            out.push(spawn_child(*style, cfg.mem_procs));
        }
    }
    for (style, s) in styles.iter().zip(samples) {
        let row = Row::new(
            "memory",
            "ring-parked-recv",
            style.name(),
            flavor,
            Stats::of(s),
            "bytes/process",
        );
        progress(&row);
        rows.push(row);
    }
}

/// Runs one sample in a fresh child process and returns its bytes/process.
fn spawn_child(style: Style, procs: usize) -> f64 {
    let exe = std::env::current_exe().expect("own executable");
    let out = Command::new(exe)
        .args([CHILD_FLAG, style.name(), &procs.to_string()])
        .output()
        .expect("run memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "memory child failed: {text}");
    text.trim().parse().expect("memory child printed a number")
}

/// The child's side: builds the ring, prints bytes per process and exits
/// without tearing the processes down.
pub(crate) fn child(style: &str, procs: usize) -> ! {
    let style = Style::ALL
        .into_iter()
        .find(|s| s.name() == style)
        .unwrap_or_else(|| panic!("unknown style {style}"));
    let rt = Csp::runtime(Sched::CurrentThread);
    let per_process = rt.run(park_ring(style, procs));
    println!("{per_process:.1}");
    std::process::exit(0)
}

/// Builds a ring of `procs` parked nodes batch by batch and returns the
/// RSS growth per node. The ring's ends are leaked: the child exits next.
async fn park_ring(style: Style, procs: usize) -> f64 {
    let before = crate::harness::rss_bytes();
    let base = twins::STARTED.load(Ordering::Relaxed);
    let (head, mut prev_rx) = channel::<u64>();
    let mut built = 0;
    while built < procs {
        let batch = BATCH.min(procs - built);
        for _ in 0..batch {
            let (tx, rx) = channel();
            match style {
                Style::Process => drop(csp::spawn(twins::node(prev_rx, tx))),
                Style::Async => drop(csp::spawn(twins::node_async(prev_rx, tx))),
            }
            prev_rx = rx;
        }
        built += batch;
        while twins::STARTED.load(Ordering::Relaxed) - base < built {
            csp::yield_now().await;
        }
    }
    let grown = crate::harness::rss_bytes().saturating_sub(before);
    std::mem::forget((head, prev_rx));
    grown as f64 / procs as f64
}
