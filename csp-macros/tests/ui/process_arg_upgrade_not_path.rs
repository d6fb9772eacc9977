use csp::prelude::*;

// `upgrade` names the function that converts older frames.
#[process(version = 2, upgrade = "from_v1")]
async fn worker(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

fn main() {}
