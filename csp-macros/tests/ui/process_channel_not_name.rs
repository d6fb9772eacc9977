// The channel of a pause is named directly, so its type can be looked up.

use csp::prelude::*;

#[process]
async fn fields(pair: (Receiver<u32>, Sender<u32>), rxs: Vec<Receiver<u32>>) -> u32 {
    let v: u32 = pair.0.recv().await.unwrap_or(0);
    let w: u32 = rxs[0].recv().await.unwrap_or(0);
    let _ = pair.1.clone().send(v + w).await;
    v
}

fn main() {}
