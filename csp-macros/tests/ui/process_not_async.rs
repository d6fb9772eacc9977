// A process is written as an `async fn`.

#[csp::process]
fn counter(n: u32) -> u32 {
    n
}

fn main() {}
