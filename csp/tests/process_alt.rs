//! `alt!` inside processes: arms fire exactly once, bodies may pause,
//! patterns that do not match disable their arm, and a process frozen while
//! waiting in an alt resumes with nothing lost.

use std::time::Duration;

use csp::prelude::*;

/// Merges two inputs until both close; the arm bodies pause (send).
#[process]
async fn merge(a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> u32 {
    let mut a_open: bool = true;
    let mut b_open: bool = true;
    let mut n: u32 = 0;
    while a_open || b_open {
        alt! {
            r = a.recv(), if a_open => match r {
                Ok(v) => {
                    if out.send(v).await.is_err() {
                        return n;
                    }
                    n += 1;
                }
                Err(_) => a_open = false,
            },
            r = b.recv(), if b_open => match r {
                Ok(v) => {
                    if out.send(v + 1000).await.is_err() {
                        return n;
                    }
                    n += 1;
                }
                Err(_) => b_open = false,
            },
        }
    }
    n
}

/// Offers a value or times out; reports which happened.
#[process]
async fn offer(out: Sender<u32>, v: u32) -> &'static str {
    alt! {
        out.send(v) => "sent",
        after(Duration::from_millis(20)) => "timed out",
    }
}

/// Takes the first value if one is ready right now.
#[process]
async fn poll_once(input: Receiver<u32>) -> Option<u32> {
    let got: Option<u32> = alt! {
        Ok(v) = input.recv() => Some(v),
        default => None,
    };
    got
}

#[test]
fn merge_forwards_everything_from_both_inputs() {
    for flavor in [csp::Flavor::CurrentThread, csp::Flavor::MultiThread] {
        let rt = csp::Runtime::builder()
            .flavor(flavor)
            .workers(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let (at, ar) = channel();
            let (bt, br) = channel();
            let (ot, or) = buffered(4);
            let h = spawn(merge(ar, br, ot));
            let fa = spawn(async move {
                for i in 0..200 {
                    at.send(i).await.unwrap();
                }
            });
            let fb = spawn(async move {
                for i in 0..200 {
                    bt.send(i).await.unwrap();
                }
            });
            let mut got = Vec::new();
            while let Ok(v) = or.recv().await {
                got.push(v);
            }
            fa.join().await.unwrap();
            fb.join().await.unwrap();
            assert_eq!(h.join().await.unwrap(), 400);
            let from_a: Vec<u32> = got.iter().copied().filter(|v| *v < 1000).collect();
            let from_b: Vec<u32> = got
                .iter()
                .filter(|v| **v >= 1000)
                .map(|v| v - 1000)
                .collect();
            assert_eq!(
                from_a,
                (0..200).collect::<Vec<_>>(),
                "each input's order is kept"
            );
            assert_eq!(from_b, (0..200).collect::<Vec<_>>());
        });
    }
}

#[test]
fn send_arm_or_timeout() {
    csp::run(async {
        let (tx, rx) = channel::<u32>();
        assert_eq!(offer(tx.clone(), 1).await, "timed out");
        let taker = spawn(async move { rx.recv().await });
        assert_eq!(offer(tx, 2).await, "sent");
        assert_eq!(taker.join().await.unwrap(), Ok(2));
    });
}

#[test]
fn default_arm_when_nothing_is_ready() {
    csp::run(async {
        let (tx, rx) = buffered::<u32>(1);
        let rx2 = rx.clone();
        assert_eq!(poll_once(rx).await, None);
        tx.try_send(9).unwrap();
        assert_eq!(poll_once(rx2).await, Some(9));
    });
}

#[cfg(feature = "migration")]
#[test]
fn frozen_while_waiting_in_alt_loses_nothing() {
    use csp::migrate::spawn_process;
    csp::run(async {
        let (at, ar) = channel();
        let (bt, br) = channel();
        let (ot, or) = channel();
        let mut h = spawn_process(merge(ar, br, ot));
        let mut got = Vec::new();
        for i in 0..50u32 {
            let ch = if i % 2 == 0 { &at } else { &bt };
            let (sent, _) = par!(ch.send(i), async {
                got.push(or.recv().await.unwrap());
            });
            sent.unwrap();
            // Freeze and thaw between every message: the alt is parked on
            // both inputs each time.
            let frozen = h.freeze().await.unwrap();
            let frame: Merge = frozen.thaw().unwrap();
            h = spawn_process(frame);
        }
        drop(at);
        drop(bt);
        assert_eq!(h.join().await.unwrap(), 50);
        let expect: Vec<u32> = (0..50)
            .map(|i| if i % 2 == 0 { i } else { i + 1000 })
            .collect();
        assert_eq!(got, expect);
    });
}
