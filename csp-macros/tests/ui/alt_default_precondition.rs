//! The `default` arm cannot be switched off by a precondition.

async fn pick(rx: csp::Receiver<u32>, idle: bool) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv() => v,
        default, if idle => 0,
    }
}

fn main() {}
