//! Nodes in one OS process on 127.0.0.1: authentication, remote channels,
//! code migration (`spawn_on`) and process migration (`migrate`), with
//! every value checked to arrive exactly once and in order.

use csp::prelude::*;
use csp_net::{MigrateError, Node, NodeError};

#[path = "../csp-net/tests/shared/rt.rs"]
mod rt;
// `wanderer` (moves itself on request) is shared with csp-net's tests.
#[path = "../csp-net/tests/shared/procs.rs"]
#[allow(dead_code)]
mod procs;
use procs::wanderer;

const SECRET: &[u8] = b"net-nodes test secret";

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

async fn node(name: &str) -> Node {
    Node::builder()
        .name(name)
        .secret(SECRET)
        .start()
        .await
        .expect("node starts")
}

#[test]
fn nodes_authenticate_and_list_each_other() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let b = node("b").await;
        let id = a.connect(b.addr()).await.unwrap();
        assert_eq!(id, b.id());
        assert_eq!(a.peers(), vec![(b.id(), "b".to_string())]);
        // The acceptor registers the connection once the handshake is done.
        while b.peers().is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(b.peers(), vec![(a.id(), "a".to_string())]);
    });
}

#[test]
fn a_wrong_secret_is_refused_with_the_reason() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let intruder = Node::builder()
            .name("intruder")
            .secret(b"another secret")
            .start()
            .await
            .unwrap();
        match intruder.connect(a.addr()).await {
            Err(NodeError::Handshake(e)) => {
                let text = e.to_string();
                assert!(
                    text.contains("authentication") || text.contains("refused"),
                    "{text}"
                );
            }
            other => panic!("expected a handshake error, got {other:?}"),
        }
        assert!(intruder.peers().is_empty());
        assert!(a.peers().is_empty());
    });
}

#[test]
fn spawn_on_runs_a_process_on_the_peer_with_remote_channels() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let b = node("b").await;
        let bid = a.connect(b.addr()).await.unwrap();
        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let h = a
            .spawn_on(bid, running_total(rx, otx))
            .await
            .expect("b runs it");
        assert_eq!(b.processes().len(), 1);
        assert!(a.processes().is_empty());
        let mut expect = 0;
        for i in 1..=100u64 {
            tx.send(i).await.unwrap();
            expect += i;
            assert_eq!(orx.recv().await, Ok(expect));
        }
        drop(tx);
        assert_eq!(h.join().await.unwrap(), expect);
    });
}

#[test]
fn migrate_moves_a_running_process_and_nothing_is_lost() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let b = node("b").await;
        let c = node("c").await;
        let (aid, bid, cid) = (a.id(), b.id(), c.id());
        a.connect(b.addr()).await.unwrap();
        a.connect(c.addr()).await.unwrap();
        b.connect(c.addr()).await.unwrap();
        let nodes = [a.clone(), b.clone(), c.clone()];
        let (tx, rx) = buffered::<u64>(4);
        let (otx, orx) = channel::<u64>();
        let h = a.spawn(running_total(rx, otx));
        let pid = h.pid();
        let producer = tokio::spawn(async move {
            for i in 1..=2000u64 {
                tx.send(i).await.unwrap();
            }
        });
        let mut moves = 0;
        let mut at = 0usize;
        let mut expect = 0u64;
        for i in 1..=2000u64 {
            expect += i;
            assert_eq!(orx.recv().await, Ok(expect), "total after {i}");
            // (Not after the last value: the producer is done and the
            // process may already have finished.)
            if i % 50 == 0 && i < 2000 {
                let to = (at + 1) % 3;
                let r = nodes[at]
                    .migrate(pid, [aid, bid, cid][to])
                    .await
                    .expect("move");
                assert_eq!(r.pid, pid);
                assert!(r.bytes > 0);
                at = to;
                moves += 1;
            }
        }
        producer.await.unwrap();
        assert_eq!(moves, 39);
        assert_eq!(h.join().await.unwrap(), expect);
    });
}

#[test]
fn moving_a_process_that_is_not_there_is_an_error() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let b = node("b").await;
        let bid = a.connect(b.addr()).await.unwrap();
        let (_tx, rx) = channel::<u64>();
        let (otx, _orx) = channel::<u64>();
        let h = a.spawn(running_total(rx, otx));
        // Operators see what it waits in once it has run up to its pause.
        loop {
            match a.processes()[0].waiting_in {
                "recv" => break,
                other => assert_eq!(other, "start"),
            }
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            b.migrate(h.pid(), a.id()).await,
            Err(MigrateError::NoSuchProcess(_))
        ));
        assert!(matches!(
            a.migrate(h.pid(), a.id()).await,
            Err(MigrateError::SameNode(_))
        ));
        let stranger = csp_net::NodeId(42);
        assert!(matches!(
            a.migrate(h.pid(), stranger).await,
            Err(MigrateError::NotConnected(_))
        ));
        // Still running here.
        assert_eq!(a.processes().len(), 1);
        let _ = bid;
    });
}

#[test]
fn a_process_moves_itself_with_migrate_to() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let b = node("b").await;
        let bid = a.connect(b.addr()).await.unwrap();
        let (tx, rx) = channel::<(bool, u64)>();
        let (otx, orx) = channel::<u64>();
        let h = a.spawn(wanderer(rx, otx));
        tx.send((false, 5)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(5));
        // Go to b: it resumes there, mid-body, and says so.
        tx.send((true, bid.0)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1));
        // a lists it (as moving) until b's confirmation reaches it, which
        // can be just after the process already runs on b.
        loop {
            // One listing per look: the confirmation can land between two.
            let listed = a.processes();
            let Some(p) = listed.first() else { break };
            assert!(p.moving);
            tokio::task::yield_now().await;
        }
        assert_eq!(b.processes().len(), 1);
        assert_eq!(b.processes()[0].pid, h.pid());
        tx.send((false, 7)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(12));
        // A node nobody knows: the move fails, the process stays and says so.
        tx.send((true, 12345)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(0));
        assert_eq!(b.processes().len(), 1);
        tx.send((false, 1)).await.unwrap();
        assert_eq!(orx.recv().await, Ok(13));
        drop(tx);
        assert_eq!(h.join().await, Ok(13));
    });
}

#[test]
fn a_peer_that_does_not_accept_a_type_refuses_it_and_the_sender_keeps_it() {
    rt::rt().block_on(async {
        let a = node("a").await;
        let picky = Node::builder()
            .name("picky")
            .secret(SECRET)
            .accept_only(["Wanderer"])
            .start()
            .await
            .unwrap();
        let pid_ = a.connect(picky.addr()).await.unwrap();
        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let p = match a.spawn_on(pid_, running_total(rx, otx)).await {
            Ok(_) => panic!("picky accepted a RunningTotal"),
            Err(e) => {
                match &e.error {
                    MigrateError::Refused { reason, .. } => {
                        assert!(reason.contains("RunningTotal"), "{reason}");
                        assert!(reason.contains("does not accept"), "{reason}");
                    }
                    other => panic!("expected a refusal, got {other:?}"),
                }
                e.process
            }
        };
        assert!(picky.processes().is_empty());
        // The process came back untouched: it runs here instead.
        let h = a.spawn(p);
        tx.send(4).await.unwrap();
        assert_eq!(orx.recv().await, Ok(4));
        // A running process refused on a move stays, running.
        let r = a.migrate(h.pid(), pid_).await;
        assert!(matches!(r, Err(MigrateError::Refused { .. })), "{r:?}");
        tx.send(5).await.unwrap();
        assert_eq!(orx.recv().await, Ok(9));
        drop(tx);
        assert_eq!(h.join().await, Ok(9));
    });
}

/// Makes a channel on its own node, sends its receiver out, and then
/// feeds it forever.
#[process]
async fn maker(out: Sender<Receiver<u64>>) {
    let (tx, rx): (Sender<u64>, Receiver<u64>) = channel();
    if out.send(rx).await.is_err() {
        return;
    }
    while tx.send(1).await.is_ok() {}
}

#[test]
fn channel_ends_homed_on_a_silent_peer_fail_within_the_peer_timeout() {
    rt::rt().block_on(async {
        let limits = csp_net::Limits {
            peer_timeout: std::time::Duration::from_millis(600),
            heartbeat: std::time::Duration::from_millis(100),
            ..Default::default()
        };
        let mk = |name: &'static str| {
            let limits = limits.clone();
            async move {
                Node::builder()
                    .name(name)
                    .secret(SECRET)
                    .limits(limits)
                    .start()
                    .await
                    .unwrap()
            }
        };
        let (a, b) = (mk("a").await, mk("b").await);
        let bid = a.connect(b.addr()).await.unwrap();
        let (otx, orx) = channel::<Receiver<u64>>();
        let _h = match a.spawn_on(bid, maker(otx)).await {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        // A receiver of a channel homed on b, here on a.
        let rx = orx.recv().await.unwrap();
        assert_eq!(rx.recv().await, Ok(1));
        // b goes silent (as if hung or cut off): after the peer timeout the
        // end reports the channel closed instead of waiting forever.
        let t = std::time::Instant::now();
        a.stall(bid);
        let outcome = tokio::time::timeout(std::time::Duration::from_secs(30), async {
            while rx.recv().await.is_ok() {}
        })
        .await;
        assert!(outcome.is_ok(), "the end hung on a silent peer");
        eprintln!(
            "remote end failed {:?} after the peer went silent",
            t.elapsed()
        );
        assert!(a.peers().is_empty());
    });
}

#[test]
fn a_checkpoint_taken_on_one_node_is_restored_on_another() {
    rt::rt().block_on(async {
        let (a, b, c) = (node("a").await, node("b").await, node("c").await);
        let bid = a.connect(b.addr()).await.unwrap();
        a.connect(c.addr()).await.unwrap();
        b.connect(c.addr()).await.unwrap();
        let (tx, rx) = channel::<u64>();
        let (otx, orx) = channel::<u64>();
        let h = match a.spawn_on(bid, running_total(rx, otx)).await {
            Ok(h) => h,
            Err(e) => panic!("{e}"),
        };
        tx.send(10).await.unwrap();
        assert_eq!(orx.recv().await, Ok(10));

        // Checkpoint on b, through a file; b no longer runs it.
        let bytes = b.checkpoint(h.pid()).await.unwrap();
        assert!(b.processes().is_empty());
        let path = std::env::temp_dir().join(format!("csp-net-ckpt-{}.bin", h.pid()));
        std::fs::write(&path, &bytes).unwrap();
        let read = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();

        // Damaged bytes are refused with the reason, and nothing starts.
        let mut bad = read.clone();
        let last = bad.len() - 10;
        bad[last] ^= 0xff;
        assert!(c.restore(&bad).is_err());
        assert!(c.restore(b"not a checkpoint").is_err());
        assert!(c.processes().is_empty());

        // Restored on c, it carries on with its total and its channels.
        assert_eq!(c.restore(&read).unwrap(), h.pid());
        tx.send(5).await.unwrap();
        assert_eq!(orx.recv().await, Ok(15));
        drop(tx);
        assert_eq!(h.join().await, Ok(15));
    });
}
