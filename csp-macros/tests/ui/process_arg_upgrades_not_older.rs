use csp::prelude::*;

// An upgrade comes from an older version; the order of the arguments does
// not matter.
#[process(upgrades_from = [1, 3], version = 2)]
async fn worker(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

fn main() {}
