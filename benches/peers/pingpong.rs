//! Ping-pong: two processes bounce a value over two rendezvous channels.
//!
//! The unit is ns per round trip (two communications). tokio uses plain
//! `mpsc::channel(1)` here: the reply is itself the acknowledgement, so the
//! round trip is synchronous without a separate ack (see [`Kind::Handoff`]).

use std::time::{Duration, Instant};

use crossbeam_channel as cb;

use super::harness::{race, Config, Contender, Keep, Row};
use super::imps::{each_async, AsyncBench, Kind, Peer, Sched};

/// Runs ping-pong for every implementation.
pub(crate) fn run(cfg: &Config, rows: &mut Vec<Row>, keep: &Keep<'_>) {
    let mut field = each_async(&PingPong, keep);
    if keep("crossbeam", "threads") {
        field.push(Contender::calibrated(
            ("crossbeam", "threads"),
            1.0,
            threads,
        ));
    }
    rows.extend(race(cfg, ("pingpong", "rendezvous", "ns/roundtrip"), field));
}

/// The async benchmark.
struct PingPong;

impl AsyncBench for PingPong {
    fn contender<P: Peer>(&self, sched: Sched) -> Contender<'_> {
        let rt = P::runtime(sched);
        let run = move |n| rt.run(ping::<P>(n));
        Contender::calibrated((P::NAME, sched.name()), 1.0, run)
    }
}

/// Starts a ponger and times `n` round trips with it (after a first,
/// untimed one that shows it is running).
async fn ping<P: Peer>(n: u64) -> Duration {
    let (mut to_tx, to_rx) = P::pair(Kind::Handoff);
    let (from_tx, mut from_rx) = P::pair(Kind::Handoff);
    let ponger = P::spawn(pong::<P>(to_rx, from_tx));
    assert!(P::send(&mut to_tx, 0).await, "ponger gone");
    P::recv(&mut from_rx).await.expect("ponger gone");
    let start = Instant::now();
    for i in 0..n {
        assert!(P::send(&mut to_tx, i).await, "ponger gone");
        P::recv(&mut from_rx).await.expect("ponger gone");
    }
    let took = start.elapsed();
    drop(to_tx);
    ponger.await;
    took
}

/// Sends back everything it receives until its input closes.
async fn pong<P: Peer>(mut input: P::Rx, mut out: P::Tx) {
    while let Some(v) = P::recv(&mut input).await {
        if !P::send(&mut out, v).await {
            return;
        }
    }
}

/// The same on two OS threads with crossbeam `bounded(0)` channels.
fn threads(n: u64) -> Duration {
    let (to_tx, to_rx) = cb::bounded::<u64>(0);
    let (from_tx, from_rx) = cb::bounded::<u64>(0);
    std::thread::scope(|s| {
        s.spawn(move || {
            while let Ok(v) = to_rx.recv() {
                if from_tx.send(v).is_err() {
                    return;
                }
            }
        });
        // An untimed round trip: the ponger thread has started.
        to_tx.send(0).expect("ponger gone");
        from_rx.recv().expect("ponger gone");
        let start = Instant::now();
        for i in 0..n {
            to_tx.send(i).expect("ponger gone");
            from_rx.recv().expect("ponger gone");
        }
        let took = start.elapsed();
        drop(to_tx);
        took
    })
}
