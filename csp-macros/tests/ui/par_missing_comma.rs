//! `par!` branches are separated by commas.

async fn both(a: csp::Receiver<u32>, b: csp::Receiver<u32>) {
    let _ = csp::par!(a.recv() b.recv());
}

fn main() {}
