// A `for` loop with a pause needs a bounded range.

use csp::prelude::*;

#[process]
async fn forever(tx: Sender<u32>) {
    for i in 0u32.. {
        let _ = tx.send(i).await;
    }
}

fn main() {}
