//! A pipeline spread over three nodes whose processes, and with them their
//! channel ends, are moved 10 000 times in all while traffic flows. Every
//! item carries a sequence number; the sink checks that each arrives
//! exactly once and in order, and that every stage saw every item.

#[path = "../csp-net/tests/shared/rt.rs"]
mod rt;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use csp::prelude::*;
use csp_net::{Node, NodeId, Pid};

/// Moves in all (two movers share them).
const MOVES: usize = 10_000;

/// Passes items on, checking their order; returns how many it passed.
#[process]
async fn stage(input: Receiver<u64>, output: Sender<u64>) -> u64 {
    let mut next: u64 = 0;
    while let Ok(seq) = input.recv().await {
        assert_eq!(seq, next, "a stage saw items out of order");
        next += 1;
        if output.send(seq).await.is_err() {
            break;
        }
    }
    next
}

async fn mover(nodes: Vec<Node>, pid: Pid, moves: usize) -> usize {
    let ids: Vec<NodeId> = nodes.iter().map(Node::id).collect();
    let mut at = 0usize;
    let mut done = 0;
    while done < moves {
        let to = (at + 1 + fastrand::usize(..2)) % 3;
        match nodes[at].migrate(pid, ids[to]).await {
            Ok(_) => {
                at = to;
                done += 1;
            }
            Err(e) => panic!("move {done} of {pid} failed: {e}"),
        }
        // Let traffic through between some moves.
        if fastrand::u8(..4) == 0 {
            tokio::task::yield_now().await;
        }
    }
    done
}

#[test]
fn ten_thousand_moves_under_traffic_lose_and_reorder_nothing() {
    let rt = rt::rt();
    rt.block_on(async {
        let mut nodes = Vec::new();
        for name in ["a", "b", "c"] {
            nodes.push(
                Node::builder()
                    .name(name)
                    .secret(b"stress")
                    .start()
                    .await
                    .unwrap(),
            );
        }
        nodes[0].connect(nodes[1].addr()).await.unwrap();
        nodes[0].connect(nodes[2].addr()).await.unwrap();
        nodes[1].connect(nodes[2].addr()).await.unwrap();
        while nodes.iter().any(|n| n.peers().len() < 2) {
            tokio::task::yield_now().await;
        }

        // source -> s1 -> s2 -> sink; one buffered link, two rendezvous.
        let (src_tx, src_rx) = buffered::<u64>(8);
        let (mid_tx, mid_rx) = channel::<u64>();
        let (out_tx, out_rx) = channel::<u64>();
        let s1 = nodes[0].spawn(stage(src_rx, mid_tx));
        let s2 = nodes[0].spawn(stage(mid_rx, out_tx));

        let progress = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let source = tokio::spawn(async move {
            let mut seq = 0u64;
            while !stop2.load(Ordering::Relaxed) {
                src_tx.send(seq).await.expect("the pipeline is open");
                seq += 1;
            }
            seq
        });
        let p3 = progress.clone();
        let sink = tokio::spawn(async move {
            let mut next = 0u64;
            while let Ok(seq) = out_rx.recv().await {
                assert_eq!(seq, next, "the sink got items out of order or twice");
                next += 1;
                p3.store(next, Ordering::Relaxed);
            }
            next
        });
        let (p2, n2) = (progress.clone(), nodes.clone());
        let watchdog = tokio::spawn(async move {
            let mut last = u64::MAX;
            loop {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                let now = p2.load(Ordering::Relaxed);
                if now == last {
                    for n in &n2 {
                        eprintln!(
                            "== {} {:?}\n{}",
                            n.name(),
                            n.processes(),
                            n.debug_channels()
                        );
                    }
                }
                last = now;
            }
        });
        let m1 = tokio::spawn(mover(nodes.clone(), s1.pid(), MOVES / 2));
        let m2 = tokio::spawn(mover(nodes.clone(), s2.pid(), MOVES / 2));
        let moved = m1.await.unwrap() + m2.await.unwrap();
        stop.store(true, Ordering::Relaxed);
        let sent = source.await.unwrap();
        let received = sink.await.unwrap();
        watchdog.abort();
        let (p1, p2) = (s1.join().await.unwrap(), s2.join().await.unwrap());
        eprintln!("{moved} moves, {sent} items through the pipeline");
        assert_eq!(moved, MOVES);
        assert!(sent > 0);
        assert_eq!((p1, p2, received), (sent, sent, sent));
    });
}
