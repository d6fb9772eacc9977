//! The processes the benchmarks start on node B or move between nodes.
//! `#[process]` registers each by name, so both nodes (one OS process)
//! can run them.

use csp::prelude::*;
use serde::{Deserialize, Serialize};

/// A 16-byte message.
pub(crate) type Msg16 = [u8; 16];

/// Capacity of the buffered channel of the throughput benchmark.
pub(crate) const CAPACITY: usize = 1024;

/// Sends back every value it receives, until either channel closes.
#[process]
pub(crate) async fn echo(input: Receiver<u64>, output: Sender<u64>) {
    while let Ok(v) = input.recv().await {
        if output.send(v).await.is_err() {
            return;
        }
    }
}

/// [`echo`] whose reply channel is made where it runs (so it is homed
/// there, beside its sender): hands the receiver back through `back`
/// first.
#[process]
pub(crate) async fn echo_homed(input: Receiver<u64>, back: Sender<Receiver<u64>>) {
    let (output, rx): (Sender<u64>, Receiver<u64>) = channel();
    if back.send(rx).await.is_ok() {
        echo(input, output).await;
    }
}

/// For every count `n` on `ctl`: takes `n` messages from `data`, then
/// answers `n` on `done`.
#[process]
pub(crate) async fn sink(ctl: Receiver<u64>, data: Receiver<Msg16>, done: Sender<u64>) {
    while let Ok(n) = ctl.recv().await {
        let mut left: u64 = n;
        while left > 0 {
            if data.recv().await.is_err() {
                return;
            }
            left -= 1;
        }
        if done.send(n).await.is_err() {
            return;
        }
    }
}

/// [`sink`] whose data channel, `buffered(CAPACITY)`, is made where it
/// runs (homed beside its receiver): hands the sender back first.
#[process]
pub(crate) async fn sink_homed(ctl: Receiver<u64>, back: Sender<Sender<Msg16>>, done: Sender<u64>) {
    let (tx, data): (Sender<Msg16>, Receiver<Msg16>) = buffered(CAPACITY);
    if back.send(tx).await.is_ok() {
        sink(ctl, data, done).await;
    }
}

/// Holds a frame of `blob` and `ends`, parked on `input` until it closes;
/// returns what it held.
#[process]
pub(crate) async fn hold(input: Receiver<u64>, blob: Vec<u8>, ends: Vec<Sender<u64>>) -> u64 {
    while input.recv().await.is_ok() {}
    (blob.len() + ends.len()) as u64
}

/// Bytes that serialize as one MessagePack `bin`, where serde writes a
/// plain `Vec<u8>` as an array of numbers, one at a time.
#[derive(Serialize, Deserialize)]
pub(crate) struct Blob(#[serde(with = "csp::migrate::serde_bytes")] pub(crate) Vec<u8>);

/// [`hold`] with its bytes in a [`Blob`].
#[process]
pub(crate) async fn hold_bin(input: Receiver<u64>, blob: Blob) -> u64 {
    while input.recv().await.is_ok() {}
    blob.0.len() as u64
}

/// Holds nothing at all: parked in a sleep, with no channel end to carry.
#[process]
pub(crate) async fn nap(d: Duration) {
    sleep(d).await;
}
