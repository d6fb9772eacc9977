// Parameters live in the frame, so they must be owned.

#[csp::process]
async fn greet(name: &str, rx: Box<&csp::Receiver<u32>>, tag: std::borrow::Cow<'_, str>) -> usize {
    name.len()
}

fn main() {}
