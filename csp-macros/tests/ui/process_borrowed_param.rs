// Parameters live in the frame, so they must be owned.

#[csp::process]
async fn greet(name: &str, rx: Box<&csp::Receiver<u32>>) -> usize {
    name.len()
}

fn main() {}
