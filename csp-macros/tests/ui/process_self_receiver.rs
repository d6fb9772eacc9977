// A frame owns its parameters; a method's `self` has nowhere to live.

struct Worker;

impl Worker {
    #[csp::process]
    async fn run(self, n: u32) -> u32 {
        n
    }
}

fn main() {}
