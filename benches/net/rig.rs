//! The test bed: one tokio runtime (multi_thread, 2 workers) running two
//! csp-net nodes on 127.0.0.1, connected and authenticated, and the raw TCP
//! baselines beside them on the same runtime.

use std::future::Future;
use std::time::Duration;

use csp_net::{Node, NodeId, Spawned};

use super::harness::Contender;
use super::imps::WORKERS;

/// The flavor column of every row.
pub(crate) const FLAVOR: &str = "multi_thread";

/// The implementation column of csp-net rows.
pub(crate) const CSP: &str = "csp-net";

/// The implementation column of the raw TCP baselines.
pub(crate) const TCP: &str = "tcp";

/// The cluster secret of the two nodes.
const SECRET: &[u8] = b"net bench secret";

/// A runtime with nodes `a` and `b` connected to each other.
pub(crate) struct Rig {
    /// The runtime everything runs on.
    rt: tokio::runtime::Runtime,
    /// Node A: the benchmark's own code runs here.
    pub(crate) a: Node,
    /// Node B: the remote side.
    pub(crate) b: Node,
}

impl Rig {
    /// Starts both nodes and connects A to B (and waits until B sees A).
    pub(crate) fn new() -> Rig {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (a, b) = rt.block_on(async {
            let start = |name: &'static str| Node::builder().name(name).secret(SECRET).start();
            let a = start("a").await.expect("node a starts");
            let b = start("b").await.expect("node b starts");
            a.connect(b.addr()).await.expect("a connects to b");
            while b.peers().is_empty() {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            (a, b)
        });
        Rig { rt, a, b }
    }

    /// Node A's id.
    pub(crate) fn a_id(&self) -> NodeId {
        self.a.id()
    }

    /// Node B's id.
    pub(crate) fn b_id(&self) -> NodeId {
        self.b.id()
    }

    /// Runs `f` as a task on a worker thread and waits for its result.
    pub(crate) fn run<F>(&self, f: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt
            .block_on(async { tokio::spawn(f).await.expect("benchmark task panicked") })
    }

    /// A timed body for [`harness::race`](super::harness::race) that keeps
    /// `state` between runs: each run hands it to `body` with the
    /// iteration count, on a worker thread, and gets it back with the time.
    pub(crate) fn runner<'r, S, F, Fut>(
        &'r self,
        state: S,
        body: F,
    ) -> impl FnMut(u64) -> Duration + 'r
    where
        S: Send + 'static,
        F: Fn(S, u64) -> Fut + 'r,
        Fut: Future<Output = (S, Duration)> + Send + 'static,
    {
        let mut slot = Some(state);
        move |n| {
            let s = slot.take().expect("the state comes back after every run");
            let (s, took) = self.run(body(s, n));
            slot = Some(s);
            took
        }
    }
}

/// A measurement against a process on B that every run starts afresh and
/// ends (untimed), so that no contender's channels are live while another
/// one runs: a remote receiver parked on an idle channel keeps that
/// channel's home busy (see `benches/NET_RESULTS.md`).
pub(crate) trait Session: Send + Sync + 'static {
    /// A's ends of the process's channels; dropping them ends it.
    type Ends: Send;

    /// Starts the process on `b`.
    fn start(&self, a: &Node, b: NodeId) -> impl Future<Output = (Self::Ends, Spawned<()>)> + Send;

    /// Times `n` iterations with it.
    fn measure(&self, ends: &Self::Ends, n: u64) -> impl Future<Output = Duration> + Send;
}

impl Rig {
    /// A csp-net contender running `s`, each iteration `units` units.
    pub(crate) fn session<S: Session>(&self, s: S, units: f64) -> Contender<'_> {
        let state = (self.a.clone(), self.b_id(), s);
        let run = self.runner(state, |(a, b, s), n| async move {
            let (ends, remote) = s.start(&a, b).await;
            let took = s.measure(&ends, n).await;
            drop(ends);
            let done = remote.join().await;
            done.expect("the remote process ends when its input closes");
            ((a, b, s), took)
        });
        Contender::calibrated((CSP, FLAVOR), units, run)
    }
}

impl Drop for Rig {
    fn drop(&mut self) {
        self.a.shutdown();
        self.b.shutdown();
    }
}
