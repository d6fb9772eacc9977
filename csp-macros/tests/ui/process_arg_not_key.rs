// An argument starts with its name.

#[csp::process("Frame")]
async fn quoted(n: u32) -> u32 {
    n
}

fn main() {}
