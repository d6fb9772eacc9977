// The channel of an `alt!` guard needs a written type, like any pause point.

use csp::prelude::*;

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
