// A keyword cannot name the frame type.

#[csp::process(name = struct)]
async fn keyword(n: u32) -> u32 {
    n
}

fn main() {}
