// A version is a `u32`.

#[csp::process(version = 5000000000)]
async fn too_new(n: u32) -> u32 {
    n
}

fn main() {}
