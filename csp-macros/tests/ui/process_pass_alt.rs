// `alt!` inside a process: receive, send, timeout and default arms,
// preconditions, `biased;`, patterns that disable an arm, bodies that
// pause, `break`/`continue`/`return`/`?` from arm bodies, and an `alt!` as
// a statement, as the value of a typed `let` and as a block's tail.

use csp::prelude::*;
use std::time::Duration;

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
                Ok(0) => continue,
                Ok(w) => {
                    out.send(w + 1000).await.unwrap();
                    n += 1;
                }
                Err(_) => b_open = false,
            },
        }
    }
    n
}

#[process]
async fn offer(out: Sender<u32>, v: u32) -> u32 {
    let r: u32 = alt! {
        biased;
        out.send(v) => 1,
        after(Duration::from_millis(20)) => 2,
    };
    r
}

#[process]
async fn first_some(rx: Receiver<Option<u32>>) -> Result<u32, RecvError> {
    let mut skipped: u32 = 0;
    loop {
        let got: u32 = alt! {
            // `None` (or a closed channel) disables this arm for this alt,
            // which keeps waiting on the others.
            Ok(Some(v)) = rx.recv() => v,
            after(Duration::from_millis(20)) => break,
        };
        if got == 0 {
            skipped += 1;
            continue;
        }
        yield_now().await;
        return Ok(got + skipped * 100);
    }
    Err(RecvError)
}

#[process]
async fn poll_once(input: Receiver<u32>) -> Option<u32> {
    {
        alt! {
            Ok(v) = input.recv() => Some(v),
            default => None,
        }
    }
}

#[process]
async fn closed(input: Receiver<u32>) -> Result<u32, RecvError> {
    alt! {
        r = input.recv() => {
            let v: u32 = r?;
            Ok(v)
        }
    }
}

fn main() {
    csp::run(async {
        let (at, ar) = buffered::<u32>(4);
        let (bt, br) = buffered::<u32>(4);
        let (ot, or) = buffered::<u32>(8);
        at.try_send(1).unwrap();
        at.try_send(2).unwrap();
        bt.try_send(0).unwrap();
        bt.try_send(3).unwrap();
        drop((at, bt));
        assert_eq!(merge(ar, br, ot).await, 3);
        let mut got: Vec<u32> = std::iter::from_fn(|| or.try_recv().ok()).collect();
        got.sort();
        assert_eq!(got, [1, 2, 1003]);

        let (tx, rx) = channel::<u32>();
        assert_eq!(offer(tx.clone(), 1).await, 2);
        let (btx, brx) = buffered::<u32>(1);
        assert_eq!(offer(btx, 5).await, 1);
        assert_eq!(brx.try_recv(), Ok(5));
        drop((tx, rx));

        let (tx, rx) = buffered::<Option<u32>>(4);
        for v in [Some(0), Some(7)] {
            tx.try_send(v).unwrap();
        }
        assert_eq!(first_some(rx.clone()).await, Ok(107));
        tx.try_send(None).unwrap();
        assert_eq!(first_some(rx).await, Err(RecvError));

        let (tx, rx) = buffered::<u32>(1);
        assert_eq!(poll_once(rx.clone()).await, None);
        tx.try_send(4).unwrap();
        assert_eq!(poll_once(rx.clone()).await, Some(4));
        drop(tx);
        assert_eq!(closed(rx).await, Err(RecvError));
    });
}
