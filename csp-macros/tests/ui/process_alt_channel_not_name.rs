// The channel of an `alt!` guard in a process is named directly.

use csp::prelude::*;

#[process]
async fn indexed(rxs: Vec<Receiver<u32>>) -> u32 {
    let v: u32 = alt! {
        Ok(v) = rxs[0].recv() => v,
        default => 0,
    };
    v
}

fn main() {}
