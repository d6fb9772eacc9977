// The pending operation's type comes from the channel's written type.

use csp::prelude::*;

#[process]
async fn loopback() -> u32 {
    let (tx, rx) = buffered::<u32>(1);
    let _ = tx.send(7).await;
    rx.recv().await.unwrap_or(0)
}

fn main() {}
