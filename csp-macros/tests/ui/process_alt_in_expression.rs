// An `alt!` in a process is a statement, or the value of a typed `let`.

use csp::prelude::*;

#[process]
async fn inline(rx: Receiver<u32>) -> u32 {
    let v: u32 = 1 + alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
    };
    v
}

fn main() {}
