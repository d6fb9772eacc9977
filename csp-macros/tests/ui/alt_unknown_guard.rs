//! A guard must be `rx.recv()`, `tx.send(value)`, `after(duration)` or
//! `default`; any other expression (here a non-blocking `try_recv`) is an
//! error on that expression.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.try_recv() => v,
        default => 0,
    }
}

fn main() {}
