//! `biased;` is the only option `alt!` takes before its arms.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        fair;
        Ok(v) = rx.recv() => v,
    }
}

fn main() {}
