// A version is a `u32`, whatever its suffix says.

#[csp::process(version = 2u64)]
async fn wide(n: u32) -> u32 {
    n
}

fn main() {}
