//! A timeout arm takes exactly one duration: `after(a, b)` is an error.

async fn wait(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        after(std::time::Duration::ZERO, std::time::Duration::MAX) => 0,
    }
}

fn main() {}
