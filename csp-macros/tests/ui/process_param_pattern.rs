// A parameter becomes a frame field of the same name, so it needs one.

#[csp::process]
async fn pair((a, b): (u32, u32)) -> u32 {
    a + b
}

fn main() {}
