// An awaited call to a plain path is taken as a call to another process,
// whose frame (`Lookup`) it names. A plain `async fn` has no frame type, so
// rustc reports the missing type; the fix, documented with the error in
// `csp::process`, is `effect(async move { lookup(key).await }).await`.

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
