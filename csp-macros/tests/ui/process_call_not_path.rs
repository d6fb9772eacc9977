// Only a #[process] fn called by its name is awaited as a nested process.

use csp::prelude::*;

#[process]
async fn child(n: u32) -> u32 {
    n
}

#[process]
async fn parent(n: u32) -> u32 {
    let b: u32 = (|x: u32| child(x))(n).await;
    b
}

fn main() {}
