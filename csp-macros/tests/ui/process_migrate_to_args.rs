// `migrate_to` takes exactly one node id, with or without a path prefix.

use csp::prelude::*;

#[process]
async fn nowhere() {
    let _ = migrate_to().await;
}

#[process]
async fn two_places(a: u64, b: u64) {
    let _ = csp::migrate_to(a, b).await;
}

#[process]
async fn in_par(a: u64, b: u64) {
    let _ = par!(migrate_to(a, b), yield_now());
}

fn main() {}
