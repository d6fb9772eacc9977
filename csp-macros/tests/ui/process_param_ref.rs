// The frame owns its parameters: no `ref` bindings.

#[csp::process]
async fn by_ref(ref c: u32) -> u32 {
    *c
}

fn main() {}
