//! Process types shared by the `csp-node` binary and the tests that talk
//! to it from another OS process: both programs must link the same types
//! (same names, same frame layouts) to move them between each other.

use csp::prelude::*;

/// Adds up what it receives, answering with the running total; told
/// `(true, node)`, moves itself to that node and answers 1 if it got
/// there, 0 if not.
#[process]
pub async fn wanderer(input: Receiver<(bool, u64)>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok((go, x)) = input.recv().await {
        if go {
            let moved: Result<(), MoveError> = migrate_to(x).await;
            let report: u64 = if moved.is_ok() { 1 } else { 0 };
            if output.send(report).await.is_err() {
                break;
            }
        } else {
            total += x;
            if output.send(total).await.is_err() {
                break;
            }
        }
    }
    total
}

/// Counts what it receives (version 1 of `Counter`).
#[process]
pub async fn counter(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

/// Reports its running total after each value (version 1 of `Tally`;
/// version 2 changes the frame and declares how to convert this one).
#[process(name = Tally)]
pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}
