// A `par!` inside a closure or an `async` block is not a pause point of the
// process.

use csp::prelude::*;

#[process]
async fn nested(rx: Receiver<u32>) {
    let h = || par!(rx.recv());
    let g = async { par!(rx.recv()) };
}

fn main() {}
