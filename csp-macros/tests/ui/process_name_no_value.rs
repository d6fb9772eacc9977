// `name =` needs the frame's name.

#[csp::process(name = )]
async fn unnamed(n: u32) -> u32 {
    n
}

fn main() {}
