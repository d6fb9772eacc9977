// A `let` whose value comes from a block with a pause needs `x: T`.

use csp::prelude::*;

#[process]
async fn choose(rx: Receiver<u32>, flag: bool) -> u32 {
    let a = if flag {
        rx.recv().await.unwrap_or(0)
    } else {
        0
    };
    let (b, c): (u32, u32) = match flag {
        true => (rx.recv().await.unwrap_or(0), 1),
        false => (0, 0),
    };
    a + b + c
}

fn main() {}
