// The frame is declared next to the function: its name is one identifier.

#[csp::process(name = frames::Renamed)]
async fn pathed(n: u32) -> u32 {
    n
}

#[csp::process(name = Renamed<u32>)]
async fn generic(n: u32) -> u32 {
    n
}

fn main() {}
