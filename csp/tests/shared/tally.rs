//! Two versions of `Tally`, a process whose version 2 changes its frame
//! layout and declares how to convert version 1 frames (shared by the
//! upgrade tests; both versions are named `Tally` and linked together, so
//! the tests thaw them by type).

/// Version 1: a running total, reported after each value.
pub(crate) mod v1 {
    use csp::prelude::*;

    #[process(name = Tally, version = 1)]
    pub async fn tally(input: Receiver<u64>, output: Sender<u64>) -> u64 {
        let mut total: u64 = 0;
        while let Ok(x) = input.recv().await {
            total += x;
            if output.send(total).await.is_err() {
                break;
            }
        }
        total
    }
}

/// Version 2: a wider total and a count, both reported; returns the count.
pub(crate) mod v2 {
    use csp::migrate::{Upgrade, UpgradeError};
    use csp::prelude::*;

    #[process(name = Tally, version = 2, upgrade = from_v1)]
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

    /// Version 1 kept `total` as a `u64` and no count.
    fn from_v1(old: &mut Upgrade) -> Result<(), UpgradeError> {
        if old.from_version() != 1 {
            return Err(UpgradeError::new("only version 1 is known"));
        }
        if old.has("total") {
            let total: u64 = old.take("total")?;
            old.set("total", u128::from(total))?;
            old.set("count", 0u64)?;
        }
        Ok(())
    }
}
