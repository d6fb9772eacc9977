//! Every arm needs `=> body`.

async fn pick(rx: csp::Receiver<u32>) -> u32 {
    csp::alt! {
        Ok(v) = rx.recv(),
    }
}

fn main() {}
