// The iterator of a `for` loop is not evaluated at a pause.

use csp::prelude::*;

#[process]
async fn batches(rx: Receiver<Vec<u32>>) -> u32 {
    let mut sum: u32 = 0;
    for x in rx.recv().await.unwrap_or_default() {
        sum += x;
    }
    sum
}

fn main() {}
