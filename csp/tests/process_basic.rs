//! `#[process]` frames run like the async fns they were written as.

use csp::prelude::*;
use csp::process;

#[process]
async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

#[test]
fn running_total_runs() {
    csp::run(async {
        let (tx, rx) = channel();
        let (otx, orx) = channel();
        let h = spawn(running_total(rx, otx));
        let mut seen = Vec::new();
        for i in 1..=4u64 {
            tx.send(i).await.unwrap();
            seen.push(orx.recv().await.unwrap());
        }
        drop(tx);
        assert_eq!(seen, [1, 3, 6, 10]);
        assert_eq!(h.join().await.unwrap(), 10);
    });
}

#[process]
async fn ends_in_return(input: Receiver<u32>) -> u32 {
    let x: u32 = input.recv().await.unwrap_or(0);
    return x + 1;
}

#[test]
fn a_body_ending_in_return_compiles_and_returns() {
    csp::run(async {
        let (tx, rx) = channel();
        let h = spawn(ends_in_return(rx));
        tx.send(41).await.unwrap();
        assert_eq!(h.join().await.unwrap(), 42);
    });
}
