//! Memory per parked process: [`Config::mem_procs`] processes, each a
//! spawned task blocked in `recv` on its own channel, the sender kept alive
//! (in a `Vec`, so 8 bytes of each process's share are that slot).
//!
//! Bytes per process is the growth of the resident set (`/proc/self/statm`)
//! divided by the process count. Every sample runs in a fresh child
//! process (this binary re-executed with `--memory-child IMPL N`) so one
//! implementation's heap does not pollute the next one's numbers.
//!
//! Only the current_thread scheduler is measured: a task's size does not
//! depend on the scheduler, and on one thread "every process has started"
//! (a counter each bumps just before its first `recv`) also means "every
//! process is parked", with no sleeps. Processes are spawned in batches so
//! the run queue never holds more than a batch. crossbeam is not measured:
//! its processes are OS threads, whose cost is a kernel stack and a stack
//! mapping (tens of KiB at least), not comparable with a heap-allocated
//! task and not feasible at 1 000 000.

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::harness::{progress, Config, Keep, Row, Stats};
use super::imps::{Csp, Kanal, Kind, Peer, Sched, Tokio};

/// The command-line flag that turns this binary into a memory child.
pub(crate) const CHILD_FLAG: &str = "--memory-child";

/// Processes spawned before waiting for them all to park.
const BATCH: usize = 1024;

/// Processes that reached their `recv` (in the child).
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// Runs the memory benchmark for every async implementation.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    for imp in [Csp::NAME, Tokio::NAME, Kanal::NAME] {
        if !keep(imp, Sched::CurrentThread.name()) {
            continue;
        }
        let samples = (0..cfg.mem_samples)
            .map(|_| spawn_child(imp, cfg.mem_procs))
            .collect();
        let row = Row::new(
            "memory",
            "parked-recv",
            imp,
            Sched::CurrentThread.name(),
            Stats::of(samples),
            "bytes/process",
        );
        progress(&row);
        rows.push(row);
    }
}

/// Runs one sample in a fresh child process and returns its bytes/process.
fn spawn_child(imp: &str, procs: usize) -> f64 {
    let exe = std::env::current_exe().expect("own executable");
    let out = Command::new(exe)
        .args([CHILD_FLAG, imp, &procs.to_string()])
        .output()
        .expect("run memory child");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "memory child failed: {text}");
    text.trim().parse().expect("memory child printed a number")
}

/// The child's side: measures `imp` with `procs` processes, prints bytes
/// per process and exits without tearing the processes down.
pub(crate) fn child(imp: &str, procs: usize) -> ! {
    let per_process = match imp {
        "csp" => measure::<Csp>(procs),
        "tokio" => measure::<Tokio>(procs),
        "kanal" => measure::<Kanal>(procs),
        other => panic!("unknown implementation {other}"),
    };
    println!("{per_process:.1}");
    std::process::exit(0)
}

/// Parks `procs` processes on a current_thread runtime of `P`.
fn measure<P: Peer>(procs: usize) -> f64 {
    let rt = P::runtime(Sched::CurrentThread);
    rt.run(park_all::<P>(procs))
}

/// Spawns the processes batch by batch and returns the RSS growth per
/// process. The senders are leaked: the child exits right after.
async fn park_all<P: Peer>(procs: usize) -> f64 {
    let before = crate::harness::rss_bytes();
    let mut senders = Vec::with_capacity(procs);
    while senders.len() < procs {
        let batch = BATCH.min(procs - senders.len());
        for _ in 0..batch {
            let (tx, rx) = P::pair(Kind::Handoff);
            drop(P::spawn(park::<P>(rx)));
            senders.push(tx);
        }
        while STARTED.load(Ordering::Relaxed) < senders.len() {
            tokio::task::yield_now().await;
        }
    }
    let grown = crate::harness::rss_bytes().saturating_sub(before);
    std::mem::forget(senders);
    grown as f64 / procs as f64
}

/// A process that waits for one value.
async fn park<P: Peer>(mut rx: P::Rx) {
    STARTED.fetch_add(1, Ordering::Relaxed);
    let _ = P::recv(&mut rx).await;
}
