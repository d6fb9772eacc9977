// Only recv, send, sleep, yield_now, effect and process calls can pause.

use csp::prelude::*;

#[process]
async fn stored_future(
    fut: std::pin::Pin<Box<dyn std::future::Future<Output = u32> + Send>>,
) -> u32 {
    fut.await
}

#[process]
async fn other_method(rx: Receiver<u32>) -> u32 {
    let n: u32 = rx.recv_many(4).await;
    n
}

fn main() {}
