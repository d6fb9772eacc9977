// The `else` of `let ... else` cannot pause.

use csp::prelude::*;

#[process]
async fn fallback(rx: Receiver<u32>, opt: Option<u32>) -> u32 {
    let Some(v) = opt else {
        let _ = rx.recv().await;
        return 0;
    };
    v
}

fn main() {}
