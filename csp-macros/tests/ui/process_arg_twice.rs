// Each argument is given once.

#[csp::process(name = First, name = Second)]
async fn twice(n: u32) -> u32 {
    n
}

fn main() {}
