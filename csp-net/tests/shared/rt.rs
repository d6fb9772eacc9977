//! The runtime the node tests run on: tokio multi_thread with two workers
//! (the CI machine's cores), timers and I/O enabled. Warnings (a protocol
//! violation closing a connection, a peer lost) go to the test's captured
//! output, shown when it fails.

pub(crate) fn rt() -> tokio::runtime::Runtime {
    let _ = tracing_subscriber::fmt()
        .with_env_filter("warn")
        .with_test_writer()
        .try_init();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
