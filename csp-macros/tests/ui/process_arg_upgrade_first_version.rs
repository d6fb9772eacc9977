use csp::prelude::*;

// Version 1 has no older versions to upgrade from.
#[process(upgrade = from_v0)]
async fn worker(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

fn main() {}
