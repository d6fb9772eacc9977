//! The async implementations under test, behind one small trait.
//!
//! Every async benchmark is written once, generic over [`Peer`], so csp,
//! tokio and kanal run exactly the same process code; only the channel and
//! spawn calls differ. Messages are `u64` (occam's `INT`). The thread-based
//! crossbeam versions and the Go program live beside each benchmark.

use std::future::Future;

use tokio::sync::mpsc;

use super::harness::{Contender, Keep};

/// Worker threads of the multi-threaded runtimes (the machine has 2 cores).
pub(crate) const WORKERS: usize = 2;

/// Which tokio scheduler the async implementations run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sched {
    /// One thread runs every task.
    CurrentThread,
    /// [`WORKERS`] worker threads with work stealing.
    MultiThread,
}

impl Sched {
    /// Both schedulers, in table order.
    pub(crate) const ALL: [Sched; 2] = [Sched::CurrentThread, Sched::MultiThread];

    /// The name used in the table and the JSON lines.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Sched::CurrentThread => "current_thread",
            Sched::MultiThread => "multi_thread",
        }
    }
}

/// A runtime to run one implementation on: csp's own, or plain tokio built
/// the same way (csp always enables the timer driver, so tokio does too).
pub(crate) enum Runtime {
    /// `csp::Runtime` (tokio underneath).
    Csp(csp::Runtime),
    /// A tokio runtime, for tokio and kanal.
    Tokio(tokio::runtime::Runtime),
}

impl Runtime {
    /// Runs `f` as a spawned task (so on a worker thread under
    /// multi_thread) and waits for its result.
    pub(crate) fn run<F>(&self, f: F) -> F::Output
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Runtime::Csp(rt) => {
                rt.block_on(async { csp::spawn(f).join().await.expect("panicked") })
            }
            Runtime::Tokio(rt) => rt.block_on(async { tokio::spawn(f).await.expect("panicked") }),
        }
    }
}

/// A tokio runtime of the given scheduler.
fn tokio_runtime(sched: Sched) -> tokio::runtime::Runtime {
    let mut b = match sched {
        Sched::CurrentThread => tokio::runtime::Builder::new_current_thread(),
        Sched::MultiThread => tokio::runtime::Builder::new_multi_thread(),
    };
    if sched == Sched::MultiThread {
        b.worker_threads(WORKERS);
    }
    b.enable_time().build().expect("tokio runtime")
}

/// What a benchmark needs from a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A send completes only when the value was received (commstime).
    Rendezvous,
    /// The protocol already waits for an answer before sending again
    /// (ping-pong, a ring with one token), so no rendezvous is needed for
    /// correctness: csp and kanal still use their rendezvous channel,
    /// tokio uses plain `mpsc::channel(1)`.
    Handoff,
    /// Holds this many values.
    Buffered(usize),
}

/// One async implementation: its channels, its spawn and its runtime.
pub(crate) trait Peer: 'static {
    /// The name in the table.
    const NAME: &'static str;
    /// Sending end.
    type Tx: Send + 'static;
    /// Receiving end.
    type Rx: Send + 'static;

    /// A new channel.
    fn pair(kind: Kind) -> (Self::Tx, Self::Rx);

    /// Another sender on the same (buffered) channel.
    fn clone_tx(tx: &Self::Tx) -> Self::Tx;

    /// Sends `v`; false once the channel is closed.
    fn send(tx: &mut Self::Tx, v: u64) -> impl Future<Output = bool> + Send + '_;

    /// Receives; `None` once the channel is closed.
    fn recv(rx: &mut Self::Rx) -> impl Future<Output = Option<u64>> + Send + '_;

    /// Sends `v` on both channels at once (occam's `PAR a ! v; b ! v`):
    /// here a join of the two sends within the calling task.
    fn send_both<'a>(
        a: &'a mut Self::Tx,
        b: &'a mut Self::Tx,
        v: u64,
    ) -> impl Future<Output = bool> + Send + 'a {
        async move {
            let (x, y) = tokio::join!(Self::send(a, v), Self::send(b, v));
            x && y
        }
    }

    /// Starts `f` as a new task; the returned future is its result.
    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static;

    /// The runtime this implementation runs on.
    fn runtime(sched: Sched) -> Runtime;
}

/// csp: `channel()` / `buffered(n)`, `par!`, `csp::spawn`.
pub(crate) struct Csp;

impl Peer for Csp {
    const NAME: &'static str = "csp";
    type Tx = csp::Sender<u64>;
    type Rx = csp::Receiver<u64>;

    fn pair(kind: Kind) -> (Self::Tx, Self::Rx) {
        match kind {
            Kind::Rendezvous | Kind::Handoff => csp::channel(),
            Kind::Buffered(n) => csp::buffered(n),
        }
    }

    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }

    async fn send(tx: &mut Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }

    async fn send_both(a: &mut Self::Tx, b: &mut Self::Tx, v: u64) -> bool {
        let (x, y) = csp::par!(a.send(v), b.send(v));
        x.is_ok() && y.is_ok()
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let h = csp::spawn(f);
        async move { h.join().await.expect("process panicked") }
    }

    fn runtime(sched: Sched) -> Runtime {
        let flavor = match sched {
            Sched::CurrentThread => csp::Flavor::CurrentThread,
            Sched::MultiThread => csp::Flavor::MultiThread,
        };
        let rt = csp::Runtime::builder()
            .flavor(flavor)
            .workers(WORKERS)
            .build()
            .expect("csp runtime");
        Runtime::Csp(rt)
    }
}

/// kanal's async channels: `bounded_async(0)` is a real rendezvous.
pub(crate) struct Kanal;

impl Peer for Kanal {
    const NAME: &'static str = "kanal";
    type Tx = kanal::AsyncSender<u64>;
    type Rx = kanal::AsyncReceiver<u64>;

    fn pair(kind: Kind) -> (Self::Tx, Self::Rx) {
        match kind {
            Kind::Rendezvous | Kind::Handoff => kanal::bounded_async(0),
            Kind::Buffered(n) => kanal::bounded_async(n),
        }
    }

    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        tx.clone()
    }

    async fn send(tx: &mut Self::Tx, v: u64) -> bool {
        tx.send(v).await.is_ok()
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        rx.recv().await.ok()
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio_spawn(f)
    }

    fn runtime(sched: Sched) -> Runtime {
        Runtime::Tokio(tokio_runtime(sched))
    }
}

/// tokio tasks with `tokio::sync::mpsc`.
///
/// tokio has no rendezvous channel. For [`Kind::Rendezvous`] this uses
/// `mpsc::channel(1)` for the value plus a second `mpsc::channel(1)` on
/// which the receiver acknowledges each value it took; `send` returns only
/// after the acknowledgement, so it completes when the value was received,
/// as a rendezvous does. The other kinds are a plain `mpsc::channel`.
pub(crate) struct Tokio;

/// Sending end of a tokio channel, with the acknowledgement it waits for
/// when it stands in for a rendezvous.
pub(crate) struct TokioTx {
    data: mpsc::Sender<u64>,
    ack: Option<mpsc::Receiver<()>>,
}

/// Receiving end of a tokio channel, acknowledging each value when it
/// stands in for a rendezvous.
pub(crate) struct TokioRx {
    data: mpsc::Receiver<u64>,
    ack: Option<mpsc::Sender<()>>,
}

impl Peer for Tokio {
    const NAME: &'static str = "tokio";
    type Tx = TokioTx;
    type Rx = TokioRx;

    fn pair(kind: Kind) -> (Self::Tx, Self::Rx) {
        let cap = match kind {
            Kind::Rendezvous | Kind::Handoff => 1,
            Kind::Buffered(n) => n,
        };
        let (data_tx, data_rx) = mpsc::channel(cap);
        let (ack_tx, ack_rx) = match kind {
            Kind::Rendezvous => {
                let (t, r) = mpsc::channel(1);
                (Some(t), Some(r))
            }
            _ => (None, None),
        };
        let tx = TokioTx {
            data: data_tx,
            ack: ack_rx,
        };
        let rx = TokioRx {
            data: data_rx,
            ack: ack_tx,
        };
        (tx, rx)
    }

    /// # Panics
    /// On a rendezvous stand-in, whose acknowledgement has one owner.
    fn clone_tx(tx: &Self::Tx) -> Self::Tx {
        assert!(tx.ack.is_none(), "the tokio rendezvous has one sender");
        TokioTx {
            data: tx.data.clone(),
            ack: None,
        }
    }

    async fn send(tx: &mut Self::Tx, v: u64) -> bool {
        if tx.data.send(v).await.is_err() {
            return false;
        }
        match &mut tx.ack {
            Some(ack) => ack.recv().await.is_some(),
            None => true,
        }
    }

    async fn recv(rx: &mut Self::Rx) -> Option<u64> {
        let v = rx.data.recv().await?;
        if let Some(ack) = &rx.ack {
            // Never full: the sender waits for this before sending again.
            let _ = ack.try_send(());
        }
        Some(v)
    }

    fn spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        tokio_spawn(f)
    }

    fn runtime(sched: Sched) -> Runtime {
        Runtime::Tokio(tokio_runtime(sched))
    }
}

/// `tokio::spawn`, with the join error turned into a panic.
fn tokio_spawn<F>(f: F) -> impl Future<Output = F::Output> + Send
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let h = tokio::spawn(f);
    async move { h.await.expect("task panicked") }
}

/// A benchmark body generic over the async implementation.
pub(crate) trait AsyncBench {
    /// The contender for implementation `P` on scheduler `sched`.
    fn contender<P: Peer>(&self, sched: Sched) -> Contender<'_>;
}

/// The contenders of `bench` for every scheduler and every async
/// implementation that `keep` selects.
pub(crate) fn each_async<'a>(bench: &'a impl AsyncBench, keep: &Keep<'_>) -> Vec<Contender<'a>> {
    let mut field = Vec::new();
    for sched in Sched::ALL {
        if keep(Csp::NAME, sched.name()) {
            field.push(bench.contender::<Csp>(sched));
        }
        if keep(Tokio::NAME, sched.name()) {
            field.push(bench.contender::<Tokio>(sched));
        }
        if keep(Kanal::NAME, sched.name()) {
            field.push(bench.contender::<Kanal>(sched));
        }
    }
    field
}
