// A name bound by `let ... else` that lives across a pause needs a type,
// which a pattern cannot carry: rebind it under a typed name.

use csp::prelude::*;

#[process]
async fn first(opt: Option<u32>, tx: Sender<u32>) -> u32 {
    let Some(v) = opt else {
        return 0;
    };
    let _ = tx.send(1).await;
    v
}

fn main() {}
