//! A process moved back and forth between the two nodes, with the figures
//! of every move kept for the caller.
//!
//! A [`Mover`] spawns its process on node A; each iteration of its
//! contender is one `Node::migrate` to the other node (A to B, then B to
//! A, ...), timed by the contender's wall clock (µs per move). A run that
//! ends with the process on B moves it back to A, untimed, so that
//! between runs every process waits on its home node. Each run
//! also logs the mean of its moves' [`MigrationReport`] figures, so the
//! last [`Config::samples`](super::harness::Config) entries of the log
//! are the samples' figures, taken in the same rounds as the wall clock.

use std::any::Any;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use csp::migrate::Migratable;
use csp_net::{MigrationReport, Node, NodeId, Pid};
use serde::de::DeserializeOwned;

use super::harness::{Contender, Stats};
use super::rig::{Rig, CSP, FLAVOR};

/// The mean figures of the moves of one run (not `downtime`: csp-net
/// measures it from the same instant as `total`, so it is the same).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Figures {
    /// `MigrationReport::freeze`, µs.
    pub(crate) freeze: f64,
    /// `MigrationReport::total`, µs.
    pub(crate) total: f64,
    /// `MigrationReport::bytes`.
    pub(crate) bytes: f64,
    /// `MigrationReport::ends`.
    pub(crate) ends: f64,
}

impl Figures {
    /// Adds one report.
    fn add(&mut self, r: &MigrationReport) {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        self.freeze += us(r.freeze);
        self.total += us(r.total);
        self.bytes += r.bytes as f64;
        self.ends += r.ends as f64;
    }

    /// The mean of `n` added reports.
    fn mean(self, n: u64) -> Figures {
        let n = n.max(1) as f64;
        Figures {
            freeze: self.freeze / n,
            total: self.total / n,
            bytes: self.bytes / n,
            ends: self.ends / n,
        }
    }
}

/// Every run's figures, in order.
#[derive(Clone, Default)]
pub(crate) struct Log(Arc<Mutex<Vec<Figures>>>);

impl Log {
    /// Stats of one figure over the last `k` runs (the samples).
    pub(crate) fn stats(&self, k: usize, figure: impl Fn(&Figures) -> f64) -> Stats {
        let log = self.0.lock().expect("log lock");
        let from = log.len().saturating_sub(k);
        Stats::of(log[from..].iter().map(figure).collect())
    }

    /// One figure's mean over every run.
    pub(crate) fn mean(&self, figure: impl Fn(&Figures) -> f64) -> f64 {
        let log = self.0.lock().expect("log lock");
        log.iter().map(figure).sum::<f64>() / log.len().max(1) as f64
    }

    /// Adds a run's figures.
    fn push(&self, f: Figures) {
        self.0.lock().expect("log lock").push(f);
    }
}

/// A process that moves between A and B.
pub(crate) struct Mover {
    /// A and B.
    nodes: [Node; 2],
    /// Their ids.
    ids: [NodeId; 2],
    /// The process.
    pid: Pid,
    /// Index of the node it is on.
    at: usize,
    /// Figures of every run.
    log: Log,
    /// Channel ends that keep the process's channels open.
    _keep: Box<dyn Any + Send>,
}

impl Mover {
    /// Spawns `p` on node A; `keep` holds the other ends of its channels.
    pub(crate) fn start<P>(rig: &Rig, p: P, keep: impl Any + Send) -> Mover
    where
        P: Migratable,
        P::Output: DeserializeOwned,
    {
        let a = rig.a.clone();
        let pid = rig.run(async move { a.spawn(p).pid() });
        Mover {
            nodes: [rig.a.clone(), rig.b.clone()],
            ids: [rig.a_id(), rig.b_id()],
            pid,
            at: 0,
            log: Log::default(),
            _keep: Box::new(keep),
        }
    }

    /// Moves the process to the other node.
    async fn hop(&mut self) -> MigrationReport {
        let to = 1 - self.at;
        let r = self.nodes[self.at]
            .migrate(self.pid, self.ids[to])
            .await
            .unwrap_or_else(|e| panic!("migrating {}: {e}", self.pid));
        self.at = to;
        r
    }

    /// Moves it `n` times, returning the sum of the moves' figures.
    async fn hops(&mut self, n: u64) -> Figures {
        let mut sum = Figures::default();
        for _ in 0..n {
            sum.add(&self.hop().await);
        }
        sum
    }

    /// Moves it back to A if it is on B (untimed): parked on B, a
    /// receive keeps its input's home on A busy (benches/NET_RESULTS.md),
    /// which would load the runs of other contenders.
    async fn home(&mut self) {
        if self.at != 0 {
            self.hop().await;
        }
    }

    /// A contender of µs per move, and the log of its figures.
    pub(crate) fn contender(self, rig: &Rig) -> (Contender<'_>, Log) {
        let log = self.log.clone();
        let run = rig.runner(self, |mut m, n| async move {
            let start = Instant::now();
            let sum = m.hops(n).await;
            let took = start.elapsed();
            m.log.push(sum.mean(n));
            m.home().await;
            (m, took)
        });
        // 1000 units per iteration: ns per (n × 1000) is µs per move.
        (Contender::calibrated((CSP, FLAVOR), 1000.0, run), log)
    }
}

/// Several processes moved at once, each by its own task: migrations per
/// second when moves overlap (a node draining or rebalancing), not one
/// move's latency.
pub(crate) struct Fleet(Vec<Mover>);

impl Fleet {
    /// `k` processes made by `make` (each with the ends that keep its
    /// channels open), spawned on A.
    pub(crate) fn start<P, K>(rig: &Rig, k: usize, make: impl Fn() -> (P, K)) -> Fleet
    where
        P: Migratable,
        P::Output: DeserializeOwned,
        K: Any + Send,
    {
        Fleet(
            (0..k)
                .map(|_| {
                    let (p, keep) = make();
                    Mover::start(rig, p, keep)
                })
                .collect(),
        )
    }

    /// A contender of µs per move: each iteration is one move, of one of
    /// the processes (`n` moves shared among them, all in flight at once).
    pub(crate) fn contender(self, rig: &Rig) -> Contender<'_> {
        let run = rig.runner(self, |Fleet(movers), n| async move {
            let k = movers.len() as u64;
            let start = Instant::now();
            let mut tasks = tokio::task::JoinSet::new();
            for (i, mut m) in movers.into_iter().enumerate() {
                let share = n / k + u64::from((i as u64) < n % k);
                tasks.spawn(async move {
                    m.hops(share).await;
                    m
                });
            }
            let mut movers = tasks.join_all().await;
            let took = start.elapsed();
            for m in &mut movers {
                m.home().await;
            }
            (Fleet(movers), took)
        });
        Contender::calibrated((CSP, FLAVOR), 1000.0, run)
    }
}
