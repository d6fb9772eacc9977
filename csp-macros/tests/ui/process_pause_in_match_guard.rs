// A guard cannot pause: it runs while the match is choosing an arm.

use csp::prelude::*;

#[process]
async fn guarded(rx: Receiver<u32>, n: u32) -> u32 {
    match n {
        0 if rx.recv().await.is_ok() => rx.recv().await.unwrap_or(0),
        _ => n,
    }
}

#[process]
async fn guard_only(rx: Receiver<u32>, n: u32) -> u32 {
    match n {
        0 if rx.recv().await.is_ok() => 1,
        _ => n,
    }
}

fn main() {}
