// A `for` loop with a pause point iterates over a local or parameter of the
// process, whose type the frame can name.

use csp::prelude::*;

const ITEMS: [u32; 3] = [1, 2, 3];

#[process]
async fn each(tx: Sender<u32>) {
    for x in ITEMS {
        let _ = tx.send(x).await;
    }
}

fn main() {}
