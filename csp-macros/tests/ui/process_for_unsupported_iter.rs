// A `for` loop with a pause iterates a range or an owned collection.

use csp::prelude::*;

#[process]
async fn each(items: Vec<u32>, tx: Sender<u32>) {
    for x in items.iter() {
        let _ = tx.send(*x).await;
    }
}

fn main() {}
