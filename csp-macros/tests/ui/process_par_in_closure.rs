// `par!` and `alt!` inside a closure are not pause points of the process.

use csp::prelude::*;

#[process]
async fn nested(rx: Receiver<u32>) {
    let h = || par!(rx.recv());
    let k = || {
        alt! {
            Ok(_) = rx.recv() => {}
            default => {}
        }
    };
}

fn main() {}
