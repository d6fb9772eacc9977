//! An alt has at most one `default` arm; the second one is the error.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        default => 0,
        default => 1,
    }
}

fn main() {}
