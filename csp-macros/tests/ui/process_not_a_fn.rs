// `#[process]` applies to functions only.

#[csp::process]
struct NotAFunction {
    n: u32,
}

fn main() {}
