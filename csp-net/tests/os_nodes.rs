//! Nodes in separate OS processes: this test's node and a `csp-node`
//! child on 127.0.0.1. A process moves itself into the other OS process
//! and back with its state; killing the child turns the channel ends and
//! join handles that depended on it into errors instead of hangs.

#[path = "shared/child.rs"]
mod child;
#[path = "shared/procs.rs"]
mod procs;
#[path = "shared/rt.rs"]
mod rt;

use std::time::Duration;

use csp::prelude::*;
use csp_net::{Node, NodeId, ProcessError};
use procs::wanderer;

const SECRET: &str = "os-nodes secret";

fn child_node(name: &str) -> (std::process::Child, String, NodeId) {
    child::start(env!("CARGO_BIN_EXE_csp-node"), SECRET, name, None)
}

async fn here() -> Node {
    Node::builder()
        .name("test")
        .secret(SECRET)
        .start()
        .await
        .unwrap()
}

#[test]
fn a_process_moves_into_another_os_process_and_back() {
    let (child, addr, id) = child_node("other");
    rt::rt().block_on(async {
        let a = here().await;
        assert_eq!(a.connect(addr.as_str()).await.unwrap(), id);
        let (tx, rx) = channel::<(bool, u64)>();
        let (otx, orx) = channel::<u64>();
        let h = a.spawn(wanderer(rx, otx));
        tx.send((false, 5)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5));
        tx.send((true, id.0)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1), "moved into the other OS process");
        // It runs there now: a no longer has it once the move is confirmed.
        while !a.processes().is_empty() {
            tokio::task::yield_now().await;
        }
        tx.send((false, 7)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(12), "its total came along");
        tx.send((true, a.id().0)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1), "and came back");
        assert_eq!(a.processes().len(), 1);
        tx.send((false, 1)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(13));
        drop(tx);
        assert_eq!(h.join().await, Ok(13));
    });
    child::stop(child);
}

#[test]
fn killing_the_other_os_process_fails_its_ends_and_handles() {
    let (mut child, addr, id) = child_node("doomed");
    rt::rt().block_on(async {
        let a = here().await;
        a.connect(addr.as_str()).await.unwrap();
        let (tx, rx) = channel::<(bool, u64)>();
        let (otx, orx) = channel::<u64>();
        let h = match a.spawn_on(id, wanderer(rx, otx)).await {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        tx.send((false, 3)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(3));
        child.kill().unwrap();
        child.wait().unwrap();
        // Its only receiver was over there: sending fails, the total
        // never comes, the join reports the loss. Nothing hangs. (One send
        // may still complete: the home takes a value on behalf of a
        // remote receiver that was waiting, and that value is lost with
        // the node.)
        let guard = Duration::from_secs(30);
        let sent = tokio::time::timeout(guard, async {
            let mut ok = 0;
            while tx.send((false, 4)).await.is_ok() {
                ok += 1;
            }
            ok
        })
        .await;
        assert!(matches!(sent, Ok(0 | 1)), "{sent:?}");
        let got = tokio::time::timeout(guard, orx.recv()).await;
        assert!(matches!(got, Ok(Err(_))), "{got:?}");
        let joined = tokio::time::timeout(guard, h.join()).await;
        assert!(
            matches!(joined, Ok(Err(ProcessError::Lost(_)))),
            "{joined:?}"
        );
    });
}
