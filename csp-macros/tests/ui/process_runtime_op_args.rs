// `sleep`, `yield_now` and `effect` take the arguments they are documented with.

use csp::prelude::*;

#[process]
async fn napper() {
    sleep().await;
}

#[process]
async fn polite() {
    yield_now(1).await;
}

#[process]
async fn io() -> u32 {
    let n: u32 = effect(async { 1u32 }, async { 2u32 }).await;
    n
}

fn main() {}
