// A process has no foreign ABI.

#[csp::process]
async extern "C" fn exported(n: u32) -> u32 {
    n
}

fn main() {}
