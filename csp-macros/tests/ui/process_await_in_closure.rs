// A closure's `.await` is not a pause point of the process.

use csp::prelude::*;

#[process]
async fn mapper(rx: Receiver<u32>) -> u32 {
    let f = |r: &Receiver<u32>| r.recv().await;
    let g = async move |r: Receiver<u32>| r.recv().await;
    0
}

fn main() {}
