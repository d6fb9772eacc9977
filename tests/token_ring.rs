//! A ring of 10 000 processes passing one token, a counter that every hop
//! increments, for a few laps. The count that comes back must be exact,
//! every process must have forwarded the token once per lap, and closing
//! the ring's entry must shut every process down.

mod support;

use csp::prelude::*;
use csp::Flavor;
use support::{run_on, FLAVORS};

const NODES: usize = 10_000;
const LAPS: u64 = 3;

/// One node: forwards the token with one more hop counted, until its input
/// closes. Returns how many times it forwarded.
async fn node(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut forwarded: u64 = 0;
    while let Ok(token) = input.recv().await {
        if output.send(token + 1).await.is_err() {
            break;
        }
        forwarded += 1;
    }
    forwarded
}

/// Builds the ring with the root as its last link, runs `laps` laps, then
/// closes the ring. Returns the final count and each node's forward count.
async fn ring(nodes: usize, laps: u64) -> (u64, Vec<u64>) {
    let (entry, mut rx) = channel::<u64>();
    let mut handles = Vec::with_capacity(nodes);
    for _ in 0..nodes {
        let (tx, next_rx) = channel::<u64>();
        handles.push(spawn(node(rx, tx)));
        rx = next_rx;
    }
    let mut token: u64 = 0;
    for lap in 1..=laps {
        entry.send(token).await.expect("the ring is open");
        token = rx.recv().await.expect("the token comes back");
        assert_eq!(token, lap * nodes as u64, "count after lap {lap}");
    }
    drop(entry);
    assert_eq!(rx.recv().await, Err(RecvError), "the close went round");
    let mut forwards = Vec::with_capacity(nodes);
    for h in handles {
        forwards.push(h.join().await.expect("node finished cleanly"));
    }
    (token, forwards)
}

fn check(flavor: Flavor) {
    let (count, forwards) = run_on(flavor, || ring(NODES, LAPS));
    assert_eq!(count, LAPS * NODES as u64);
    assert_eq!(forwards.len(), NODES);
    assert!(
        forwards.iter().all(|&f| f == LAPS),
        "every node forwards once per lap"
    );
}

#[test]
fn ten_thousand_nodes_current_thread() {
    check(Flavor::CurrentThread);
}

#[test]
fn ten_thousand_nodes_multi_thread() {
    check(Flavor::MultiThread);
}

#[test]
fn tiny_rings() {
    for flavor in FLAVORS {
        for nodes in [1, 2, 3] {
            let (count, forwards) = run_on(flavor, move || ring(nodes, 5));
            assert_eq!(count, 5 * nodes as u64);
            assert_eq!(forwards, vec![5; nodes]);
        }
    }
}
