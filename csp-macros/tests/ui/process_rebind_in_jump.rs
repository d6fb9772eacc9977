// A `break` stores the locals the frame keeps by name, so a binding that
// hides one of them around a `break` is refused.

use csp::prelude::*;

#[process]
async fn hidden(rx: Receiver<Option<u32>>) -> u32 {
    let v: u32 = 7;
    loop {
        let msg: Option<u32> = rx.recv().await.unwrap_or(None);
        if let Some(v) = msg {
            if v > 10 {
                break;
            }
        }
    }
    v
}

fn main() {}
