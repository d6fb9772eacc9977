//! Every problem in an alt is reported at once, each on its own tokens.

async fn pick(rx: csp::Receiver<u32>, tx: csp::Sender<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv().await => v,
        tx.send(1, 2) => 0,
        x = default => x,
        default => 1,
    }
}

fn main() {}
