// A pattern binding read after a pause needs a written type too.

use csp::prelude::*;

#[process]
async fn forward(rx: Receiver<Option<u32>>, tx: Sender<u32>) -> u32 {
    let mut last: u32 = 0;
    while let Ok(msg) = rx.recv().await {
        if let Some(v) = msg {
            let _ = tx.send(v).await;
            last = v;
        }
    }
    last
}

fn main() {}
