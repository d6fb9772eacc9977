// The guards and preconditions of an `alt!` are evaluated when it starts
// waiting; they cannot pause themselves.

use csp::prelude::*;

#[process]
async fn precondition(rx: Receiver<u32>, gate: Receiver<bool>) -> u32 {
    let v: u32 = alt! {
        Ok(v) = rx.recv(), if gate.recv().await.unwrap_or(false) => v,
        default => 0,
    };
    v
}

#[process]
async fn send_value(rx: Receiver<u32>, tx: Sender<u32>) -> u32 {
    let v: u32 = alt! {
        tx.send(rx.recv().await.unwrap_or(0)) => 1,
        default => 0,
    };
    v
}

fn main() {}
