// A `par!` inside an `async` block belongs to that future, not to the process.

use csp::prelude::*;

#[process]
async fn nested(rx: Receiver<u32>) {
    let g = async { par!(rx.recv()) };
}

fn main() {}
