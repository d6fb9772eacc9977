//! `alt!` under load: one reader alternating over 8 channels with 8 writers
//! each. Every value arrives exactly once and in its writer's order; a fair
//! alt starves no ready channel; `biased;` always takes the first ready arm.

mod support;

use csp::prelude::*;
use csp::Flavor;
use support::{run_on, FLAVORS};

const CHANS: usize = 8;
const WRITERS: usize = 8;

/// (channel, writer, sequence number): unique per value.
type Msg = (usize, usize, u32);

/// Sends `(chan, w, 0..count)` in order, then drops its sender.
async fn writer(tx: Sender<Msg>, chan: usize, w: usize, count: u32) {
    for seq in 0..count {
        tx.send((chan, w, seq))
            .await
            .expect("the reader outlives writers");
    }
}

/// Makes the 8 channels and starts `WRITERS` writers on each; the root keeps
/// no sender, so a channel closes once its writers are done.
fn start_writers(cap: usize, count: u32) -> (Vec<Receiver<Msg>>, Vec<JoinHandle<()>>) {
    let mut rxs = Vec::with_capacity(CHANS);
    let mut writers = Vec::with_capacity(CHANS * WRITERS);
    for c in 0..CHANS {
        let (tx, rx) = buffered::<Msg>(cap);
        for w in 0..WRITERS {
            writers.push(spawn(writer(tx.clone(), c, w, count)));
        }
        rxs.push(rx);
    }
    (rxs, writers)
}

/// A fair alt over the 8 channels; closed channels' arms are disabled, and
/// `done` closing ends the wait. Returns the arm index with the value.
async fn next_or_done(rx: &[Receiver<Msg>], done: &Receiver<()>) -> Option<(usize, Msg)> {
    alt! {
        Ok(v) = rx[0].recv() => Some((0, v)),
        Ok(v) = rx[1].recv() => Some((1, v)),
        Ok(v) = rx[2].recv() => Some((2, v)),
        Ok(v) = rx[3].recv() => Some((3, v)),
        Ok(v) = rx[4].recv() => Some((4, v)),
        Ok(v) = rx[5].recv() => Some((5, v)),
        Ok(v) = rx[6].recv() => Some((6, v)),
        Ok(v) = rx[7].recv() => Some((7, v)),
        Err(_) = done.recv() => None,
    }
}

/// A fair alt over the 8 channels that gives up (`None`) when none is
/// ready: every channel is empty, or closed and drained.
async fn next_ready(rx: &[Receiver<Msg>]) -> Option<(usize, Msg)> {
    alt! {
        Ok(v) = rx[0].recv() => Some((0, v)),
        Ok(v) = rx[1].recv() => Some((1, v)),
        Ok(v) = rx[2].recv() => Some((2, v)),
        Ok(v) = rx[3].recv() => Some((3, v)),
        Ok(v) = rx[4].recv() => Some((4, v)),
        Ok(v) = rx[5].recv() => Some((5, v)),
        Ok(v) = rx[6].recv() => Some((6, v)),
        Ok(v) = rx[7].recv() => Some((7, v)),
        default => None,
    }
}

/// Checks that `got` holds every `(c, w, seq)` exactly once, each writer's
/// values in order, and that each came in on the arm of its channel.
fn check_complete(got: &[(usize, Msg)], count: u32) {
    assert_eq!(got.len(), CHANS * WRITERS * count as usize, "value count");
    let mut next = vec![vec![0u32; WRITERS]; CHANS];
    for &(arm, (c, w, seq)) in got {
        assert_eq!(arm, c, "value {:?} came in on arm {arm}", (c, w, seq));
        assert_eq!(
            seq, next[c][w],
            "writer ({c}, {w}) out of order or duplicated"
        );
        next[c][w] += 1;
    }
    assert!(
        next.iter().flatten().all(|&n| n == count),
        "a value is missing"
    );
}

/// Writers and reader run concurrently; a coordinator closes `done` once
/// every writer has finished, after which what is still buffered is drained.
async fn concurrent(cap: usize, count: u32) -> Vec<(usize, Msg)> {
    let (rxs, writers) = start_writers(cap, count);
    let (done_tx, done_rx) = channel::<()>();
    let coordinator = spawn(async move {
        for w in writers {
            w.join().await.expect("writer finished");
        }
        drop(done_tx);
    });
    let mut got = Vec::new();
    while let Some(x) = next_or_done(&rxs, &done_rx).await {
        got.push(x);
    }
    coordinator.join().await.expect("coordinator finished");
    // Every writer is done, so each channel is closed and only buffered
    // values can remain.
    for (c, rx) in rxs.iter().enumerate() {
        while let Ok(v) = rx.recv().await {
            got.push((c, v));
        }
    }
    got
}

#[test]
fn every_value_once_in_order_rendezvous() {
    for flavor in FLAVORS {
        let got = run_on(flavor, || concurrent(0, 1000));
        check_complete(&got, 1000);
    }
}

#[test]
fn every_value_once_in_order_buffered() {
    for flavor in FLAVORS {
        let got = run_on(flavor, || concurrent(4, 1000));
        check_complete(&got, 1000);
    }
}

/// With every writer pre-loaded into roomy buffers (so all 8 channels stay
/// ready throughout the window), a fair alt spreads its first `WINDOW`
/// choices over all channels. Then `default` ends the drain.
#[test]
fn fair_alt_starves_no_ready_channel() {
    const COUNT: u32 = 100;
    const WINDOW: usize = 800; // < COUNT * WRITERS: no channel empties in it
    for flavor in FLAVORS {
        let got = run_on(flavor, || async {
            let (rxs, writers) = start_writers(WRITERS * COUNT as usize, COUNT);
            for w in writers {
                w.join().await.expect("writer finished");
            }
            let mut got = Vec::new();
            while let Some(x) = next_ready(&rxs).await {
                got.push(x);
            }
            got
        });
        check_complete(&got, COUNT);
        let mut share = [0usize; CHANS];
        for &(arm, _) in &got[..WINDOW] {
            share[arm] += 1;
        }
        // A uniform choice gives 100 each (sd ~9.4); 30 is far out of reach
        // of chance, and a starving or order-biased alt gives ~0.
        assert!(
            share.iter().all(|&n| n >= 30),
            "unfair shares over the first {WINDOW} choices on {flavor:?}: {share:?}"
        );
    }
}

/// Four buffered channels of u32 with `fill[i]` values `i * 1000 + k` each.
fn prefilled(fill: [u32; 4]) -> (Vec<Sender<u32>>, Vec<Receiver<u32>>) {
    let (mut txs, mut rxs) = (Vec::new(), Vec::new());
    for (i, &n) in fill.iter().enumerate() {
        let (tx, rx) = buffered::<u32>(1000);
        for k in 0..n {
            tx.try_send(i as u32 * 1000 + k).expect("room");
        }
        txs.push(tx);
        rxs.push(rx);
    }
    (txs, rxs)
}

async fn biased4(rx: &[Receiver<u32>], skip1: bool) -> (usize, u32) {
    alt! {
        biased;
        Ok(v) = rx[0].recv() => (0, v),
        Ok(v) = rx[1].recv(), if !skip1 => (1, v),
        Ok(v) = rx[2].recv() => (2, v),
        Ok(v) = rx[3].recv() => (3, v),
    }
}

#[test]
fn biased_alt_takes_the_first_ready_arm() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (txs, rxs) = prefilled([0, 50, 50, 50]);
            for k in 0..50 {
                assert_eq!(biased4(&rxs, false).await, (1, 1000 + k));
            }
            // Arm 0 becomes ready: it now wins every time.
            for k in 0..10 {
                txs[0].try_send(k).expect("room");
            }
            for k in 0..10 {
                assert_eq!(biased4(&rxs, false).await, (0, k));
            }
            // Arm 1 is empty and arm 2 is the first ready one.
            assert_eq!(biased4(&rxs, false).await, (2, 2000));
            // A false precondition skips a ready arm.
            txs[1].try_send(77).expect("room");
            assert_eq!(biased4(&rxs, true).await, (2, 2001));
            assert_eq!(biased4(&rxs, false).await, (1, 77));
        });
    }
}

#[test]
fn biased_alt_prefers_the_first_ready_send_arm() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (txs, rxs) = prefilled([0; 4]);
            for k in 0..100u32 {
                let arm = alt! {
                    biased;
                    txs[0].send(k), if k % 2 == 0 => 0,
                    txs[1].send(k) => 1,
                    txs[2].send(k) => 2,
                };
                assert_eq!(arm, if k % 2 == 0 { 0 } else { 1 });
            }
            assert_eq!(rxs[0].len(), 50);
            assert_eq!(rxs[1].len(), 50);
            assert_eq!(rxs[2].try_recv(), Err(TryRecvError::Empty));
            assert_eq!(rxs[1].try_recv(), Ok(1), "an odd k went to arm 1");
        });
    }
}

#[test]
fn fair_alt_picks_every_ready_arm() {
    const TRIALS: u32 = 400;
    for flavor in FLAVORS {
        run_on(flavor, || async {
            // Receive arms: all four always ready.
            let (_txs, rxs) = prefilled([TRIALS; 4]);
            let mut hits = [0u32; 4];
            for _ in 0..TRIALS {
                let arm = alt! {
                    Ok(_) = rxs[0].recv() => 0,
                    Ok(_) = rxs[1].recv() => 1,
                    Ok(_) = rxs[2].recv() => 2,
                    Ok(_) = rxs[3].recv() => 3,
                };
                hits[arm] += 1;
            }
            assert!(
                hits.iter().all(|&h| h > 0),
                "receive arms starved: {hits:?}"
            );
            // Send arms: all four always have room.
            let (txs, _rxs) = prefilled([0; 4]);
            let mut hits = [0u32; 4];
            for k in 0..TRIALS {
                let arm = alt! {
                    txs[0].send(k) => 0,
                    txs[1].send(k) => 1,
                    txs[2].send(k) => 2,
                    txs[3].send(k) => 3,
                };
                hits[arm] += 1;
            }
            assert!(hits.iter().all(|&h| h > 0), "send arms starved: {hits:?}");
            let buffered: u32 = txs.iter().map(|t| t.len() as u32).sum();
            assert_eq!(buffered, TRIALS, "each alt sent exactly one value");
        });
    }
}

/// A closed channel's `Ok(v)` arm is disabled and the alt keeps waiting for
/// the others; here a value arrives later from another process.
#[test]
fn closed_arm_is_disabled_and_alt_keeps_waiting() {
    for flavor in FLAVORS {
        let got = run_on(flavor, || async {
            let (closed_tx, closed_rx) = channel::<u32>();
            drop(closed_tx);
            let (tx, rx) = channel::<u32>();
            let sender = spawn(async move { tx.send(9).await });
            let got = alt! {
                Ok(v) = closed_rx.recv() => v + 1000,
                Ok(v) = rx.recv() => v,
            };
            sender.join().await.expect("sender finished").expect("sent");
            got
        });
        assert_eq!(got, 9);
    }
}

#[test]
#[should_panic(expected = "every arm is disabled")]
fn alt_with_every_arm_disabled_panics() {
    run_on(Flavor::CurrentThread, || async {
        let (tx, rx) = channel::<u32>();
        drop(tx);
        alt! {
            Ok(v) = rx.recv() => v,
            Ok(v) = rx.recv(), if false => v,
        }
    });
}
