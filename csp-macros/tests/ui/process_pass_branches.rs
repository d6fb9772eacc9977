// Branches around pause points: if/else (and else-if), if let, match with
// guards and patterns on a receive, and `let x: T = if/match/{..}` whose
// value comes from code that pauses.

use csp::prelude::*;

#[process]
async fn classify(rx: Receiver<u32>, tx: Sender<u32>) -> u32 {
    let mut seen: u32 = 0;
    loop {
        match rx.recv().await {
            Ok(0) => break,
            Ok(even) if even % 2 == 0 => {
                let _ = tx.send(even / 2).await;
                seen += even;
            }
            Ok(v) if v > 100 => {
                seen += 1000;
            }
            Ok(odd) => {
                yield_now().await;
                // `odd` is typed from the channel, so it lives across the pause.
                seen += odd;
            }
            Err(_) => break,
        }
    }
    seen
}

#[process]
async fn branches(rx: Receiver<u32>, tx: Sender<u32>, flag: bool, opt: Option<u32>) -> u32 {
    let mut total: u32 = 0;
    if flag {
        total += rx.recv().await.unwrap_or(0);
    } else if opt.is_some() {
        let _ = tx.send(1).await;
    } else {
        total += 1000;
    }
    if flag {
        yield_now().await;
    }
    if let Some(v) = opt {
        let _ = tx.send(v).await;
        total += 1;
    }
    if let Ok(x) = rx.recv().await {
        yield_now().await;
        total += x;
    } else {
        total += 10_000;
    }
    let a: u32 = if flag {
        rx.recv().await.unwrap_or(0)
    } else {
        7
    };
    let b: u32 = match opt {
        Some(n) if n > 50 => n,
        Some(_) => {
            let r: u32 = rx.recv().await.unwrap_or(0);
            r * 100
        }
        None => 0,
    };
    let c: u32 = {
        let first: u32 = rx.recv().await.unwrap_or(0);
        first + 1
    };
    total + a + b + c
}

fn main() {
    csp::run(async {
        let (itx, irx) = buffered::<u32>(8);
        let (otx, orx) = buffered::<u32>(8);
        for v in [4, 3, 101, 6, 0] {
            itx.try_send(v).unwrap();
        }
        assert_eq!(classify(irx.clone(), otx.clone()).await, 4 + 3 + 1000 + 6);
        assert_eq!(orx.try_recv(), Ok(2));
        assert_eq!(orx.try_recv(), Ok(3));

        for v in [1, 2, 3, 4, 5] {
            itx.try_send(v).unwrap();
        }
        // total = 1 (recv) + 1 (if let) + 2 (if let Ok) = 4; a = 3; b = 400; c = 6
        assert_eq!(branches(irx.clone(), otx.clone(), true, Some(9)).await, 413);
        assert_eq!(orx.try_recv(), Ok(9));

        itx.try_send(8).unwrap();
        itx.try_send(9).unwrap();
        // else-if sends 1; if let Ok adds 8; a = 7; b = 0; c = 10
        assert_eq!(branches(irx, otx, false, None).await, 1000 + 8 + 7 + 10);
        // Nothing else was sent (the process dropped its sender, so the
        // channel is closed).
        assert!(orx.try_recv().is_err());
    });
}
