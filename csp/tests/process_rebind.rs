//! A name that lives across a pause point may be bound again in a sibling
//! scope (two `for i` loops, `Ok(v)` in two arms) when every binding has
//! the same written type: the bindings are never in scope together, so
//! they share the frame's one field for that name.

use csp::prelude::*;
use csp::process;

/// Two loops over the same name, each holding `i` across its pauses.
#[process]
async fn two_loops(tx: Sender<u32>, n: u32) -> u32 {
    let mut sum: u32 = 0;
    for i in 0..n {
        yield_now().await;
        let _ = tx.send(i).await;
        sum += i;
    }
    for i in 0..n {
        yield_now().await;
        let _ = tx.send(i * 10).await;
        sum += i * 10;
    }
    sum
}

#[test]
fn two_for_loops_with_one_name() {
    csp::run(async {
        let (tx, rx) = buffered(16);
        let total = spawn(two_loops(tx, 3)).join().await.unwrap();
        assert_eq!(total, 33);
        let mut seen = Vec::new();
        while let Ok(v) = rx.try_recv() {
            seen.push(v);
        }
        assert_eq!(seen, [0, 1, 2, 0, 10, 20]);
    });
}

/// `Ok(v)` bound in two sequential matches on receives, and in two alt!
/// arms, each `v` used after a later pause.
#[process]
async fn two_arms(a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> u32 {
    let mut total: u32 = 0;
    match a.recv().await {
        Ok(v) => {
            yield_now().await;
            total += v;
        }
        Err(_) => return 0,
    }
    match b.recv().await {
        Ok(v) => {
            yield_now().await;
            total += v * 100;
        }
        Err(_) => return 0,
    }
    let mut picked: u32 = 0;
    while picked < 2 {
        alt! {
            Ok(v) = a.recv() => {
                let _ = out.send(v).await;
                total += v;
            }
            Ok(v) = b.recv() => {
                let _ = out.send(v).await;
                total += v * 100;
            }
        }
        picked += 1;
    }
    total
}

#[test]
fn ok_v_in_two_matches_and_two_alt_arms() {
    csp::run(async {
        let (atx, arx) = buffered(4);
        let (btx, brx) = buffered(4);
        let (otx, orx) = buffered(4);
        atx.send(1).await.unwrap();
        btx.send(2).await.unwrap();
        atx.send(3).await.unwrap();
        btx.send(4).await.unwrap();
        let total = spawn(two_arms(arx, brx, otx)).join().await.unwrap();
        assert_eq!(total, 1 + 200 + 3 + 400);
        let mut seen = vec![orx.try_recv().unwrap(), orx.try_recv().unwrap()];
        seen.sort_unstable();
        assert_eq!(seen, [3, 4]);
    });
}

/// Sibling blocks and the two branches of an `if`, each binding `x`.
#[process]
async fn sibling_blocks(rx: Receiver<u64>, flag: bool) -> u64 {
    let mut total: u64 = 0;
    {
        let x: u64 = rx.recv().await.unwrap_or(0);
        yield_now().await;
        total += x;
    }
    {
        let x: u64 = rx.recv().await.unwrap_or(0) * 2;
        yield_now().await;
        total += x;
    }
    if flag {
        let x: u64 = 1000;
        yield_now().await;
        total += x;
    } else {
        let x: u64 = 2000;
        yield_now().await;
        total += x;
    }
    total
}

#[test]
fn one_name_in_sibling_blocks_and_branches() {
    csp::run(async {
        for (flag, extra) in [(true, 1000), (false, 2000)] {
            let (tx, rx) = buffered(2);
            tx.send(5).await.unwrap();
            tx.send(7).await.unwrap();
            let total = spawn(sibling_blocks(rx, flag)).join().await.unwrap();
            assert_eq!(total, 5 + 14 + extra);
        }
    });
}

#[cfg(feature = "migration")]
mod frozen {
    use super::*;
    use csp::migrate::{spawn_process, Frozen, Registry};

    /// Frozen in the second loop (its `i` in the shared field), the process
    /// resumes from bytes with the second loop's `i`.
    #[test]
    fn a_shared_field_survives_freeze_and_thaw() {
        csp::run(async {
            let (tx, rx) = channel();
            let h = spawn_process(two_loops(tx, 3));
            let mut seen = Vec::new();
            for _ in 0..4 {
                seen.push(rx.recv().await.unwrap());
            }
            let frozen = h.freeze().await.unwrap();
            let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
            let p = Registry::global().thaw(back).unwrap().spawn();
            drop(frozen);
            for _ in 0..2 {
                seen.push(rx.recv().await.unwrap());
            }
            assert_eq!(seen, [0, 1, 2, 0, 10, 20]);
            let out = p.join().await.unwrap();
            assert_eq!(*out.downcast::<u32>().unwrap(), 33);
        });
    }
}
