// Rebinding a pattern binding under its own name, as the "needs its type"
// fix suggests (`let v: T = v;`), binds the name twice.

use csp::prelude::*;

#[process]
async fn forward(rx: Receiver<Option<u32>>, tx: Sender<u32>) -> u32 {
    let mut last: u32 = 0;
    while let Ok(msg) = rx.recv().await {
        if let Some(v) = msg {
            let v: u32 = v;
            let _ = tx.send(v).await;
            last = v;
        }
    }
    last
}

fn main() {}
