// The pending operation's type comes from the channel's written type, so a
// channel a pause point waits on needs one where it is bound.

use csp::prelude::*;

#[process]
async fn loopback() -> u32 {
    let (tx, rx) = buffered::<u32>(1);
    let _ = tx.send(7).await;
    rx.recv().await.unwrap_or(0)
}

#[process]
async fn one_end(rxs: Vec<Receiver<u32>>) -> u32 {
    let rx = rxs.into_iter().next().unwrap();
    rx.recv().await.unwrap_or(0)
}

#[process]
async fn maybe(chan: Option<Receiver<u32>>) -> u32 {
    if let Some(rx) = chan {
        rx.recv().await.unwrap_or(0)
    } else {
        0
    }
}

fn main() {}
