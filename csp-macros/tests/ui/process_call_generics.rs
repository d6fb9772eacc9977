// A process is never generic, so a call to one has no generic arguments.

use csp::prelude::*;

#[process]
async fn child(n: u32) -> u32 {
    n
}

#[process]
async fn parent(n: u32) -> u32 {
    let a: u32 = child::<u32>(n).await;
    a
}

fn main() {}
