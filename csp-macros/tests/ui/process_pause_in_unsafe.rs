// `unsafe` blocks stay between pause points.

use csp::prelude::*;

#[process]
async fn raw(rx: Receiver<u32>) -> u32 {
    unsafe {
        let _ = rx.recv().await;
    }
    0
}

fn main() {}
