//! Closing rules: who can close, what a send or receive sees afterwards,
//! that parked peers are woken with their values, that a panicking process
//! closes its channels, and that channel ends travel over channels.

mod support;

use std::sync::Arc;
use std::task::Poll;

use csp::prelude::*;
use csp::Flavor;
use support::{poll_with, run_on, WakeCount, FLAVORS};

/// Both kinds of channel, for rules that hold for either.
fn both_kinds() -> [(Sender<u32>, Receiver<u32>); 2] {
    [channel(), buffered(2)]
}

#[test]
fn send_on_closed_returns_the_value() {
    for close_from_sender in [true, false] {
        for (tx, rx) in both_kinds() {
            if close_from_sender {
                assert!(tx.close());
            } else {
                assert!(rx.close());
            }
            assert!(!tx.close() && !rx.close(), "second close reports false");
            assert!(tx.is_closed() && rx.is_closed());
            assert_eq!(futures::executor::block_on(tx.send(5)), Err(SendError(5)));
            assert_eq!(tx.try_send(6), Err(TrySendError::Closed(6)));
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(futures::executor::block_on(rx.recv()), Err(RecvError));
        }
    }
}

#[test]
fn recv_after_close_drains_buffered_values_then_errors() {
    // Closed by a sender, by a receiver, and by dropping every sender.
    for how in 0..3 {
        let (tx, rx) = buffered::<u32>(3);
        let tx2 = tx.clone();
        for v in [1, 2, 3] {
            tx.try_send(v).expect("room");
        }
        match how {
            0 => assert!(tx2.close()),
            1 => assert!(rx.close()),
            _ => drop((tx, tx2)),
        }
        let drained: Vec<u32> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
        assert_eq!(drained, [1, 2, 3], "close {how}");
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        assert_eq!(futures::executor::block_on(rx.recv()), Err(RecvError));
    }
}

#[test]
fn dropping_all_senders_closes_and_wakes_a_parked_receiver() {
    for (tx, rx) in both_kinds() {
        let (wakes, w) = WakeCount::new();
        let tx2 = tx.clone();
        let mut recv = rx.recv();
        assert!(poll_with(&mut recv, &w).is_pending());
        drop(tx);
        assert!(!rx.is_closed(), "one sender is left");
        assert_eq!(wakes.get(), 0);
        drop(tx2);
        assert!(rx.is_closed());
        assert!(wakes.get() >= 1, "the parked receiver was woken");
        assert_eq!(poll_with(&mut recv, &w), Poll::Ready(Err(RecvError)));
    }
}

#[test]
fn dropping_all_receivers_fails_sends_with_the_value() {
    for (tx, rx) in both_kinds() {
        let rx2 = rx.clone();
        drop(rx);
        // One receiver is left: a buffered send fits, a rendezvous one waits.
        match tx.try_send(1) {
            Ok(()) => assert_eq!(tx.capacity(), 2),
            Err(e) => assert!(e.is_full() && tx.capacity() == 0, "{e:?}"),
        }
        drop(rx2);
        assert_eq!(tx.try_send(7), Err(TrySendError::Closed(7)));
        assert_eq!(futures::executor::block_on(tx.send(8)), Err(SendError(8)));
    }
}

#[test]
fn dropping_all_receivers_wakes_a_parked_rendezvous_sender_with_its_value() {
    let (tx, rx) = channel::<String>();
    let rx2 = rx.clone();
    let (wakes, w) = WakeCount::new();
    let mut send = tx.send("hello".to_string());
    assert!(poll_with(&mut send, &w).is_pending());
    drop(rx);
    assert_eq!(wakes.get(), 0, "a receiver is left");
    drop(rx2);
    assert!(wakes.get() >= 1, "the parked sender was woken");
    assert_eq!(
        poll_with(&mut send, &w),
        Poll::Ready(Err(SendError("hello".to_string())))
    );
}

#[test]
fn dropping_all_receivers_drops_buffered_values() {
    let token = Arc::new(());
    let (tx, rx) = buffered::<Arc<()>>(4);
    for _ in 0..3 {
        tx.try_send(token.clone()).expect("room");
    }
    assert_eq!(Arc::strong_count(&token), 4);
    drop(rx);
    assert_eq!(Arc::strong_count(&token), 1, "buffered values were dropped");
    let back = tx.try_send(token.clone()).expect_err("no receivers");
    assert!(back.is_closed());
    assert!(Arc::ptr_eq(&back.into_inner(), &token));
}

#[test]
fn parked_rendezvous_sender_gets_its_value_back_on_close() {
    for close_from_sender in [true, false] {
        let (tx, rx) = channel::<u32>();
        let (wakes, w) = WakeCount::new();
        let mut send = tx.send(42);
        assert!(poll_with(&mut send, &w).is_pending());
        if close_from_sender {
            tx.close();
        } else {
            rx.close();
        }
        assert!(wakes.get() >= 1, "the parked sender was woken");
        assert_eq!(poll_with(&mut send, &w), Poll::Ready(Err(SendError(42))));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "nobody got 42");
    }
}

/// The same across processes, whichever of send and close happens first.
#[test]
fn sender_process_gets_its_value_back_on_close() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            for round in 0..200u32 {
                let (tx, rx) = channel::<u32>();
                let (ready_tx, ready_rx) = channel::<()>();
                let p = spawn(async move {
                    ready_tx.send(()).await.expect("root listens");
                    tx.send(round).await
                });
                ready_rx.recv().await.expect("sender starts");
                if round % 2 == 0 {
                    yield_now().await;
                }
                rx.close();
                assert_eq!(p.join().await.unwrap(), Err(SendError(round)));
            }
        });
    }
}

/// A send that completed into a parked receiver's hands is not undone by a
/// close before the receiver runs again.
#[test]
fn value_handed_to_a_parked_receiver_survives_close() {
    let (tx, rx) = channel::<u32>();
    let (_wakes, w) = WakeCount::new();
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(3), Ok(()));
    assert!(tx.close());
    assert_eq!(poll_with(&mut recv, &w), Poll::Ready(Ok(3)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_ops_on_a_rendezvous_channel() {
    let (tx, rx) = channel::<u32>();
    let (_wakes, w) = WakeCount::new();
    // Nobody waiting on either side.
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    // A receiver is parked: try_send hands it the value.
    let mut recv = rx.recv();
    assert!(poll_with(&mut recv, &w).is_pending());
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)), "slot taken");
    assert_eq!(poll_with(&mut recv, &w), Poll::Ready(Ok(2)));
    // A sender is parked: try_recv takes its value and completes it.
    let mut send = tx.send(4);
    assert!(poll_with(&mut send, &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(poll_with(&mut send, &w), Poll::Ready(Ok(())));
    // Closed.
    tx.close();
    assert_eq!(tx.try_send(5), Err(TrySendError::Closed(5)));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_ops_on_a_buffered_channel() {
    let (tx, rx) = buffered::<u32>(2);
    let (_wakes, w) = WakeCount::new();
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    assert_eq!((tx.len(), rx.capacity()), (2, 2));
    // A parked sender behind a full buffer moves in when room is made.
    let mut send = tx.send(3);
    assert!(poll_with(&mut send, &w).is_pending());
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(poll_with(&mut send, &w), Poll::Ready(Ok(())));
    assert_eq!(tx.try_send(4), Err(TrySendError::Full(4)));
    // Closed with values in the buffer: sends fail, receives drain.
    assert!(rx.close());
    assert_eq!(tx.try_send(4), Err(TrySendError::Closed(4)));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn try_ops_after_every_sender_or_receiver_is_gone() {
    for (tx, rx) in both_kinds() {
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
    for (tx, rx) in both_kinds() {
        drop(rx);
        assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
    }
}

/// A process that panics drops its channel ends: its peers see closes, not
/// hangs, and `join` reports the panic with its message.
#[test]
fn panicking_process_closes_its_channels() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (to_p, from_root) = channel::<u32>();
            let (to_root, from_p) = channel::<u32>();
            let p = spawn(async move {
                let v = from_root.recv().await.expect("root sends");
                if v == 7 {
                    panic!("boom at {v}");
                }
                to_root.send(v).await.expect("unreachable");
            });
            to_p.send(7).await.expect("p receives");
            assert_eq!(from_p.recv().await, Err(RecvError), "p's sender is gone");
            assert_eq!(
                to_p.send(8).await,
                Err(SendError(8)),
                "p's receiver is gone"
            );
            assert_eq!(
                p.join().await,
                Err(JoinError::Panicked("boom at 7".to_string()))
            );
        });
    }
}

/// A peer parked on a panicking process's channel is woken by the panic.
#[test]
fn peer_parked_on_a_panicking_process_is_released() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (tx, rx) = channel::<u32>();
            let (go_tx, go_rx) = channel::<()>();
            let peer = spawn(async move { rx.recv().await });
            let p = spawn(async move {
                let _keep = tx;
                go_rx.recv().await.expect("root says go");
                panic!("{}", String::from("owned message"));
            });
            go_tx.send(()).await.expect("p listens");
            assert_eq!(peer.join().await.unwrap(), Err(RecvError));
            let err = p.join().await.expect_err("p panicked");
            assert!(err.is_panic());
            assert_eq!(err, JoinError::Panicked("owned message".to_string()));
        });
    }
}

/// Request/reply with the reply channel sent along: `Sender<Sender<T>>`.
async fn doubler(requests: Receiver<(u32, Sender<u32>)>) -> u32 {
    let mut served: u32 = 0;
    while let Ok((x, reply)) = requests.recv().await {
        reply.send(2 * x).await.expect("client waits for its reply");
        served += 1;
    }
    served
}

#[test]
fn channel_ends_travel_over_channels() {
    for flavor in FLAVORS {
        run_on(flavor, || async {
            let (req_tx, req_rx) = channel::<(u32, Sender<u32>)>();
            let server = spawn(doubler(req_rx));
            let mut clients = Vec::new();
            for c in 0..8u32 {
                let req_tx = req_tx.clone();
                clients.push(spawn(async move {
                    let (reply_tx, reply_rx) = channel::<u32>();
                    for k in 0..50 {
                        let x = c * 100 + k;
                        req_tx.send((x, reply_tx.clone())).await.expect("server up");
                        assert_eq!(reply_rx.recv().await, Ok(2 * x));
                    }
                }));
            }
            drop(req_tx);
            for c in clients {
                c.join().await.expect("client finished");
            }
            assert_eq!(server.join().await.unwrap(), 8 * 50);
        });
    }
}

#[test]
fn sender_of_senders_and_receivers_over_channels() {
    run_on(Flavor::MultiThread, || async {
        // Hand a receiver to a worker over a channel, then a sender.
        let (rx_carrier, rx_inbox) = channel::<Receiver<u32>>();
        let (tx_carrier, tx_inbox) = channel::<Sender<Sender<u32>>>();
        let worker = spawn(async move {
            let input = rx_inbox.recv().await.expect("gets a receiver");
            let back = tx_inbox.recv().await.expect("gets a sender of senders");
            let (out, out_rx) = channel::<u32>();
            back.send(out).await.expect("root takes the sender");
            let mut sum: u32 = 0;
            while let Ok(v) = input.recv().await {
                sum += v;
            }
            drop(out_rx);
            sum
        });
        let (data_tx, data_rx) = buffered::<u32>(10);
        rx_carrier.send(data_rx).await.expect("worker takes it");
        let (senders_tx, senders_rx) = channel::<Sender<u32>>();
        tx_carrier.send(senders_tx).await.expect("worker takes it");
        let out = senders_rx.recv().await.expect("worker sends its sender");
        for v in 1..=10 {
            data_tx.send(v).await.expect("worker holds the receiver");
        }
        drop(data_tx);
        assert_eq!(worker.join().await.unwrap(), 55);
        // The worker dropped the receiver of `out` when it finished.
        assert_eq!(out.try_send(1), Err(TrySendError::Closed(1)));
    });
}

/// An end sitting in a buffer keeps its channel open; dropping the buffer
/// (its last receiver went away) drops the end and closes the channel.
#[test]
fn ends_in_flight_count_until_dropped() {
    let (carrier_tx, carrier_rx) = buffered::<Sender<u32>>(1);
    let (tx, rx) = channel::<u32>();
    carrier_tx.try_send(tx).expect("room");
    assert!(!rx.is_closed(), "the sender in the buffer still exists");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop(carrier_rx);
    assert!(
        rx.is_closed(),
        "dropping the buffer dropped the last sender"
    );
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}
