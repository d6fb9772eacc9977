//! Remote buffered throughput (family `stream`): a task on node A sends
//! 16-byte messages (`[u8; 16]`) on a `buffered(1024)` channel to a
//! [`sink`] process on node B, which counts them and answers when it has
//! them all. Unit: ns per message, beside the raw TCP stream (`tcp-1MiB`,
//! µs per MiB); the `vs tcp` column is the messages' 16 payload bytes per
//! second as a share of that bandwidth.
//!
//! As in `rtt`, two homes for the data channel: `home-a` (made on A, its
//! receiver carried to B by `spawn_on`: values wait at A and cross one per
//! request of the remote receiver) and `home-b` (made by the sink on B,
//! [`sink_homed`], its sender handed back to A: A's sends cross as fast as
//! B grants room, up to the capacity). `home-b-16tx` is `home-b` with 16
//! tasks on A sending a share each (on clones of the sender).

use std::time::{Duration, Instant};

use csp::{buffered, channel, Receiver, Sender};
use csp_net::{Node, NodeId, Spawned};

use super::harness::Config;
use super::procs::{sink, sink_homed, Msg16, CAPACITY};
use super::report::{self, median, per_second, Entry, Filter, Report};
use super::rig::{Rig, Session, CSP, TCP};
use super::tcp;

/// The unit of the csp-net rows.
const UNIT: &str = "ns/msg";

/// The target, in messages per second.
const TARGET: f64 = 2e6;

/// The TCP baseline's variant.
const BASE: &str = "tcp-1MiB";

/// The csp-net variants: layout and number of sending tasks.
const LAYOUTS: [(&str, usize); 3] = [("home-a", 1), ("home-b", 1), ("home-b-16tx", SENDERS)];

/// Sending tasks of the many-senders variant.
const SENDERS: usize = 16;

/// Runs the family.
pub(crate) fn run(cfg: &Config, rig: &Rig, keep: &Filter<'_>, out: &mut Report) {
    let mut entries = Vec::new();
    if keep(TCP, BASE) {
        entries.push(Entry::new(BASE, "µs/MiB", tcp::stream(rig)));
    }
    for (layout, senders) in LAYOUTS.into_iter().filter(|v| keep(CSP, v.0)) {
        let sink = rig.session(Sink { layout, senders }, 1.0);
        entries.push(Entry::new(layout, UNIT, sink));
    }
    let rows = report::race(cfg, "stream", entries);
    // Bytes per ns of the baseline.
    let bw = median(&rows, BASE).map(|us_per_mib| (1u64 << 20) as f64 / (us_per_mib * 1e3));
    let mut got = Vec::new();
    for row in rows {
        let ns = row.stats.median;
        if row.imp != CSP {
            // µs per MiB, so 1e6 / it is MiB/s.
            let detail = format!("{:.0} MiB/s", 1e6 / ns);
            out.push(row, detail, String::new());
            continue;
        }
        let vs = bw.map_or_else(String::new, |bw| {
            format!("{:.1}% bw", 100.0 * 16.0 / ns / bw)
        });
        got.push((row.variant.clone(), ns));
        out.push(row, per_second(ns, "msg"), vs);
    }
    out.note_any(
        "remote buffered throughput of 16-byte messages >= 2 M msg/s",
        &got,
        |ns| per_second(ns, "msg"),
        |ns| 1e9 / ns >= TARGET,
    );
}

/// The sending side: a count to the sink, the data, the sink's answer.
type Ends = (Sender<u64>, Sender<Msg16>, Receiver<u64>);

/// A sink on B in a layout, fed by a number of tasks on A.
struct Sink {
    /// `home-a` or `home-b`.
    layout: &'static str,
    /// Sending tasks.
    senders: usize,
}

impl Session for Sink {
    type Ends = Ends;

    async fn start(&self, a: &Node, b: NodeId) -> (Ends, Spawned<()>) {
        let (ctl, ctl_rx) = channel::<u64>();
        let (done_tx, done) = channel::<u64>();
        if self.layout == "home-a" {
            let (data, data_rx) = buffered::<Msg16>(CAPACITY);
            let spawned = a.spawn_on(b, sink(ctl_rx, data_rx, done_tx)).await;
            let h = spawned.map_err(|e| e.error).expect("b runs sink");
            ((ctl, data, done), h)
        } else {
            let (back, back_rx) = channel::<Sender<Msg16>>();
            let spawned = a.spawn_on(b, sink_homed(ctl_rx, back, done_tx)).await;
            let h = spawned.map_err(|e| e.error).expect("b runs sink_homed");
            let data = back_rx
                .recv()
                .await
                .expect("sink_homed hands back its sender");
            ((ctl, data, done), h)
        }
    }

    /// Sends `n` messages (from each sending task a share) and waits
    /// until the sink has them all.
    async fn measure(&self, (ctl, data, done): &Ends, n: u64) -> Duration {
        let start = Instant::now();
        ctl.send(n).await.expect("sink gone");
        if self.senders == 1 {
            send(data.clone(), 0..n).await;
        } else {
            let k = self.senders as u64;
            let tasks: Vec<_> = (0..k)
                .map(|j| tokio::spawn(send(data.clone(), n * j / k..n * (j + 1) / k)))
                .collect();
            for t in tasks {
                t.await.expect("sender panicked");
            }
        }
        assert_eq!(done.recv().await, Ok(n), "the sink counts what it got");
        start.elapsed()
    }
}

/// Sends messages numbered `range`.
async fn send(data: Sender<Msg16>, range: std::ops::Range<u64>) {
    let mut m: Msg16 = [7; 16];
    for i in range {
        m[..8].copy_from_slice(&i.to_le_bytes());
        data.send(m).await.expect("sink gone");
    }
}
