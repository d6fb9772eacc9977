//! A timeout arm takes exactly one duration: `after()` is an error.

async fn wait(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        after() => 0,
    }
}

fn main() {}
