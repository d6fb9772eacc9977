// An `async` block inside a process is a separate future.

use csp::prelude::*;

#[process]
async fn nested(rx: Receiver<u32>) -> u32 {
    let fut = async move { rx.recv().await.unwrap_or(0) };
    0
}

fn main() {}
