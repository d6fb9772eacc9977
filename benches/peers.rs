//! Peer benchmarks (being written).
fn main() {}
