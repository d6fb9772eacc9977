//! Remote rendezvous round trip (family `rtt`): a task on node A sends a
//! `u64` on a `channel()` whose receiver is an [`echo`] process on node B,
//! which sends it back on a second rendezvous channel. Unit: µs per round
//! trip, beside the raw TCP round trip of 16 bytes (`tcp-16B`).
//!
//! Where a channel is made is its home (DESIGN.md section 6; csp-net
//! keeps values only at the home). Two layouts:
//!
//! * `home-a`: both channels made on A and the echo spawned on B with
//!   `spawn_on`: the reply's sender is remote from its home, so each reply
//!   waits for a grant from A;
//! * `home-sender`: the reply channel is made by the echo on B
//!   ([`echo_homed`]), so each channel is homed beside its sender and its
//!   remote receiver announces in advance that it waits.

use std::time::{Duration, Instant};

use csp::{channel, Receiver, Sender};
use csp_net::{Node, NodeId, Spawned};

use super::harness::Config;
use super::procs::{echo, echo_homed};
use super::report::{self, median, Entry, Filter, Report};
use super::rig::{Rig, Session, CSP, TCP};
use super::tcp;

/// The unit of every row.
const UNIT: &str = "µs/roundtrip";

/// The target: a remote round trip within this factor of TCP's.
const TARGET: f64 = 1.3;

/// The TCP baseline's variant.
const BASE: &str = "tcp-16B";

/// The csp-net variants.
const LAYOUTS: [&str; 2] = ["home-a", "home-sender"];

/// Runs the family.
pub(crate) fn run(cfg: &Config, rig: &Rig, keep: &Filter<'_>, out: &mut Report) {
    let mut entries = Vec::new();
    if keep(TCP, BASE) {
        entries.push(Entry::new(BASE, UNIT, tcp::rtt(rig)));
    }
    for layout in LAYOUTS.into_iter().filter(|v| keep(CSP, v)) {
        // 1000 units per iteration: ns per (n × 1000) is µs per round trip.
        entries.push(Entry::new(layout, UNIT, rig.session(Echo(layout), 1000.0)));
    }
    let rows = report::race(cfg, "rtt", entries);
    let base = median(&rows, BASE);
    let mut got = Vec::new();
    for row in rows {
        let vs = match base {
            Some(b) if row.imp == CSP => {
                let x = row.stats.median / b;
                got.push((row.variant.clone(), x));
                format!("{x:.2}x rtt")
            }
            _ => String::new(),
        };
        out.push(row, String::new(), vs);
    }
    out.note_any(
        &format!("remote rendezvous round trip <= {TARGET}x TCP RTT"),
        &got,
        |x| format!("{x:.2}x"),
        |x| x <= TARGET,
    );
}

/// The ping side: a sender to the echo and a receiver of its replies.
type Ends = (Sender<u64>, Receiver<u64>);

/// An echo on B in a layout.
struct Echo(&'static str);

impl Session for Echo {
    type Ends = Ends;

    async fn start(&self, a: &Node, b: NodeId) -> (Ends, Spawned<()>) {
        let (tx, input) = channel::<u64>();
        if self.0 == "home-a" {
            let (output, rx) = channel::<u64>();
            let spawned = a.spawn_on(b, echo(input, output)).await;
            let h = spawned.map_err(|e| e.error).expect("b runs echo");
            ((tx, rx), h)
        } else {
            let (back, back_rx) = channel::<Receiver<u64>>();
            let spawned = a.spawn_on(b, echo_homed(input, back)).await;
            let h = spawned.map_err(|e| e.error).expect("b runs echo_homed");
            let rx = back_rx
                .recv()
                .await
                .expect("echo_homed hands back its receiver");
            ((tx, rx), h)
        }
    }

    /// `n` round trips, after an untimed one.
    async fn measure(&self, (tx, rx): &Ends, n: u64) -> Duration {
        tx.send(0).await.expect("echo gone");
        rx.recv().await.expect("echo gone");
        let start = Instant::now();
        for i in 0..n {
            tx.send(i).await.expect("echo gone");
            rx.recv().await.expect("echo gone");
        }
        start.elapsed()
    }
}
