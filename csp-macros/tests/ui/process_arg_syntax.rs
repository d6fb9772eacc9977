// Every argument is `key = value`.

#[csp::process(name)]
async fn bare(n: u32) -> u32 {
    n
}

fn main() {}
