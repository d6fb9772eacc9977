//! Loom model tests for the channel core and `alt!`.
//!
//! Every model drives the public API (`channel`, `buffered`, `send`/`recv`
//! futures, `try_send`/`try_recv`, `close`, `withdraw`, `alt!` without
//! `after` arms) from `loom::thread`s, and loom explores the interleavings of
//! the core's mutex and selector atomic. Run them with
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

use csp::{buffered, channel, RecvError, SendError, SendWithdrawal, TryRecvError, TrySendError};
use loom::future::block_on;
use loom::thread;

/// Runs `f` under loom with at most `bound` preemptions per execution
/// (unless `LOOM_MAX_PREEMPTIONS` says otherwise).
fn model<F>(bound: Option<usize>, f: F)
where
    F: Fn() + Sync + Send + 'static,
{
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = runs.clone();
    let f = move || {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        fastrand::seed(0x5eed);
        f();
    };
    let start = std::time::Instant::now();
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = bound;
    }
    let mut bound_used = b.preemption_bound;
    if std::env::var_os("LOOM_LOG").is_some() {
        // `loom::model` installs the tracing subscriber that prints the log;
        // it takes its bound from the environment only.
        bound_used = loom::model::Builder::new().preemption_bound;
        loom::model(f);
    } else {
        b.check(f);
    }
    println!(
        "{} executions (preemption bound {:?}) in {:.2?}",
        runs.load(std::sync::atomic::Ordering::Relaxed),
        bound_used,
        start.elapsed()
    );
}

/// Polls `f` once with a waker that does nothing: the operation registers
/// (parks) if it cannot complete, and nobody will poll it again.
fn poll_once<F: Future + ?Sized>(f: Pin<&mut F>) -> Poll<F::Output> {
    f.poll(&mut Context::from_waker(Waker::noop()))
}

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
