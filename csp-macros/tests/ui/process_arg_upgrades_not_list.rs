use csp::prelude::*;

// `upgrades_from` takes a bracketed list of older versions.
#[process(version = 2, upgrades_from = 1)]
async fn worker(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

fn main() {}
