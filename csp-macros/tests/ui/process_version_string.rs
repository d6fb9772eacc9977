// A version is an integer literal, not a string.

#[csp::process(version = "2")]
async fn quoted(n: u32) -> u32 {
    n
}

fn main() {}
