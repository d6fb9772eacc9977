use csp::prelude::*;

#[process(name = Worker, version = 3, upgrades_from = [1, 2])]
async fn worker(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    while input.recv().await.is_ok() {
        n += 1;
    }
    n
}

// (What `upgrades_from` does with feature `migration` is tested in
// csp-net/tests/upgrade.rs, across two binaries.)
fn main() {
    assert_eq!(<Worker as csp::Process>::VERSION, 3);
    let _ = worker;
}
