//! An arm's pattern is matched against the guard's `Result`; a pattern of
//! another type is a type error on the pattern.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Some(v) = rx.recv() => v,
        default => 0,
    }
}

fn main() {}
