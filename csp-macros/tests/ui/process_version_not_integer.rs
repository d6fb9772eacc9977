// A version is a whole number.

#[csp::process(version = 2.5)]
async fn fractional(n: u32) -> u32 {
    n
}

const V: u32 = 3;

#[csp::process(version = V)]
async fn named(n: u32) -> u32 {
    n
}

fn main() {}
