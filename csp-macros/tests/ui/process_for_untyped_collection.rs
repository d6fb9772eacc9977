// The frame stores the rest of the collection, so it needs its type.

use csp::prelude::*;

#[process]
async fn each(tx: Sender<u32>) {
    let items = vec![1, 2, 3];
    for x in items {
        let _ = tx.send(x).await;
    }
}

fn main() {}
