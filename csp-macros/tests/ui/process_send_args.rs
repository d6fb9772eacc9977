// `send` takes exactly one value.

use csp::prelude::*;

#[process]
async fn nothing(tx: Sender<u32>) {
    let _ = tx.send().await;
}

#[process]
async fn two(tx: Sender<u32>) {
    let _ = tx.send(1, 2).await;
}

fn main() {}
