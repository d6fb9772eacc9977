//! A send arm's value must have the channel's type; the type error is on
//! the value.

async fn offer(tx: csp::Sender<u32>) {
    csp::alt! {
        tx.send("seven") => {}
        default => {}
    }
}

fn main() {}
