//! An arm whose body is not a block needs a `,` before the next arm.

async fn pick(a: csp::Receiver<u32>, b: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = a.recv() => v
        Ok(v) = b.recv() => v,
    }
}

fn main() {}
