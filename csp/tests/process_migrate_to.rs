//! `migrate_to(peer).await` in a `#[process]`: without a node it fails at
//! once and the process carries on; under a [`Host`] (what a csp-net node
//! installs around each step) it completes at once on the peer itself, and
//! elsewhere asks the host to move it and waits for the outcome. Frames are
//! stepped by hand with the host installed around each poll, so every test
//! is deterministic.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use csp::prelude::*;
use csp::process::moving::{with_host, Host, MoveSlot};
use csp::{process, Process};

/// A node as the process sees it: its id, and every move asked of it.
struct FakeHost {
    node: u64,
    requests: Mutex<Vec<(u64, Arc<MoveSlot>)>>,
}

impl FakeHost {
    fn new(node: u64) -> Arc<FakeHost> {
        Arc::new(FakeHost {
            node,
            requests: Mutex::new(Vec::new()),
        })
    }

    /// The peers asked for so far, in order.
    fn peers(&self) -> Vec<u64> {
        self.requests.lock().unwrap().iter().map(|r| r.0).collect()
    }

    /// The slot of the `i`th request.
    fn slot(&self, i: usize) -> Arc<MoveSlot> {
        self.requests.lock().unwrap()[i].1.clone()
    }
}

impl Host for FakeHost {
    fn node(&self) -> u64 {
        self.node
    }

    fn request_move(&self, peer: u64, slot: Arc<MoveSlot>) {
        self.requests.lock().unwrap().push((peer, slot));
    }
}

/// A waker that counts its wake-ups.
#[derive(Default)]
struct Count(AtomicUsize);

impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl Count {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Steps `p` once with `host` as the node running it.
fn step_on<P: Process>(host: &Arc<FakeHost>, p: &mut P, waker: &Waker) -> Poll<P::Output> {
    let host: Arc<dyn Host> = host.clone();
    with_host(&host, || p.step(&mut Context::from_waker(waker)))
}

/// Asks to move with locals live across the pause, then uses them.
#[process]
async fn hop(peer: u64, n: u32) -> (Result<(), MoveError>, u32, String) {
    let doubled: u32 = n * 2;
    let label: String = format!("n={n}");
    let moved: Result<(), MoveError> = migrate_to(peer).await;
    (moved, doubled + 1, label)
}

/// `migrate_to` with a path prefix and a literal peer, then the next
/// statement (another pause) runs with the locals intact.
#[process]
async fn hop_then_send(out: Sender<u32>, n: u32) -> Result<(), MoveError> {
    let kept: u32 = n + 100;
    let moved: Result<(), MoveError> = csp::migrate_to(7u64).await;
    let _ = out.send(kept).await;
    moved
}

#[test]
fn without_a_node_the_move_fails_and_the_process_carries_on() {
    csp::run(async {
        let (moved, doubled, label) = spawn(hop(7u64, 20)).join().await.unwrap();
        assert_eq!(moved, Err(MoveError::NoNode));
        assert_eq!((doubled, label.as_str()), (41, "n=20"));

        let (tx, rx) = buffered::<u32>(1);
        let moved = spawn(hop_then_send(tx, 5)).join().await.unwrap();
        assert_eq!(moved, Err(MoveError::NoNode));
        assert_eq!(rx.try_recv(), Ok(105));
    });
    // Run directly as the root future too.
    let (moved, doubled, _) = csp::run(hop(7, 1));
    assert_eq!((moved, doubled), (Err(MoveError::NoNode), 3));
}

#[test]
fn on_the_peer_itself_the_move_completes_at_once() {
    let host = FakeHost::new(7);
    let mut p = hop(7, 4);
    let got = step_on(&host, &mut p, Waker::noop());
    assert_eq!(got, Poll::Ready((Ok(()), 9, "n=4".to_string())));
    assert!(host.peers().is_empty(), "no move asked for");
}

#[test]
fn elsewhere_the_host_is_asked_and_a_failure_resumes_the_process() {
    let host = FakeHost::new(1);
    let count = Arc::new(Count::default());
    let waker = Waker::from(count.clone());
    let mut p = hop(7, 10);
    assert!(step_on(&host, &mut p, &waker).is_pending());
    assert_eq!(host.peers(), [7]);
    // Polled again before the outcome: still waiting, asked only once.
    assert!(step_on(&host, &mut p, &waker).is_pending());
    assert_eq!(host.peers(), [7]);
    assert_eq!(count.get(), 0);

    host.slot(0).fail(MoveError::Failed("x".into()));
    assert_eq!(count.get(), 1, "the failure wakes the process");
    let got = step_on(&host, &mut p, &waker);
    assert_eq!(
        got,
        Poll::Ready((Err(MoveError::Failed("x".into())), 21, "n=10".to_string()))
    );
    assert_eq!(host.peers(), [7]);
}

#[cfg(feature = "migration")]
mod frozen {
    use super::*;
    use csp::migrate::{spawn_process, Frozen};
    use csp::{Flavor, Runtime};

    /// Frozen while it waits in `migrate_to` (as a node freezes it to ship
    /// it), the frame thaws and, on the peer, completes the pause with
    /// `Ok(())` and runs on with its locals.
    #[test]
    fn frozen_at_migrate_to_completes_on_the_peer() {
        let source = FakeHost::new(1);
        let dyn_source: Arc<dyn Host> = source.clone();
        // A current-thread runtime polls the process on this thread, so the
        // host installed around `block_on` is the one the process sees.
        let rt = Runtime::builder()
            .flavor(Flavor::CurrentThread)
            .build()
            .unwrap();
        let bytes = with_host(&dyn_source, || {
            rt.block_on(async {
                let h = spawn_process(hop(7, 3));
                while source.peers().is_empty() {
                    yield_now().await;
                }
                assert_eq!(source.peers(), [7]);
                let frozen = h.freeze().await.unwrap();
                assert_eq!(h.join().await.unwrap_err(), JoinError::Frozen);
                frozen.to_bytes()
            })
        });

        let mut p: Hop = Frozen::from_bytes(&bytes).unwrap().thaw().unwrap();
        let dest = FakeHost::new(7);
        let got = step_on(&dest, &mut p, Waker::noop());
        assert_eq!(got, Poll::Ready((Ok(()), 7, "n=3".to_string())));
        assert!(dest.peers().is_empty());
    }

    /// Thawed on a node that is not the peer (a checkpoint restored
    /// elsewhere), it asks that node to move it on.
    #[test]
    fn thawed_elsewhere_asks_to_move_on() {
        let source = FakeHost::new(1);
        let mut p = hop(7, 3);
        assert!(step_on(&source, &mut p, Waker::noop()).is_pending());
        let frozen = Frozen::freeze(&mut p).unwrap();
        drop(p);
        let mut back: Hop = Frozen::from_bytes(&frozen.to_bytes())
            .unwrap()
            .thaw()
            .unwrap();
        let other = FakeHost::new(2);
        assert!(step_on(&other, &mut back, Waker::noop()).is_pending());
        assert_eq!(other.peers(), [7]);
    }
}
