// The frame stores an effect's output, so it needs its type.

use csp::prelude::*;

#[process]
async fn io() -> u32 {
    let n = effect(async { 5u32 }).await;
    n
}

fn main() {}
