// `par!` branches are comma-separated expressions.

use csp::prelude::*;

#[process]
async fn both(a: Receiver<u32>, b: Receiver<u32>) {
    let _ = par!(a.recv() b.recv());
}

fn main() {}
