// A frame has a fixed set of fields: no C variadics.

#[csp::process]
async fn varargs(n: u32, args: ...) -> u32 {
    n
}

fn main() {}
