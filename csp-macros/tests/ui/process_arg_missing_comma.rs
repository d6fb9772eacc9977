// Arguments are separated by commas.

#[csp::process(name = Renamed version = 2)]
async fn together(n: u32) -> u32 {
    n
}

fn main() {}
