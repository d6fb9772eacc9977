//! csp-net benchmarks: two nodes on 127.0.0.1 in one OS process, against
//! raw tokio TCP on the same runtime, in one run.
//!
//! ```text
//! cargo bench --bench net                       # full run, about a minute
//! cargo bench --bench net -- --quick            # well under a minute
//! cargo bench --bench net -- --quick --json     # plus one JSON object per line
//! cargo bench --bench net -- --only rtt,migrate --impl csp-net --variant home-b,frame-1MiB
//! ```
//!
//! `--iters N --samples S` replaces calibration with exactly `N`
//! iterations per run (one warm-up run plus `S` samples), for profilers:
//! `perf record -g target/release/deps/net-HASH --bench --only stream
//! --variant home-b --iters 200000 --samples 3`.
//!
//! Families (modules under `benches/net/`, run in this order):
//!
//! * `rtt` (`rendezvous.rs`): round trip of a `u64` through two remote
//!   rendezvous channels to an echo process on B, vs the TCP round trip of
//!   16 bytes (target ≤ 1.3×);
//! * `stream` (`throughput.rs`): 16-byte messages on a `buffered(1024)`
//!   channel from A to a process on B (target ≥ 2 M msg/s), vs the TCP
//!   stream bandwidth with 1 MiB writes;
//! * `migrate` (`migrate.rs`): moving a process parked on a `recv` that
//!   holds a `Vec<u8>` of 1 KiB to 64 MiB, or 1 to 1000 channel ends:
//!   wall clock, report total and freeze (targets: a 1 KiB frame's total
//!   ≤ 4 TCP round trips and freeze ≤ 50 µs; frames of 1 MiB and up at
//!   ≥ 40 % of the TCP bandwidth);
//! * `rate` (`rate.rs`): back-and-forth moves of a small process
//!   (target ≥ 20 000/s).
//!
//! Every row is on one tokio multi_thread runtime with 2 workers
//! (`rig.rs`), nodes A and B and the TCP baselines alike. Within a family
//! the baselines and csp-net are sampled in interleaved rounds (see
//! `harness::race`); `vs tcp` compares each row with the family's own
//! baseline rows. After the table, one `note:` line per target says
//! whether this run met it. All units are lower-is-better; the `detail`
//! column turns them into rates. The measuring and the output format are
//! `benches/peers`' (`harness.rs`, `args.rs`).
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

#[path = "net/migrate.rs"]
mod migrate;
#[path = "net/mover.rs"]
mod mover;
#[path = "net/procs.rs"]
mod procs;
#[path = "net/rate.rs"]
mod rate;
#[path = "net/rendezvous.rs"]
mod rendezvous;
#[path = "net/report.rs"]
mod report;
#[path = "net/rig.rs"]
mod rig;
#[path = "net/tcp.rs"]
mod tcp;
#[path = "net/throughput.rs"]
mod throughput;

use std::time::{Duration, Instant};

use args::Args;
use harness::{Config, Mode};
use report::Report;
use rig::{Rig, FLAVOR};

/// The benchmark families, in the order they run.
const FAMILIES: [&str; 4] = ["rtt", "stream", "migrate", "rate"];

/// Runs the suite.
fn main() {
    let args = Args::parse(std::env::args().skip(1));
    let mut cfg = Config::new(args.mode());
    // More samples than the peers suite in a quick run: the loopback
    // round trip alone varies by 2x on this machine from round to round.
    if cfg.mode == Mode::Quick {
        cfg.samples = 9;
    }
    cfg.samples = args.samples.unwrap_or(cfg.samples).max(1);
    cfg.iters = args.iters;
    eprintln!("net: {:?} run; progress below, table at the end", cfg.mode);
    let started = Instant::now();
    let report = run_all(&args, &cfg);
    print!("{}", header(&cfg, started.elapsed()));
    print!("{}", report.table());
    print!("\n{}", report.notes());
    if args.json {
        for row in report.rows() {
            println!("{}", row.json());
        }
    }
}

/// Runs every selected family on one pair of nodes.
fn run_all(args: &Args, cfg: &Config) -> Report {
    let keep = |imp: &str, variant: &str| args.keeps(imp, FLAVOR) && args.keeps_variant(variant);
    let rig = Rig::new();
    let mut out = Report::default();
    for family in FAMILIES.into_iter().filter(|f| args.keeps_bench(f)) {
        eprintln!("{family}:");
        match family {
            "rtt" => rendezvous::run(cfg, &rig, &keep, &mut out),
            "stream" => throughput::run(cfg, &rig, &keep, &mut out),
            "migrate" => migrate::run(cfg, &rig, &keep, &mut out),
            "rate" => rate::run(cfg, &rig, &keep, &mut out),
            _ => unreachable!("unknown family {family}"),
        }
    }
    out
}

/// The lines above the table: what ran where.
fn header(cfg: &Config, took: Duration) -> String {
    format!(
        "net ({:?}, {:.1} s): {} samples each; csp-net nodes A and B and raw tokio TCP \
         (TCP_NODELAY) on 127.0.0.1, all on one tokio multi_thread runtime ({} workers).\n\
         All units lower-is-better; detail: the row as a rate or a size; vs tcp: against \
         the family's TCP round trip (x rtt) or stream bandwidth (% bw), sampled in the \
         same rounds. move: wall clock of Node::migrate; total, freeze: its \
         MigrationReport.\n\n",
        cfg.mode,
        took.as_secs_f64(),
        cfg.samples,
        imps::WORKERS,
    )
}
