//! `recv()` takes no arguments (a timeout is an `after(d)` arm of its own).

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv(std::time::Duration::from_secs(1)) => v,
        default => 0,
    }
}

fn main() {}
