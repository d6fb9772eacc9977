// A version is a `u32` literal.

#[csp::process(version = 5000000000)]
async fn too_new(n: u32) -> u32 {
    n
}

#[csp::process(version = "2")]
async fn quoted(n: u32) -> u32 {
    n
}

fn main() {}
