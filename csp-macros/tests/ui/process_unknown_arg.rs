// Only `name` and `version` are accepted.

#[csp::process(nme = Renamed)]
async fn typo(n: u32) -> u32 {
    n
}

fn main() {}
