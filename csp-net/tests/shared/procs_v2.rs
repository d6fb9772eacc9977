//! Version 2 of the shared process types, linked by `csp-node-v2`: the
//! same names as `procs.rs`, newer code.

use csp::prelude::*;

/// `Wanderer` version 2: adds ten times what it receives. Its frame layout
/// is the same as version 1's (same parameters, locals and pause points),
/// so it takes over version 1 frames as they are.
#[process(name = Wanderer, version = 2, upgrades_from = [1])]
pub async fn wanderer(input: Receiver<(bool, u64)>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok((go, x)) = input.recv().await {
        if go {
            let moved: Result<(), MoveError> = migrate_to(x).await;
            let report: u64 = if moved.is_ok() { 1 } else { 0 };
            if output.send(report).await.is_err() {
                break;
            }
        } else {
            total += 10 * x;
            if output.send(total).await.is_err() {
                break;
            }
        }
    }
    total
}

/// `Counter` version 2 keeps a sum too: a different frame layout, and no
/// upgrade declared, so a version 1 frame is refused.
#[process(name = Counter, version = 2)]
pub async fn counter(input: Receiver<u64>) -> u64 {
    let mut n: u64 = 0;
    let mut sum: u64 = 0;
    while let Ok(x) = input.recv().await {
        n += 1;
        sum += x;
    }
    n + sum
}

/// `Tally` version 2 keeps a wider total and a count, and reports both
/// (`total * 1000 + count`): a different frame layout, with an upgrade
/// that converts version 1 frames.
#[process(name = Tally, version = 2, upgrade = tally_from_v1)]
pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u128 = 0;
    let mut count: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += u128::from(x);
        count += 1;
        if output.send(total as u64 * 1000 + count).await.is_err() {
            break;
        }
    }
    count
}

/// Version 1 kept the total as a `u64`, and no count.
fn tally_from_v1(old: &mut csp::migrate::Upgrade) -> Result<(), csp::migrate::UpgradeError> {
    if old.has("total") {
        let total: u64 = old.take("total")?;
        old.set("total", u128::from(total))?;
        old.set("count", 0u64)?;
    }
    Ok(())
}
