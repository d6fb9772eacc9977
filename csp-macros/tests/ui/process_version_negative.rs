// A version cannot be negative.

#[csp::process(version = -1)]
async fn negative(n: u32) -> u32 {
    n
}

fn main() {}
