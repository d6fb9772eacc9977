//! Unit tests of the channel core through its handles, single-threaded so
//! every interleaving below is the one written.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use super::*;

/// Polls `f` once with a no-op waker.
fn poll_once<F: Future + Unpin>(f: &mut F) -> Poll<F::Output> {
    let mut cx = Context::from_waker(Waker::noop());
    std::pin::Pin::new(f).poll(&mut cx)
}

#[test]
fn rendezvous_send_waits_for_receiver() {
    let (tx, rx) = channel::<u32>();
    let mut send = tx.send(1);
    assert!(poll_once(&mut send).is_pending(), "no receiver yet");
    assert_eq!(rx.try_recv(), Ok(1), "receiver takes the parked value");
    assert_eq!(
        poll_once(&mut send),
        Poll::Ready(Ok(())),
        "now the send is done"
    );
}

#[test]
fn rendezvous_try_send_needs_a_parked_receiver() {
    let (tx, rx) = channel::<u32>();
    assert_eq!(tx.try_send(1), Err(TrySendError::Full(1)));
    let mut recv = rx.recv();
    assert!(poll_once(&mut recv).is_pending());
    assert_eq!(tx.try_send(2), Ok(()), "a parked receiver takes it");
    assert_eq!(poll_once(&mut recv), Poll::Ready(Ok(2)));
}

#[test]
fn buffered_holds_capacity_then_parks_in_order() {
    let (tx, rx) = buffered::<u32>(2);
    assert_eq!(tx.try_send(1), Ok(()));
    assert_eq!(tx.try_send(2), Ok(()));
    assert_eq!(tx.try_send(3), Err(TrySendError::Full(3)));
    let mut s3 = tx.send(3);
    assert!(poll_once(&mut s3).is_pending());
    assert_eq!(tx.len(), 2);
    assert_eq!(rx.try_recv(), Ok(1));
    // The parked value moved into the buffer behind 2: the send is done.
    assert_eq!(poll_once(&mut s3), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(rx.try_recv(), Ok(3));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn close_drains_then_errors_and_returns_values() {
    let (tx, rx) = buffered::<u32>(1);
    tx.try_send(1).unwrap();
    let mut parked = tx.send(2);
    assert!(poll_once(&mut parked).is_pending());
    assert!(rx.close());
    assert!(!tx.close(), "second close reports it was closed");
    assert_eq!(poll_once(&mut parked), Poll::Ready(Err(SendError(2))));
    assert_eq!(tx.try_send(3), Err(TrySendError::Closed(3)));
    assert_eq!(rx.try_recv(), Ok(1), "buffered value survives close");
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn last_sender_drop_closes_but_clones_keep_it_open() {
    let (tx, rx) = channel::<u32>();
    let tx2 = tx.clone();
    drop(tx);
    assert!(!rx.is_closed());
    drop(tx2);
    assert!(rx.is_closed());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn last_receiver_drop_fails_parked_sender_with_value() {
    let (tx, rx) = channel::<String>();
    let mut send = tx.send("kept".to_string());
    assert!(poll_once(&mut send).is_pending());
    drop(rx);
    assert_eq!(
        poll_once(&mut send),
        Poll::Ready(Err(SendError("kept".to_string())))
    );
}

#[test]
fn withdraw_parked_send_returns_value_or_reports_sent() {
    let (tx, rx) = channel::<u32>();
    let mut a = tx.send(1);
    assert!(poll_once(&mut a).is_pending());
    assert_eq!(a.withdraw(), SendWithdrawal::Withdrawn(1));
    assert_eq!(
        rx.try_recv(),
        Err(TryRecvError::Empty),
        "withdrawn value is gone"
    );

    let mut b = tx.send(2);
    assert!(poll_once(&mut b).is_pending());
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(b.withdraw(), SendWithdrawal::Sent);
}

#[test]
fn withdraw_recv_reports_a_delivered_value() {
    let (tx, rx) = channel::<u32>();
    let mut r = rx.recv();
    assert!(poll_once(&mut r).is_pending());
    tx.try_send(9).unwrap();
    assert_eq!(r.withdraw(), Some(9));
    let mut r2 = rx.recv();
    assert!(poll_once(&mut r2).is_pending());
    assert_eq!(r2.withdraw(), None);
}

#[test]
fn dropped_receiver_future_puts_value_back_first() {
    let (tx, rx) = buffered::<u32>(4);
    let mut r = rx.recv();
    assert!(poll_once(&mut r).is_pending());
    tx.try_send(1).unwrap(); // lands in r's slot
    tx.try_send(2).unwrap(); // lands in the buffer
    drop(r);
    assert_eq!(rx.try_recv(), Ok(1), "restored value keeps its place");
    assert_eq!(rx.try_recv(), Ok(2));
}

#[test]
fn dropped_send_future_is_never_delivered() {
    let (tx, rx) = channel::<u32>();
    let mut s = tx.send(5);
    assert!(poll_once(&mut s).is_pending());
    drop(s);
    let mut r = pin!(rx.recv());
    let mut cx = Context::from_waker(Waker::noop());
    assert!(r.as_mut().poll(&mut cx).is_pending());
}

#[test]
fn mobile_channel_end_travels_over_a_channel() {
    let (tx, rx) = buffered::<Sender<u32>>(1);
    let (inner_tx, inner_rx) = buffered::<u32>(1);
    tx.try_send(inner_tx).unwrap();
    let moved = rx.try_recv().unwrap();
    moved.try_send(42).unwrap();
    assert_eq!(inner_rx.try_recv(), Ok(42));
    drop(moved);
    assert!(inner_rx.is_closed(), "the moved end was the last sender");
}

#[test]
fn sender_sees_a_channel_without_receivers_as_closed() {
    let (tx, rx) = channel::<u8>();
    assert!(!tx.is_closed());
    drop(rx);
    assert!(tx.is_closed(), "no send can succeed any more");
    assert_eq!(tx.try_send(1), Err(TrySendError::Closed(1)));
}

#[test]
fn same_channel_compares_identity() {
    let (a, _ra) = channel::<u8>();
    let (b, _rb) = channel::<u8>();
    assert!(a.same_channel(&a.clone()));
    assert!(!a.same_channel(&b));
}
