// A `par!` branch is an operation written without `.await`.

use csp::prelude::*;

#[process]
async fn both(a: Receiver<u32>, b: Receiver<u32>) {
    let _ = par!(a.recv().await, b.recv());
}

fn main() {}
