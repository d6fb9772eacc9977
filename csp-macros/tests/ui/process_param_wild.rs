// Even an unused parameter is a frame field, so it needs a name.

#[csp::process]
async fn ignore(_: u32) -> u32 {
    0
}

fn main() {}
