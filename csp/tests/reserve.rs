//! Reserved takes (`Port::reserve` / `Port::resolve`): how a transport
//! ships a copy of a parked sender's value to a remote receiver without
//! completing the send, and how everything else (receivers, withdrawal,
//! dropped futures, `alt!`, freezing a process) behaves meanwhile.
//!
//! A `Port` is what a transport gets from `EndCodec::export` while a channel
//! end is serialized under `with_codec`; [`port_of`] serializes a sender
//! through a codec that only records that port (the bytes are thrown away:
//! the codec takes no count, so nothing leaks).
//!
//! Futures are polled by hand with a waker that counts its wakes, so every
//! "still pending" below is a fact about one poll, and every "woken" a
//! fact about the core's wakeups; the process tests run on a current-thread
//! runtime and let the other tasks run with bounded `yield_now` loops,
//! never with sleeps.
#![cfg(feature = "migration")]

use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use csp::migrate::link::{Port, Reserved};
use csp::migrate::{spawn_process, FreezeError, Frozen};
use csp::prelude::*;
use csp::SendWithdrawal;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

#[path = "shared/grab.rs"]
mod grab;
use grab::port_of;

/// `alt!` over sending 10 on `atx` and receiving on `brx`, in that order of
/// priority if `send_first`, else the other.
async fn send_or_recv(atx: &Sender<u64>, brx: &Receiver<u64>, send_first: bool) -> Fired {
    if send_first {
        csp::alt! {
            biased;
            atx.send(10) => Fired::Send,
            Ok(v) = brx.recv() => Fired::Recv(v),
        }
    } else {
        csp::alt! {
            biased;
            Ok(v) = brx.recv() => Fired::Recv(v),
            atx.send(10) => Fired::Send,
        }
    }
}

/// Reserves the next value, which must be a parked sender's: its token and
/// the decoded copy.
fn reserve_parked<T: DeserializeOwned>(port: &Port) -> (u64, T) {
    match port.reserve() {
        Ok(Some(Reserved {
            bytes,
            token: Some(token),
        })) => (
            token,
            rmp_serde::from_slice(&bytes).expect("the copy decodes"),
        ),
        other => panic!("expected a parked sender's value, got {other:?}"),
    }
}

/// Reserves the next value, which must be a buffered one (no token).
fn reserve_buffered<T: DeserializeOwned>(port: &Port) -> T {
    match port.reserve() {
        Ok(Some(Reserved { bytes, token: None })) => {
            rmp_serde::from_slice(&bytes).expect("the copy decodes")
        }
        other => panic!("expected a buffered value, got {other:?}"),
    }
}

/// Counts the wakes of a hand-polled future.
#[derive(Default)]
struct Flag(AtomicUsize);

impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker of its own for one hand-polled future.
struct Probe {
    flag: Arc<Flag>,
    waker: Waker,
}

impl Probe {
    fn new() -> Probe {
        let flag = Arc::new(Flag::default());
        let waker = Waker::from(flag.clone());
        Probe { flag, waker }
    }

    fn poll<F: Future + Unpin + ?Sized>(&self, f: &mut F) -> Poll<F::Output> {
        Pin::new(f).poll(&mut Context::from_waker(&self.waker))
    }

    /// Wakes so far.
    fn wakes(&self) -> usize {
        self.flag.0.load(Ordering::SeqCst)
    }
}

/// A message that counts how often an original (not a decoded copy) is
/// dropped.
#[derive(Serialize, Deserialize, Debug)]
struct Tracked {
    v: u64,
    #[serde(skip)]
    drops: Option<Arc<AtomicUsize>>,
}

impl Tracked {
    fn new(v: u64) -> (Tracked, Arc<AtomicUsize>) {
        let drops = Arc::new(AtomicUsize::new(0));
        (
            Tracked {
                v,
                drops: Some(drops.clone()),
            },
            drops,
        )
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(d) = &self.drops {
            d.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Lets every other task of the current-thread runtime run for a while.
async fn let_others_run() {
    for _ in 0..50 {
        tokio::task::yield_now().await;
    }
}

/// Waits (yielding) until `port` shows `n` parked senders.
async fn until_parked(port: &Port, n: usize) {
    for _ in 0..1000 {
        if port.status().parked_senders == n {
            return;
        }
        tokio::task::yield_now().await;
    }
    panic!("never {n} parked senders: {:?}", port.status());
}

// ---------------------------------------------------------------------------
// Plain sends
// ---------------------------------------------------------------------------

/// A reserved rendezvous send stays pending, is invisible to receivers and
/// to `status`, and completes with `Ok` when the reservation is taken; the
/// value then exists only as the transport's copy.
#[test]
fn taken_reservation_completes_the_send() {
    let (tx, rx) = channel::<u64>();
    let port = port_of(&tx);
    let p = Probe::new();
    let mut send = tx.send(7);
    assert!(p.poll(&mut send).is_pending());
    assert_eq!(port.status().parked_senders, 1);

    let (token, v) = reserve_parked::<u64>(&port);
    assert_eq!(v, 7);
    assert!(
        p.poll(&mut send).is_pending(),
        "reserving completed the send"
    );
    // Nobody else can take or reserve it meanwhile.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(port.reserve().unwrap().is_none(), "reserved twice");
    assert_eq!(port.status().parked_senders, 0);
    assert!(p.poll(&mut send).is_pending());

    let before = p.wakes();
    port.resolve(token, true);
    assert!(p.wakes() > before, "the sender was not woken");
    assert_eq!(p.poll(&mut send), Poll::Ready(Ok(())));

    // Not duplicated: nothing is left for a local receiver.
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    assert!(port.reserve().unwrap().is_none());
    assert_eq!(port.status().parked_senders, 0);
    // A settled token is ignored.
    port.resolve(token, true);
    port.resolve(token, false);
    drop(send);
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// A refused reservation leaves the send pending with its value takeable
/// again: a local receiver then gets it, and the send completes.
#[test]
fn refused_reservation_leaves_the_send_pending() {
    let (tx, rx) = channel::<u64>();
    let port = port_of(&tx);
    let p = Probe::new();
    let mut send = tx.send(7);
    assert!(p.poll(&mut send).is_pending());
    let (token, v) = reserve_parked::<u64>(&port);
    assert_eq!(v, 7);

    let before = p.wakes();
    port.resolve(token, false);
    assert!(p.wakes() > before, "the sender was not woken");
    assert!(p.poll(&mut send).is_pending(), "a refused send completed");
    assert_eq!(port.status().parked_senders, 1);

    let r = Probe::new();
    let mut recv = rx.recv();
    assert_eq!(r.poll(&mut recv), Poll::Ready(Ok(7)));
    assert_eq!(p.poll(&mut send), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
    drop((send, recv));
    drop(tx);
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// A refused value goes back to where it stood in the queue: ahead of a
/// sender that parked after it. While reserved it is skipped.
#[test]
fn refused_value_keeps_its_queue_position() {
    let (tx, rx) = channel::<u64>();
    let port = port_of(&tx);
    let (p1, p2) = (Probe::new(), Probe::new());
    let mut s1 = tx.send(1);
    let mut s2 = tx.send(2);
    assert!(p1.poll(&mut s1).is_pending());
    assert!(p2.poll(&mut s2).is_pending());
    assert_eq!(port.status().parked_senders, 2);

    let (token, v) = reserve_parked::<u64>(&port);
    assert_eq!(v, 1, "reserve takes the oldest parked sender");
    assert_eq!(port.status().parked_senders, 1, "a reserved sender counted");
    port.resolve(token, false);
    assert_eq!(port.status().parked_senders, 2);
    assert_eq!(rx.try_recv(), Ok(1));
    assert_eq!(rx.try_recv(), Ok(2));
    assert_eq!(p1.poll(&mut s1), Poll::Ready(Ok(())));
    assert_eq!(p2.poll(&mut s2), Poll::Ready(Ok(())));

    // While the first is reserved a receiver takes the second.
    let mut s3 = tx.send(3);
    let mut s4 = tx.send(4);
    assert!(p1.poll(&mut s3).is_pending());
    assert!(p2.poll(&mut s4).is_pending());
    let (token, v) = reserve_parked::<u64>(&port);
    assert_eq!(v, 3);
    assert_eq!(rx.try_recv(), Ok(4));
    assert_eq!(p2.poll(&mut s4), Poll::Ready(Ok(())));
    assert!(p1.poll(&mut s3).is_pending());
    port.resolve(token, true);
    assert_eq!(p1.poll(&mut s3), Poll::Ready(Ok(())));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
}

/// `status().parked_senders` counts only senders a receiver could take
/// now: a reserved one is left out, and is back after a refusal.
#[test]
fn status_leaves_out_reserved_senders() {
    let (tx, _rx) = channel::<u64>();
    let port = port_of(&tx);
    let p = Probe::new();
    let mut sends: Vec<_> = (0..3).map(|i| Box::pin(tx.send(i))).collect();
    for s in &mut sends {
        assert!(p.poll(s).is_pending());
    }
    assert_eq!(port.status().parked_senders, 3);
    let (t0, _) = reserve_parked::<u64>(&port);
    assert_eq!(port.status().parked_senders, 2);
    let (t1, _) = reserve_parked::<u64>(&port);
    assert_eq!(port.status().parked_senders, 1);
    port.resolve(t0, false);
    assert_eq!(port.status().parked_senders, 2);
    port.resolve(t1, true);
    assert_eq!(port.status().parked_senders, 2);
    assert_eq!(p.poll(&mut sends[1]), Poll::Ready(Ok(())));
}

/// A buffered value comes back with no token (its send completed when it
/// was buffered); a sender parked on the full buffer moves up into the
/// room, which completes its send, as with any receive.
#[test]
fn buffered_values_come_without_token() {
    let (tx, rx) = buffered::<u64>(1);
    let port = port_of(&tx);
    tx.try_send(1).unwrap();
    let p = Probe::new();
    let mut send = tx.send(2);
    assert!(p.poll(&mut send).is_pending());

    assert_eq!(reserve_buffered::<u64>(&port), 1);
    assert_eq!(p.poll(&mut send), Poll::Ready(Ok(())));
    assert_eq!(port.status().buffered, 1);
    assert_eq!(reserve_buffered::<u64>(&port), 2);
    assert!(port.reserve().unwrap().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

    // Several buffered values, in order.
    let (tx, rx) = buffered::<u64>(3);
    let port = port_of(&tx);
    for i in 10..13 {
        tx.try_send(i).unwrap();
    }
    assert_eq!(reserve_buffered::<u64>(&port), 10);
    assert_eq!(rx.try_recv(), Ok(11));
    assert_eq!(reserve_buffered::<u64>(&port), 12);
    drop(tx);
    assert!(port.reserve().unwrap().is_none());
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
}

/// `withdraw` on a reserved send says `InFlight` and gives the send up:
/// if the remote refuses, the value is dropped (nobody ever receives it);
/// if it takes it, the send happened. Either way nothing stays parked.
#[test]
fn withdraw_while_reserved_is_in_flight() {
    for taken in [false, true] {
        let (tx, rx) = channel::<Tracked>();
        let port = port_of(&tx);
        let (value, drops) = Tracked::new(5);
        let p = Probe::new();
        let mut send = tx.send(value);
        assert!(p.poll(&mut send).is_pending());
        let (token, copy) = reserve_parked::<Tracked>(&port);
        assert_eq!(copy.v, 5);
        assert!(copy.drops.is_none(), "the copy is not the original");

        assert!(matches!(send.withdraw(), SendWithdrawal::InFlight));
        assert_eq!(drops.load(Ordering::SeqCst), 0, "dropped while in flight");
        assert_eq!(port.status().parked_senders, 0);
        assert!(rx.try_recv().is_err());

        port.resolve(token, taken);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "taken: {taken}: the original was not dropped exactly once"
        );
        assert_eq!(port.status().parked_senders, 0, "taken: {taken}");
        assert!(
            matches!(rx.try_recv(), Err(TryRecvError::Empty)),
            "taken: {taken}: the given-up value was received"
        );
        assert!(port.reserve().unwrap().is_none());
        drop(tx);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    }
}

/// Dropping a reserved send future gives it up just like `withdraw`.
#[test]
fn dropped_send_future_while_reserved() {
    for taken in [false, true] {
        let (tx, rx) = channel::<Tracked>();
        let port = port_of(&tx);
        let (value, drops) = Tracked::new(5);
        let p = Probe::new();
        let mut send = Box::pin(tx.send(value));
        assert!(p.poll(&mut send).is_pending());
        let (token, _copy) = reserve_parked::<Tracked>(&port);
        drop(send);
        assert_eq!(drops.load(Ordering::SeqCst), 0, "dropped while in flight");
        port.resolve(token, taken);
        assert_eq!(drops.load(Ordering::SeqCst), 1, "taken: {taken}");
        assert_eq!(port.status().parked_senders, 0);
        drop(tx);
        assert!(matches!(rx.try_recv(), Err(TryRecvError::Closed)));
    }
}

/// A withdraw before any reservation still gets the value back, and a
/// withdrawn send is never reserved.
#[test]
fn withdraw_before_reserve_gets_the_value() {
    let (tx, _rx) = channel::<u64>();
    let port = port_of(&tx);
    let p = Probe::new();
    let mut send = tx.send(3);
    assert!(p.poll(&mut send).is_pending());
    assert_eq!(send.withdraw(), SendWithdrawal::Withdrawn(3));
    assert!(port.reserve().unwrap().is_none());
}

/// The channel closes while a send is reserved: the send waits for the
/// answer, then completes (taken) or gets its value back (refused).
#[test]
fn close_while_reserved() {
    for taken in [false, true] {
        let (tx, rx) = channel::<u64>();
        let port = port_of(&tx);
        let p = Probe::new();
        let mut send = tx.send(9);
        assert!(p.poll(&mut send).is_pending());
        let (token, _) = reserve_parked::<u64>(&port);
        assert!(tx.close());
        assert!(
            p.poll(&mut send).is_pending(),
            "a reserved send ended before the answer"
        );
        port.resolve(token, taken);
        let expect = if taken { Ok(()) } else { Err(SendError(9)) };
        assert_eq!(p.poll(&mut send), Poll::Ready(expect));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
    }
}

/// A local receiver that arrives while the only sender is reserved parks
/// (the value is not takeable). When the remote refuses, the value is
/// takeable again, so that parked receiver must get it: the sender and the
/// receiver are on different tasks, and each is polled only when woken.
/// (Before `State::resolve` completed a refused send with a receiver
/// waiting, only the sender was woken, and its re-poll does not look for
/// receivers: both stayed parked for good.)
#[tokio::test]
async fn receiver_parked_during_reservation_gets_a_refused_value() {
    let (tx, rx) = channel::<u64>();
    let port = port_of(&tx);
    let sender = tokio::spawn(async move { tx.send(7).await });
    until_parked(&port, 1).await;
    let (token, _) = reserve_parked::<u64>(&port);
    let receiver = tokio::spawn(async move { rx.recv().await });
    let_others_run().await;
    assert_eq!(port.status().waiting_receivers, 1);
    assert!(!receiver.is_finished() && !sender.is_finished());

    port.resolve(token, false);
    let_others_run().await;
    assert!(
        receiver.is_finished() && sender.is_finished(),
        "after the refusal both sides are still parked ({:?}): the refusal \
         woke only the sender, whose re-poll does not look for a receiver, \
         and nothing woke the receiver that parked during the reservation",
        port.status()
    );
    assert_eq!(receiver.await.unwrap(), Ok(7));
    assert_eq!(sender.await.unwrap(), Ok(()));
}

// ---------------------------------------------------------------------------
// alt!
// ---------------------------------------------------------------------------

/// What an alt with a send arm and a receive arm did.
#[derive(Debug, PartialEq)]
enum Fired {
    Send,
    Recv(u64),
}

/// An alt parked on a send arm (channel `a`) and a receive arm (channel
/// `b`); the transport reserves the send arm. Meanwhile the receive arm
/// cannot fire: a sender on `b` parks. Refused: the alt wakes and, with no
/// receiver on `a`, fires the receive arm (only that one: the transport
/// finds nothing on `a` afterwards). Taken: the alt fires the send arm, and
/// the sender on `b` is still parked with its value.
#[test]
fn alt_send_arm_reserved() {
    for taken in [false, true] {
        for send_first in [true, false] {
            let (atx, arx) = channel::<u64>();
            let (btx, brx) = channel::<u64>();
            let port = port_of(&atx);
            let pa = Probe::new();
            let mut alt = pin!(send_or_recv(&atx, &brx, send_first));
            assert!(pa.poll(&mut alt).is_pending());
            assert_eq!(port.status().parked_senders, 1);
            let (token, v) = reserve_parked::<u64>(&port);
            assert_eq!(v, 10);

            // The reservation holds the alt: its receive arm is not open.
            let pb = Probe::new();
            let mut bsend = btx.send(20);
            assert!(
                pb.poll(&mut bsend).is_pending(),
                "the receive arm fired while the send arm was reserved"
            );
            assert!(pa.poll(&mut alt).is_pending());
            assert!(pb.poll(&mut bsend).is_pending());
            assert!(pa.poll(&mut alt).is_pending());

            let before = pa.wakes();
            port.resolve(token, taken);
            assert!(pa.wakes() > before, "the alt was not woken");
            let fired = match pa.poll(&mut alt) {
                Poll::Ready(f) => f,
                Poll::Pending => panic!("taken: {taken}: the alt did not fire"),
            };
            if taken {
                assert_eq!(fired, Fired::Send);
                assert!(pb.poll(&mut bsend).is_pending(), "both arms fired");
                assert_eq!(brx.try_recv(), Ok(20));
                assert_eq!(pb.poll(&mut bsend), Poll::Ready(Ok(())));
            } else {
                assert_eq!(fired, Fired::Recv(20));
                assert_eq!(pb.poll(&mut bsend), Poll::Ready(Ok(())));
            }
            // The send arm's value is nowhere on `a` any more.
            assert!(port.reserve().unwrap().is_none(), "send arm still parked");
            assert_eq!(arx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(brx.try_recv(), Err(TryRecvError::Empty));
        }
    }
}

/// As above with a local receiver on `a` too, which arrives during the
/// reservation (and parks). After a refusal the alt fires exactly one arm:
/// the send arm (the local receiver gets 10, the sender on `b` still waits)
/// or the receive arm (it gets 20, the receiver on `a` still waits).
#[test]
fn alt_refused_with_peers_on_both_arms_fires_one() {
    for send_first in [true, false] {
        let (atx, arx) = channel::<u64>();
        let (btx, brx) = channel::<u64>();
        let port = port_of(&atx);
        let pa = Probe::new();
        let mut alt = pin!(send_or_recv(&atx, &brx, send_first));
        assert!(pa.poll(&mut alt).is_pending());
        let (token, _) = reserve_parked::<u64>(&port);
        let (pb, pr) = (Probe::new(), Probe::new());
        let mut bsend = btx.send(20);
        let mut arecv = arx.recv();
        assert!(pb.poll(&mut bsend).is_pending());
        assert!(pr.poll(&mut arecv).is_pending());
        port.resolve(token, false);
        let fired = match pa.poll(&mut alt) {
            Poll::Ready(f) => f,
            Poll::Pending => panic!("the alt did not fire"),
        };
        match fired {
            Fired::Send => {
                assert_eq!(pr.poll(&mut arecv), Poll::Ready(Ok(10)));
                assert!(pb.poll(&mut bsend).is_pending(), "both arms fired");
                assert_eq!(brx.try_recv(), Ok(20));
            }
            Fired::Recv(v) => {
                assert_eq!(v, 20);
                assert_eq!(pb.poll(&mut bsend), Poll::Ready(Ok(())));
                assert!(pr.poll(&mut arecv).is_pending(), "both arms fired");
            }
        }
        assert!(port.reserve().unwrap().is_none());
    }
}

/// An alt dropped while its send arm is reserved gives the send up: a
/// refusal drops the value, nothing is left on the channel.
#[test]
fn alt_dropped_while_reserved() {
    for taken in [false, true] {
        let (atx, arx) = channel::<Tracked>();
        let (_btx, brx) = channel::<u64>();
        let port = port_of(&atx);
        let (value, drops) = Tracked::new(4);
        {
            let pa = Probe::new();
            let mut alt = Box::pin(async {
                csp::alt! {
                    atx.send(value) => Fired::Send,
                    Ok(v) = brx.recv() => Fired::Recv(v),
                }
            });
            assert!(pa.poll(&mut alt).is_pending());
            let (token, copy) = reserve_parked::<Tracked>(&port);
            assert_eq!(copy.v, 4);
            drop(alt);
            assert_eq!(drops.load(Ordering::SeqCst), 0);
            port.resolve(token, taken);
        }
        assert_eq!(drops.load(Ordering::SeqCst), 1, "taken: {taken}");
        assert!(port.reserve().unwrap().is_none());
        drop(atx);
        assert!(matches!(arx.try_recv(), Err(TryRecvError::Closed)));
    }
}

// ---------------------------------------------------------------------------
// Processes: freezing waits for the answer
// ---------------------------------------------------------------------------

/// Sends `v`, then waits for `go`; returns `v + go` (0 if the send failed).
#[process]
async fn send_then_wait(out: Sender<u64>, v: u64, go: Receiver<u64>) -> u64 {
    if out.send(v).await.is_err() {
        return 0;
    }
    let x: u64 = go.recv().await.unwrap_or(0);
    v + x
}

/// Polls `freeze` (a pending `ProcessHandle::freeze`) between rounds of
/// letting the process run, and checks it stays pending.
async fn assert_freeze_waits<F: Future>(mut freeze: Pin<&mut F>) {
    for _ in 0..20 {
        assert!(
            futures::poll!(freeze.as_mut()).is_pending(),
            "the freeze completed while the send was reserved"
        );
        let_others_run().await;
    }
}

/// A process parked in `send` whose value is reserved cannot be frozen
/// until the answer comes. Refused: the freeze then completes with the
/// value back in the frame; thawed, the process sends it (received exactly
/// once) and goes on.
#[tokio::test]
async fn freeze_waits_for_a_refused_reservation() {
    let (otx, orx) = channel::<u64>();
    let (gtx, grx) = channel::<u64>();
    let port = port_of(&otx);
    let h = spawn_process(send_then_wait(otx, 5, grx));
    until_parked(&port, 1).await;
    let (token, v) = reserve_parked::<u64>(&port);
    assert_eq!(v, 5);

    let mut freeze = Box::pin(h.freeze());
    assert_freeze_waits(freeze.as_mut()).await;
    // Still reserved, still parked, nothing delivered.
    assert_eq!(port.status().parked_senders, 0);
    assert_eq!(orx.try_recv(), Err(TryRecvError::Empty));

    port.resolve(token, false);
    let frozen = freeze.await.expect("the freeze completes after the answer");
    // The send was withdrawn into the frame: nothing parked on the channel.
    assert_eq!(port.status().parked_senders, 0);
    assert!(port.reserve().unwrap().is_none());
    assert_eq!(orx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(h.join().await.unwrap_err(), JoinError::Frozen);

    let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
    let h2 = spawn_process(back.thaw::<SendThenWait>().unwrap());
    drop(frozen);
    assert_eq!(orx.recv().await, Ok(5));
    gtx.send(1).await.unwrap();
    assert_eq!(h2.join().await, Ok(6));
    // Exactly once: the process's sender is gone and nothing else came.
    assert_eq!(orx.try_recv(), Err(TryRecvError::Closed));
}

/// As above, but the remote takes the value: the freeze completes (at the
/// next pause point) and the thawed process does not send again.
#[tokio::test]
async fn freeze_waits_for_a_taken_reservation() {
    let (otx, orx) = channel::<u64>();
    let (gtx, grx) = channel::<u64>();
    let port = port_of(&otx);
    let h = spawn_process(send_then_wait(otx, 5, grx));
    until_parked(&port, 1).await;
    let (token, _) = reserve_parked::<u64>(&port);

    let mut freeze = Box::pin(h.freeze());
    assert_freeze_waits(freeze.as_mut()).await;

    port.resolve(token, true);
    let frozen = freeze.await.expect("the freeze completes after the answer");
    assert_eq!(orx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(h.join().await.unwrap_err(), JoinError::Frozen);

    let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
    let h2 = spawn_process(back.thaw::<SendThenWait>().unwrap());
    drop(frozen);
    gtx.send(1).await.unwrap();
    assert_eq!(h2.join().await, Ok(6), "the send did not count as done");
    assert_eq!(
        orx.try_recv(),
        Err(TryRecvError::Closed),
        "the thawed process sent again"
    );
}

/// Offers 5 on `out` or takes a value from `input`.
#[process]
async fn offer_or_take(out: Sender<u64>, input: Receiver<u64>) -> u64 {
    let got: u64 = alt! {
        out.send(5) => 0,
        Ok(v) = input.recv() => v,
    };
    got
}

/// A process parked in an `alt!` whose send arm is reserved cannot be
/// frozen until the answer comes; meanwhile its receive arm does not fire.
/// Refused: the freeze completes, and the thawed alt still offers the
/// value. Taken: the alt fires the send arm and the process ends (so the
/// freeze finds it finished).
#[tokio::test]
async fn freeze_waits_for_a_reserved_alt() {
    for taken in [false, true] {
        let (otx, orx) = channel::<u64>();
        let (itx, irx) = channel::<u64>();
        let port = port_of(&otx);
        let h = spawn_process(offer_or_take(otx, irx));
        until_parked(&port, 1).await;
        let (token, v) = reserve_parked::<u64>(&port);
        assert_eq!(v, 5);

        let mut freeze = Box::pin(h.freeze());
        assert_freeze_waits(freeze.as_mut()).await;
        // The receive arm cannot fire now.
        assert_eq!(itx.try_send(8), Err(TrySendError::Full(8)));

        port.resolve(token, taken);
        let frozen = freeze.await;
        if taken {
            assert_eq!(frozen.unwrap_err(), FreezeError::Finished);
            assert_eq!(h.join().await, Ok(0));
            assert_eq!(orx.try_recv(), Err(TryRecvError::Closed));
            continue;
        }
        let frozen = frozen.expect("the freeze completes after the answer");
        assert!(port.reserve().unwrap().is_none());
        assert_eq!(h.join().await.unwrap_err(), JoinError::Frozen);
        let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
        let h2 = spawn_process(back.thaw::<OfferOrTake>().unwrap());
        drop(frozen);
        assert_eq!(orx.recv().await, Ok(5));
        assert_eq!(h2.join().await, Ok(0));
        assert_eq!(orx.try_recv(), Err(TryRecvError::Closed));
    }
}

/// Steps run from inside the core, one per wake, as a transport's watch
/// is woken: the core wakes a watching waker right after the lock section
/// that follows `Port::watch`, on the thread that held the lock. Each step
/// stands in for another thread acting at exactly that point.
struct Hook(Mutex<std::collections::VecDeque<Box<dyn FnOnce() + Send>>>);

impl Hook {
    fn new(steps: Vec<Box<dyn FnOnce() + Send>>) -> Arc<Hook> {
        Arc::new(Hook(Mutex::new(steps.into())))
    }

    fn pending(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

impl Wake for Hook {
    fn wake(self: Arc<Self>) {
        let step = self.0.lock().unwrap().pop_front();
        if let Some(step) = step {
            step();
        }
    }
}

/// A freeze settles an alt by withdrawing its arms one after the other.
/// Here the send arm (arm 0, on `out`) is reserved when the settle reaches
/// it, so it stays parked, in flight; right after that withdrawal (the
/// watch hook runs there, standing in for the transport's thread) the
/// remote refuses and a peer sends on `input`, which completes the receive
/// arm (arm 1) before the settle withdraws it. The settle then records arm
/// 1 as fired, so the freeze goes ahead, and a frozen frame must hold the
/// send arm's value (the arm did not fire) and the received 8.
///
/// (Before `unpark_all` in `alt/mod.rs` took such an arm back once more,
/// its guard stayed parked and the freeze failed with `Serialize("a
/// parked alt guard must be settled before freezing")`; the loom model
/// `alt_pause_freeze_races_reserve_and_resolve` finds the same
/// interleaving.)
#[tokio::test]
async fn freeze_of_alt_whose_refusal_lets_another_arm_fire() {
    let (otx, orx) = channel::<u64>();
    let (itx, irx) = channel::<u64>();
    let port = port_of(&otx);
    let h = spawn_process(offer_or_take(otx, irx));
    until_parked(&port, 1).await;
    let (token, _) = reserve_parked::<u64>(&port);

    let hook_port = port.clone();
    let hook = Hook::new(vec![Box::new(move || {
        hook_port.resolve(token, false);
        assert_eq!(itx.try_send(8), Ok(()), "the receive arm was not parked");
    })]);
    port.watch(&Waker::from(hook.clone()));

    let frozen = h.freeze().await;
    assert_eq!(hook.pending(), 0, "the hook did not run during the settle");
    let frozen = frozen.expect("a settled alt with a recorded arm freezes");
    assert_eq!(h.join().await.unwrap_err(), JoinError::Frozen);
    assert_eq!(port.status().parked_senders, 0);
    assert!(
        port.reserve().unwrap().is_none(),
        "the send arm is still parked"
    );
    let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
    let h2 = spawn_process(back.thaw::<OfferOrTake>().unwrap());
    drop(frozen);
    assert_eq!(h2.join().await, Ok(8), "the fired receive arm was lost");
    assert_eq!(
        orx.try_recv(),
        Err(TryRecvError::Closed),
        "the send arm fired too"
    );
}

/// An alt parking its arms in turn (receive on `b`, send on `a`, receive
/// on `c`): right after the send arm parks, the transport reserves it
/// (claiming the alt's selector) and `c` closes, so the third arm finds
/// `c` ready and the alt aborts its parking, learning that arm 1 was
/// chosen (by the reservation); while it takes its parkings back, the
/// remote refuses (after the withdrawal on `b`, before the one on `a`),
/// so the send arm comes back untouched and nothing completed: the alt
/// scans again and fires exactly one arm. (`AltCore::park` once asserted
/// that the arm the abort learnt of had completed, which a refused
/// reservation breaks.)
#[test]
fn alt_park_racing_a_refusal() {
    let (atx, arx) = channel::<u64>();
    let (btx, brx) = channel::<u64>();
    let (ctx, crx) = channel::<u64>();
    let port_a = port_of(&atx);
    let port_b = port_of(&btx);
    let token = Arc::new(Mutex::new(None));
    let hook_b = {
        let (port_a, token) = (port_a.clone(), token.clone());
        Hook::new(vec![Box::new(move || {
            let t = token.lock().unwrap().take().expect("reserved");
            port_a.resolve(t, false);
        })])
    };
    let waker_a = Arc::new(std::sync::OnceLock::<Waker>::new());
    let hook_a = {
        let (rearm, waker_a) = (port_a.clone(), waker_a.clone());
        let (port_a, port_b, hook_b) = (port_a.clone(), port_b.clone(), hook_b.clone());
        Hook::new(vec![
            // The scan's offer on `a`: not yet; wait for the parking.
            Box::new(move || rearm.watch(waker_a.get().unwrap())),
            Box::new(move || {
                let (t, v) = reserve_parked::<u64>(&port_a);
                assert_eq!(v, 10);
                *token.lock().unwrap() = Some(t);
                assert!(ctx.close());
                port_b.watch(&Waker::from(hook_b));
            }),
        ])
    };
    waker_a.set(Waker::from(hook_a.clone())).unwrap();
    port_a.watch(waker_a.get().unwrap());

    let pa = Probe::new();
    let mut alt = pin!(async {
        csp::alt! {
            biased;
            Ok(v) = brx.recv() => Fired::Recv(v),
            atx.send(10) => Fired::Send,
            Ok(v) = crx.recv() => Fired::Recv(v + 100),
        }
    });
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pa.poll(&mut alt)));
    let first = first.unwrap_or_else(|_| {
        panic!("the alt panicked parking while a reservation of its send arm was refused")
    });
    assert_eq!(
        (hook_a.pending(), hook_b.pending()),
        (0, 0),
        "the hooks did not run"
    );
    // `c` is closed (its arm disabled), nobody is on `a` or `b`: the alt
    // waits, parked on `a` and `b` again.
    assert!(first.is_pending());
    assert_eq!(port_a.status().parked_senders, 1);
    assert_eq!(arx.try_recv(), Ok(10));
    assert_eq!(pa.poll(&mut alt), Poll::Ready(Fired::Send));
}

// ---------------------------------------------------------------------------
// Threads racing
// ---------------------------------------------------------------------------

/// A sender parks and then withdraws (as a freeze would) while a transport
/// thread reserves and answers; real threads, many rounds (the loom models
/// in `loom_reserve.rs` explore these interleavings exhaustively once the
/// `migration` module builds under loom). Exactly one of: the transport's
/// copy was taken and the send counts as sent; the value is back with the
/// sender; the send was given up in flight and the answer decided.
#[test]
fn withdraw_races_reserve_and_resolve() {
    for round in 0..2000u64 {
        let taken = round % 2 == 0;
        let (tx, rx) = channel::<u64>();
        let port = port_of(&tx);
        let p = Probe::new();
        let mut send = tx.send(round);
        assert!(p.poll(&mut send).is_pending());
        let transport = std::thread::spawn(move || {
            let mut got = None;
            for _ in 0..100 {
                match port.reserve().unwrap() {
                    Some(Reserved {
                        bytes,
                        token: Some(t),
                    }) => {
                        port.resolve(t, taken);
                        got = Some(rmp_serde::from_slice::<u64>(&bytes).unwrap());
                        break;
                    }
                    Some(other) => panic!("not a parked sender's: {other:?}"),
                    None => std::thread::yield_now(),
                }
            }
            got
        });
        std::thread::yield_now();
        let outcome = send.withdraw();
        let got = transport.join().unwrap();
        match (outcome, got) {
            (SendWithdrawal::Withdrawn(v), got) => {
                assert_eq!(v, round);
                assert!(
                    !(taken && got.is_some()),
                    "round {round}: withdrawn, but the copy was taken"
                );
            }
            (SendWithdrawal::Sent, Some(v)) => {
                assert!(taken, "round {round}: sent, but the copy was refused");
                assert_eq!(v, round);
            }
            // Given up in flight: the answer decided, nothing is left.
            (SendWithdrawal::InFlight, Some(_)) => {}
            other => panic!("round {round}: {other:?}"),
        }
        drop(tx);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "round {round}");
    }
}

// ---------------------------------------------------------------------------
// A refusal during `park`'s abort lets a *later* arm be claimed
// ---------------------------------------------------------------------------

/// As `alt_park_racing_a_refusal`, with one more receive arm (on `d`)
/// parked between the send arm and the arm that aborts the parking. The
/// reservation claims arm 1 (so `abort` learns `chosen == Some(1)`); while
/// the parkings are taken back, the remote refuses (releasing the
/// selector) and a peer sends on `d`, completing arm 2 before its
/// withdrawal. Arm 2 fires with 5, and the send arm does not.
#[test]
fn alt_park_refusal_then_a_later_arm_fires() {
    let (atx, arx) = channel::<u64>();
    let (btx, brx) = channel::<u64>();
    let (ctx, crx) = channel::<u64>();
    let (dtx, drx) = channel::<u64>();
    let port_a = port_of(&atx);
    let port_b = port_of(&btx);
    let token = Arc::new(Mutex::new(None));
    let hook_b = {
        let (port_a, token) = (port_a.clone(), token.clone());
        Hook::new(vec![Box::new(move || {
            let t = token.lock().unwrap().take().expect("reserved");
            port_a.resolve(t, false);
            // A peer on `d`: arm 2 is still parked, the selector open again.
            assert_eq!(dtx.try_send(5), Ok(()), "arm 2 was not parked");
        })])
    };
    let waker_a = Arc::new(std::sync::OnceLock::<Waker>::new());
    let hook_a = {
        let (rearm, waker_a) = (port_a.clone(), waker_a.clone());
        let (port_a, port_b, hook_b) = (port_a.clone(), port_b.clone(), hook_b.clone());
        Hook::new(vec![
            Box::new(move || rearm.watch(waker_a.get().unwrap())),
            Box::new(move || {
                let (t, v) = reserve_parked::<u64>(&port_a);
                assert_eq!(v, 10);
                *token.lock().unwrap() = Some(t);
                assert!(ctx.close());
                port_b.watch(&Waker::from(hook_b));
            }),
        ])
    };
    waker_a.set(Waker::from(hook_a.clone())).unwrap();
    port_a.watch(waker_a.get().unwrap());

    let pa = Probe::new();
    let mut alt = pin!(async {
        csp::alt! {
            biased;
            Ok(v) = brx.recv() => Fired::Recv(v),
            atx.send(10) => Fired::Send,
            Ok(v) = drx.recv() => Fired::Recv(v + 1000),
            Ok(v) = crx.recv() => Fired::Recv(v + 100),
        }
    });
    let first = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pa.poll(&mut alt)));
    let first =
        first.unwrap_or_else(|_| panic!("the alt panicked: a refusal during park let arm 2 fire"));
    assert_eq!(
        (hook_a.pending(), hook_b.pending()),
        (0, 0),
        "hooks did not run"
    );
    assert_eq!(first, Poll::Ready(Fired::Recv(1005)));
    assert_eq!(
        arx.try_recv(),
        Err(TryRecvError::Empty),
        "the send arm fired too"
    );
}
