//! Unit tests of the alt core, driven through `alt!` on a current-thread
//! runtime so the readiness of every guard is set up by hand.

use std::time::Duration;

use crate::prelude::*;
use crate::{Flavor, Runtime};

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    Runtime::builder()
        .flavor(Flavor::CurrentThread)
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn fires_the_only_ready_arm() {
    block_on(async {
        let (a_tx, a_rx) = buffered::<u8>(1);
        let (_b_tx, b_rx) = buffered::<u8>(1);
        a_tx.try_send(1).unwrap();
        let got = alt! {
            Ok(v) = a_rx.recv() => ('a', v),
            Ok(v) = b_rx.recv() => ('b', v),
        };
        assert_eq!(got, ('a', 1));
    });
}

#[test]
fn biased_prefers_the_first_ready_arm() {
    block_on(async {
        let (a_tx, a_rx) = buffered::<u8>(100);
        let (b_tx, b_rx) = buffered::<u8>(100);
        for i in 0..50 {
            a_tx.try_send(i).unwrap();
            b_tx.try_send(i).unwrap();
        }
        for _ in 0..50 {
            let arm = alt! { biased; Ok(_) = a_rx.recv() => 0, Ok(_) = b_rx.recv() => 1 };
            assert_eq!(arm, 0);
        }
    });
}

#[test]
fn fair_alt_reaches_every_ready_arm() {
    block_on(async {
        let (a_tx, a_rx) = buffered::<u8>(1000);
        let (b_tx, b_rx) = buffered::<u8>(1000);
        for _ in 0..1000 {
            a_tx.try_send(0).unwrap();
            b_tx.try_send(1).unwrap();
        }
        let mut counts = [0; 2];
        for _ in 0..400 {
            let arm = alt! { Ok(v) = a_rx.recv() => v, Ok(v) = b_rx.recv() => v };
            counts[arm as usize] += 1;
        }
        assert!(counts[0] > 0 && counts[1] > 0, "{counts:?}");
    });
}

#[test]
fn unchosen_send_arm_keeps_its_value_out_of_the_channel() {
    block_on(async {
        let (ready_tx, ready_rx) = buffered::<u8>(1);
        let (out_tx, out_rx) = buffered::<u8>(0);
        ready_tx.try_send(7).unwrap();
        let got = alt! { biased; Ok(v) = ready_rx.recv() => v, out_tx.send(99) => 0 };
        assert_eq!(got, 7);
        assert_eq!(out_rx.try_recv(), Err(TryRecvError::Empty));
    });
}

#[test]
fn send_arm_completes_with_a_parked_peer() {
    block_on(async {
        let (tx, rx) = channel::<u32>();
        let peer = spawn(async move { rx.recv().await });
        // The peer parks in recv, then the alt's send arm meets it.
        let (_never_tx, never_rx) = channel::<u32>();
        let which = alt! { tx.send(5) => "sent", Ok(_) = never_rx.recv() => "recv" };
        assert_eq!(which, "sent");
        assert_eq!(peer.join().await.unwrap(), Ok(5));
    });
}

#[test]
fn closed_channel_disables_an_ok_pattern() {
    block_on(async {
        let (tx, rx) = channel::<u8>();
        drop(tx);
        let (b_tx, b_rx) = buffered::<u8>(1);
        let h = spawn(async move { b_tx.send(3).await });
        let got = alt! { Ok(v) = rx.recv() => v, Ok(v) = b_rx.recv() => v + 10 };
        assert_eq!(got, 13);
        h.join().await.unwrap().unwrap();
    });
}

#[test]
fn binding_sees_the_close() {
    block_on(async {
        let (tx, rx) = channel::<u8>();
        drop(tx);
        let r = alt! { r = rx.recv() => r };
        assert_eq!(r, Err(RecvError));
    });
}

#[test]
fn default_and_precondition() {
    block_on(async {
        let (tx, rx) = buffered::<u8>(1);
        tx.try_send(1).unwrap();
        let off = false;
        assert_eq!(alt! { Ok(v) = rx.recv(), if off => v, default => 0 }, 0);
        assert_eq!(alt! { Ok(v) = rx.recv(), if !off => v, default => 0 }, 1);
        assert_eq!(alt! { Ok(v) = rx.recv() => v, default => 0 }, 0);
    });
}

#[test]
fn timeout_fires_when_nothing_is_ready() {
    block_on(async {
        let (_tx, rx) = channel::<u8>();
        let got = alt! { Ok(v) = rx.recv() => v, after(Duration::from_millis(1)) => 42 };
        assert_eq!(got, 42);
    });
}

#[test]
fn bodies_act_on_the_enclosing_code() {
    block_on(async {
        let (tx, rx) = buffered::<u8>(8);
        for i in 0..5 {
            tx.try_send(i).unwrap();
        }
        let mut seen = Vec::new();
        loop {
            alt! {
                Ok(v) = rx.recv() => {
                    if v == 3 { break; }
                    seen.push(v);
                    continue;
                }
                default => unreachable!("values are buffered"),
            }
        }
        assert_eq!(seen, [0, 1, 2]);
    });
}

#[test]
#[should_panic(expected = "every arm is disabled")]
fn all_disabled_without_default_panics() {
    block_on(async {
        let (_tx, rx) = channel::<u8>();
        let no = false;
        alt! { Ok(v) = rx.recv(), if no => v }
    });
}
