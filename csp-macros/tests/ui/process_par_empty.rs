// A `par!` in a process runs at least one operation.

use csp::prelude::*;

#[process]
async fn nothing() {
    let _ = par!();
}

fn main() {}
