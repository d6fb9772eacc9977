// An `alt!` inside a process has at most 12 guarded arms.

use csp::prelude::*;

#[process]
async fn wide(rx: Receiver<u32>) -> u32 {
    let v: u32 = alt! {
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
        Ok(v) = rx.recv() => v,
    };
    v
}

fn main() {}
