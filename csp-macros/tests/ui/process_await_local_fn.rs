// A local variable is not a #[process] fn, even when it holds a function.

use csp::prelude::*;

async fn double(x: u32) -> u32 {
    x * 2
}

#[process]
async fn caller(x: u32) -> u32 {
    let f = double;
    let v: u32 = f(x).await;
    v
}

fn main() {}
