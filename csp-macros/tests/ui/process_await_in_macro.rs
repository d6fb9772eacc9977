// The macro cannot look inside another macro's input.

use csp::prelude::*;

#[process]
async fn printer(rx: Receiver<u32>) {
    println!("{:?}", rx.recv().await);
    assert!(rx.recv().await.is_ok());
}

fn main() {}
