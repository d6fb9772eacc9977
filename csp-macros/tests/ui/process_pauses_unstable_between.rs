// In `f(a.await) + b.await`, the value of `f(a.await)` is computed before
// the second pause and would have to be held across it.

use csp::prelude::*;

#[process]
async fn sum(a: Receiver<u32>, b: Receiver<u32>) -> u32 {
    let s: u32 = a.recv().await.unwrap_or(0) + b.recv().await.unwrap_or(0);
    s
}

fn main() {}
