//! Loom model tests for the channel core and `alt!`.
//!
//! Every model drives the public API (`channel`, `buffered`, `send`/`recv`
//! futures, `try_send`/`try_recv`, `close`, `withdraw`, `alt!` without
//! `after` arms; in (e), the pause points a process is frozen at, from
//! `csp::__private`) from `loom::thread`s, and loom explores the
//! interleavings of the core's mutex and selector atomic. Run them with
//!
//! ```text
//! RUSTFLAGS="--cfg csp_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p csp --test loom --release
//! ```
//!
//! (`--cfg csp_loom`, not `--cfg loom`: tokio changes under the latter.)
//! Add `CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true` to also check the core's
//! `debug_assert!`s ("two arms of one alt fired", ...) in every interleaving.
//!
//! Each model sets its own preemption bound (chosen so the whole file runs
//! in about a minute); `LOOM_MAX_PREEMPTIONS` overrides it, and
//! `--nocapture` prints how many executions each model explored. To see the
//! interleaving of a failure, rerun that one test with
//! `LOOM_LOG=trace LOOM_LOCATION=1 LOOM_MAX_PREEMPTIONS=<n>` (logging goes
//! through `loom::model`, which reads its bound from the environment only).
//!
//! A model that deadlocks makes loom panic, and the channel ends dropped
//! while unwinding panic again inside loom, which aborts the test binary:
//! the deadlock message is still printed, but later tests do not run.
//!
//! `alt!` picks its first arm with `fastrand`, whose thread-local generator
//! loom's threads (coroutines on one OS thread) share. Each model reseeds it
//! at the start of every execution so that an execution is a function of its
//! schedule alone, as loom requires. Scan order is covered deterministically
//! instead: the alt models run `biased;` with the arms in both orders (which
//! is exactly what a fair alt does with each random start), plus one seeded
//! fair run.
#![cfg(csp_loom)]

use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll, Waker};

use csp::__private::{AltPause, PauseOp, RecvGuard, RecvPause, SendGuard, SendPause};
use csp::{buffered, channel, RecvError, SendError, SendWithdrawal, TryRecvError, TrySendError};
use loom::future::block_on;
use loom::thread;

#[path = "shared/loom_model.rs"]
mod loom_model;
use loom_model::{model, poll_once};

/// How an alt model orders its arms.
#[derive(Clone, Copy, Debug)]
enum Order {
    /// `biased;`, arms as listed.
    Biased,
    /// `biased;`, arms listed in reverse.
    Reversed,
    /// Fair (random start, seeded per execution).
    Fair,
}

const ORDERS: [Order; 3] = [Order::Biased, Order::Reversed, Order::Fair];

// ---------------------------------------------------------------------------
// (a) Rendezvous hand-off
// ---------------------------------------------------------------------------

/// One sender, one receiver: the value arrives exactly once, and when the
/// send completes the value is already the receiver's (a second receiver
/// asking right after finds nothing).
#[test]
fn rendezvous_hand_off() {
    model(Some(5), || {
        let (tx, rx) = channel::<u32>();
        let probe = rx.clone();
        let r = thread::spawn(move || {
            let got = block_on(rx.recv());
            // Exactly once: nothing else arrives, and the channel closes
            // when the sender goes.
            let after = block_on(rx.recv());
            (got, after)
        });
        block_on(tx.send(7)).unwrap();
        // The send completed: the value is committed to `r`, not waiting in
        // the channel where another receiver could take it.
        assert_eq!(probe.try_recv(), Err(TryRecvError::Empty));
        drop(tx);
        let (got, after) = r.join().unwrap();
        assert_eq!(got, Ok(7));
        assert_eq!(after, Err(RecvError));
    });
}

/// Two senders, one receiver on a rendezvous channel: each value arrives
/// exactly once and both sends complete.
#[test]
fn rendezvous_two_senders() {
    model(Some(3), || {
        let (tx, rx) = channel::<u32>();
        let tx2 = tx.clone();
        let s = thread::spawn(move || block_on(tx2.send(2)));
        let r = thread::spawn(move || {
            let a = block_on(rx.recv()).unwrap();
            let b = block_on(rx.recv()).unwrap();
            let end = block_on(rx.recv());
            (a, b, end)
        });
        block_on(tx.send(1)).unwrap();
        drop(tx);
        s.join().unwrap().unwrap();
        let (a, b, end) = r.join().unwrap();
        let mut got = [a, b];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
        assert_eq!(end, Err(RecvError));
    });
}

/// A buffered channel of one: a single sender's values arrive in order,
/// once each, the second send waiting for room.
#[test]
fn buffered_fifo() {
    model(Some(5), || {
        let (tx, rx) = buffered::<u32>(1);
        let s = thread::spawn(move || {
            block_on(tx.send(1)).unwrap();
            block_on(tx.send(2)).unwrap();
            block_on(tx.send(3)).unwrap();
        });
        let mut got = Vec::new();
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v);
        }
        s.join().unwrap();
        assert_eq!(got, [1, 2, 3]);
    });
}

/// `try_send` on a rendezvous channel succeeds only into a parked
/// receiver; whatever it reports matches what the receiver sees.
#[test]
fn try_send_vs_parked_receiver() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let r = thread::spawn(move || block_on(rx.recv()));
        let sent = tx.try_send(4);
        drop(tx);
        let got = r.join().unwrap();
        match (sent, got) {
            (Ok(()), Ok(4)) | (Err(TrySendError::Full(4)), Err(RecvError)) => {}
            other => panic!("inconsistent try_send: {other:?}"),
        }
    });
}

// ---------------------------------------------------------------------------
// (b) Close
// ---------------------------------------------------------------------------

/// `close` races a sender and a receiver on a rendezvous channel: the value
/// is either delivered (send Ok, receive Ok) or handed back (send Err with
/// the value, receive Err). Never lost, never both.
#[test]
fn close_races_send_and_recv() {
    model(Some(6), || {
        let (tx, rx) = channel::<u32>();
        let closer = tx.clone();
        let s = thread::spawn(move || block_on(tx.send(1)));
        let r = thread::spawn(move || block_on(rx.recv()));
        assert!(closer.close());
        let sent = s.join().unwrap();
        let got = r.join().unwrap();
        match (sent, got) {
            (Ok(()), Ok(1)) | (Err(SendError(1)), Err(RecvError)) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
        assert!(!closer.close(), "second close reports already closed");
    });
}

/// `close` races a sender parked on a full buffered channel while a
/// receiver drains: the receiver gets the buffered value, then the parked
/// one only if its send succeeded, then an error (and keeps getting it).
#[test]
fn close_drains_then_errors() {
    model(Some(4), || {
        let (tx, rx) = buffered::<u32>(1);
        tx.try_send(1).unwrap();
        let closer = tx.clone();
        let s = thread::spawn(move || block_on(tx.send(2)));
        let c = thread::spawn(move || {
            closer.close();
        });
        let mut got = Vec::new();
        while let Ok(v) = block_on(rx.recv()) {
            got.push(v);
        }
        assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));
        let sent = s.join().unwrap();
        c.join().unwrap();
        match sent {
            Ok(()) => assert_eq!(got, [1, 2]),
            Err(SendError(2)) => assert_eq!(got, [1]),
            Err(e) => panic!("wrong value handed back: {:?}", e.0),
        }
    });
}

/// The last receiver going away races a parked sender: the sender gets its
/// value back, or the receiver took it first.
#[test]
fn receiver_drop_races_send() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let s = thread::spawn(move || block_on(tx.send(1)));
        let got = rx.try_recv();
        drop(rx);
        match (got, s.join().unwrap()) {
            (Ok(1), Ok(())) | (Err(TryRecvError::Empty), Err(SendError(1))) => {}
            other => panic!("value lost or duplicated: {other:?}"),
        }
    });
}

// ---------------------------------------------------------------------------
// (c) alt!: registration, claiming, withdrawal
// ---------------------------------------------------------------------------

/// An alt with two receive arms on two channels races two senders: exactly
/// one arm fires, and the other sender's value is still there to receive.
#[test]
fn alt_two_recv_arms_vs_two_senders() {
    for order in ORDERS {
        model(Some(3), move || {
            let (tx1, rx1) = channel::<u32>();
            let (tx2, rx2) = channel::<u32>();
            let s1 = thread::spawn(move || block_on(tx1.send(1)));
            let s2 = thread::spawn(move || block_on(tx2.send(2)));
            let (arm, v) = block_on(async {
                match order {
                    Order::Biased => csp::alt! {
                        biased;
                        Ok(v) = rx1.recv() => (1, v),
                        Ok(v) = rx2.recv() => (2, v),
                    },
                    Order::Reversed => csp::alt! {
                        biased;
                        Ok(v) = rx2.recv() => (2, v),
                        Ok(v) = rx1.recv() => (1, v),
                    },
                    Order::Fair => csp::alt! {
                        Ok(v) = rx1.recv() => (1, v),
                        Ok(v) = rx2.recv() => (2, v),
                    },
                }
            });
            assert_eq!(arm, v, "arm {arm} fired with another channel's value");
            let other = if arm == 1 { &rx2 } else { &rx1 };
            assert_eq!(block_on(other.recv()), Ok(3 - arm), "{order:?}");
            s1.join().unwrap().unwrap();
            s2.join().unwrap().unwrap();
            // Nothing else was delivered anywhere.
            assert_eq!(rx1.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
        });
    }
}

/// An alt whose first-matching arm sees its channel close: the `Ok(v)`
/// pattern does not match the close, that arm is disabled, and the alt
/// keeps waiting for the other one.
#[test]
fn alt_close_disables_arm() {
    for order in [Order::Biased, Order::Reversed] {
        model(Some(4), move || {
            let (tx1, rx1) = channel::<u32>();
            let (tx2, rx2) = channel::<u32>();
            let c = thread::spawn(move || drop(tx1));
            let s = thread::spawn(move || block_on(tx2.send(2)));
            let got = block_on(async {
                match order {
                    Order::Biased | Order::Fair => csp::alt! {
                        biased;
                        Ok(v) = rx1.recv() => v,
                        Ok(v) = rx2.recv() => v,
                    },
                    Order::Reversed => csp::alt! {
                        biased;
                        Ok(v) = rx2.recv() => v,
                        Ok(v) = rx1.recv() => v,
                    },
                }
            });
            assert_eq!(got, 2);
            c.join().unwrap();
            s.join().unwrap().unwrap();
        });
    }
}

/// What an alt with one send arm and one receive arm did.
#[derive(Debug, PartialEq)]
enum Fired {
    Send,
    Recv(u32),
}

/// An alt with a send arm (on `a`) and a receive arm (on `b`) races a
/// receiver on `a` and a sender on `b`: exactly one arm fires; if the
/// receive arm fired, the send arm's value was never delivered (the
/// receiver on `a` sees the close instead); if the send arm fired, the
/// sender's value on `b` is still there to receive.
#[test]
fn alt_send_and_recv_arms_vs_peers() {
    for order in ORDERS {
        model(Some(4), move || {
            let (atx, arx) = channel::<u32>();
            let (btx, brx) = channel::<u32>();
            let r = thread::spawn(move || block_on(arx.recv()));
            let s = thread::spawn(move || block_on(btx.send(20)));
            let fired = block_on(async {
                match order {
                    Order::Biased => csp::alt! {
                        biased;
                        atx.send(10) => Fired::Send,
                        Ok(v) = brx.recv() => Fired::Recv(v),
                    },
                    Order::Reversed => csp::alt! {
                        biased;
                        Ok(v) = brx.recv() => Fired::Recv(v),
                        atx.send(10) => Fired::Send,
                    },
                    Order::Fair => csp::alt! {
                        atx.send(10) => Fired::Send,
                        Ok(v) = brx.recv() => Fired::Recv(v),
                    },
                }
            });
            drop(atx);
            match fired {
                Fired::Send => {
                    assert_eq!(r.join().unwrap(), Ok(10));
                    assert_eq!(block_on(brx.recv()), Ok(20));
                }
                Fired::Recv(v) => {
                    assert_eq!(v, 20);
                    assert_eq!(
                        r.join().unwrap(),
                        Err(RecvError),
                        "the unchosen send arm's value was delivered"
                    );
                }
            }
            s.join().unwrap().unwrap();
        });
    }
}

/// Alt against alt on the same two channels: `A = alt { x.send(1), y.recv() }`
/// and `B = alt { x.recv(), y.send(2) }`. Exactly one communication happens:
/// A's send meets B's receive on `x`, or B's send meets A's receive on `y`,
/// and both alts agree on which.
#[test]
fn alt_vs_alt() {
    for (oa, ob) in [
        (Order::Biased, Order::Biased),
        (Order::Biased, Order::Reversed),
        (Order::Reversed, Order::Biased),
        (Order::Reversed, Order::Reversed),
        (Order::Fair, Order::Fair),
    ] {
        model(Some(6), move || {
            let (xtx, xrx) = channel::<u32>();
            let (ytx, yrx) = channel::<u32>();
            let a = thread::spawn(move || {
                block_on(async {
                    match oa {
                        Order::Biased => csp::alt! {
                            biased;
                            xtx.send(1) => Fired::Send,
                            Ok(v) = yrx.recv() => Fired::Recv(v),
                        },
                        Order::Reversed => csp::alt! {
                            biased;
                            Ok(v) = yrx.recv() => Fired::Recv(v),
                            xtx.send(1) => Fired::Send,
                        },
                        Order::Fair => csp::alt! {
                            xtx.send(1) => Fired::Send,
                            Ok(v) = yrx.recv() => Fired::Recv(v),
                        },
                    }
                })
            });
            let b = block_on(async {
                match ob {
                    Order::Biased => csp::alt! {
                        biased;
                        Ok(v) = xrx.recv() => Fired::Recv(v),
                        ytx.send(2) => Fired::Send,
                    },
                    Order::Reversed => csp::alt! {
                        biased;
                        ytx.send(2) => Fired::Send,
                        Ok(v) = xrx.recv() => Fired::Recv(v),
                    },
                    Order::Fair => csp::alt! {
                        Ok(v) = xrx.recv() => Fired::Recv(v),
                        ytx.send(2) => Fired::Send,
                    },
                }
            });
            let a = a.join().unwrap();
            match (&a, &b) {
                (Fired::Send, Fired::Recv(1)) | (Fired::Recv(2), Fired::Send) => {}
                other => panic!("alts disagree ({oa:?}, {ob:?}): {other:?}"),
            }
        });
    }
}

/// Two alts receive on the same two channels while one process sends on
/// each in turn: each alt fires exactly one arm, and between them they get
/// both values, once each.
#[test]
fn two_alts_share_two_senders() {
    model(Some(3), || {
        let (tx1, rx1) = channel::<u32>();
        let (tx2, rx2) = channel::<u32>();
        let (rx1b, rx2b) = (rx1.clone(), rx2.clone());
        let s = thread::spawn(move || {
            block_on(tx1.send(1)).unwrap();
            block_on(tx2.send(2)).unwrap();
        });
        let a = thread::spawn(move || {
            block_on(async {
                csp::alt! {
                    Ok(v) = rx1b.recv() => v,
                    Ok(v) = rx2b.recv() => v,
                }
            })
        });
        let b = block_on(async {
            csp::alt! {
                Ok(v) = rx1.recv() => v,
                Ok(v) = rx2.recv() => v,
            }
        });
        let a = a.join().unwrap();
        s.join().unwrap();
        let mut got = [a, b];
        got.sort_unstable();
        assert_eq!(got, [1, 2]);
    });
}

/// An alt polled once (so its arms are registered) and then dropped races a
/// sender: if the sender filled the alt's slot, dropping the alt puts the
/// value back, so it is still received; otherwise it arrives later.
#[test]
fn alt_dropped_while_parked_keeps_value() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let (_keep, other) = channel::<u32>();
        let s = thread::spawn(move || block_on(tx.send(5)));
        let fired = {
            let alt = pin!(async {
                csp::alt! {
                    biased;
                    Ok(v) = rx.recv() => v,
                    Ok(v) = other.recv() => v,
                }
            });
            match poll_once(alt) {
                Poll::Ready(v) => Some(v),
                Poll::Pending => None,
            }
        };
        match fired {
            Some(v) => assert_eq!(v, 5),
            None => assert_eq!(block_on(rx.recv()), Ok(5), "value lost with the alt"),
        }
        s.join().unwrap().unwrap();
        assert_eq!(block_on(rx.recv()), Err(RecvError));
    });
}

/// How many times the alt in [`alt_send_and_recv_on_same_channel_parks`]
/// may clone its waker in one poll before we call it a busy loop. A correct
/// alt parks each of its two arms once (two clones).
const CLONE_LIMIT: usize = 64;

thread_local! {
    /// Waker clones made by [`counting_waker`] since the last reset. Loom's
    /// threads run on one OS thread, so this counts across all of them;
    /// the model that uses it has one thread.
    static CLONES: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

const COUNTING: std::task::RawWakerVTable =
    std::task::RawWakerVTable::new(counting_clone, counting_noop, counting_noop, counting_noop);

fn counting_raw() -> std::task::RawWaker {
    std::task::RawWaker::new(std::ptr::null(), &COUNTING)
}

unsafe fn counting_clone(_: *const ()) -> std::task::RawWaker {
    let n = CLONES.get() + 1;
    CLONES.set(n);
    assert!(
        n <= CLONE_LIMIT,
        "busy loop: one poll of the alt cloned its waker {n} times (parking, aborting and \
         re-parking without ever returning Pending)"
    );
    counting_raw()
}

unsafe fn counting_noop(_: *const ()) {}

/// A waker that does nothing but count its clones, panicking past
/// [`CLONE_LIMIT`] so that a poll that never returns is reported instead
/// of hanging the model.
fn counting_waker() -> Waker {
    CLONES.set(0);
    // SAFETY: the vtable's functions ignore the (null) data pointer, and
    // clone returns a RawWaker with the same vtable, so every contract of
    // `RawWaker` holds trivially.
    unsafe { Waker::from_raw(counting_raw()) }
}

/// An alt with a send arm and a receive arm on the *same* rendezvous
/// channel and no peer. An alt cannot talk to itself (as in Go's `select`),
/// so nothing is ready: one poll must park both arms and return `Pending`.
///
/// Regression model: before 8c49637 parking the second arm found the alt's
/// own first entry "ready", aborted, rescanned and parked again, forever,
/// inside one poll (a busy loop that hung a current-thread runtime). The
/// counting waker turns such a loop into a panic instead of a hang.
#[test]
fn alt_send_and_recv_on_same_channel_parks() {
    model(Some(1), || {
        let (tx, rx) = channel::<u32>();
        let waker = counting_waker();
        let mut alt = Box::pin(async {
            csp::alt! {
                biased;
                tx.send(1) => 0,
                Ok(v) = rx.recv() => v,
            }
        });
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            alt.as_mut().poll(&mut Context::from_waker(&waker))
        }));
        match polled {
            Ok(polled) => {
                assert_eq!(polled, Poll::Pending, "nothing can be ready");
                assert!(CLONES.get() <= 2, "parked more than once");
            }
            Err(busy) => {
                // The panic left a channel lock poisoned (loom's mutex
                // poisons): leak everything that would lock it on drop, so
                // the test fails with the busy-loop message, not an abort.
                std::mem::forget(alt);
                std::mem::forget((tx, rx));
                std::panic::resume_unwind(busy);
            }
        }
    });
}

/// The same alt (send and receive arms on one rendezvous channel) with a
/// peer on that channel: a peer receiver meets the send arm, a peer sender
/// meets the receive arm; the alt never meets itself.
#[test]
fn alt_send_and_recv_on_same_channel_meets_peer() {
    for peer_sends in [false, true] {
        model(Some(8), move || {
            let (tx, rx) = channel::<u32>();
            let (ptx, prx) = (tx.clone(), rx.clone());
            let peer = thread::spawn(move || {
                if peer_sends {
                    block_on(ptx.send(2)).map(|()| None).map_err(|_| ())
                } else {
                    block_on(prx.recv()).map(Some).map_err(|_| ())
                }
            });
            let fired = block_on(async {
                csp::alt! {
                    tx.send(1) => Fired::Send,
                    Ok(v) = rx.recv() => Fired::Recv(v),
                }
            });
            let peer = peer.join().unwrap();
            if peer_sends {
                assert_eq!((fired, peer), (Fired::Recv(2), Ok(None)));
            } else {
                assert_eq!((fired, peer), (Fired::Send, Ok(Some(1))));
            }
        });
    }
}

/// A receive dropped with a filled slot gives its value back (it sits at
/// the head of the channel, beyond a rendezvous channel's capacity of 0)
/// while a second sender is parked. Receiving the given-back value must not
/// complete the parked send by moving its value into the buffer: a send
/// reports `Ok` only if its value is really received, here checked by
/// receiving once more and then dropping the last receiver.
#[test]
fn given_back_value_does_not_complete_parked_send() {
    model(Some(3), || {
        let (tx, rx) = channel::<u32>();
        let tx2 = tx.clone();
        let s1 = thread::spawn(move || block_on(tx.send(1)));
        let s2 = thread::spawn(move || block_on(tx2.send(2)));
        let mut got = Vec::new();
        {
            let mut fut = rx.recv();
            if let Poll::Ready(r) = poll_once(Pin::new(&mut fut)) {
                got.push(r.expect("receive failed"));
            } // else dropped here while parked
        }
        got.push(block_on(rx.recv()).expect("receive failed"));
        drop(rx);
        let sent: Vec<u32> = [(1, s1), (2, s2)]
            .into_iter()
            .filter_map(|(v, s)| match s.join().unwrap() {
                Ok(()) => Some(v),
                Err(SendError(back)) => {
                    assert_eq!(back, v);
                    None
                }
            })
            .collect();
        got.sort_unstable();
        assert_eq!(got, sent, "a send completed but its value was not received");
    });
}

// ---------------------------------------------------------------------------
// (d) Withdrawal
// ---------------------------------------------------------------------------

/// A send polled once (parked with its value, or done at once if the
/// receiver was already waiting) is withdrawn while a receiver arrives:
/// `Sent` exactly when the receiver got the value, `Withdrawn(v)` exactly
/// when it did not (it then sees the close).
#[test]
fn send_withdraw_races_receiver() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let r = thread::spawn(move || block_on(rx.recv()));
        let outcome = {
            let mut fut = tx.send(5);
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(Ok(())) => SendWithdrawal::Sent,
                Poll::Ready(Err(e)) => panic!("send failed: {e}"),
                Poll::Pending => fut.withdraw(),
            }
        };
        drop(tx);
        let got = r.join().unwrap();
        match (outcome, got) {
            (SendWithdrawal::Sent, Ok(5)) | (SendWithdrawal::Withdrawn(5), Err(RecvError)) => {}
            other => panic!("withdraw disagrees with the receiver: {other:?}"),
        }
    });
}

/// As above on a full buffered channel: a receiver popping the buffered
/// value moves the parked one into the buffer, which completes the send.
#[test]
fn send_withdraw_races_buffer_refill() {
    model(None, || {
        let (tx, rx) = buffered::<u32>(1);
        tx.try_send(1).unwrap();
        let r = thread::spawn(move || {
            let mut got = Vec::new();
            while let Ok(v) = block_on(rx.recv()) {
                got.push(v);
            }
            got
        });
        let outcome = {
            let mut fut = tx.send(5);
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(Ok(())) => SendWithdrawal::Sent,
                Poll::Ready(Err(e)) => panic!("send failed: {e}"),
                Poll::Pending => fut.withdraw(),
            }
        };
        drop(tx);
        let got = r.join().unwrap();
        match outcome {
            SendWithdrawal::Sent => assert_eq!(got, [1, 5]),
            SendWithdrawal::Withdrawn(5) => assert_eq!(got, [1]),
            other => panic!("wrong value: {other:?}"),
        }
    });
}

/// A receive polled once (parked, or done at once if the sender was
/// already waiting) is withdrawn while a sender arrives: `Some(v)` exactly
/// when the send completed, `None` exactly when the sender gets its value
/// back (the last receiver then goes away).
#[test]
fn recv_withdraw_races_sender() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let s = thread::spawn(move || block_on(tx.send(5)));
        let got = {
            let mut fut = rx.recv();
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(r) => Some(r.expect("receive failed")),
                Poll::Pending => fut.withdraw(),
            }
        };
        drop(rx);
        match (got, s.join().unwrap()) {
            (Some(5), Ok(())) | (None, Err(SendError(5))) => {}
            other => panic!("withdraw disagrees with the sender: {other:?}"),
        }
    });
}

/// A receive polled once and then *dropped* (not withdrawn) races a sender:
/// a value the sender had already placed in its slot goes back to the
/// channel, so the next receive still gets it; the value is never lost and
/// never received twice.
#[test]
fn recv_drop_puts_value_back() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let s = thread::spawn(move || block_on(tx.send(5)));
        let first = {
            let mut fut = rx.recv();
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(r) => Some(r.expect("receive failed")),
                Poll::Pending => None, // dropped here while parked
            }
        };
        let v = match first {
            Some(v) => v,
            None => block_on(rx.recv()).expect("value lost by a dropped receive"),
        };
        assert_eq!(v, 5);
        s.join().unwrap().unwrap();
        assert_eq!(block_on(rx.recv()), Err(RecvError));
    });
}

// ---------------------------------------------------------------------------
// (e) Freezing: settling a pause point
// ---------------------------------------------------------------------------
//
// Freezing a process settles its pending operation first (DESIGN.md §5):
// `PauseOp::settle_op` withdraws a parked send, receive or alt under the
// channel locks and records the outcome, so that what gets serialized is
// either "done" (with the result) or "not started" (with a send's value),
// never both and never neither. A settled pause reports a recorded outcome
// on its next poll without touching the channel, and otherwise starts over.
// These models settle while peers race, then look at the pause and at the
// channel from outside to check that the value is in exactly one place.

/// Polls a pause point once with a waker that does nothing, as a process
/// runtime would.
fn poll_op<P: PauseOp>(p: &mut P) -> Poll<P::Output> {
    p.poll_op(&mut Context::from_waker(Waker::noop()))
}

/// A peer's send, made as a process makes it (a [`SendPause`], which owns
/// its channel handle, so it can be parked in one thread and looked at in
/// another) and polled once: parked with its value, or done at once.
struct PeerSend {
    pause: SendPause<u32>,
    done: bool,
}

impl PeerSend {
    fn start(tx: &csp::Sender<u32>, v: u32) -> Self {
        let mut pause = SendPause::new(tx, v);
        let done = match poll_op(&mut pause) {
            Poll::Ready(Ok(())) => true,
            Poll::Ready(Err(e)) => panic!("peer send failed: {e}"),
            Poll::Pending => false,
        };
        PeerSend { pause, done }
    }

    /// Freezes the peer too: settles its send if it is parked.
    fn settle(&mut self) {
        if !self.done {
            self.pause.settle_op();
        }
    }

    /// Whether a receiver has taken the value by now (polls again, which
    /// only looks at the parked entry: a parked send stays parked; a settled
    /// one reports a recorded completion or offers its value again).
    fn done(&mut self) -> bool {
        if !self.done {
            self.done = match poll_op(&mut self.pause) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => panic!("peer send failed: {e}"),
                Poll::Pending => false,
            };
        }
        self.done
    }
}

/// A peer's receive made as a process makes it (a [`RecvPause`]) and
/// polled once: parked with an empty slot, or done at once.
struct PeerRecv {
    pause: RecvPause<u32>,
    got: Option<u32>,
}

impl PeerRecv {
    fn start(rx: &csp::Receiver<u32>) -> Self {
        let mut peer = PeerRecv {
            pause: RecvPause::new(rx),
            got: None,
        };
        peer.got();
        peer
    }

    /// Freezes the peer too: settles its receive if it is parked.
    fn settle(&mut self) {
        if self.got.is_none() {
            self.pause.settle_op();
        }
    }

    /// The value received by now, if any (polls again while parked, which
    /// collects a filled slot and otherwise stays parked; a settled receive
    /// reports a recorded value or parks again).
    fn got(&mut self) -> Option<u32> {
        if self.got.is_none() {
            match poll_op(&mut self.pause) {
                Poll::Ready(Ok(v)) => self.got = Some(v),
                Poll::Ready(Err(e)) => panic!("peer receive failed: {e}"),
                Poll::Pending => {}
            }
        }
        self.got
    }
}

/// Receives everything `rx` holds right now (buffered or offered by a
/// parked sender) without waiting.
fn drain(rx: &csp::Receiver<u32>, into: &mut Vec<u32>) {
    loop {
        match rx.try_recv() {
            Ok(v) => into.push(v),
            Err(TryRecvError::Empty) => return,
            Err(e) => panic!("drain: {e:?}"),
        }
    }
}

/// A send pause polled once (parked, or done at once if a receiver was
/// already waiting) is settled while a receiver arrives (it receives once,
/// withdrawing if nothing came). Afterwards the settled pause, polled
/// again with nobody else on the channel, is `Ready(Ok)` at once exactly
/// when the value was delivered; otherwise it still holds the value and
/// offers it again, so the value is received exactly once overall. A
/// settled send is parked nowhere: with `cap = 0`, draining the channel
/// before that poll finds nothing.
///
/// `cap = 1` starts with the buffer full: the receiver pops the buffered
/// value, which moves a parked send's value into the buffer (completing
/// the send); the filler keeps the buffer full so that a re-offered value
/// must park instead of completing at once.
#[test]
fn send_pause_settle_races_receiver() {
    for cap in [0, 1] {
        model(None, move || {
            const FILLER: u32 = 0;
            let (tx, rx) = buffered::<u32>(cap);
            if cap == 1 {
                tx.try_send(1).unwrap();
            }
            let probe = rx.clone();
            let r = thread::spawn(move || {
                let mut fut = rx.recv();
                match poll_once(Pin::new(&mut fut)) {
                    Poll::Ready(r) => Some(r.expect("receive failed")),
                    Poll::Pending => fut.withdraw(),
                }
            });
            let mut pause = SendPause::new(&tx, 5);
            let at_once = match poll_op(&mut pause) {
                Poll::Ready(Ok(())) => true,
                Poll::Ready(Err(e)) => panic!("send failed: {e}"),
                Poll::Pending => {
                    pause.settle_op();
                    false
                }
            };
            let mut seen: Vec<u32> = r.join().unwrap().into_iter().collect();
            // Whatever the receiver left in the channel (a settled pause is
            // parked nowhere, so this cannot take the pause's value).
            let before = seen.len();
            drain(&probe, &mut seen);
            if cap == 0 {
                // Nothing buffers: whatever is on offer is a parked send.
                assert_eq!(seen.len(), before, "the settled send is still parked");
            }
            let delivered = seen.contains(&5);
            if at_once {
                assert!(delivered, "send done at once but nobody got the value");
            } else {
                if cap == 1 {
                    tx.try_send(FILLER).unwrap();
                }
                match poll_op(&mut pause) {
                    Poll::Ready(Ok(())) => {
                        assert!(delivered, "settled as sent, but the value is nowhere")
                    }
                    Poll::Ready(Err(e)) => panic!("send failed after settle: {e}"),
                    Poll::Pending => {
                        assert!(!delivered, "settled as not sent, but it was received");
                        // The value is still the pause's: offered again, it
                        // is received once more and the send completes.
                        drain(&probe, &mut seen);
                        assert_eq!(poll_op(&mut pause), Poll::Ready(Ok(())));
                    }
                }
            }
            drain(&probe, &mut seen);
            seen.retain(|&v| v != FILLER);
            seen.sort_unstable();
            let expected: &[u32] = if cap == 1 { &[1, 5] } else { &[5] };
            assert_eq!(
                seen, expected,
                "cap {cap}: the value was lost or duplicated"
            );
        });
    }
}

/// A receive pause polled once (parked, or done at once if a sender was
/// already waiting) is settled while a sender arrives (it sends once,
/// withdrawing if nobody took the value). Afterwards the value is in
/// exactly one place: held by the pause (its next poll is `Ready(Ok(5))`
/// with no sender and nothing in the channel), still in the buffer (a
/// probe receives it and the pause then parks), or back with the sender
/// (`Withdrawn`); and the sender reports `Sent` exactly when it is not the
/// last. A settled receive is parked nowhere: a probe `try_send` finds no
/// receiver.
///
/// With `cap = 1` the send never waits: it fills the pause's slot if the
/// pause is parked, else it lands in the buffer.
#[test]
fn recv_pause_settle_races_sender() {
    for cap in [0, 1] {
        model(None, move || {
            let (tx, rx) = buffered::<u32>(cap);
            // Keeps the channel open once the sender is done.
            let keep = tx.clone();
            let probe = rx.clone();
            let s = thread::spawn(move || {
                let mut fut = tx.send(5);
                match poll_once(Pin::new(&mut fut)) {
                    Poll::Ready(Ok(())) => SendWithdrawal::Sent,
                    Poll::Ready(Err(e)) => panic!("send failed: {e}"),
                    Poll::Pending => fut.withdraw(),
                }
            });
            let mut pause = RecvPause::new(&rx);
            let at_once = match poll_op(&mut pause) {
                Poll::Ready(r) => Some(r.expect("receive failed")),
                Poll::Pending => {
                    pause.settle_op();
                    None
                }
            };
            let sent = s.join().unwrap();
            if cap == 0 {
                // Only a parked receive could take this.
                assert_eq!(
                    keep.try_send(9),
                    Err(TrySendError::Full(9)),
                    "the settled receive is still parked"
                );
            }
            // Look in the channel before polling the pause again: a pause
            // that settled as "not done" would otherwise take it from there.
            let in_channel = match probe.try_recv() {
                Ok(v) => Some(v),
                Err(TryRecvError::Empty) => None,
                Err(e) => panic!("probe: {e:?}"),
            };
            let held = match at_once {
                Some(v) => Some(v),
                None => match poll_op(&mut pause) {
                    Poll::Ready(r) => Some(r.expect("receive failed after settle")),
                    Poll::Pending => None, // parked again; dropping it withdraws
                },
            };
            match (held, in_channel, sent) {
                (Some(5), None, SendWithdrawal::Sent)
                | (None, None, SendWithdrawal::Withdrawn(5)) => {}
                // Only a buffer holds a sent value that nobody received: a
                // rendezvous value there was given back by the settle,
                // which must keep what it received.
                (None, Some(5), SendWithdrawal::Sent) if cap > 0 => {}
                other => panic!("cap {cap}: value lost, duplicated or given back: {other:?}"),
            }
            assert_eq!(probe.try_recv(), Err(TryRecvError::Empty));
        });
    }
}

/// Both ends frozen at once: a send pause and a receive pause on one
/// rendezvous channel, each polled once and settled, in two threads.
/// Either the hand-off happened (the send pause reports `Ready(Ok)` at
/// once and the receive pause holds the value) or it did not (the send
/// pause still holds the value, the receive pause holds nothing); never
/// one without the other.
#[test]
fn send_and_recv_pauses_settle_together() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let probe = rx.clone();
        let keep = tx.clone();
        let s = thread::spawn(move || {
            let mut pause = SendPause::new(&tx, 5);
            let at_once = match poll_op(&mut pause) {
                Poll::Ready(r) => {
                    r.expect("send failed");
                    true
                }
                Poll::Pending => {
                    pause.settle_op();
                    false
                }
            };
            (at_once, pause)
        });
        let mut rpause = RecvPause::new(&rx);
        let held = match poll_op(&mut rpause) {
            Poll::Ready(r) => Some(r.expect("receive failed")),
            Poll::Pending => {
                rpause.settle_op();
                None
            }
        };
        let (sent_at_once, mut spause) = s.join().unwrap();
        // Both settled: nothing is parked, so nothing is on offer and
        // nobody is waiting for a value.
        assert_eq!(probe.try_recv(), Err(TryRecvError::Empty));
        assert_eq!(keep.try_send(9), Err(TrySendError::Full(9)));
        // What the receive pause holds, with no sender on the channel.
        let held = held.or_else(|| match poll_op(&mut rpause) {
            Poll::Ready(r) => Some(r.expect("receive failed after settle")),
            Poll::Pending => None,
        });
        // Parked again if it held nothing: withdraw it.
        drop(rpause);
        // What the send pause recorded, with no receiver on the channel.
        let sent = sent_at_once
            || match poll_op(&mut spause) {
                Poll::Ready(r) => {
                    r.expect("send failed after settle");
                    true
                }
                Poll::Pending => false,
            };
        assert_eq!(
            held.is_some(),
            sent,
            "the receive and the send disagree on whether the hand-off happened"
        );
        match held {
            Some(v) => assert_eq!(v, 5),
            None => {
                // The send pause still has the value and offers it again.
                assert_eq!(probe.try_recv(), Ok(5));
                assert_eq!(poll_op(&mut spause), Poll::Ready(Ok(())));
            }
        }
        assert_eq!(probe.try_recv(), Err(TryRecvError::Empty));
    });
}

/// An alt pause with two receive arms (on `c1`, `c2`) polled once and
/// settled while a sender on each channel arrives (each a send pause
/// polled once, so it parks with its value or completes at once). At most
/// one sender is completed; if one is, the settled alt fires that arm at
/// once on its next poll, with that value; the other sender's value is
/// still in its channel (still parked), and is received afterwards.
/// `swap` lists the arms in the other order; `freeze_peers` settles the
/// senders' pauses too, concurrently with the alt's.
#[test]
fn alt_pause_settle_two_recv_arms() {
    for (swap, freeze_peers) in [(false, false), (true, false), (false, true), (true, true)] {
        model(None, move || {
            let (tx1, rx1) = channel::<u32>();
            let (tx2, rx2) = channel::<u32>();
            let peer = move |tx: csp::Sender<u32>, v| {
                move || {
                    let mut p = PeerSend::start(&tx, v);
                    if freeze_peers {
                        p.settle();
                    }
                    (p, tx)
                }
            };
            let s1 = thread::spawn(peer(tx1, 1));
            let s2 = thread::spawn(peer(tx2, 2));
            // Arm `a` receives on channel `chans[a]`.
            let chans: [u32; 2] = if swap { [2, 1] } else { [1, 2] };
            let rx = |c: u32| if c == 1 { &rx1 } else { &rx2 };
            let mut alt = AltPause::new(
                (
                    Some(RecvGuard::new(rx(chans[0]))),
                    Some(RecvGuard::new(rx(chans[1]))),
                ),
                true,
                false,
            );
            let first = poll_op(&mut alt);
            if first.is_pending() {
                alt.settle_op();
            }
            let (mut p1, tx1) = s1.join().unwrap();
            let (mut p2, tx2) = s2.join().unwrap();
            // The settled alt is parked nowhere: a probe finds no receiver
            // on either channel (the senders, parked or not, are no help).
            assert_eq!(tx1.try_send(9), Err(TrySendError::Full(9)));
            assert_eq!(tx2.try_send(9), Err(TrySendError::Full(9)));
            let (d1, d2) = (p1.done(), p2.done());
            assert!(!(d1 && d2), "both senders completed: two arms fired");
            let completed = match (d1, d2) {
                (true, false) => Some(1),
                (false, true) => Some(2),
                _ => None,
            };
            let arm = match first {
                // Fired by scanning: it took a parked sender's value.
                Poll::Ready(a) => {
                    assert_eq!(completed, Some(chans[a]), "alt fired arm {a} at once");
                    a
                }
                Poll::Pending => match poll_op(&mut alt) {
                    Poll::Ready(a) => {
                        match completed {
                            // A sender completed one arm before the settle:
                            // the settled alt reports that arm at once.
                            Some(c) => assert_eq!(chans[a], c, "settle lost the fired arm"),
                            // Nothing fired: both senders are still parked and
                            // the fresh (biased) scan takes the first arm's.
                            None => assert_eq!(a, 0, "nothing fired, yet arm {a} did"),
                        }
                        a
                    }
                    Poll::Pending => panic!("settled alt: two parked senders, yet pending"),
                },
            };
            let got = match arm {
                0 => alt.guards.0.as_mut().unwrap().take_output(),
                _ => alt.guards.1.as_mut().unwrap().take_output(),
            };
            assert_eq!(got, Ok(chans[arm]), "arm {arm} fired with the wrong value");
            drop(alt);
            let (fired, other) = (chans[arm], chans[1 - arm]);
            let (pf, po) = if fired == 1 {
                (&mut p1, &mut p2)
            } else {
                (&mut p2, &mut p1)
            };
            assert!(pf.done(), "arm fired but its sender is not done");
            assert!(!po.done(), "the unchosen sender completed");
            // The unchosen sender's value is still in its channel.
            assert_eq!(rx(other).try_recv(), Ok(other));
            assert!(po.done());
            assert_eq!(rx1.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(rx2.try_recv(), Err(TryRecvError::Empty));
        });
    }
}

/// An alt pause with a send arm (10 on `a`) and a receive arm (on `b`),
/// polled once and settled while a receiver on `a` and a sender of 20 on
/// `b` arrive (each a pause polled once). At most one peer is completed;
/// the settled alt reports that arm at once; the unchosen arm's peer is
/// still parked, and an unchosen send arm still holds its value.
///
/// The alt has three arms, one of them absent (its precondition was false):
/// `send_first` puts the send arm before the receive arm in (biased) scan
/// order, else after it. `freeze_peers` settles the peers' pauses too,
/// concurrently with the alt's.
#[test]
fn alt_pause_settle_send_and_recv_arms() {
    for (send_first, freeze_peers) in [(true, false), (false, false), (true, true), (false, true)] {
        model(None, move || {
            let (atx, arx) = channel::<u32>();
            let (btx, brx) = channel::<u32>();
            let r = thread::spawn(move || {
                let mut p = PeerRecv::start(&arx);
                if freeze_peers {
                    p.settle();
                }
                (p, arx)
            });
            let s = thread::spawn(move || {
                let mut p = PeerSend::start(&btx, 20);
                if freeze_peers {
                    p.settle();
                }
                (p, btx)
            });
            let send = || Some(SendGuard::new(&atx, 10));
            let recv = Some(RecvGuard::new(&brx));
            let guards = if send_first {
                (send(), recv, None)
            } else {
                (None, recv, send())
            };
            let mut alt = AltPause::new(guards, true, false);
            let (send_arm, recv_arm) = (if send_first { 0 } else { 2 }, 1);
            let first = poll_op(&mut alt);
            if first.is_pending() {
                alt.settle_op();
            }
            let (mut pr, arx) = r.join().unwrap();
            let (mut ps, btx) = s.join().unwrap();
            // The settled alt is parked nowhere: no value on offer on `a`,
            // no receiver waiting on `b`.
            assert_eq!(arx.try_recv(), Err(TryRecvError::Empty));
            assert_eq!(btx.try_send(9), Err(TrySendError::Full(9)));
            let send_done = pr.got().is_some();
            let recv_done = ps.done();
            assert!(
                !(send_done && recv_done),
                "both peers completed: two arms fired"
            );
            let completed = match (send_done, recv_done) {
                (true, _) => Some(send_arm),
                (_, true) => Some(recv_arm),
                _ => None,
            };
            let arm = match first {
                Poll::Ready(a) => {
                    assert_eq!(completed, Some(a), "alt fired arm {a} at once");
                    a
                }
                Poll::Pending => match poll_op(&mut alt) {
                    Poll::Ready(a) => {
                        match completed {
                            Some(c) => assert_eq!(a, c, "settle lost the fired arm"),
                            // Both peers still parked: the first arm in scan
                            // order meets its peer.
                            None => assert_eq!(
                                a,
                                if send_first { send_arm } else { recv_arm },
                                "nothing fired, yet arm {a} did"
                            ),
                        }
                        a
                    }
                    Poll::Pending => panic!("settled alt: both peers parked, yet pending"),
                },
            };
            let mut send_guard = if send_first {
                alt.guards.0.take()
            } else {
                alt.guards.2.take()
            }
            .unwrap();
            if arm == send_arm {
                assert_eq!(send_guard.take_output(), Ok(()));
                assert_eq!(send_guard.into_value(), None);
                assert_eq!(pr.got(), Some(10));
                // The sender on `b` was not chosen: still parked with 20.
                assert!(!ps.done(), "the unchosen sender completed");
                assert_eq!(brx.try_recv(), Ok(20));
                assert!(ps.done());
            } else {
                assert_eq!(arm, recv_arm);
                assert_eq!(alt.guards.1.as_mut().unwrap().take_output(), Ok(20));
                assert!(ps.done());
                // The send arm was not chosen: its value is back in its
                // guard, and the receiver on `a` got nothing.
                assert_eq!(send_guard.into_value(), Some(10));
                assert_eq!(
                    pr.got(),
                    None,
                    "the unchosen send arm's value was delivered"
                );
            }
            assert_eq!(brx.try_recv(), Err(TryRecvError::Empty));
        });
    }
}

/// As [`send_pause_settle_races_receiver`], with the channel closed
/// concurrently as well: the settled pause, polled again, is `Ready(Ok)`
/// exactly when the receiver got the value, and otherwise hands the value
/// back (`SendError(5)`: the channel is closed by then).
#[test]
fn send_pause_settle_races_receiver_and_close() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let closer = tx.clone();
        let r = thread::spawn(move || {
            let mut fut = rx.recv();
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(r) => r.ok(),
                Poll::Pending => fut.withdraw(),
            }
        });
        let c = thread::spawn(move || {
            closer.close();
        });
        let mut pause = SendPause::new(&tx, 5);
        let first = poll_op(&mut pause);
        if first.is_pending() {
            pause.settle_op();
        }
        let got = r.join().unwrap();
        c.join().unwrap();
        let outcome = match first {
            Poll::Pending => poll_op(&mut pause),
            done => done,
        };
        match (outcome, got) {
            (Poll::Ready(Ok(())), Some(5)) | (Poll::Ready(Err(SendError(5))), None) => {}
            other => panic!("settled send disagrees with the receiver: {other:?}"),
        }
    });
}

/// As [`recv_pause_settle_races_sender`], with the channel closed
/// concurrently as well: the settled pause, polled again, is `Ready(Ok(5))`
/// exactly when the send completed, and otherwise sees the close.
#[test]
fn recv_pause_settle_races_sender_and_close() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let closer = tx.clone();
        let s = thread::spawn(move || {
            let mut fut = tx.send(5);
            match poll_once(Pin::new(&mut fut)) {
                Poll::Ready(Ok(())) => SendWithdrawal::Sent,
                Poll::Ready(Err(SendError(v))) => SendWithdrawal::Withdrawn(v),
                Poll::Pending => fut.withdraw(),
            }
        });
        let c = thread::spawn(move || {
            closer.close();
        });
        let mut pause = RecvPause::new(&rx);
        let first = poll_op(&mut pause);
        if first.is_pending() {
            pause.settle_op();
        }
        let sent = s.join().unwrap();
        c.join().unwrap();
        let outcome = match first {
            Poll::Pending => poll_op(&mut pause),
            done => done,
        };
        match (outcome, sent) {
            (Poll::Ready(Ok(5)), SendWithdrawal::Sent)
            | (Poll::Ready(Err(RecvError)), SendWithdrawal::Withdrawn(5)) => {}
            other => panic!("settled receive disagrees with the sender: {other:?}"),
        }
    });
}

/// Polls `p` to completion under loom's executor.
fn resume<P: PauseOp>(p: &mut P) -> P::Output {
    block_on(std::future::poll_fn(|cx| p.poll_op(cx)))
}

/// A process frozen twice at one send and then resumed: the pause is
/// polled, settled, polled again (re-offering the value if it was not
/// taken), settled again, then run to completion, while a receiver simply
/// waits. The receiver gets the value exactly once: a settle that lost it
/// would leave the receiver waiting forever (loom reports the deadlock), one
/// that duplicated it would hand it to the second receive.
#[test]
fn send_pause_frozen_twice_then_resumed() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let r = thread::spawn(move || {
            let got = block_on(rx.recv());
            (got, block_on(rx.recv()))
        });
        let mut pause = SendPause::new(&tx, 5);
        let mut done = false;
        for _ in 0..2 {
            match poll_op(&mut pause) {
                Poll::Ready(r) => {
                    r.expect("send failed");
                    done = true;
                    break;
                }
                Poll::Pending => pause.settle_op(),
            }
        }
        if !done {
            resume(&mut pause).expect("send failed after settling");
        }
        drop(tx);
        assert_eq!(r.join().unwrap(), (Ok(5), Err(RecvError)));
    });
}

/// A process frozen twice at one receive and then resumed while a sender
/// simply sends and goes: the pause ends with the value exactly once, and
/// then sees the close.
#[test]
fn recv_pause_frozen_twice_then_resumed() {
    model(None, || {
        let (tx, rx) = channel::<u32>();
        let s = thread::spawn(move || block_on(tx.send(5)));
        let mut pause = RecvPause::new(&rx);
        let mut got = None;
        for _ in 0..2 {
            match poll_op(&mut pause) {
                Poll::Ready(r) => {
                    got = Some(r.expect("receive failed"));
                    break;
                }
                Poll::Pending => pause.settle_op(),
            }
        }
        let got = got.unwrap_or_else(|| resume(&mut pause).expect("receive failed after settling"));
        assert_eq!(got, 5);
        s.join().unwrap().unwrap();
        assert_eq!(resume(&mut RecvPause::new(&rx)), Err(RecvError));
    });
}

/// An alt process with two receive arms frozen (polled once, settled) and
/// resumed while a sender waits on each channel: the resumed alt fires
/// exactly one arm, with its channel's value, and the other value is still
/// there for a plain receive afterwards.
#[test]
fn alt_pause_frozen_then_resumed() {
    for swap in [false, true] {
        model(Some(4), move || {
            let (tx1, rx1) = channel::<u32>();
            let (tx2, rx2) = channel::<u32>();
            let s1 = thread::spawn(move || block_on(tx1.send(1)));
            let s2 = thread::spawn(move || block_on(tx2.send(2)));
            let chans: [u32; 2] = if swap { [2, 1] } else { [1, 2] };
            let rx = |c: u32| if c == 1 { &rx1 } else { &rx2 };
            let mut alt = AltPause::new(
                (
                    Some(RecvGuard::new(rx(chans[0]))),
                    Some(RecvGuard::new(rx(chans[1]))),
                ),
                true,
                false,
            );
            let arm = match poll_op(&mut alt) {
                Poll::Ready(a) => a,
                Poll::Pending => {
                    alt.settle_op();
                    resume(&mut alt)
                }
            };
            let got = match arm {
                0 => alt.guards.0.as_mut().unwrap().take_output(),
                _ => alt.guards.1.as_mut().unwrap().take_output(),
            };
            assert_eq!(got, Ok(chans[arm]), "arm {arm} fired with the wrong value");
            drop(alt);
            let other = chans[1 - arm];
            assert_eq!(block_on(rx(other).recv()), Ok(other));
            s1.join().unwrap().unwrap();
            s2.join().unwrap().unwrap();
            assert_eq!(rx1.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(rx2.try_recv(), Err(TryRecvError::Closed));
        });
    }
}
