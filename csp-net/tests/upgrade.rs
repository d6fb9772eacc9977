//! Upgrading a cluster by moving processes from an old binary to a new
//! one. This test's program links version 1 of the shared process types;
//! the `csp-node-v2` child links version 2. A running version 1
//! `Wanderer` moves itself into the new binary and carries on there under
//! the new code (version 2 declares `upgrades_from = [1]` with the same
//! frame layout); it cannot move back, since version 1 code knows nothing
//! of version 2 frames. A `Counter`, whose version 2 changed its frame
//! layout and declares no upgrade, is refused with a reason naming both
//! versions, and stays with the sender. A `Tally`, whose version 2 changed
//! its frame layout and declares an upgrade function, is moved by the node
//! mid-stream and carries on under the new code with its converted state.

#[path = "shared/child.rs"]
mod child;
#[path = "shared/procs.rs"]
mod procs;
#[path = "shared/rt.rs"]
mod rt;

use csp::prelude::*;
use csp_net::{MigrateError, Node};
use procs::{counter, tally, wanderer};

const SECRET: &str = "upgrade secret";

/// A node of this (version 1) program, connected to the child at `addr`.
async fn v1_node(addr: &str) -> Node {
    let v1 = Node::builder()
        .name("v1")
        .secret(SECRET)
        .start()
        .await
        .unwrap();
    v1.connect(addr).await.unwrap();
    v1
}

#[test]
fn processes_move_to_a_newer_binary_and_run_its_code() {
    let (node_v2, addr, v2) = child::start(env!("CARGO_BIN_EXE_csp-node-v2"), SECRET, "v2", None);
    let rt = rt::rt();
    rt.block_on(async {
        let v1 = v1_node(&addr).await;

        let (tx, rx) = channel::<(bool, u64)>();
        let (otx, orx) = channel::<u64>();
        let h = v1.spawn(wanderer(rx, otx));
        tx.send((false, 5)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5), "version 1 adds what it gets");
        tx.send((true, v2.0)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1), "moved into the version 2 binary");
        tx.send((false, 1)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(15), "version 2 code, version 1 state");
        tx.send((true, v1.id().0)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(0), "no way back to older code");
        tx.send((false, 2)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(35), "still running on the new binary");
        drop(tx);
        assert_eq!(h.join().await, Ok(35));

        let (_ctx, crx) = channel::<u64>();
        match v1.spawn_on(v2, counter(crx)).await {
            Ok(_) => panic!("a Counter v1 frame was accepted by incompatible v2 code"),
            Err(e) => {
                let MigrateError::Refused { reason, .. } = &e.error else {
                    panic!("expected a refusal, got {:?}", e.error);
                };
                assert!(reason.contains("version mismatch"), "{reason}");
                assert!(
                    reason.contains("version 1") && reason.contains("version 2"),
                    "{reason}"
                );
                // The sender keeps it and can run it itself.
                let _kept = v1.spawn(e.process);
                assert_eq!(v1.processes().len(), 1);
            }
        }
    });
    child::stop(node_v2);
}

#[test]
fn a_process_moved_to_a_newer_binary_is_converted_by_its_upgrade() {
    let (node_v2, addr, v2) = child::start(env!("CARGO_BIN_EXE_csp-node-v2"), SECRET, "v2", None);
    let rt = rt::rt();
    rt.block_on(async {
        let v1 = v1_node(&addr).await;

        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let h = v1.spawn(tally(rx, otx));
        for (x, total) in [(1, 1), (2, 3), (3, 6)] {
            tx.send(x).await.unwrap();
            assert_eq!(orx.recv().await, Ok(total), "version 1 reports its total");
        }
        let report = v1.migrate(h.pid(), v2).await.expect("moved and upgraded");
        assert!(report.bytes > 0);
        assert!(v1.processes().is_empty(), "it left the version 1 node");
        tx.send(4).await.unwrap();
        assert_eq!(
            orx.recv().await,
            Ok(10_001),
            "version 2 code: version 1's total 6, plus 4, counted from the move"
        );
        tx.send(5).await.unwrap();
        assert_eq!(orx.recv().await, Ok(15_002));
        drop(tx);
        assert_eq!(h.join().await, Ok(2), "version 2 returns its count");
    });
    child::stop(node_v2);
}
