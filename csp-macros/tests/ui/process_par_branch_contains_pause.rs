// A `par!` branch is one operation; it cannot pause inside itself.

use csp::prelude::*;

#[process]
async fn both(a: Receiver<u32>, b: Sender<u32>) {
    let _ = par!(a.recv(), b.send(a.recv().await.unwrap_or(0)));
}

fn main() {}
