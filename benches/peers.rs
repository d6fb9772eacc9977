//! Peer benchmarks: csp against tokio, kanal, crossbeam and Go, in one run.
//!
//! ```text
//! cargo bench --bench peers                       # full run, a few minutes
//! cargo bench --bench peers -- --quick            # under a minute
//! cargo bench --bench peers -- --quick --json     # plus one JSON object per line
//! cargo bench --bench peers -- --only ring,memory --impl csp,tokio --flavor current_thread
//! ```
//!
//! For profilers, `--iters N --samples S` replaces calibration with exactly
//! `N` iterations per run (one warm-up run plus `S` samples), e.g.
//! `valgrind --tool=callgrind target/release/deps/peers-HASH --bench --only
//! pingpong --impl csp --flavor current_thread --iters 50000 --samples 1`.
//!
//! Families (one module each under `benches/peers/`): commstime (seq- and
//! par-delta), ping-pong, a 10 000-process token ring, memory per parked
//! process, and buffered(1024) SPSC / 4-producer MPSC throughput. csp,
//! tokio and kanal run on tokio's current_thread and multi_thread (2
//! workers) schedulers; crossbeam on OS threads; Go (`benches/go/`) when
//! `go` is on `PATH`. Every number is lower-is-better; the `csp/peer`
//! column is csp's median over the peer's on the same scheduler (below 1:
//! csp is ahead), against csp multi_thread for threads and Go.
//!
//! Within a family all implementations are measured together: after each
//! one's warm-up, samples are taken in rounds, one of each implementation
//! per round, so that load changes on the machine hit them all alike (see
//! `harness::race`). Memory samples each run in a fresh child process.
//!
//! Without `--bench` (as under `cargo test --benches`) the suite runs in a
//! tiny smoke mode, only checking that everything runs. Unknown flags are
//! ignored.

#[path = "peers/args.rs"]
mod args;
#[path = "peers/buffered.rs"]
mod buffered;
#[path = "peers/commstime.rs"]
mod commstime;
#[path = "peers/golang.rs"]
mod golang;
#[path = "peers/harness.rs"]
mod harness;
#[path = "peers/imps.rs"]
mod imps;
#[path = "peers/memory.rs"]
mod memory;
#[path = "peers/pingpong.rs"]
mod pingpong;
#[path = "peers/ring.rs"]
mod ring;

use args::Args;
use harness::{Config, Mode, Row};

/// The benchmark families, in the order they run.
const BENCHES: [&str; 5] = ["commstime", "pingpong", "ring", "buffered", "memory"];

/// Runs the suite, or one memory sample when re-executed as a child.
fn main() {
    let mut argv = std::env::args().skip(1).peekable();
    if argv.peek().map(String::as_str) == Some(memory::CHILD_FLAG) {
        let imp = argv.nth(1).expect("implementation");
        let procs = argv.next().and_then(|n| n.parse().ok()).expect("count");
        memory::child(&imp, procs);
    }
    let args = Args::parse(argv);
    let mut cfg = Config::new(args.mode());
    cfg.samples = args.samples.unwrap_or(cfg.samples).max(1);
    cfg.iters = args.iters;
    eprintln!(
        "peers: {:?} run; progress below, table at the end",
        cfg.mode
    );
    let rows = run_all(&args, &cfg);
    print!("{}", header(&cfg));
    print!("{}", harness::table(&rows));
    if args.json {
        for row in &rows {
            println!("{}", row.json());
        }
    }
}

/// Runs every selected family, then Go.
fn run_all(args: &Args, cfg: &Config) -> Vec<Row> {
    let keep = |imp: &str, flavor: &str| args.keeps(imp, flavor);
    let mut rows = Vec::new();
    for bench in BENCHES.into_iter().filter(|b| args.keeps_bench(b)) {
        eprintln!("{bench}:");
        match bench {
            "commstime" => commstime::run(cfg, &mut rows, &keep),
            "pingpong" => pingpong::run(cfg, &mut rows, &keep),
            "ring" => ring::run(cfg, &mut rows, &keep),
            "buffered" => buffered::run(cfg, &mut rows, &keep),
            "memory" => memory::run(cfg, &mut rows, &keep),
            _ => unreachable!("unknown family {bench}"),
        }
    }
    if cfg.mode != Mode::Smoke && args.keeps("go", "go") {
        let benches: Vec<&str> = BENCHES
            .into_iter()
            .filter(|b| args.keeps_bench(b))
            .collect();
        eprintln!("go:");
        golang::run(cfg, &mut rows, &benches);
    }
    // Go's rows join their families in the table.
    rows.sort_by_key(|r| BENCHES.iter().position(|b| *b == r.bench));
    rows
}

/// The lines above the table: what ran where.
fn header(cfg: &Config) -> String {
    format!(
        "peers ({:?}): {} samples each; csp/tokio/kanal on tokio current_thread and \
         multi_thread ({} workers); crossbeam on OS threads; Go with its default \
         GOMAXPROCS.\nAll units lower-is-better; csp/peer < 1 means csp is ahead \
         ((mt)/(ct): compared with csp multi_thread/current_thread).\n\n",
        cfg.mode,
        cfg.samples,
        imps::WORKERS
    )
}
