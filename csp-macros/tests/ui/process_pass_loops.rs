// Loops around pause points: loop, while, while let, for over typed ranges
// (suffix, typed local, `..=`, `.len()`, cast) and owned collections,
// labelled break/continue, and break with a value.

use csp::prelude::*;
use std::collections::BTreeMap;

#[process]
async fn ranges(tx: Sender<u64>, n: u32, items: Vec<String>) -> u64 {
    let mut sum: u64 = 0;
    // Each loop has its own variable here (loops in a row may also reuse
    // one name with one type: see csp/tests/process_rebind.rs).
    for a in 0..3u32 {
        let _ = tx.send(u64::from(a)).await;
        sum += u64::from(a);
    }
    for b in 0..n {
        yield_now().await;
        sum += u64::from(b) * 10;
    }
    for c in 1..=2u64 {
        yield_now().await;
        sum += c * 100;
    }
    for d in 0..items.len() {
        yield_now().await;
        sum += (d as u64) * 1000;
    }
    for e in 0..(n as u8) {
        yield_now().await;
        sum += u64::from(e) * 10_000;
    }
    for s in items {
        yield_now().await;
        sum += s.len() as u64 * 100_000;
    }
    let table: BTreeMap<u32, u64> = [(1, 2), (3, 4)].into_iter().collect();
    for (k, v) in table {
        let _ = tx.send(u64::from(k) + v).await;
    }
    sum
}

#[process]
async fn loops(rx: Receiver<u32>, tx: Sender<u32>) -> u32 {
    let mut count: u32 = 0;
    while count < 2 {
        let _ = tx.send(count).await;
        count += 1;
    }
    while rx.recv().await.is_ok_and(|v| v != 0) {
        count += 1;
    }
    let found: u32 = loop {
        let v: u32 = rx.recv().await.unwrap_or(99);
        if v > 3 {
            break v * 10;
        }
    };
    let mut pairs: u32 = 0;
    'outer: for i in 0..4u32 {
        for j in 0..4u32 {
            if j > i {
                continue 'outer;
            }
            if i == 3 {
                break 'outer;
            }
            yield_now().await;
            pairs += 1;
        }
    }
    let picked: u32 = 'search: loop {
        loop {
            let v: u32 = rx.recv().await.unwrap_or(0);
            if v == 7 {
                break 'search v;
            }
            if v == 0 {
                break;
            }
        }
        count += 100;
    };
    while let Ok(rest) = rx.recv().await {
        yield_now().await;
        count += rest;
    }
    count + found + pairs + picked
}

fn main() {
    csp::run(async {
        let (otx, orx) = buffered::<u64>(8);
        let items = vec!["ab".to_string(), "c".to_string()];
        // 0+1+2, 10*(0+1), 100*(1+2), 1000*(0+1), 10_000*(0+1), 100_000*(2+1)
        assert_eq!(
            ranges(otx, 2, items).await,
            3 + 10 + 300 + 1000 + 10_000 + 300_000
        );
        let sent: Vec<u64> = std::iter::from_fn(|| orx.try_recv().ok()).collect();
        assert_eq!(sent, [0, 1, 2, 3, 7]);

        let (itx, irx) = buffered::<u32>(16);
        let (otx, orx) = buffered::<u32>(8);
        for v in [5, 6, 0, 1, 4, 2, 0, 3, 7, 1, 2] {
            itx.try_send(v).unwrap();
        }
        drop(itx);
        // count: 2 (while) + 2 (5, 6) + 100 (inner loop broke on 0) + 3 (1, 2)
        // found: 40; pairs: 1 + 2 + 3 = 6; picked: 7
        assert_eq!(loops(irx, otx).await, 107 + 40 + 6 + 7);
        assert_eq!(orx.try_recv(), Ok(0));
        assert_eq!(orx.try_recv(), Ok(1));
    });
}
