// Storing `x` must always mean the same `x`.

use csp::prelude::*;

#[process]
async fn shadow(rx: Receiver<u32>) -> u32 {
    let x: u32 = 1;
    let x: u32 = x + 1;
    let _ = rx.recv().await;
    x
}

#[process]
async fn shadow_param(rx: Receiver<u32>, n: u32) -> u32 {
    let n: u32 = n + 1;
    let _ = rx.recv().await;
    n
}

fn main() {}
