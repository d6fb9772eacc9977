// A refused process still has its constructor and frame type, so code that
// uses it reports nothing more: the refusal is the only error.

use csp::prelude::*;

#[process]
async fn broken(rx: Receiver<u32>) -> u32 {
    let mut total = 0;
    while let Ok(x) = rx.recv().await {
        total += x;
    }
    total
}

#[process]
async fn caller(rx: Receiver<u32>) -> u32 {
    let n: u32 = broken(rx).await;
    n + 1
}

fn main() {
    let (_tx, rx) = channel::<u32>();
    let _h = csp::run(async { spawn(caller(rx)).join().await });
}
