//! A receive guard must be called on a `csp::Receiver`; anything else is a
//! type error on that expression.

async fn pick(rx: Vec<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
    }
}

fn main() {}
