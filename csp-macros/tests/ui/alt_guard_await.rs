//! A guard is not awaited by the user: `alt!` waits on all of them itself.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv().await => v,
        default => 0,
    }
}

fn main() {}
