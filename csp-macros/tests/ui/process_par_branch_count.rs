// `par!` in a process runs at most 8 operations.

use csp::prelude::*;

#[process]
async fn nine(rx: Receiver<u32>) {
    let _ = par!(
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv(),
        rx.recv()
    );
}

fn main() {}
