// The frame's output type must be nameable.

#[csp::process]
async fn numbers(n: u32) -> impl Iterator<Item = u32> {
    0..n
}

fn main() {}
