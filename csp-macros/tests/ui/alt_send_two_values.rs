//! A send arm sends exactly one value: `tx.send(a, b)` is an error.

async fn offer(tx: csp::Sender<u32>) {
    csp::alt! {
        tx.send(1, 2) => {}
        default => {}
    }
}

fn main() {}
