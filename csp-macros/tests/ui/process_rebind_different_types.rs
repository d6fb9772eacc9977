// Bindings of one name in sibling scopes share the frame's field for that
// name, so when it lives across a pause point they must have one type.

use csp::prelude::*;

#[process]
async fn counts(tx: Sender<u64>) {
    for i in 0..3u32 {
        yield_now().await;
        let _ = tx.send(u64::from(i)).await;
    }
    for i in 0..3u64 {
        yield_now().await;
        let _ = tx.send(i).await;
    }
}

fn main() {}
