// A `where` clause alone is refused like generics.

#[csp::process]
async fn bounded(n: u32) -> u32
where
    u32: Copy,
{
    n
}

fn main() {}
