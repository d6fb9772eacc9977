// Each `par!` branch must be an operation a process can pause on.

use csp::prelude::*;

#[process]
async fn both(a: Receiver<u32>, n: u32) {
    let _ = par!(a.recv(), a.recv_many(n));
}

#[process]
async fn value(a: Receiver<u32>, n: u32) {
    let _ = par!(a.recv(), n + 1);
}

fn main() {}
