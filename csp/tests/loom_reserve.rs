//! Loom models of reserved takes (`Port::reserve` / `Port::resolve`, see
//! `channel/core.rs`): a transport thread reserves a parked sender's value
//! for a remote receiver and answers, racing the sender's own withdrawal
//! (as a freeze does it), an `alt!` whose send arm it reserves, a send
//! future dropped meanwhile, and receivers that arrive while the value is
//! reserved. Run them with
//!
//! ```text
//! RUSTFLAGS="--cfg csp_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p csp --features migration --test loom_reserve --release
//! ```
//!
//! Everything about running, bounding and debugging the models is as in
//! `loom.rs` (read its header): `model(bound, f)` sets a preemption bound
//! per model (`LOOM_MAX_PREEMPTIONS` overrides it), reseeds `fastrand` at
//! the start of every execution, and `--nocapture` prints how many
//! executions each model explored.
//!
//! A transport gets its `Port` from `EndCodec::export` while a channel end
//! is serialized under `with_codec`; [`port_of`] does that with a codec
//! that only records the port (it takes no count; the bytes are dropped).
//!
//! With the `migration` feature, `--cfg csp_loom` shares channels through
//! std's `Arc` (see `csp/src/sync.rs`: loom's cannot be a `dyn` object,
//! downgraded or downcast, which the type-erased layer needs); the
//! channel's lock and the selector's atomic, which the models explore,
//! stay loom's. Add `CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS=true` to check
//! the core's `debug_assert!`s as well.
#![cfg(all(csp_loom, feature = "migration"))]

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use csp::__private::{AltPause, PauseOp, RecvGuard, SendGuard, SendPause};
use csp::migrate::link::{with_codec, Port, Reserved};
use csp::{channel, RecvError, SendWithdrawal, TryRecvError};
use loom::future::block_on;
use loom::thread;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[path = "shared/loom_model.rs"]
mod loom_model;
use loom_model::{model, poll_once};
#[path = "shared/grab.rs"]
mod grab;
use grab::{port_of, Grab};

/// Polls a pause point once with a waker that does nothing.
fn poll_op<P: PauseOp>(p: &mut P) -> Poll<P::Output> {
    p.poll_op(&mut Context::from_waker(Waker::noop()))
}

/// Serializes a settled pause as freezing does (channel ends through a
/// codec, here the recording one): a pause the driver found freezable must
/// serialize (a parked operation refuses to).
fn serializes<P: Serialize>(p: &P) -> Result<(), String> {
    let grab = std::sync::Arc::new(Grab(std::sync::Mutex::new(Vec::new())));
    with_codec(grab, || rmp_serde::to_vec(p))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// The transport, once: reserves whatever a receiver could take now and
/// answers at once with `taken`. The decoded copy, if there was one (it
/// must be a parked sender's: nothing here buffers).
fn transport<T: DeserializeOwned>(port: &Port, taken: bool) -> Option<T> {
    match port.reserve().expect("reserve") {
        None => None,
        Some(Reserved {
            bytes,
            token: Some(token),
        }) => {
            port.resolve(token, taken);
            Some(rmp_serde::from_slice(&bytes).expect("the copy decodes"))
        }
        Some(other) => panic!("not a parked sender's value: {other:?}"),
    }
}

/// How a process driver ended: frozen at the pause point, or the pause
/// completed first.
#[derive(Debug)]
enum Ended<T> {
    Frozen,
    Done(T),
}

/// Drives pause `p` the way a process driver does while a freeze is
/// requested (`migrate/handle.rs`, `Driver::poll`): on every poll, try to
/// freeze (if the pause is freezable, settle it, and freeze if it still
/// is: a send held reserved is not); else step it; after a pending step,
/// try to freeze again; else wait to be woken.
fn freeze_as_driver<P: PauseOp>(p: &mut P) -> Ended<P::Output> {
    block_on(std::future::poll_fn(|cx| {
        if p.freezable_op() {
            p.settle_op();
            if p.freezable_op() {
                return Poll::Ready(Ended::Frozen);
            }
        }
        if let Poll::Ready(v) = p.poll_op(cx) {
            return Poll::Ready(Ended::Done(v));
        }
        if p.freezable_op() {
            p.settle_op();
            if p.freezable_op() {
                return Poll::Ready(Ended::Frozen);
            }
        }
        Poll::Pending
    }))
}

/// A message that counts how often an original (not a decoded copy) is
/// dropped. The counter is a std atomic: it only tallies, loom need not
/// model it.
#[derive(Serialize, Deserialize, Debug)]
struct Tracked {
    v: u32,
    #[serde(skip)]
    drops: Option<std::sync::Arc<AtomicUsize>>,
}

impl Tracked {
    fn new(v: u32) -> (Tracked, std::sync::Arc<AtomicUsize>) {
        let drops = std::sync::Arc::new(AtomicUsize::new(0));
        let t = Tracked {
            v,
            drops: Some(drops.clone()),
        };
        (t, drops)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(d) = &self.drops {
            d.fetch_add(1, Ordering::SeqCst);
        }
    }
}

// ---------------------------------------------------------------------------
// (a) A parked send withdrawn (frozen) while the transport reserves it
// ---------------------------------------------------------------------------

/// A process parked in `send` is frozen (driven as a driver does it, so it
/// waits out a reservation) while a transport thread reserves the value and
/// answers `taken`. Exactly one of: the remote took the copy and the
/// process's send counts as done (completed, or settled as sent); the value
/// is back in the frozen pause (offered again, a local receiver gets it
/// exactly once). Never both, never neither.
#[test]
fn freeze_races_reserve_and_resolve() {
    for taken in [false, true] {
        model(None, move || {
            let (tx, rx) = channel::<u32>();
            let port = port_of(&tx);
            let mut pause = SendPause::new(&tx, 5);
            // No receiver: the send parks.
            assert!(poll_op(&mut pause).is_pending());
            let t = thread::spawn(move || transport::<u32>(&port, taken));
            let ended = freeze_as_driver(&mut pause);
            if let Ended::Frozen = ended {
                serializes(&pause).expect("a frozen send pause serializes");
            }
            let got = t.join().unwrap();
            let remote = taken && got == Some(5);
            if let Some(v) = got {
                assert_eq!(v, 5, "the copy is not the value");
            }
            let sent = match ended {
                Ended::Done(r) => {
                    r.expect("send failed");
                    true
                }
                // A settled pause reports a recorded completion at once;
                // otherwise it offers its value again (and parks: nobody
                // is receiving).
                Ended::Frozen => match poll_op(&mut pause) {
                    Poll::Ready(r) => {
                        r.expect("send failed after the freeze");
                        true
                    }
                    Poll::Pending => false,
                },
            };
            assert_eq!(
                sent, remote,
                "taken {taken}: the send counts as done exactly when the remote took it \
                 (transport copy {got:?}, driver {ended:?})"
            );
            if !sent {
                assert_eq!(
                    rx.try_recv(),
                    Ok(5),
                    "the value is not back with the sender"
                );
                assert_eq!(poll_op(&mut pause), Poll::Ready(Ok(())));
            }
            drop(pause);
            drop(tx);
            assert_eq!(
                rx.try_recv(),
                Err(TryRecvError::Closed),
                "a value left over"
            );
        });
    }
}

/// As above with `SendFuture::withdraw`, which does not wait: `Withdrawn`
/// (the value is back, so the remote cannot have taken it), `Sent` (the
/// remote took it), or `InFlight` (the send is given up to the answer:
/// taken, it happened; refused, the value is dropped). The original value
/// is dropped exactly once, and nothing is left on the channel.
#[test]
fn withdraw_races_reserve_and_resolve() {
    for taken in [false, true] {
        model(None, move || {
            let (tx, rx) = channel::<Tracked>();
            let port = port_of(&tx);
            let (value, drops) = Tracked::new(5);
            let mut send = tx.send(value);
            assert!(poll_once(Pin::new(&mut send)).is_pending());
            let t = thread::spawn(move || transport::<Tracked>(&port, taken).map(|c| c.v));
            let outcome = send.withdraw();
            let got = t.join().unwrap();
            let remote = taken && got == Some(5);
            match outcome {
                SendWithdrawal::Withdrawn(v) => {
                    assert!(!remote, "withdrawn, but the remote took the copy");
                    assert_eq!(v.v, 5);
                    drop(v);
                }
                SendWithdrawal::Sent => assert!(remote, "sent, but nobody took it"),
                SendWithdrawal::InFlight => {
                    assert_eq!(got, Some(5), "in flight, but never reserved")
                }
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "the value was not dropped once"
            );
            drop(tx);
            assert!(
                matches!(rx.try_recv(), Err(TryRecvError::Closed)),
                "a value left over"
            );
        });
    }
}

// ---------------------------------------------------------------------------
// (b) alt!: a reserved send arm against a receive arm with a peer
// ---------------------------------------------------------------------------

/// What an alt with a send arm and a receive arm did.
#[derive(Debug, PartialEq)]
enum Fired {
    Send,
    Recv(u32),
}

/// How an alt model orders its arms.
#[derive(Clone, Copy, Debug)]
enum Order {
    /// `biased;`, the send arm first.
    SendFirst,
    /// `biased;`, the receive arm first.
    RecvFirst,
    /// Fair (random start, seeded per execution).
    Fair,
}

/// An alt with a send arm on `a` (a transport thread reserves it and
/// answers `taken`) and a receive arm on `b` (a sender thread sends 20).
/// Exactly one arm fires: the send arm exactly when the remote took the
/// copy (the sender on `b` then still has 20 to give), else the receive
/// arm with 20. No value is lost or duplicated.
#[test]
fn alt_reserved_send_arm_vs_recv_arm() {
    for taken in [false, true] {
        for order in [Order::SendFirst, Order::RecvFirst, Order::Fair] {
            model(Some(4), move || {
                let (atx, arx) = channel::<u32>();
                let (btx, brx) = channel::<u32>();
                let port = port_of(&atx);
                let t = thread::spawn(move || transport::<u32>(&port, taken));
                let s = thread::spawn(move || block_on(btx.send(20)));
                let fired = block_on(async {
                    match order {
                        Order::SendFirst => csp::alt! {
                            biased;
                            atx.send(10) => Fired::Send,
                            Ok(v) = brx.recv() => Fired::Recv(v),
                        },
                        Order::RecvFirst => csp::alt! {
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
                let got = t.join().unwrap();
                let remote = taken && got == Some(10);
                match fired {
                    Fired::Send => {
                        assert!(remote, "the send arm fired, but nobody took its value");
                        assert_eq!(block_on(brx.recv()), Ok(20), "the sender on b lost 20");
                    }
                    Fired::Recv(v) => {
                        assert_eq!(v, 20);
                        assert!(!remote, "both arms fired: the remote took 10 too");
                    }
                }
                s.join().unwrap().unwrap();
                drop(atx);
                assert_eq!(arx.try_recv(), Err(TryRecvError::Closed), "10 left on a");
                assert_eq!(block_on(brx.recv()), Err(RecvError), "20 delivered twice");
            });
        }
    }
}

/// An alt process (an [`AltPause`] with a send arm on `a` and a receive
/// arm on `b`) is frozen, driven as a driver does it, while a transport
/// thread reserves its send arm and answers `taken`, and (`peer`) a sender
/// thread sends 20 on `b`. At most one arm fires (before the freeze,
/// recorded by the settle, or once the frozen alt is resumed): the send
/// arm exactly when the remote took the copy, otherwise its value is back
/// in its guard; the receive arm only with 20, which is received exactly
/// once.
#[test]
fn alt_pause_freeze_races_reserve_and_resolve() {
    for (taken, peer) in [(false, false), (true, false), (false, true), (true, true)] {
        model(if peer { Some(3) } else { None }, move || {
            let (atx, arx) = channel::<u32>();
            let (btx, brx) = channel::<u32>();
            // Keeps `b` open without a peer (a close would fire the arm).
            let keep_b = btx.clone();
            let port = port_of(&atx);
            let mut alt = AltPause::new(
                (Some(SendGuard::new(&atx, 10)), Some(RecvGuard::new(&brx))),
                true,
                false,
            );
            // Nobody on either channel yet: the alt parks on both arms.
            assert!(poll_op(&mut alt).is_pending());
            let t = thread::spawn(move || transport::<u32>(&port, taken));
            let s = peer.then(|| thread::spawn(move || block_on(btx.send(20))));
            let ended = freeze_as_driver(&mut alt);
            if let Ended::Frozen = ended {
                serializes(&alt).unwrap_or_else(|e| {
                    panic!("taken {taken}, peer {peer}: a frozen alt does not serialize: {e}")
                });
            }
            let ended_s = format!("{ended:?}");
            let got = t.join().unwrap();
            let remote = taken && got == Some(10);
            let fired = match ended {
                Ended::Done(arm) => Some(arm),
                // Thawed and resumed: a settled alt reports a recorded arm
                // at once; otherwise it waits again, and with the peer
                // there its receive arm fires sooner or later (the
                // transport is done, so the send arm cannot).
                Ended::Frozen if peer => Some(block_on(std::future::poll_fn(|cx| alt.poll_op(cx)))),
                // Without a peer nothing can fire after the freeze: one
                // poll tells a recorded arm from none.
                Ended::Frozen => match poll_op(&mut alt) {
                    Poll::Ready(arm) => Some(arm),
                    Poll::Pending => {
                        alt.settle_op();
                        None
                    }
                },
            };
            assert_eq!(
                fired == Some(0),
                remote,
                "taken {taken}: the send arm fired exactly when the remote took it \
                 (transport copy {got:?}, fired {fired:?})"
            );
            let mut guard = alt.guards.0.take().unwrap();
            if remote {
                assert_eq!(guard.take_output(), Ok(()));
                assert_eq!(guard.into_value(), None);
            } else {
                assert_eq!(
                    guard.into_value(),
                    Some(10),
                    "taken {taken}, peer {peer}: the value is not back \
                     (transport copy {got:?}, fired {fired:?}, ended {ended_s})"
                );
            }
            if fired == Some(1) {
                assert!(peer, "the receive arm fired with no sender");
                assert_eq!(alt.guards.1.as_mut().unwrap().take_output(), Ok(20));
            }
            drop(alt);
            if let Some(s) = s {
                if fired != Some(1) {
                    assert_eq!(block_on(brx.recv()), Ok(20), "the sender on b lost 20");
                }
                s.join().unwrap().unwrap();
            }
            assert!(brx.try_recv().is_err(), "20 delivered twice");
            drop(keep_b);
            drop(atx);
            assert_eq!(arx.try_recv(), Err(TryRecvError::Closed), "10 left on a");
        });
    }
}

// ---------------------------------------------------------------------------
// (c) A send future dropped while reserved
// ---------------------------------------------------------------------------

/// A parked send future is dropped while a transport thread reserves it and
/// answers `taken`: the original value is dropped exactly once (by the
/// withdrawal, or by the answer), nothing is left on the channel, and the
/// transport's copy exists only if it reserved before the drop withdrew.
#[test]
fn dropped_send_future_vs_reserve_and_resolve() {
    for taken in [false, true] {
        model(None, move || {
            let (tx, rx) = channel::<Tracked>();
            let port = port_of(&tx);
            let (value, drops) = Tracked::new(5);
            let mut send = Box::pin(tx.send(value));
            assert!(poll_once(send.as_mut()).is_pending());
            let t = thread::spawn(move || transport::<Tracked>(&port, taken).map(|c| c.v));
            drop(send);
            let got = t.join().unwrap();
            if let Some(v) = got {
                assert_eq!(v, 5);
            }
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "the value was not dropped once"
            );
            drop(tx);
            assert!(
                matches!(rx.try_recv(), Err(TryRecvError::Closed)),
                "a value left over"
            );
        });
    }
}

// ---------------------------------------------------------------------------
// (d) Receivers that arrive while a send is reserved
// ---------------------------------------------------------------------------

/// A local receiver arrives while the only sender may be reserved (it then
/// parks: the value is not takeable); the transport refuses. The value is
/// takeable again, so the receiver gets it and the send completes (the
/// refusal completes it with a receiver that waits). A refusal that only
/// woke the sender left both parked for good: loom reports that deadlock,
/// which aborts the test binary (see `loom.rs`).
#[test]
fn receiver_parked_during_reservation_gets_refused_value() {
    model(Some(3), || {
        let (tx, rx) = channel::<u32>();
        let port = port_of(&tx);
        let s = thread::spawn(move || block_on(tx.send(5)));
        let r = thread::spawn(move || block_on(rx.recv()));
        // The transport reserves whenever the sender is parked, and refuses.
        let mut refused = false;
        while !refused {
            match port.reserve().expect("reserve") {
                Some(Reserved {
                    token: Some(token), ..
                }) => {
                    port.resolve(token, false);
                    refused = true;
                }
                Some(other) => panic!("not a parked sender's value: {other:?}"),
                None => {
                    if port.status().senders == 0 {
                        break;
                    }
                    thread::yield_now();
                }
            }
        }
        assert_eq!(r.join().unwrap(), Ok(5));
        s.join().unwrap().unwrap();
    });
}

/// As above with an `alt!` receiving on `a` (and on `c`, whose sender
/// offers 7): a refusal hands the value to the alt only if it wins the
/// alt's selector. Exactly one arm fires; 5 is received exactly once (by
/// the alt, by the remote when it takes it, or afterwards by a plain
/// receive), and so is 7.
#[test]
fn alt_receiver_during_reservation() {
    for taken in [false, true] {
        model(Some(2), move || {
            let (atx, arx) = channel::<u32>();
            let (ctx, crx) = channel::<u32>();
            let port = port_of(&atx);
            let sa = thread::spawn(move || block_on(atx.send(5)));
            let sc = thread::spawn(move || block_on(ctx.send(7)));
            let t = thread::spawn(move || transport::<u32>(&port, taken));
            let fired = block_on(async {
                csp::alt! {
                    Ok(v) = arx.recv() => v,
                    Ok(v) = crx.recv() => v,
                }
            });
            let got = t.join().unwrap();
            let remote = taken && got == Some(5);
            let mut seen = vec![fired];
            if remote {
                seen.push(5);
            }
            if !seen.contains(&5) {
                assert_eq!(block_on(arx.recv()), Ok(5), "5 was lost");
                seen.push(5);
            }
            if !seen.contains(&7) {
                assert_eq!(block_on(crx.recv()), Ok(7), "7 was lost");
                seen.push(7);
            }
            seen.sort_unstable();
            assert_eq!(seen, [5, 7], "taken {taken}: a value twice (copy {got:?})");
            sa.join().unwrap().unwrap();
            sc.join().unwrap().unwrap();
            assert_eq!(arx.try_recv(), Err(TryRecvError::Closed));
            assert_eq!(crx.try_recv(), Err(TryRecvError::Closed));
        });
    }
}
