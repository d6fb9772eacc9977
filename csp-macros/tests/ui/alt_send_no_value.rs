//! A send arm sends exactly one value: `tx.send()` is an error.

async fn offer(tx: csp::Sender<u32>) {
    csp::alt! {
        tx.send() => {}
        default => {}
    }
}

fn main() {}
