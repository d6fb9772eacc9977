// The value of an `alt!` is held in the frame until an arm finishes, so its
// `let` needs a type.

use csp::prelude::*;

#[process]
async fn untyped_let(rx: Receiver<u32>) -> u32 {
    let v = alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
    };
    v
}

fn main() {}
