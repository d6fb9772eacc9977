// `par!` in a process runs 1 to 8 operations.

use csp::prelude::*;

#[process]
async fn none() {
    let () = par!();
}

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
