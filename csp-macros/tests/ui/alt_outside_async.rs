//! `alt!` waits, so it can only be used inside `async` code.

fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
    }
}

fn main() {}
