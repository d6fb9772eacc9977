// A `let` local read after a pause needs a written type.

use csp::prelude::*;

#[process]
async fn accumulate(rx: Receiver<u32>) -> u32 {
    let mut total = 0;
    while let Ok(x) = rx.recv().await {
        total += x;
    }
    total
}

fn main() {}
