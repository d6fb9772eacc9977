// A process cannot be `unsafe fn`; `unsafe` blocks go inside it.

#[csp::process]
async unsafe fn risky(n: u32) -> u32 {
    n
}

fn main() {}
