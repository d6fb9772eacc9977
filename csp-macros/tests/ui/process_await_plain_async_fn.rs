// An awaited call to a plain path is taken as a call to another process;
// a plain `async fn` has no frame type, so the fix is `effect(..)`.

use csp::prelude::*;

async fn lookup(key: u32) -> u32 {
    key * 2
}

#[process]
async fn caller(key: u32) -> u32 {
    let v: u32 = lookup(key).await;
    v
}

fn main() {}
