// An `alt!` in a process is checked like any other `alt!`.

use csp::prelude::*;

#[process]
async fn empty() {
    alt! {}
}

#[process]
async fn two_defaults(rx: Receiver<u32>) {
    alt! {
        Ok(_) = rx.recv() => {}
        default => {}
        default => {}
    }
}

fn main() {}
