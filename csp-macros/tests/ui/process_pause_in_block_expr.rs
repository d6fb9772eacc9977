// A block with a pause point cannot be an operand of a larger expression.

use csp::prelude::*;

#[process]
async fn inline(rx: Receiver<u32>, flag: bool) -> u32 {
    let a: u32 = 1 + { rx.recv().await.unwrap_or(0) };
    let b: Option<u32> = Some(if flag {
        rx.recv().await.unwrap_or(0)
    } else {
        0
    });
    a + b.unwrap_or(0)
}

fn main() {}
