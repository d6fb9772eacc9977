//! `par!` waits for its branches, so it can only be used inside `async`
//! code.

fn both(a: csp::Receiver<u32>, b: csp::Receiver<u32>) {
    let _ = csp::par!(a.recv(), b.recv());
}

fn main() {}
