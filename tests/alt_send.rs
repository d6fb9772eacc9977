//! `alt!` with output guards (send arms): under contention every value sent
//! is received exactly once; an arm that is not chosen never delivers its
//! value; timeout, default and precondition arms behave as documented.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use csp::prelude::*;
use csp::Flavor;
use support::{poll_with, run_on, WakeCount, FLAVORS};

/// (sender id, sequence number).
type Tag = (usize, u32);

/// Alternates between sending its `count` values on either output channel
/// and receiving from either input, until it has sent everything and both
/// inputs have closed (every peer sending on them has sent everything and
/// dropped its senders). Returns what it received.
async fn peer(
    id: usize,
    a_tx: Sender<Tag>,
    b_tx: Sender<Tag>,
    a_rx: Receiver<Tag>,
    b_rx: Receiver<Tag>,
    count: u32,
) -> Vec<Tag> {
    let mut senders = Some((a_tx, b_tx));
    let mut next: u32 = 0;
    let (mut a_open, mut b_open) = (true, true);
    let mut got = Vec::new();
    loop {
        if next == count {
            senders = None;
        }
        if !(a_open || b_open || senders.is_some()) {
            break;
        }
        if fastrand::u8(..4) == 0 {
            yield_now().await;
        }
        let sending = senders.is_some();
        alt! {
            r = a_rx.recv(), if a_open => match r {
                Ok(v) => got.push(v),
                Err(_) => a_open = false,
            },
            r = b_rx.recv(), if b_open => match r {
                Ok(v) => got.push(v),
                Err(_) => b_open = false,
            },
            senders.as_ref().expect("sending").0.send((id, next)), if sending => next += 1,
            senders.as_ref().expect("sending").1.send((id, next)), if sending => next += 1,
        }
    }
    got
}

/// Runs `peers` peers. Shared: every peer sends on channels A and B and
/// receives from both, so one alt offers and asks on the same channel.
/// Crossed: even peers send on A and B and receive from C and D, odd peers
/// the other way round, so no alt has both directions on one channel.
async fn mixed_alts(peers: usize, count: u32, crossed: bool) -> Vec<Vec<Tag>> {
    let (a_tx, a_rx) = channel::<Tag>();
    let (b_tx, b_rx) = channel::<Tag>();
    let (c_tx, c_rx) = channel::<Tag>();
    let (d_tx, d_rx) = channel::<Tag>();
    let handles: Vec<_> = (0..peers)
        .map(|id| {
            let (out, inp) = if !crossed {
                ((&a_tx, &b_tx), (&a_rx, &b_rx))
            } else if id % 2 == 0 {
                ((&a_tx, &b_tx), (&c_rx, &d_rx))
            } else {
                ((&c_tx, &d_tx), (&a_rx, &b_rx))
            };
            spawn(peer(
                id,
                out.0.clone(),
                out.1.clone(),
                inp.0.clone(),
                inp.1.clone(),
                count,
            ))
        })
        .collect();
    drop((a_tx, b_tx, c_tx, d_tx));
    drop((a_rx, b_rx, c_rx, d_rx));
    let mut all = Vec::new();
    for h in handles {
        all.push(h.join().await.expect("peer finished"));
    }
    all
}

/// Checks every `(id, seq)` for `peers` senders was received exactly once.
fn check_exactly_once(got: &[Vec<Tag>], peers: usize, count: u32) {
    let mut seen = vec![vec![0u32; count as usize]; peers];
    for &(id, seq) in got.iter().flatten() {
        seen[id][seq as usize] += 1;
    }
    for (id, row) in seen.iter().enumerate() {
        for (seq, &n) in row.iter().enumerate() {
            assert_eq!(n, 1, "value ({id}, {seq}) received {n} times");
        }
    }
}

#[test]
fn crossed_send_and_recv_alts_deliver_every_value_once() {
    for flavor in FLAVORS {
        let got = run_on(flavor, || mixed_alts(4, 1000, true));
        check_exactly_once(&got, 4, 1000);
    }
}

#[test]
fn shared_send_and_recv_alts_deliver_every_value_once_current_thread() {
    let got = run_on(Flavor::CurrentThread, || mixed_alts(4, 1000, false));
    check_exactly_once(&got, 4, 1000);
}

#[test]
fn shared_send_and_recv_alts_deliver_every_value_once_multi_thread() {
    let got = run_on(Flavor::MultiThread, || mixed_alts(4, 1000, false));
    check_exactly_once(&got, 4, 1000);
}

/// The minimal form of the above: one alt offers to send on a channel and
/// to receive from the same channel. It cannot meet itself, so it must wait
/// (parked, not spinning) until a peer arrives.
#[test]
fn alt_sending_and_receiving_on_one_channel_waits_for_a_peer() {
    for flavor in FLAVORS {
        let (arm, v) = run_on(flavor, || async {
            let (tx, rx) = channel::<u32>();
            let rx2 = rx.clone();
            // Spawned now but, on one thread, not run until the root parks.
            let peer = spawn(async move { rx2.recv().await });
            let fired = alt! {
                tx.send(1) => (0, 1),
                Ok(v) = rx.recv() => (1, v),
            };
            assert_eq!(peer.join().await.unwrap(), Ok(1));
            fired
        });
        assert_eq!((arm, v), (0, 1), "only the send arm can meet the peer");
    }
}

/// Each alt offers a value on two channels, each with its own receiver
/// process; exactly one value per alt arrives, the one of the chosen arm.
#[test]
fn two_send_arms_deliver_exactly_one_value() {
    const ROUNDS: u32 = 2000;
    for flavor in FLAVORS {
        let (chosen, got1, got2) = run_on(flavor, || async {
            let (tx1, rx1) = channel::<u32>();
            let (tx2, rx2) = channel::<u32>();
            let receiver = |rx: Receiver<u32>| async move {
                let mut got = Vec::new();
                while let Ok(v) = rx.recv().await {
                    got.push(v);
                    if fastrand::bool() {
                        yield_now().await;
                    }
                }
                got
            };
            let (r1, r2) = (spawn(receiver(rx1)), spawn(receiver(rx2)));
            let mut chosen = Vec::new();
            for i in 0..ROUNDS {
                chosen.push(alt! {
                    tx1.send(i) => 1,
                    tx2.send(i) => 2,
                });
            }
            drop((tx1, tx2));
            (chosen, r1.join().await.unwrap(), r2.join().await.unwrap())
        });
        let want1: Vec<u32> = (0..ROUNDS).filter(|&i| chosen[i as usize] == 1).collect();
        let want2: Vec<u32> = (0..ROUNDS).filter(|&i| chosen[i as usize] == 2).collect();
        assert_eq!(
            got1, want1,
            "channel 1 got exactly the rounds where arm 1 fired"
        );
        assert_eq!(
            got2, want2,
            "channel 2 got exactly the rounds where arm 2 fired"
        );
    }
}

/// A parked alt whose receive arm is completed by a peer: its parked send
/// arm must be dead from then on, even before the alt runs again.
#[test]
fn parked_send_arm_not_chosen_is_never_delivered() {
    let (tx1, rx1) = channel::<u32>();
    let (tx2, rx2) = channel::<u32>();
    let (_wakes, w) = WakeCount::new();
    let mut alt = Box::pin(async {
        alt! {
            tx1.send(1) => 0,
            Ok(v) = rx2.recv() => v,
        }
    });
    assert!(poll_with(&mut alt, &w).is_pending(), "nothing ready: parks");
    assert_eq!(tx2.try_send(5), Ok(()), "the parked receive arm takes 5");
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty), "send arm is dead");
    assert_eq!(poll_with(&mut alt, &w), std::task::Poll::Ready(5));
    drop(alt);
    assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
}

/// The mirror image: the send arm is taken, the receive arm is dead.
#[test]
fn parked_recv_arm_not_chosen_takes_nothing() {
    let (tx1, rx1) = channel::<u32>();
    let (tx2, rx2) = channel::<u32>();
    let (_wakes, w) = WakeCount::new();
    let mut alt = Box::pin(async {
        alt! {
            Ok(v) = rx1.recv() => v,
            tx2.send(7) => 0,
        }
    });
    assert!(poll_with(&mut alt, &w).is_pending(), "nothing ready: parks");
    assert_eq!(rx2.try_recv(), Ok(7), "the parked send arm gives 7");
    assert_eq!(
        tx1.try_send(3),
        Err(TrySendError::Full(3)),
        "recv arm is dead"
    );
    assert_eq!(poll_with(&mut alt, &w), std::task::Poll::Ready(0));
}

#[test]
fn timeout_arm_fires_when_nothing_is_ready() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (tx, rx) = channel::<u32>();
            let (out, out_rx) = channel::<u32>();
            let fired = alt! {
                Ok(v) = rx.recv() => Some(v),
                out.send(1) => Some(1000),
                after(Duration::from_millis(5)) => None,
            };
            assert_eq!(fired, None);
            // Neither channel was touched.
            assert_eq!(out_rx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(tx.try_send(2), Err(TrySendError::Full(2)));
            // A ready guard beats a timeout that has not passed.
            tx.close();
            let (tx, rx) = buffered::<u32>(1);
            tx.try_send(3).expect("room");
            let fired = alt! {
                Ok(v) = rx.recv() => Some(v),
                after(Duration::from_secs(3600)) => None,
            };
            assert_eq!(fired, Some(3));
        });
    }
}

#[test]
fn default_arm_fires_only_when_nothing_is_ready() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (tx, rx) = channel::<u32>();
            let (out, out_rx) = channel::<u32>();
            let fired = alt! {
                Ok(v) = rx.recv() => v,
                out.send(1) => 1000,
                default => 0,
            };
            assert_eq!(fired, 0);
            assert_eq!(out_rx.try_recv(), Err(TryRecvError::Empty));

            // A parked sender makes the receive arm ready.
            let (_wakes, w) = WakeCount::new();
            let mut send = tx.send(4);
            assert!(poll_with(&mut send, &w).is_pending());
            let fired = alt! {
                Ok(v) = rx.recv() => v,
                default => 0,
            };
            assert_eq!(fired, 4);
            assert_eq!(poll_with(&mut send, &w), std::task::Poll::Ready(Ok(())));

            // A parked receiver makes the send arm ready.
            let mut recv = out_rx.recv();
            assert!(poll_with(&mut recv, &w).is_pending());
            let fired = alt! {
                out.send(9) => 9,
                default => 0,
            };
            assert_eq!(fired, 9);
            assert_eq!(poll_with(&mut recv, &w), std::task::Poll::Ready(Ok(9)));
        });
    }
}

#[test]
fn false_precondition_disables_an_arm() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (tx, rx) = buffered::<u32>(4);
            tx.try_send(1).expect("room");
            let evaluated = AtomicUsize::new(0);
            let value = |v: u32| {
                evaluated.fetch_add(1, Ordering::SeqCst);
                v
            };
            let on = false;
            let fired = alt! {
                Ok(v) = rx.recv(), if on => v,
                tx.send(value(2)), if on => 2,
                default => 0,
            };
            assert_eq!(fired, 0, "both ready arms were disabled");
            assert_eq!(evaluated.load(Ordering::SeqCst), 0, "value not evaluated");
            assert_eq!(rx.len(), 1, "nothing sent or taken");
            let fired = alt! {
                biased;
                Ok(v) = rx.recv(), if on => v,
                tx.send(value(2)), if !on => 2,
            };
            assert_eq!(fired, 2);
            assert_eq!(evaluated.load(Ordering::SeqCst), 1);
            assert_eq!((rx.try_recv(), rx.try_recv()), (Ok(1), Ok(2)));
        });
    }
}

#[test]
fn send_arm_on_a_closed_channel() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (tx, rx) = channel::<String>();
            rx.close();
            // With a catch-all pattern the failure fires, value inside.
            let back = alt! {
                r = tx.send("mine".to_string()) => r,
            };
            assert_eq!(back, Err(SendError("mine".to_string())));
            // With the implied `Ok(())` the arm is disabled; the alt waits on.
            let fired = alt! {
                tx.send("x".to_string()) => "sent",
                after(Duration::from_millis(1)) => "timeout",
            };
            assert_eq!(fired, "timeout");
        });
    }
}

/// The values of send arms that did not fire are dropped when the alt
/// returns, never delivered and never leaked.
#[test]
fn unchosen_send_values_are_dropped() {
    let token = Arc::new(());
    let (tx1, rx1) = buffered::<Arc<()>>(1);
    let (tx2, _rx2) = channel::<Arc<()>>();
    let (tx3, _rx3) = channel::<Arc<()>>();
    futures::executor::block_on(async {
        let fired = alt! {
            tx2.send(token.clone()) => 2,
            tx1.send(token.clone()) => 1,
            tx3.send(token.clone()) => 3,
        };
        assert_eq!(fired, 1, "only the buffered channel has room");
    });
    assert_eq!(Arc::strong_count(&token), 2, "one copy sent, two dropped");
    drop(rx1);
    assert_eq!(Arc::strong_count(&token), 1);
}
