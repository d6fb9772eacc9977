// The frame stores the rest of the range, so it needs its type.

use csp::prelude::*;

#[process]
async fn countdown(tx: Sender<u32>) {
    for i in 0..10 {
        let _ = tx.send(i).await;
    }
}

fn main() {}
