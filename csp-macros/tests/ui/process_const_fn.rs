// `const` cannot apply to a process.

#[csp::process]
const async fn konst(n: u32) -> u32 {
    n
}

fn main() {}
