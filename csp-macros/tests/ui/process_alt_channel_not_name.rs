// The channel of an `alt!` guard in a process is named directly, and has a
// written type.

use csp::prelude::*;

#[process]
async fn indexed(rxs: Vec<Receiver<u32>>) -> u32 {
    let v: u32 = alt! {
        Ok(v) = rxs[0].recv() => v,
        default => 0,
    };
    v
}

#[process]
async fn untyped() -> u32 {
    let (tx, rx) = buffered::<u32>(1);
    let _ = tx.try_send(1);
    let v: u32 = alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
    };
    v
}

fn main() {}
