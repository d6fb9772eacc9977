// A name bound by a `let` pattern that lives across a pause needs a type:
// type the whole pattern, or rebind the name under a typed one.

use csp::prelude::*;

#[process]
async fn split(pair: (u32, u32), tx: Sender<u32>) -> u32 {
    let (a, b) = pair;
    let _ = tx.send(a).await;
    b
}

fn main() {}
