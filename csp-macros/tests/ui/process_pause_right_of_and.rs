// `&&`/`||` run their right side only sometimes.

use csp::prelude::*;

#[process]
async fn lazy(rx: Receiver<u32>, tx: Sender<u32>, ready: bool) -> bool {
    let a: bool = ready && rx.recv().await.is_ok();
    let b: bool = ready || tx.send(1).await.is_ok();
    a || b
}

fn main() {}
