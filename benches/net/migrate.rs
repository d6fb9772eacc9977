//! Process migration cost (family `migrate`): a [`hold`] process parked on
//! a `recv`, moved back and forth between A and B (see [`Mover`]), holding
//!
//! * a `Vec<u8>` of random bytes of 1 KiB to 64 MiB (`frame-*`; up to
//!   16 MiB in a quick run, 64 KiB in a smoke run), which serde encodes
//!   as an array of numbers (1.5 bytes per random byte),
//! * the same bytes from 1 MiB up in a [`Blob`], encoded as one
//!   MessagePack `bin` (`bin-*`, beside the target: what the move costs
//!   without the per-element encoding), or
//! * a `Vec<Sender<u64>>` of 1 to 1000 ends of as many channels, whose
//!   receivers stay on A (`ends-*`; the process's own input is one more).
//!
//! Three rows per case: `move` (our wall clock around `Node::migrate`),
//! `total` and `freeze` (the `MigrationReport`'s figures, means of the
//! same runs), beside the raw TCP round trip (`tcp-rtt`) and stream
//! bandwidth (`tcp-1MiB`) sampled in the same rounds. Small cases are
//! compared with the round trip, frames of 1 MiB and more with the
//! bandwidth (bytes sent per µs of `total`).

use csp::{channel, Receiver, Sender};

use super::harness::{Config, Mode, Row};
use super::mover::{Log, Mover};
use super::procs::{hold, hold_bin, Blob};
use super::report::{self, bytes, median, per_second, Entry, Filter, Report};
use super::rig::{Rig, CSP, TCP};
use super::tcp;

/// The unit of the time rows.
const UNIT: &str = "µs";

/// The baselines' variants.
const RTT: &str = "tcp-rtt";
/// See [`RTT`].
const BW: &str = "tcp-1MiB";

/// Frames from this size on are compared with the bandwidth.
const LARGE: usize = 1 << 20;

/// A 1 KiB frame's total within this many TCP round trips.
const SMALL_RTTS: f64 = 4.0;
/// A 1 KiB frame's freeze within this many µs.
const SMALL_FREEZE_US: f64 = 50.0;
/// Large frames at this share of the TCP bandwidth.
const LARGE_SHARE: f64 = 0.40;

/// What the process holds.
#[derive(Debug, Clone, Copy)]
enum Case {
    /// A `Vec<u8>` of this many bytes.
    Frame(usize),
    /// The same in a [`Blob`], which serializes as one `bin`.
    Bin(usize),
    /// This many `Sender<u64>`s.
    Ends(usize),
}

impl Case {
    /// The cases a run of `mode` measures.
    fn all(mode: Mode) -> Vec<Case> {
        const K: usize = 1 << 10;
        const M: usize = 1 << 20;
        let (frames, bins, ends): (&[usize], &[usize], &[usize]) = match mode {
            Mode::Smoke => (&[K, 64 * K], &[64 * K], &[1, 10]),
            Mode::Quick => (&[K, 64 * K, M, 16 * M], &[M, 16 * M], &[1, 10, 100, 1000]),
            Mode::Full => (
                &[K, 64 * K, M, 16 * M, 64 * M],
                &[M, 16 * M, 64 * M],
                &[1, 10, 100, 1000],
            ),
        };
        let frames = frames.iter().map(|&n| Case::Frame(n));
        let bins = bins.iter().map(|&n| Case::Bin(n));
        let ends = ends.iter().map(|&n| Case::Ends(n));
        frames.chain(bins).chain(ends).collect()
    }

    /// The variant column.
    fn name(self) -> String {
        let size = |n: usize| match n {
            n if n >= 1 << 20 => format!("{}MiB", n >> 20),
            n => format!("{}KiB", n >> 10),
        };
        match self {
            Case::Frame(n) => format!("frame-{}", size(n)),
            Case::Bin(n) => format!("bin-{}", size(n)),
            Case::Ends(n) => format!("ends-{n}"),
        }
    }

    /// Whether it is compared with the bandwidth rather than the RTT.
    fn large(self) -> bool {
        matches!(self, Case::Frame(n) | Case::Bin(n) if n >= LARGE)
    }

    /// Its process, spawned on A.
    fn mover(self, rig: &Rig) -> Mover {
        let (input, input_rx) = channel::<u64>();
        let random = |n: usize| {
            let mut blob = vec![0u8; n];
            fastrand::fill(&mut blob);
            blob
        };
        match self {
            Case::Frame(n) => Mover::start(rig, hold(input_rx, random(n), Vec::new()), input),
            Case::Bin(n) => Mover::start(rig, hold_bin(input_rx, Blob(random(n))), input),
            Case::Ends(n) => {
                let (ends, keep): (Vec<Sender<u64>>, Vec<Receiver<u64>>) =
                    (0..n).map(|_| channel::<u64>()).unzip();
                Mover::start(rig, hold(input_rx, Vec::new(), ends), (input, keep))
            }
        }
    }
}

/// Runs the family.
pub(crate) fn run(cfg: &Config, rig: &Rig, keep: &Filter<'_>, out: &mut Report) {
    let mut entries = Vec::new();
    if keep(TCP, RTT) {
        entries.push(Entry::new(RTT, "µs/roundtrip", tcp::rtt(rig)));
    }
    if keep(TCP, BW) {
        entries.push(Entry::new(BW, "µs/MiB", tcp::stream(rig)));
    }
    let mut cases = Vec::new();
    for case in Case::all(cfg.mode) {
        if keep(CSP, &case.name()) {
            let (c, log) = case.mover(rig).contender(rig);
            entries.push(Entry::new(case.name(), UNIT, c));
            cases.push((case, log));
        }
    }
    let rows = report::race(cfg, "move", entries);
    let base = Base {
        rtt: median(&rows, RTT),
        bw: median(&rows, BW).map(|us| (1u64 << 20) as f64 / us),
    };
    let mut cases = cases.into_iter();
    let mut notes = Notes::default();
    for row in rows {
        if row.imp != CSP {
            let detail = if row.variant == BW {
                format!("{:.0} MiB/s", 1e6 / row.stats.median)
            } else {
                String::new()
            };
            out.push(row, detail, String::new());
            continue;
        }
        let (case, log) = cases.next().expect("a case per csp-net row");
        lines(cfg, (case, &log), row, &base, out, &mut notes);
    }
    notes.write(out);
}

/// The baselines' medians.
struct Base {
    /// µs per TCP round trip.
    rtt: Option<f64>,
    /// TCP stream bytes per µs.
    bw: Option<f64>,
}

impl Base {
    /// `us` against the round trip, or `bytes` in `us` against the
    /// bandwidth, as a cell and a value.
    fn vs(&self, large: bool, us: f64, bytes: f64) -> Option<(String, f64)> {
        if large {
            let share = bytes / us / self.bw?;
            Some((format!("{:.0}% bw", 100.0 * share), share))
        } else {
            let x = us / self.rtt?;
            Some((format!("{x:.1}x rtt"), x))
        }
    }
}

/// The `move`, `total` and `freeze` lines of one case.
fn lines(
    cfg: &Config,
    (case, log): (Case, &Log),
    wall: Row,
    base: &Base,
    out: &mut Report,
    notes: &mut Notes,
) {
    let sent = log.mean(|f| f.bytes);
    let ends = log.mean(|f| f.ends);
    let derived = |bench: &str, figure: fn(&super::mover::Figures) -> f64| {
        let stats = log.stats(cfg.samples, figure);
        Row::new(bench, &wall.variant, &wall.imp, &wall.flavor, stats, UNIT)
    };
    let total = derived("total", |f| f.total);
    let freeze = derived("freeze", |f| f.freeze);
    let vs_wall = base.vs(case.large(), wall.stats.median, sent);
    let vs_total = base.vs(case.large(), total.stats.median, sent);
    match (case, &vs_total) {
        (Case::Frame(n), _) if n <= 1 << 10 => {
            notes.small = Some((vs_total.as_ref().map(|v| v.1), freeze.stats.median));
        }
        (Case::Frame(_), Some((_, share))) if case.large() => {
            notes.large.push((case.name(), *share))
        }
        (Case::Bin(_), Some((_, share))) if case.large() => notes.bins.push((case.name(), *share)),
        _ => {}
    }
    let cell = |v: Option<(String, f64)>| v.map(|v| v.0).unwrap_or_default();
    let moves = per_second(wall.stats.median * 1e3, "moves");
    out.push(wall, moves, cell(vs_wall));
    let size = format!("{} sent, {ends:.0} ends", bytes(sent));
    out.push(total, size, cell(vs_total));
    out.push(freeze, String::new(), String::new());
}

/// What the targets are checked against.
#[derive(Default)]
struct Notes {
    /// The 1 KiB frame: total in TCP round trips (if that ran), freeze
    /// in µs.
    small: Option<(Option<f64>, f64)>,
    /// Large frames: share of the TCP bandwidth.
    large: Vec<(String, f64)>,
    /// The same as one `bin` (shown beside, not part of the target).
    bins: Vec<(String, f64)>,
}

impl Notes {
    /// Adds the target notes.
    fn write(&self, out: &mut Report) {
        if let Some((rtts, freeze)) = self.small {
            if let Some(x) = rtts {
                out.note(
                    &format!("1 KiB frame: total <= {SMALL_RTTS}x TCP RTT"),
                    format!("{x:.1}x"),
                    x <= SMALL_RTTS,
                );
            }
            out.note(
                &format!("1 KiB frame: freeze <= {SMALL_FREEZE_US} µs"),
                format!("{freeze:.1} µs"),
                freeze <= SMALL_FREEZE_US,
            );
        }
        if !self.large.is_empty() {
            let shares = |v: &[(String, f64)]| {
                let all: Vec<String> = v
                    .iter()
                    .map(|(v, s)| format!("{v} {:.0}%", 100.0 * s))
                    .collect();
                all.join(", ")
            };
            let mut got = shares(&self.large);
            if !self.bins.is_empty() {
                got = format!("{got}; as one bin: {}", shares(&self.bins));
            }
            out.note(
                &format!(
                    "large Vec<u8> frames >= {:.0}% of TCP bandwidth",
                    100.0 * LARGE_SHARE
                ),
                got,
                self.large.iter().all(|(_, s)| *s >= LARGE_SHARE),
            );
        }
    }
}
