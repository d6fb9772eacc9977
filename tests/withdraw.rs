//! Atomic withdrawal of pending channel operations, the primitive freezing
//! is built on. A parked send withdrawn while a receiver races for it is
//! either received or handed back, never both and never neither; the same
//! for a parked receive racing senders; and a receive dropped after its
//! value arrived gives the value back to the channel.

mod support;

use std::task::Poll;

use csp::prelude::*;
use csp::{Flavor, SendWithdrawal};
use futures::poll;
use support::{poll_with, run_on, WakeCount, FLAVORS};

/// Busy-waits a random short while, to shift where races land.
fn jitter() {
    for _ in 0..fastrand::usize(..300) {
        std::hint::spin_loop();
    }
}

/// Receives until closed, alternating randomly between parking in `recv`
/// and polling with `try_recv`, so the root's sends meet every state.
async fn restless_receiver(rx: Receiver<u32>) -> Vec<u32> {
    let mut got = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(v) => got.push(v),
            Err(TryRecvError::Closed) => break,
            Err(TryRecvError::Empty) if fastrand::bool() => match rx.recv().await {
                Ok(v) => got.push(v),
                Err(RecvError) => break,
            },
            Err(TryRecvError::Empty) => yield_now().await,
        }
        jitter();
    }
    got
}

/// Offers `0..n` one at a time, each parked and then withdrawn after a
/// random pause while the receiver races for it. Returns (what the receiver
/// got, what the root believes was delivered, what came back).
async fn send_withdraw_race(n: u32) -> (Vec<u32>, Vec<u32>, Vec<u32>) {
    let (tx, rx) = channel::<u32>();
    let receiver = spawn(restless_receiver(rx));
    let (mut delivered, mut returned) = (Vec::new(), Vec::new());
    for i in 0..n {
        let mut send = tx.send(i);
        match poll!(&mut send) {
            Poll::Ready(r) => {
                r.expect("receiver is alive");
                delivered.push(i);
                continue;
            }
            Poll::Pending => {}
        }
        jitter();
        if fastrand::u8(..8) == 0 {
            yield_now().await;
        }
        match send.withdraw() {
            SendWithdrawal::Sent => delivered.push(i),
            SendWithdrawal::Withdrawn(v) => {
                assert_eq!(v, i, "withdraw returns the value offered");
                returned.push(v);
            }
            SendWithdrawal::InFlight => panic!("a local channel never holds a send in flight"),
        }
    }
    drop(tx);
    let received = receiver.join().await.expect("receiver finished");
    (received, delivered, returned)
}

#[test]
fn withdrawn_send_is_received_or_returned_never_both() {
    const N: u32 = 5000;
    for flavor in FLAVORS {
        let (received, delivered, returned) = run_on(flavor, || send_withdraw_race(N));
        // The root sends in order, so the receiver sees a subsequence.
        assert_eq!(
            received, delivered,
            "{flavor:?}: Sent exactly when received"
        );
        let mut all: Vec<u32> = received.iter().chain(&returned).copied().collect();
        all.sort_unstable();
        assert_eq!(
            all,
            (0..N).collect::<Vec<_>>(),
            "{flavor:?}: each value once"
        );
    }
}

/// `senders` processes each send `(s, 0..per)`; the root receives with
/// parked receives it withdraws after a random pause. Returns all it got.
async fn recv_withdraw_race(senders: usize, per: u32) -> Vec<(usize, u32)> {
    let (tx, rx) = channel::<(usize, u32)>();
    for s in 0..senders {
        let tx = tx.clone();
        spawn(async move {
            for k in 0..per {
                tx.send((s, k)).await.expect("root receives until closed");
                if fastrand::u8(..4) == 0 {
                    yield_now().await;
                }
            }
        });
    }
    drop(tx);
    let mut got = Vec::new();
    loop {
        let mut recv = rx.recv();
        match poll!(&mut recv) {
            Poll::Ready(Ok(v)) => got.push(v),
            Poll::Ready(Err(RecvError)) => break,
            Poll::Pending => {
                jitter();
                if fastrand::u8(..8) == 0 {
                    yield_now().await;
                }
                // A value the withdrawal returns was received.
                got.extend(recv.withdraw());
            }
        }
    }
    got
}

#[test]
fn withdrawn_recv_keeps_what_it_got_and_loses_nothing() {
    const SENDERS: usize = 3;
    const PER: u32 = 1500;
    for flavor in FLAVORS {
        let got = run_on(flavor, || recv_withdraw_race(SENDERS, PER));
        assert_eq!(got.len(), SENDERS * PER as usize, "{flavor:?}: count");
        let mut next = [0u32; SENDERS];
        for (s, k) in got {
            assert_eq!(
                k, next[s],
                "{flavor:?}: sender {s} lost, repeated or reordered"
            );
            next[s] += 1;
        }
    }
}

/// The receiver sometimes drops a parked receive instead of awaiting it;
/// a value that had already landed in it must come back, in order.
async fn drop_parked_recvs(n: u32) -> Vec<u32> {
    let (tx, rx) = channel::<u32>();
    let sender = spawn(async move {
        for i in 0..n {
            tx.send(i).await.expect("root receives until closed");
        }
    });
    let mut got = Vec::new();
    loop {
        let mut recv = rx.recv();
        match poll!(&mut recv) {
            Poll::Ready(Ok(v)) => got.push(v),
            Poll::Ready(Err(RecvError)) => break,
            Poll::Pending => {
                jitter();
                if fastrand::bool() {
                    drop(recv);
                } else {
                    match recv.await {
                        Ok(v) => got.push(v),
                        Err(RecvError) => break,
                    }
                }
            }
        }
    }
    sender.join().await.expect("sender finished");
    got
}

#[test]
fn dropped_parked_recvs_lose_nothing_under_races() {
    const N: u32 = 5000;
    for flavor in FLAVORS {
        let got = run_on(flavor, || drop_parked_recvs(N));
        assert_eq!(got, (0..N).collect::<Vec<_>>(), "{flavor:?}");
    }
}

#[test]
fn send_withdraw_in_each_state() {
    let (_wakes, w) = WakeCount::new();
    let (tx, rx) = channel::<u32>();
    // Never polled: nothing was offered.
    assert_eq!(tx.send(1).withdraw(), SendWithdrawal::Withdrawn(1));
    // Parked, nobody came: the value comes back and is never seen.
    let mut send = tx.send(2);
    assert!(poll_with(&mut send, &w).is_pending());
    assert_eq!(send.withdraw(), SendWithdrawal::Withdrawn(2));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // Parked, then taken: the send happened.
    let mut send = tx.send(3);
    assert!(poll_with(&mut send, &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(send.withdraw(), SendWithdrawal::Sent);
    // Parked behind a full buffer, then moved into it: sent.
    let (tx, rx) = buffered::<u32>(1);
    tx.try_send(4).expect("room");
    let mut send = tx.send(5);
    assert!(poll_with(&mut send, &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(send.withdraw(), SendWithdrawal::Sent);
    assert_eq!(rx.try_recv(), Ok(5));
    // Parked, then the channel closed: nothing was sent.
    let mut send = tx.send(6);
    tx.try_send(7).expect("room");
    assert!(poll_with(&mut send, &w).is_pending());
    rx.close();
    assert_eq!(send.withdraw(), SendWithdrawal::Withdrawn(6));
    assert_eq!(
        (rx.try_recv(), rx.try_recv()),
        (Ok(7), Err(TryRecvError::Closed))
    );
}

#[test]
fn recv_withdraw_in_each_state() {
    let (_wakes, w) = WakeCount::new();
    let (tx, rx) = channel::<u32>();
    // Never polled, or parked with nothing arriving: nothing received.
    assert_eq!(rx.recv().withdraw(), None);
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(recv.withdraw(), None);
    assert_eq!(
        tx.try_send(1),
        Err(TrySendError::Full(1)),
        "no longer parked"
    );
    // Parked, then a sender handed it a value: the receive happened.
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(recv.withdraw(), Some(2));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "2 is not also queued"
    );
}

#[test]
fn dropped_parked_recv_gives_its_value_back() {
    let (_wakes, w) = WakeCount::new();
    // Rendezvous: the value becomes the next one received.
    let (tx, rx) = channel::<u32>();
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(1), Ok(()));
    drop(recv);
    assert_eq!(futures::executor::block_on(rx.recv()), Ok(1));
    // Buffered: it goes back ahead of what was queued behind it.
    let (tx, rx) = buffered::<u32>(2);
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    for v in [1, 2, 3] {
        assert_eq!(tx.try_send(v), Ok(()));
    }
    drop(recv);
    let order: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert_eq!(order, [1, 2, 3]);
    // Another parked receiver inherits it.
    let (tx, rx) = channel::<u32>();
    let rx2 = rx.clone();
    let (mut first, mut second) = (rx.recv(), rx2.recv());
    assert!(poll_with(&mut first, &w).is_pending());
    assert!(poll_with(&mut second, &w).is_pending());
    assert_eq!(tx.try_send(9), Ok(()));
    drop(first);
    assert_eq!(poll_with(&mut second, &w), Poll::Ready(Ok(9)));
}

/// A value given back by a dropped receive must not let a later rendezvous
/// sender complete before a receiver has its value: otherwise that send
/// reports success and its value can still be lost.
#[test]
fn rendezvous_send_after_a_dropped_recv_waits_for_a_taker() {
    let (_wakes, w) = WakeCount::new();
    let (tx, rx) = channel::<u32>();
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(1), Ok(()));
    let mut send = tx.send(2);
    assert!(poll_with(&mut send, &w).is_pending(), "no receiver for 2");
    drop(recv); // 1 goes back to the channel
    assert_eq!(rx.try_recv(), Ok(1));
    // Nobody has taken 2. If every receiver now goes away, the sender must
    // get 2 back rather than a success for a value that is then dropped.
    drop(rx);
    assert_eq!(poll_with(&mut send, &w), Poll::Ready(Err(SendError(2))));
}

#[test]
fn withdraw_races_on_a_multi_thread_runtime_with_many_rounds() {
    // Several short rounds rather than one long one: each starts from a
    // fresh channel and receiver, so races land at different phases.
    for _ in 0..20 {
        let (received, delivered, returned) =
            run_on(Flavor::MultiThread, || send_withdraw_race(200));
        assert_eq!(received, delivered);
        assert_eq!(received.len() + returned.len(), 200);
    }
}
