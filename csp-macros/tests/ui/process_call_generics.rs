// An awaited call names a process by a plain path.

use csp::prelude::*;

#[process]
async fn child(n: u32) -> u32 {
    n
}

#[process]
async fn parent(n: u32) -> u32 {
    let a: u32 = child::<u32>(n).await;
    let b: u32 = (|x: u32| child(x))(n).await;
    a + b
}

fn main() {}
