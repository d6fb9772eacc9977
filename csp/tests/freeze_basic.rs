//! Freezing a running process and thawing it, in memory and via bytes.
#![cfg(feature = "migration")]

use csp::migrate::{spawn_process, Frozen, Registry};
use csp::prelude::*;
use csp::process;

#[process]
async fn running_total(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut total: u64 = 0;
    while let Ok(x) = input.recv().await {
        total += x;
        if output.send(total).await.is_err() {
            break;
        }
    }
    total
}

#[test]
fn freeze_and_thaw_keeps_the_total() {
    csp::run(async {
        let (tx, rx) = channel();
        let (otx, orx) = channel();
        let h = spawn_process(running_total(rx, otx));
        for i in 1..=3u64 {
            tx.send(i).await.unwrap();
            orx.recv().await.unwrap();
        }
        let frozen = h.freeze().await.unwrap();
        assert_eq!(frozen.identity().name, "RunningTotal");
        assert!(h.join().await.unwrap_err() == JoinError::Frozen);
        // Through bytes and the registry, like a checkpoint file.
        let bytes = frozen.to_bytes();
        let back = Frozen::from_bytes(&bytes).unwrap();
        let p = Registry::global().thaw(back).unwrap().spawn();
        // The in-memory copy held the process's ends until the thawed copy
        // had its own; dropping it now changes no channel.
        drop(frozen);
        tx.send(4).await.unwrap();
        assert_eq!(orx.recv().await, Ok(10));
        drop(tx);
        let out = p.join().await.unwrap();
        assert_eq!(*out.downcast::<u64>().unwrap(), 10);
    });
}

/// Keeps a byte buffer across a pause, and one local of another type for
/// comparison.
#[process]
async fn buffers(blob: Vec<u8>, words: Vec<u16>, input: Receiver<u8>) -> (Vec<u8>, Vec<u16>, u8) {
    let x: u8 = input.recv().await.unwrap_or(0);
    (blob, words, x)
}

#[test]
fn a_byte_vector_local_is_frozen_as_bytes() {
    csp::run(async {
        let (tx, rx) = channel();
        // 0xff as a MessagePack integer takes two bytes: as an array the
        // blob would be twice its length.
        let blob = vec![0xffu8; 100_000];
        let mut p = buffers(blob.clone(), vec![7, 8, 9], rx);
        let frozen = Frozen::freeze(&mut p).unwrap();
        let len = frozen.frame_len();
        assert!(
            (100_000..100_200).contains(&len),
            "a 100 000-byte Vec<u8> frozen into {len} bytes of frame"
        );
        let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
        drop(frozen);
        let h = spawn_process(back.thaw::<Buffers>().unwrap());
        tx.send(5).await.unwrap();
        let (b, w, x) = h.join().await.unwrap();
        assert_eq!((b == blob, w, x), (true, vec![7, 8, 9], 5));
    });
}

/// Keeps a local whose value serde writes as nil (`None`, `()`).
#[process]
async fn remembers(input: Receiver<u64>) -> (Option<u64>, ()) {
    let last: Option<u64> = None;
    let unit: () = ();
    let x: u64 = input.recv().await.unwrap_or(0);
    (last.or(Some(x)), unit)
}

#[test]
fn a_local_holding_none_survives_a_freeze() {
    csp::run(async {
        let (tx, rx) = channel();
        let mut p = remembers(rx);
        assert!(p
            .step(&mut std::task::Context::from_waker(std::task::Waker::noop()))
            .is_pending());
        let frozen = Frozen::freeze(&mut p).unwrap();
        drop(p);
        let back = Frozen::from_bytes(&frozen.to_bytes()).unwrap();
        let h = spawn_process(
            back.thaw::<Remembers>()
                .expect("`last` is None, not missing"),
        );
        drop(frozen);
        tx.send(3).await.unwrap();
        assert_eq!(h.join().await, Ok((Some(3), ())));
    });
}
