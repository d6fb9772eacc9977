//! `#[process]` benchmarks: what a process frame costs against the same
//! code as a plain async fn, and what freezing and thawing one costs.
//!
//! ```text
//! cargo bench --bench process                      # full run, about a minute
//! cargo bench --bench process -- --quick           # about 5 seconds
//! cargo bench --bench process -- --quick --json    # plus one JSON object per line
//! cargo bench --bench process -- --only ring,memory --impl process --flavor current_thread
//! ```
//!
//! `--iters N --samples S` replaces calibration with exactly `N`
//! iterations per run (one warm-up run plus `S` samples), and `--variant
//! a,b` keeps only those commstime variants (`seq-delta`, `par-delta`), for
//! profilers:
//! `valgrind --tool=callgrind target/release/deps/process-HASH --bench
//! --only commstime --variant seq-delta --impl process --flavor
//! current_thread --iters 100000 --samples 1`.
//!
//! Families (modules under `benches/process/`):
//!
//! * `commstime` and `ring` (`speed.rs`): every process is written once
//!   (`twins.rs`) and compiled both as a `#[process]` frame (impl
//!   `process`) and as a plain `async fn` (impl `async`), spawned with
//!   `csp::spawn` on csp's runtime, tokio current_thread and multi_thread
//!   (2 workers).
//! * `freeze` (`freeze.rs`): freezing and thawing a small parked process
//!   on the calling thread, in memory and through bytes.
//! * `frame` (`size.rs`): frame sizes and frozen sizes (exact values).
//! * `memory` (`size.rs`): resident bytes per parked process in a ring of
//!   [`harness::Config::mem_procs`], each sample in a fresh child process.
//!
//! The `process/async` column is the process row's median over the async
//! row's (same bench, variant and flavor): above 1, the frame is slower or
//! bigger. The measuring and the output format are `benches/peers`'
//! (`harness.rs` and `imps.rs`, included from there): within a family
//! every contender is sampled in interleaved rounds (21 samples of about
//! 100 ms in a full run, 9 of 25 ms in a quick one). The `paired` column
//! (`paired.rs`) is the median [min, max] of the per-round ratios of a
//! process sample over the async sample of the same round, steadier than
//! the ratio of medians on a loaded machine; it is in the table only, not
//! in the JSON lines.
//!
//! Without `--bench` (as under `cargo test --benches`) the suite runs in a
//! tiny smoke mode, only checking that everything runs. Unknown flags are
//! ignored.

#[path = "peers/args.rs"]
mod args;
// Shared with the peers benchmark; this binary uses only part of each.
#[allow(dead_code)]
#[path = "peers/harness.rs"]
mod harness;
#[allow(dead_code)]
#[path = "peers/imps.rs"]
mod imps;

#[path = "process/freeze.rs"]
mod freeze;
#[path = "process/paired.rs"]
mod paired;
#[path = "process/size.rs"]
mod size;
#[path = "process/speed.rs"]
mod speed;
#[path = "process/twins.rs"]
mod twins;

use std::time::Duration;

use args::Args;
use harness::{Config, Mode, Row};
use paired::Paired;

/// The benchmark families, in the order they run.
const BENCHES: [&str; 5] = ["commstime", "ring", "freeze", "frame", "memory"];

/// Processes in the token ring (the smoke run uses 100).
const RING_PROCS: usize = 1_000;

/// How a process is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A `#[process]` frame.
    Process,
    /// The same body as a plain `async fn`.
    Async,
}

impl Style {
    /// Both, in table order.
    const ALL: [Style; 2] = [Style::Process, Style::Async];

    /// The impl column.
    fn name(self) -> &'static str {
        match self {
            Style::Process => "process",
            Style::Async => "async",
        }
    }
}

/// Runs the suite, or one memory sample when re-executed as a child.
fn main() {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some(size::CHILD_FLAG) {
        let style = argv.nth(1).expect("style");
        let procs = argv.next().and_then(|n| n.parse().ok()).expect("count");
        size::child(&style, procs);
    }
    let args = Args::parse(argv);
    let mut cfg = Config::new(args.mode());
    // More, shorter samples than the peers suite: more rounds make the
    // medians and the paired ratios steadier on a loaded machine.
    match cfg.mode {
        Mode::Smoke => {}
        Mode::Quick => cfg.samples = 9,
        Mode::Full => (cfg.samples, cfg.target) = (21, Duration::from_millis(100)),
    }
    cfg.samples = args.samples.unwrap_or(cfg.samples).max(1);
    cfg.iters = args.iters;
    cfg.ring_procs = if cfg.mode == Mode::Smoke {
        100
    } else {
        RING_PROCS
    };
    eprintln!(
        "process: {:?} run; progress below, table at the end",
        cfg.mode
    );
    let started = std::time::Instant::now();
    let (rows, paired) = run_all(&args, &cfg);
    print!("{}", header(&cfg, started.elapsed()));
    print!("{}", table(&rows, &paired));
    if args.json {
        for row in &rows {
            println!("{}", row.json());
        }
    }
}

/// Runs every selected family; returns the rows and the paired ratios.
fn run_all(args: &Args, cfg: &Config) -> (Vec<Row>, Vec<Paired>) {
    let keep = |imp: &str, flavor: &str| args.keeps(imp, flavor);
    let (mut rows, mut paired) = (Vec::new(), Vec::new());
    for bench in BENCHES.into_iter().filter(|b| args.keeps_bench(b)) {
        eprintln!("{bench}:");
        match bench {
            "commstime" => {
                let variant = |v: &str| args.keeps_variant(v);
                speed::commstime(cfg, (&mut rows, &mut paired), &keep, &variant)
            }
            "ring" => speed::ring(cfg, (&mut rows, &mut paired), &keep),
            "freeze" => freeze::run(cfg, &mut rows, &keep),
            "frame" => size::frames(&mut rows, &keep),
            "memory" => size::memory(cfg, &mut rows, &keep),
            _ => unreachable!("unknown family {bench}"),
        }
    }
    (rows, paired)
}

/// The lines above the table: what ran where.
fn header(cfg: &Config, took: Duration) -> String {
    format!(
        "process ({:?}, {:.1} s): {} samples each; #[process] frames vs the same code as \
         plain async fns, csp channels, csp runtime on tokio current_thread and \
         multi_thread ({} workers); ring of {} processes; memory: ring of {} parked \
         processes, {} child processes each.\nAll units lower-is-better. process/async: \
         the process median over the async median (> 1: the frame is slower or bigger); \
         paired: median [min, max] of the per-round ratios of samples taken in the same \
         round.\n\n",
        cfg.mode,
        took.as_secs_f64(),
        cfg.samples,
        imps::WORKERS,
        cfg.ring_procs,
        cfg.mem_procs,
        cfg.mem_samples,
    )
}

/// `process median / async median` for a process row with an async twin.
fn ratio(rows: &[Row], row: &Row) -> String {
    if row.imp != Style::Process.name() {
        return String::new();
    }
    let twin = rows.iter().find(|r| {
        r.imp == Style::Async.name()
            && r.bench == row.bench
            && r.variant == row.variant
            && r.flavor == row.flavor
    });
    match twin {
        Some(a) if a.stats.median > 0.0 => format!("{:.3}", row.stats.median / a.stats.median),
        _ => "-".into(),
    }
}

/// The paired ratios of a process row, as `median [min, max]`.
fn paired_cell(paired: &[Paired], row: &Row) -> String {
    if row.imp != Style::Process.name() {
        return String::new();
    }
    paired
        .iter()
        .find(|p| p.bench == row.bench && p.variant == row.variant && p.flavor == row.flavor)
        .map_or_else(String::new, |p| {
            let s = p.stats;
            format!("{:.3} [{:.3}, {:.3}]", s.median, s.min, s.max)
        })
}

/// The human-readable table of all rows (the peers table's layout, with
/// `process/async` and `paired` columns instead of `csp/peer`).
fn table(rows: &[Row], paired: &[Paired]) -> String {
    let head = [
        "bench",
        "variant",
        "impl",
        "flavor",
        "median",
        "min",
        "max",
        "unit",
        "process/async",
        "paired",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = harness::cells(r, harness::number);
            line.extend([ratio(rows, r), paired_cell(paired, r)]);
            line
        })
        .collect();
    harness::layout(&head, &body)
}
