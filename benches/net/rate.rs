//! Migrations per second (family `rate`): one small process moved back
//! and forth between A and B as fast as `Node::migrate` returns, beside
//! the TCP round trip. Two processes:
//!
//! * `0-ends`: [`nap`], parked in a long sleep, no channel end at all
//!   (the move protocol alone);
//! * `1-end`: [`hold`] with nothing to hold, parked on a `recv` of a
//!   channel homed on A (a move off B waits for barriers with that home).
//!
//! Unit: µs per move; the detail column is moves per second.

use std::time::Duration;

use csp::channel;

use super::harness::Config;
use super::mover::Mover;
use super::procs::{hold, nap};
use super::report::{self, median, per_second, Entry, Filter, Report};
use super::rig::{Rig, CSP, TCP};
use super::tcp;

/// The target, in moves per second.
const TARGET: f64 = 20_000.0;

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
        let (input, input_rx) = channel::<u64>();
        let m = Mover::start(rig, hold(input_rx, Vec::new(), Vec::new()), input);
        entries.push(Entry::new("1-end", "µs/move", m.contender(rig).0));
    }
    let rows = report::race(cfg, "rate", entries);
    let base = median(&rows, BASE);
    let mut got = Vec::new();
    for row in rows {
        if row.imp != CSP {
            out.push(row, String::new(), String::new());
            continue;
        }
        let us = row.stats.median;
        let vs = base.map_or_else(String::new, |b| format!("{:.1}x rtt", us / b));
        got.push((row.variant.clone(), us));
        out.push(row, per_second(us * 1e3, "moves"), vs);
    }
    out.note_any(
        "migrations between two nodes >= 20000/s",
        &got,
        |us| per_second(us * 1e3, "moves"),
        |us| 1e6 / us >= TARGET,
    );
}
