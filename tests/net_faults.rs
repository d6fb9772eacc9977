//! A fault at every step of the move protocol: the connection between
//! source and destination is cut, or the destination dies, when a given
//! message is sent or arrives. Afterwards the process is alive exactly
//! once (or, in the one window the protocol cannot close, reported as
//! unconfirmed), and no message is lost or duplicated: the running total
//! it keeps proves every value was added exactly once, in order.
//!
//! Three nodes: `c` drives (it holds the channels' homes and the join
//! handle), the process moves from `a` to `b`. Faults are injected only
//! between `a` and `b`, so `c` stays in touch with wherever the process is.

#[path = "../csp-net/tests/shared/rt.rs"]
mod rt;

use csp::prelude::*;
use csp_net::{FaultAt, FaultDo, MigrateError, Node, Spawned};

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

/// Where the process must be after the failed or completed move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Rolled back: still on the source.
    Source,
    /// Moved: on the destination.
    Destination,
    /// The commit itself was lost or the destination died after it: the
    /// source reports `Unconfirmed` and does not resume a second copy.
    Unconfirmed,
}

struct Cluster {
    a: Node,
    b: Node,
    c: Node,
}

async fn cluster() -> Cluster {
    let mk = |n: &'static str| async move {
        Node::builder()
            .name(n)
            .secret(b"faults")
            .start()
            .await
            .unwrap()
    };
    let (a, b, c) = (mk("a").await, mk("b").await, mk("c").await);
    c.connect(a.addr()).await.unwrap();
    c.connect(b.addr()).await.unwrap();
    a.connect(b.addr()).await.unwrap();
    // Wait until every node has registered every connection.
    while a.peers().len() < 2 || b.peers().len() < 2 {
        tokio::task::yield_now().await;
    }
    Cluster { a, b, c }
}

/// Sends `from..=to` and checks each running total.
async fn feed(tx: &Sender<u64>, rx: &Receiver<u64>, from: u64, to: u64, total: &mut u64) {
    for i in from..=to {
        tx.send(i).await.unwrap();
        *total += i;
        assert_eq!(rx.recv().await, Ok(*total), "total after {i}");
    }
}

fn where_is(cl: &Cluster, h: &Spawned<u64>) -> (bool, bool) {
    let on = |n: &Node| n.processes().iter().any(|p| p.pid == h.pid());
    (on(&cl.a), on(&cl.b))
}

/// Starts `running_total` on `a` from `c`: its input, its output, its
/// handle.
async fn total_on_a(cl: &Cluster) -> (Sender<u64>, Receiver<u64>, Spawned<u64>) {
    let (tx, rx) = channel::<u64>();
    let (otx, orx) = channel::<u64>();
    match cl.c.spawn_on(cl.a.id(), running_total(rx, otx)).await {
        Ok(h) => (tx, orx, h),
        Err(e) => panic!("spawn_on: {e}"),
    }
}

fn case(fault_on_dest: bool, at: FaultAt, act: FaultDo, expect: Expect) {
    let rt = rt::rt();
    rt.block_on(async {
        let cl = cluster().await;
        let (tx, orx, h) = total_on_a(&cl).await;
        let mut total = 0;
        feed(&tx, &orx, 1, 10, &mut total).await;

        let faulty = if fault_on_dest { &cl.b } else { &cl.a };
        faulty.inject_fault(at, act);
        let r = cl.a.migrate(h.pid(), cl.b.id()).await;
        let label = format!("{at:?} {act:?} on {}", faulty.name());
        match expect {
            Expect::Source => {
                assert!(r.is_err(), "{label}: expected a rollback, got {r:?}");
                assert_eq!(where_is(&cl, &h), (true, false), "{label}");
            }
            Expect::Destination => {
                assert!(
                    matches!(r, Ok(_) | Err(MigrateError::Unconfirmed(_))),
                    "{label}: {r:?}"
                );
                assert_eq!(where_is(&cl, &h), (false, true), "{label}");
                // c holds the join handle: b told it, at the commit, that
                // the process runs there, even if a never heard that the
                // move was done. So losing a leaves the handle alone.
                assert!(cl.b.sync_with(cl.c.id()).await, "{label}: b and c in touch");
                cl.a.shutdown();
                while cl.c.peers().iter().any(|(id, _)| *id == cl.a.id()) {
                    tokio::task::yield_now().await;
                }
            }
            Expect::Unconfirmed => {
                assert!(
                    matches!(r, Err(MigrateError::Unconfirmed(_))),
                    "{label}: {r:?}"
                );
                assert!(!where_is(&cl, &h).0, "{label}: resumed a second copy");
                for n in [&cl.a, &cl.b, &cl.c] {
                    n.shutdown();
                }
                return;
            }
        }
        // Wherever it is, it carries on from where it was, exactly once.
        feed(&tx, &orx, 11, 20, &mut total).await;
        drop(tx);
        assert_eq!(h.join().await, Ok(total), "{label}");
        for n in [&cl.a, &cl.b, &cl.c] {
            n.shutdown();
        }
    });
}

use Expect::*;
use FaultAt::{Receive, Send};
use FaultDo::{Cut, Die, Hold};

#[test]
fn cut_before_prepare_is_sent() {
    case(false, Send("Prepare"), Cut, Source);
}

#[test]
fn cut_when_prepare_arrives() {
    case(true, Receive("Prepare"), Cut, Source);
}

#[test]
fn destination_dies_when_prepare_arrives() {
    case(true, Receive("Prepare"), Die, Source);
}

#[test]
fn cut_before_prepared_is_sent() {
    case(true, Send("Prepared"), Cut, Source);
}

#[test]
fn cut_when_prepared_arrives() {
    case(false, Receive("Prepared"), Cut, Source);
}

#[test]
fn cut_before_commit_is_sent() {
    case(false, Send("Commit"), Cut, Source);
}

#[test]
fn cut_when_commit_arrives() {
    case(true, Receive("Commit"), Cut, Unconfirmed);
}

#[test]
fn destination_dies_when_commit_arrives() {
    case(true, Receive("Commit"), Die, Unconfirmed);
}

#[test]
fn cut_before_committed_is_sent() {
    case(true, Send("Committed"), Cut, Destination);
}

#[test]
fn cut_when_committed_arrives() {
    case(false, Receive("Committed"), Cut, Destination);
}

/// The origin learns that a process came back to it from the move itself:
/// a source that dies just after the commit, before it could have told
/// anyone, must not fail the join handle of a process that runs at its
/// origin. (Before, the source sent the origin a `Moved` after the commit;
/// dying instead, it left the handle pointing at itself.)
#[test]
fn source_dying_after_a_move_home_leaves_the_join_handle_alone() {
    let rt = rt::rt();
    rt.block_on(async {
        let cl = cluster().await;
        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let h = cl.a.spawn(running_total(rx, otx));
        let mut total = 0;
        feed(&tx, &orx, 1, 5, &mut total).await;
        cl.a.migrate(h.pid(), cl.b.id()).await.expect("a to b");
        feed(&tx, &orx, 6, 10, &mut total).await;
        // Would fire if b told a where the process went after the commit.
        cl.b.inject_fault(Send("Moved"), Die);
        let back = cl.b.migrate(h.pid(), cl.a.id()).await;
        assert!(back.is_ok(), "b to a: {back:?}");
        cl.b.shutdown();
        while cl.a.peers().iter().any(|(id, _)| *id == cl.b.id()) {
            tokio::task::yield_now().await;
        }
        assert_eq!(where_is(&cl, &h), (true, false));
        feed(&tx, &orx, 11, 20, &mut total).await;
        drop(tx);
        assert_eq!(h.join().await, Ok(total));
        cl.a.shutdown();
        cl.c.shutdown();
    });
}

/// Two moves in a row are told to the origin (`c`) by the two nodes the
/// process arrived at, over two connections, so the notes can cross.
/// Here `b`'s note of the move to `b` is held back until after `a`'s note
/// of the move back to `a`. The stale note must not point the join handle
/// at `b`: if it did, losing `b` would fail the handle of a process that
/// runs on, on `a`.
#[test]
fn a_stale_moved_note_does_not_redirect_the_join_handle() {
    let rt = rt::rt();
    rt.block_on(async {
        let cl = cluster().await;
        let (tx, orx, h) = total_on_a(&cl).await;
        let mut total = 0;
        feed(&tx, &orx, 1, 5, &mut total).await;
        cl.b.inject_fault(Send("Moved"), Hold);
        cl.a.migrate(h.pid(), cl.b.id()).await.expect("a to b");
        feed(&tx, &orx, 6, 10, &mut total).await;
        // Hold a's note too, so that c handles it first, for certain.
        cl.a.inject_fault(Send("Moved"), Hold);
        cl.b.migrate(h.pid(), cl.a.id()).await.expect("b to a");
        feed(&tx, &orx, 11, 15, &mut total).await;
        cl.a.release_held().await;
        cl.b.release_held().await;
        assert_eq!(where_is(&cl, &h), (true, false));
        cl.b.shutdown();
        while cl.c.peers().iter().any(|(id, _)| *id == cl.b.id()) {
            tokio::task::yield_now().await;
        }
        feed(&tx, &orx, 16, 20, &mut total).await;
        drop(tx);
        assert_eq!(h.join().await, Ok(total));
        cl.a.shutdown();
        cl.c.shutdown();
    });
}
