// What an expression evaluates before its pause would be held across it.

use csp::prelude::*;

fn weight() -> u32 {
    3
}

#[process]
async fn weighted(rx: Receiver<u32>) -> u32 {
    let v: u32 = weight() * rx.recv().await.unwrap_or(0);
    v
}

fn main() {}
