// Associated functions and the standard library are certainly not
// #[process] fns: awaiting their result needs `effect`.

use csp::prelude::*;

#[process]
async fn ready() -> u32 {
    let v: u32 = std::future::ready(5u32).await;
    v
}

struct Client;

impl Client {
    async fn fetch() -> u32 {
        7
    }
}

#[process]
async fn fetcher() -> u32 {
    let v: u32 = Client::fetch().await;
    v
}

fn main() {}
