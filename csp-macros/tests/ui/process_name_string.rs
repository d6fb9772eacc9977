// The frame name is an identifier, not a string.

#[csp::process(name = "Renamed")]
async fn quoted(n: u32) -> u32 {
    n
}

fn main() {}
