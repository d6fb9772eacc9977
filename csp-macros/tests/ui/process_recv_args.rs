// `recv()` takes no arguments.

use csp::prelude::*;

#[process]
async fn timed(rx: Receiver<u32>) -> u32 {
    let v: u32 = rx.recv(std::time::Duration::from_secs(1)).await.unwrap_or(0);
    v
}

fn main() {}
