// The channel of a pause point must be a parameter or typed local of the
// process, so the frame can name its message type.

use csp::prelude::*;
use std::sync::LazyLock;

static INBOX: LazyLock<Receiver<u32>> = LazyLock::new(|| channel::<u32>().1);

#[process]
async fn global() -> u32 {
    INBOX.recv().await.unwrap_or(0)
}

fn main() {}
