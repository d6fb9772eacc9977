//! Migrations per second (family `rate`): one small process moved back
//! and forth between A and B as fast as `Node::migrate` returns, beside
//! the TCP round trip. Two processes:
//!
//! * `0-ends`: [`nap`], parked in a long sleep, no channel end at all
//!   (the move protocol alone);
//! * `1-end`: [`hold`] with nothing to hold, parked on a `recv` of a
//!   channel homed on A (a move off B waits for barriers with that home).
//!
//! And `0-ends-x64`, `1-end-x64`: 64 such processes, each moved back and
//! forth by its own task, so that 64 moves are in flight at any time
//! (throughput rather than one move's latency: a node being drained).
//!
//! Unit: µs per move; the detail column is moves per second.

use std::time::Duration;

use csp::{channel, Sender};

use super::harness::Config;
use super::mover::{Fleet, Mover};
use super::procs::{hold, nap, Hold};
use super::report::{self, median, per_second, Entry, Filter, Report};
use super::rig::{Rig, CSP, TCP};
use super::tcp;

/// The target, in moves per second.
const TARGET: f64 = 20_000.0;

/// Moves in flight at once in the `0-ends-x64` variant.
const IN_FLIGHT: usize = 64;

/// The baseline's variant.
const BASE: &str = "tcp-rtt";

/// How long the `0-ends` process naps (longer than any run).
const NAP: Duration = Duration::from_secs(24 * 3600);

/// Runs the family.
pub(crate) fn run(cfg: &Config, rig: &Rig, keep: &Filter<'_>, out: &mut Report) {
    let mut entries = Vec::new();
    if keep(TCP, BASE) {
        entries.push(Entry::new(BASE, "µs/roundtrip", tcp::rtt(rig)));
    }
    if keep(CSP, "0-ends") {
        let m = Mover::start(rig, nap(NAP), ());
        entries.push(Entry::new("0-ends", "µs/move", m.contender(rig).0));
    }
    if keep(CSP, "1-end") {
        let (p, input) = holder();
        let m = Mover::start(rig, p, input);
        entries.push(Entry::new("1-end", "µs/move", m.contender(rig).0));
    }
    if keep(CSP, "0-ends-x64") {
        let f = Fleet::start(rig, IN_FLIGHT, || (nap(NAP), ()));
        entries.push(Entry::new("0-ends-x64", "µs/move", f.contender(rig)));
    }
    if keep(CSP, "1-end-x64") {
        let f = Fleet::start(rig, IN_FLIGHT, holder);
        entries.push(Entry::new("1-end-x64", "µs/move", f.contender(rig)));
    }
    let rows = report::race(cfg, "rate", entries);
    let base = median(&rows, BASE);
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for row in rows {
        if row.imp != CSP {
            out.push(row, String::new(), String::new());
            continue;
        }
        let us = row.stats.median;
        let overlapped = row.variant.ends_with("-x64");
        // A move's wall time against the round trip; overlapped moves
        // have no such single time.
        let vs = match base {
            Some(b) if !overlapped => format!("{:.1}x rtt", us / b),
            _ => String::new(),
        };
        let got = if overlapped { &mut many } else { &mut one };
        got.push((row.variant.clone(), us));
        out.push(row, per_second(us * 1e3, "moves"), vs);
    }
    for (got, how) in [(one, "one move at a time"), (many, "64 moves in flight")] {
        out.note_any(
            &format!("migrations between two nodes >= 20000/s, {how}"),
            &got,
            |us| per_second(us * 1e3, "moves"),
            |us| 1e6 / us >= TARGET,
        );
    }
}

/// A [`hold`] parked on the receive of a channel homed on A, and that
/// channel's sender.
fn holder() -> (Hold, Sender<u64>) {
    let (input, input_rx) = channel::<u64>();
    (hold(input_rx, Vec::new(), Vec::new()), input)
}
