// Each `par!` branch must be a pause point operation.

use csp::prelude::*;

#[process]
async fn both(a: Receiver<u32>, n: u32) {
    let _ = par!(a.recv(), a.recv_many(n));
}

fn main() {}
