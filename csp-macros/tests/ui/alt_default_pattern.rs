//! The `default` arm produces no value, so it takes no `pattern =`.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        Ok(v) = default => v,
    }
}

fn main() {}
