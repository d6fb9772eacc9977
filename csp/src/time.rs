//! Runtime pause points that are not channel operations.
//!
//! These wrap tokio's so that the `#[process]` transform can recognise them
//! as pause points by name (`csp::sleep`, `csp::yield_now`), and so a frozen
//! process can record "sleeping until t" instead of an opaque timer.

use std::time::Duration;

/// Pauses the calling process for `d`.
pub async fn sleep(d: Duration) {
    tokio::time::sleep(d).await
}

/// Lets other processes run before continuing.
pub async fn yield_now() {
    tokio::task::yield_now().await
}
