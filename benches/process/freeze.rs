//! Local freeze and thaw of a small process, with no runtime and no spawn.
//!
//! The process is [`twins::gauge`]: two channel ends, a `u32` parameter
//! and four typed locals (`u64`, `u32`, `u64`, `Option<u64>`). It is first
//! run through a few values by hand (so its locals are not all zero), then
//! every iteration:
//!
//! 1. polls the frame once with a no-op waker, which parks it in `recv`
//!    (untimed);
//! 2. `Frozen::freeze(&mut frame)`: settles the parked receive (withdraws
//!    its queue entry under the channel lock) and serializes the frame;
//!    then drops the old frame (its ends are held by the `Frozen`);
//! 3. optionally `to_bytes` + `Frozen::from_bytes` (a checkpoint's round
//!    trip; the decoded copy thaws, the in-memory one is dropped after);
//! 4. `thaw::<Gauge>()`: resolves the channel references to the live
//!    channels and decodes the frame, which the next iteration parks again.
//!
//! Each contender times a different part of that same cycle with one
//! `Instant` pair per iteration (about 2 × 20 ns of clock reads included);
//! they run interleaved, one sample of each per round. Unit: µs.

use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use csp::migrate::Frozen;
use csp::{channel, Process, Receiver, Sender};

use super::harness::{race, Config, Contender, Keep, Row};
use super::twins::{gauge, Gauge};

/// The flavor column of these rows: the caller's thread, no runtime.
pub(crate) const FLAVOR: &str = "local";

/// Which part of the freeze/thaw cycle a contender times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// `freeze` and dropping the old frame.
    Freeze,
    /// `thaw` from the in-memory `Frozen`.
    Thaw,
    /// `freeze`, drop, `thaw`: the local move (target ≤ 5 µs).
    FreezeThaw,
    /// `to_bytes` + `from_bytes` only.
    Bytes,
    /// `freeze`, drop, `to_bytes`, `from_bytes`, `thaw`: through bytes
    /// (target ≤ 5 µs).
    FreezeBytesThaw,
}

impl Part {
    /// Every part, in table order.
    const ALL: [Part; 5] = [
        Part::FreezeThaw,
        Part::FreezeBytesThaw,
        Part::Freeze,
        Part::Thaw,
        Part::Bytes,
    ];

    /// The variant name in the table.
    fn name(self) -> &'static str {
        match self {
            Part::Freeze => "freeze",
            Part::Thaw => "thaw",
            Part::FreezeThaw => "freeze+thaw",
            Part::Bytes => "to+from_bytes",
            Part::FreezeBytesThaw => "freeze+bytes+thaw",
        }
    }

    /// Whether the cycle goes through bytes.
    fn via_bytes(self) -> bool {
        matches!(self, Part::Bytes | Part::FreezeBytesThaw)
    }
}

/// A gauge frame with the channel ends that keep it company.
pub(crate) struct Rig {
    /// The frame (parked in `recv` between iterations' freezes).
    frame: Option<Gauge>,
    /// Feeds the gauge.
    input: Sender<u64>,
    /// Takes the gauge's output.
    output: Receiver<u64>,
}

impl Rig {
    /// A gauge that has already processed a few values.
    pub(crate) fn new() -> Rig {
        let (input, in_rx) = channel();
        let (out_tx, output) = channel();
        let mut rig = Rig {
            frame: Some(gauge(in_rx, out_tx, 3)),
            input,
            output,
        };
        for v in [7, 40, 2] {
            assert!(rig.poll().is_pending(), "gauge parks in recv");
            rig.input.try_send(v).expect("the gauge is parked in recv");
            assert!(rig.poll().is_pending(), "gauge parks in send");
            rig.output.try_recv().expect("the gauge is parked in send");
        }
        assert!(rig.poll().is_pending(), "gauge parks in recv");
        rig
    }

    /// Steps the frame once with a no-op waker.
    pub(crate) fn poll(&mut self) -> Poll<u64> {
        let frame = self.frame.as_mut().expect("a frame");
        frame.step(&mut Context::from_waker(Waker::noop()))
    }

    /// Freezes the (parked) frame and drops it.
    pub(crate) fn freeze(&mut self) -> Frozen {
        let mut frame = self.frame.take().expect("a frame");
        let frozen = Frozen::freeze(&mut frame).expect("freeze");
        drop(frame);
        frozen
    }

    /// Thaws a frozen gauge into the rig.
    pub(crate) fn thaw(&mut self, frozen: Frozen) {
        self.frame = Some(frozen.thaw::<Gauge>().expect("thaw"));
    }

    /// One full cycle, timing `part`.
    fn cycle(&mut self, part: Part) -> Duration {
        assert!(self.poll().is_pending(), "gauge parks in recv");
        let t0 = Instant::now();
        let frozen = self.freeze();
        let t1 = Instant::now();
        let (back, t2) = if part.via_bytes() {
            let bytes = frozen.to_bytes();
            let back = Frozen::from_bytes(&bytes).expect("from_bytes");
            (Some(back), Instant::now())
        } else {
            (None, t1)
        };
        let t3 = Instant::now();
        match back {
            Some(b) => {
                self.thaw(b);
                drop(frozen);
            }
            None => self.thaw(frozen),
        }
        let t4 = Instant::now();
        match part {
            Part::Freeze => t1 - t0,
            Part::Thaw => t4 - t3,
            Part::FreezeThaw => (t1 - t0) + (t4 - t3),
            Part::Bytes => t2 - t1,
            Part::FreezeBytesThaw => t4 - t0,
        }
    }
}

/// Runs every part as one interleaved race.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    if !keep("process", FLAVOR) {
        return;
    }
    let field = Part::ALL
        .into_iter()
        .map(|part| {
            let mut rig = Rig::new();
            let run = move |n| (0..n).map(|_| rig.cycle(part)).sum();
            // 1000 units per iteration: ns per (n × 1000) is µs per cycle.
            // The part's name stands in the impl column until relabelled.
            Contender::calibrated((part.name(), FLAVOR), 1000.0, run)
        })
        .collect();
    for mut row in race(cfg, ("freeze", "gauge", "µs"), field) {
        row.variant = row.imp.clone();
        row.imp = "process".into();
        rows.push(row);
    }
}
