// The frame holds one `x`: a name that lives across a pause point cannot be
// bound again while the first binding is in scope (shadowing).

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

#[process]
async fn shadow_in_block(rx: Receiver<u32>) -> u32 {
    let x: u32 = 1;
    {
        let x: u32 = 2;
        let _ = rx.recv().await;
        let _ = x;
    }
    x
}

fn main() {}
