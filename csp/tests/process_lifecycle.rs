//! The life of a `#[process]` frame: built by its constructor without
//! running code, stepped by hand (`Process::step`) or run by `spawn`, `run`,
//! `.await` and `par!`; what it holds is dropped exactly once, when it
//! finishes, panics, is aborted, or is dropped while paused; and no message
//! is lost or duplicated when a paused process goes away. Hand-stepped tests
//! use a no-op waker and `try_send`/`try_recv`, so they are deterministic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use csp::prelude::*;
use csp::{process, Flavor, Process, Runtime};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Steps a frame once with a waker that does nothing.
fn step<P: Process>(p: &mut P) -> Poll<P::Output> {
    p.step(&mut Context::from_waker(Waker::noop()))
}

/// Runs `f` on a current-thread and a multi-thread runtime, with a watchdog.
fn on_both<F, Fut>(f: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = Runtime::builder()
            .flavor(flavor)
            .workers(4)
            .build()
            .expect("runtime");
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(60), f())
                .await
                .unwrap_or_else(|_| panic!("test hung on {flavor:?}"));
        });
    }
}

/// Every [`Tracked`] value made, each with the far end of a probe channel:
/// the probe reads as closed once the value is dropped. (A probe rather
/// than a shared counter, so frames holding `Tracked` stay serializable in
/// the `migration` build.)
#[derive(Default)]
struct Probes(Mutex<Vec<Receiver<()>>>);

/// A value whose drop a test can observe.
#[derive(Debug)]
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
struct Tracked {
    id: u32,
    _probe: Sender<()>,
}

impl Tracked {
    fn new(id: u32, probes: &Probes) -> Self {
        let (_probe, far) = channel::<()>();
        probes.0.lock().unwrap().push(far);
        Tracked { id, _probe }
    }
}

/// How many tracked values are still alive (not dropped).
fn live(probes: &Probes) -> usize {
    probes
        .0
        .lock()
        .unwrap()
        .iter()
        .filter(|far| far.try_recv() == Err(TryRecvError::Empty))
        .count()
}

// ---------------------------------------------------------------------------
// Construction and stepping
// ---------------------------------------------------------------------------

#[process]
async fn announce(log: Sender<u32>, input: Receiver<u32>) -> u32 {
    log.try_send(1).expect("log has room");
    let x: u32 = input.recv().await.unwrap_or(0);
    log.try_send(2).expect("log has room");
    drop(input);
    x
}

#[test]
fn constructor_runs_no_code_until_stepped() {
    let (ltx, lrx) = buffered::<u32>(8);
    let (tx, rx) = channel::<u32>();
    let mut f: Announce = announce(ltx, rx);
    assert_eq!(
        lrx.try_recv(),
        Err(TryRecvError::Empty),
        "constructor ran code"
    );

    assert_eq!(step(&mut f), Poll::Pending);
    assert_eq!(lrx.try_recv(), Ok(1));
    // Stepping again while the receive is pending neither reruns the code
    // before the pause nor starts a second receive.
    for _ in 0..3 {
        assert_eq!(step(&mut f), Poll::Pending);
    }
    assert_eq!(lrx.try_recv(), Err(TryRecvError::Empty));

    // The frame is parked in its receive: a rendezvous `try_send` lands.
    assert_eq!(tx.try_send(5), Ok(()));
    assert_eq!(tx.try_send(6).map_err(|e| e.is_full()), Err(true));
    assert_eq!(step(&mut f), Poll::Ready(5));
    assert_eq!(lrx.try_recv(), Ok(2));

    // Finished: everything it held is gone.
    assert_eq!(lrx.try_recv(), Err(TryRecvError::Closed));
    assert!(tx.try_send(1).unwrap_err().is_closed());
}

#[test]
fn stepping_a_finished_frame_panics() {
    let (ltx, _lrx) = buffered::<u32>(8);
    let (tx, rx) = buffered::<u32>(1);
    tx.try_send(9).unwrap();
    let mut f = announce(ltx, rx);
    assert_eq!(step(&mut f), Poll::Ready(9));
    let err = catch_unwind(AssertUnwindSafe(|| step(&mut f))).expect_err("second step");
    let msg = err
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| err.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    assert!(msg.contains("after it completed"), "panic message: {msg}");
}

#[process(name = Renamed, version = 7)]
async fn original_name(x: u32) -> u32 {
    x + 1
}

#[process]
async fn r#match(x: u32) -> u32 {
    x * 2
}

/// A documented process with crate visibility.
#[process]
pub(crate) async fn visible_stage(x: u32) -> u32 {
    x
}

#[test]
fn frame_names_and_versions() {
    assert_eq!(<Announce as Process>::NAME, "Announce");
    assert_eq!(<Announce as Process>::VERSION, 1);
    assert_eq!(<Renamed as Process>::NAME, "Renamed");
    assert_eq!(<Renamed as Process>::VERSION, 7);
    assert_eq!(<Match as Process>::NAME, "Match");
    assert_eq!(<VisibleStage as Process>::NAME, "VisibleStage");
    let mut a: Renamed = original_name(1);
    assert_eq!(step(&mut a), Poll::Ready(2));
    let mut b: Match = r#match(4);
    assert_eq!(step(&mut b), Poll::Ready(8));
    let mut c: VisibleStage = visible_stage(3);
    assert_eq!(step(&mut c), Poll::Ready(3));
}

#[test]
fn frames_are_send_static_unpin() {
    fn check<T: Send + Unpin + 'static>() {}
    check::<Announce>();
    check::<Renamed>();
    check::<Producer>();
    check::<Consumer>();
    check::<HoldsTracked>();
}

/// Drives any process that never has to wait, through the trait alone.
fn run_to_end<P: Process>(mut p: P) -> P::Output {
    for _ in 0..1000 {
        if let Poll::Ready(v) = step(&mut p) {
            return v;
        }
    }
    panic!("{} did not finish", P::NAME);
}

#[test]
fn generic_driver_through_the_process_trait() {
    let (tx, rx) = buffered::<u32>(100);
    assert_eq!(run_to_end(producer(tx, 100)), 100);
    assert_eq!(run_to_end(consumer(rx)), (0..100u64).sum::<u64>());
}

// ---------------------------------------------------------------------------
// Degenerate processes
// ---------------------------------------------------------------------------

#[process]
async fn pure_sum(a: u32, b: u32) -> u64 {
    let mut s = 0u64;
    for i in a..b {
        s += u64::from(i);
    }
    s
}

#[process]
async fn ignores(_input: Receiver<u32>, _output: Sender<u32>, _n: u64) {}

#[process]
async fn waits_then_ignores(gate: Receiver<u32>, _held: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while gate.recv().await.is_ok() {
        n += 1;
    }
    n
}

#[test]
fn process_that_never_pauses() {
    let mut f = pure_sum(1, 10);
    assert_eq!(step(&mut f), Poll::Ready(45));
    assert_eq!(csp::run(pure_sum(0, 101)), 5050);
    on_both(|| async {
        assert_eq!(pure_sum(1, 4).await, 6);
        assert_eq!(spawn(pure_sum(2, 5)).join().await.unwrap(), 9);
        assert_eq!(par!(pure_sum(0, 3), pure_sum(3, 6)), (3, 12));
    });
}

#[test]
fn unused_params_are_dropped_when_the_process_ends() {
    let (itx, irx) = channel::<u32>();
    let (otx, orx) = channel::<u32>();
    let mut f = ignores(irx, otx, 7);
    // Held by the unstarted frame.
    assert!(itx.try_send(1).unwrap_err().is_full());
    assert_eq!(orx.try_recv(), Err(TryRecvError::Empty));
    assert_eq!(step(&mut f), Poll::Ready(()));
    assert!(itx.try_send(1).unwrap_err().is_closed());
    assert_eq!(orx.try_recv(), Err(TryRecvError::Closed));

    // An unused parameter lives as long as the process, like in an async fn.
    let (gtx, grx) = channel::<u32>();
    let (htx, hrx) = channel::<u32>();
    let mut f = waits_then_ignores(grx, htx);
    assert_eq!(step(&mut f), Poll::Pending);
    assert_eq!(gtx.try_send(1), Ok(()));
    assert_eq!(step(&mut f), Poll::Pending);
    assert_eq!(
        hrx.try_recv(),
        Err(TryRecvError::Empty),
        "dropped too early"
    );
    drop(gtx);
    assert_eq!(step(&mut f), Poll::Ready(1));
    assert_eq!(hrx.try_recv(), Err(TryRecvError::Closed));
}

#[test]
fn frame_dropped_before_it_ever_ran_drops_its_params() {
    let l = Probes::default();
    let (itx, irx) = channel::<Tracked>();
    let f = holds_tracked(irx, vec![Tracked::new(1, &l), Tracked::new(2, &l)]);
    assert_eq!(live(&l), 2);
    drop(f);
    assert_eq!(live(&l), 0);
    let e = itx.try_send(Tracked::new(3, &l)).unwrap_err();
    assert!(e.is_closed());
    drop(e);
    assert_eq!(live(&l), 0);
}

// ---------------------------------------------------------------------------
// spawn, run, .await, par!
// ---------------------------------------------------------------------------

#[process]
async fn producer(out: Sender<u32>, n: u32) -> u32 {
    let mut sent: u32 = 0;
    for i in 0..n {
        if out.send(i).await.is_err() {
            break;
        }
        sent += 1;
    }
    sent
}

#[process]
async fn consumer(input: Receiver<u32>) -> u64 {
    let mut s: u64 = 0;
    while let Ok(x) = input.recv().await {
        s += u64::from(x);
    }
    s
}

#[test]
fn spawn_run_await_and_par() {
    on_both(|| async {
        // par! of two frames, in one task.
        let (tx, rx) = channel::<u32>();
        assert_eq!(par!(producer(tx, 100), consumer(rx)), (100, 4950));

        // spawn + .await on a frame.
        let (tx, rx) = channel::<u32>();
        let h = spawn(producer(tx, 10));
        assert_eq!(consumer(rx).await, 45);
        assert_eq!(h.await, Ok(10));

        // A plain async fn awaiting a frame, spawned.
        let (tx, rx) = channel::<u32>();
        let c = spawn(async move { consumer(rx).await + 1 });
        assert_eq!(producer(tx, 4).await, 4);
        assert_eq!(c.join().await, Ok(7));

        // The consumer stops early: the producer sees its sends fail.
        let (tx, rx) = channel::<u32>();
        let p = spawn(producer(tx, 1_000));
        for want in 0..5 {
            assert_eq!(rx.recv().await, Ok(want));
        }
        drop(rx);
        assert_eq!(p.join().await, Ok(5));
    });
}

#[test]
fn runtime_entry_points() {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = Runtime::builder().flavor(flavor).build().unwrap();
        let (tx, rx) = channel::<u32>();
        let h = rt.spawn(producer(tx, 50));
        assert_eq!(rt.block_on(consumer(rx)), (0..50u64).sum::<u64>());
        assert_eq!(rt.block_on(h.join()), Ok(50));
    }
    // `run` takes a frame as the root process.
    let (tx, rx) = buffered::<u32>(3);
    assert_eq!(csp::run(producer(tx, 3)), 3);
    assert_eq!(csp::run(consumer(rx)), 3);
}

// ---------------------------------------------------------------------------
// Channel ends are dropped when the process finishes
// ---------------------------------------------------------------------------

#[process]
async fn stop_at_zero(input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        if x == 0 {
            return n;
        }
        n += x;
        if output.send(n).await.is_err() {
            break;
        }
    }
    n
}

#[test]
fn early_return_drops_channel_ends() {
    on_both(|| async {
        let (itx, irx) = channel::<u32>();
        let (otx, orx) = channel::<u32>();
        let h = spawn(stop_at_zero(irx, otx));
        itx.send(1).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1));
        itx.send(2).await.unwrap();
        assert_eq!(orx.recv().await, Ok(3));
        itx.send(0).await.unwrap();
        // The process returned: its output closed, its input has no
        // receiver, and a send hands the value back.
        assert_eq!(orx.recv().await, Err(RecvError));
        assert_eq!(itx.send(9).await, Err(SendError(9)));
        assert_eq!(h.join().await, Ok(3));
    });
}

#[process]
async fn hands_out(handoff: Sender<Receiver<u32>>, n: u32) -> u32 {
    let (tx, rx) = channel::<u32>();
    let local: Sender<u32> = tx;
    if handoff.send(rx).await.is_err() {
        return 0;
    }
    for i in 0..n {
        let _ = local.send(i).await;
    }
    drop(handoff);
    n
}

#[test]
fn local_channel_end_is_dropped_when_the_process_returns() {
    on_both(|| async {
        let (htx, hrx) = channel::<Receiver<u32>>();
        let h = spawn(hands_out(htx, 4));
        let rx = hrx.recv().await.unwrap();
        let mut got = Vec::new();
        while let Ok(v) = rx.recv().await {
            got.push(v);
        }
        assert_eq!(got, [0, 1, 2, 3]);
        assert_eq!(h.join().await, Ok(4));
    });
}

#[process]
async fn fan_out_buffered(ends: Vec<Sender<u32>>, stop: u32) -> u32 {
    let mut sent: u32 = 0;
    for e in ends {
        if sent == stop {
            return sent;
        }
        e.try_send(sent).expect("buffer has room");
        yield_now().await;
        sent += 1;
    }
    sent
}

#[test]
fn early_return_from_for_drops_the_rest_of_the_collection() {
    on_both(|| async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..6).map(|_| buffered::<u32>(1)).unzip();
        assert_eq!(spawn(fan_out_buffered(txs, 2)).join().await, Ok(2));
        for (i, rx) in rxs.iter().enumerate() {
            if i < 2 {
                assert_eq!(rx.try_recv(), Ok(i as u32));
            }
            assert_eq!(rx.try_recv(), Err(TryRecvError::Closed), "end {i}");
        }
    });
}

#[process]
async fn boom(input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        if x == 13 {
            panic!("unlucky {x} after {n}");
        }
        n += 1;
        let _ = output.send(x).await;
    }
    n
}

#[test]
fn panicking_process_drops_its_channel_ends() {
    on_both(|| async {
        let (itx, irx) = channel::<u32>();
        let (otx, orx) = channel::<u32>();
        let h = spawn(boom(irx, otx));
        itx.send(1).await.unwrap();
        assert_eq!(orx.recv().await, Ok(1));
        itx.send(13).await.unwrap();
        assert_eq!(orx.recv().await, Err(RecvError));
        assert_eq!(itx.send(2).await, Err(SendError(2)));
        let err = h.join().await.unwrap_err();
        assert_eq!(err, JoinError::Panicked("unlucky 13 after 1".into()));
    });
}

// ---------------------------------------------------------------------------
// A channel end used last by its own pause stays open until that pause ends
// (as in an async fn, where the end is borrowed for the whole `.await`)
// ---------------------------------------------------------------------------

#[process]
async fn send_last(output: Sender<u32>) -> bool {
    output.send(7).await.is_ok()
}

#[process]
async fn recv_last(input: Receiver<u32>) -> Option<u32> {
    input.recv().await.ok()
}

#[test]
fn final_send_on_the_only_sender_is_delivered() {
    // Hand-stepped: the frame parks in its send; the channel must still be
    // open and the value must be there to take.
    let (tx, rx) = channel::<u32>();
    let mut f = send_last(tx);
    assert_eq!(step(&mut f), Poll::Pending);
    assert!(!rx.is_closed(), "channel closed under a pending send");
    assert_eq!(rx.try_recv(), Ok(7));
    assert_eq!(step(&mut f), Poll::Ready(true));
    assert_eq!(rx.try_recv(), Err(TryRecvError::Closed));

    on_both(|| async {
        let (tx, rx) = channel::<u32>();
        let h = spawn(send_last(tx));
        assert_eq!(rx.recv().await, Ok(7));
        assert_eq!(h.join().await, Ok(true));
    });
}

#[test]
fn final_recv_on_the_only_receiver_keeps_the_channel_open() {
    let (tx, rx) = channel::<u32>();
    let mut f = recv_last(rx);
    assert_eq!(step(&mut f), Poll::Pending);
    // The frame is parked in its receive: the rendezvous value lands.
    assert_eq!(
        tx.try_send(5),
        Ok(()),
        "channel closed under a pending receive"
    );
    assert_eq!(step(&mut f), Poll::Ready(Some(5)));
    assert!(tx.try_send(6).unwrap_err().is_closed());

    on_both(|| async {
        let (tx, rx) = channel::<u32>();
        let h = spawn(recv_last(rx));
        assert_eq!(tx.send(5).await, Ok(()));
        assert_eq!(h.join().await, Ok(Some(5)));
    });
}

#[process]
async fn fan_out(ends: Vec<Sender<u32>>) -> u32 {
    let mut sent: u32 = 0;
    for e in ends {
        if e.send(sent).await.is_ok() {
            sent += 1;
        }
    }
    sent
}

#[test]
fn send_on_each_end_of_a_collection() {
    on_both(|| async {
        let (txs, rxs): (Vec<_>, Vec<_>) = (0..5).map(|_| channel::<u32>()).unzip();
        let h = spawn(fan_out(txs));
        for (i, rx) in rxs.iter().enumerate() {
            assert_eq!(rx.recv().await, Ok(i as u32), "end {i}");
            assert_eq!(rx.recv().await, Err(RecvError));
        }
        assert_eq!(h.join().await, Ok(5));
    });
}

// ---------------------------------------------------------------------------
// A frame dropped while paused (hand-stepped, deterministic)
// ---------------------------------------------------------------------------

#[process]
async fn holds_tracked(input: Receiver<Tracked>, keep: Vec<Tracked>) -> u32 {
    let mut got: Vec<Tracked> = keep;
    while let Ok(t) = input.recv().await {
        got.push(t);
    }
    got.iter().map(|t| t.id).sum()
}

#[test]
fn frame_dropped_in_recv_leaves_no_parked_receiver() {
    let l = Probes::default();
    let (tx, rx) = channel::<Tracked>();
    let rx2 = rx.clone();
    let mut f = holds_tracked(rx, vec![Tracked::new(1, &l)]);
    assert_eq!(step(&mut f), Poll::Pending);
    drop(f);
    assert_eq!(live(&l), 0, "carried locals not dropped with the frame");
    // Nobody is parked any more: a rendezvous try_send cannot land.
    let v = tx.try_send(Tracked::new(2, &l)).unwrap_err();
    assert!(v.is_full());
    drop(v);
    // The channel still works for the remaining receiver.
    let mut g = holds_tracked(rx2, Vec::new());
    assert_eq!(step(&mut g), Poll::Pending);
    assert!(tx.try_send(Tracked::new(3, &l)).is_ok());
    drop(tx);
    assert_eq!(step(&mut g), Poll::Ready(3));
    assert_eq!(live(&l), 0);
}

#[test]
fn frame_dropped_after_a_value_reached_its_recv_gives_the_value_back() {
    let l = Probes::default();
    let (tx, rx) = channel::<Tracked>();
    let rx2 = rx.clone();
    let mut f = holds_tracked(rx, Vec::new());
    assert_eq!(step(&mut f), Poll::Pending);
    // Delivered to the parked receive, but the frame never resumes.
    assert!(tx.try_send(Tracked::new(7, &l)).is_ok());
    drop(f);
    let back = rx2.try_recv().expect("value lost with the frame");
    assert_eq!(back.id, 7);
    assert_eq!(live(&l), 1);
    drop(back);
    assert_eq!(rx2.try_recv().map(|t| t.id), Err(TryRecvError::Empty));
    assert_eq!(live(&l), 0);
}

#[test]
fn frame_dropped_in_recv_on_its_only_receiver_closes_the_channel() {
    let l = Probes::default();
    let (tx, rx) = channel::<Tracked>();
    let mut f = holds_tracked(rx, Vec::new());
    assert_eq!(step(&mut f), Poll::Pending);
    drop(f);
    let e = tx.try_send(Tracked::new(1, &l)).unwrap_err();
    assert!(e.is_closed());
    assert_eq!(e.into_inner().id, 1, "value handed back");
    assert_eq!(live(&l), 0);
}

#[process]
async fn emit_tracked(out: Sender<Tracked>, first: Tracked, second: Tracked) -> u32 {
    let mut sent: u32 = 0;
    if out.send(first).await.is_ok() {
        sent += 1;
    }
    if out.send(second).await.is_ok() {
        sent += 1;
    }
    drop(out);
    sent
}

#[test]
fn frame_dropped_in_send_withdraws_the_value() {
    let l = Probes::default();
    let (tx, rx) = channel::<Tracked>();
    let mut f = emit_tracked(tx, Tracked::new(1, &l), Tracked::new(2, &l));
    assert_eq!(step(&mut f), Poll::Pending);
    assert_eq!(live(&l), 2);
    drop(f);
    // Neither value can be received, and both were dropped exactly once.
    assert_eq!(rx.try_recv().map(|t| t.id), Err(TryRecvError::Closed));
    assert_eq!(live(&l), 0);
}

#[test]
fn frame_dropped_after_its_send_was_taken_does_not_send_again() {
    let l = Probes::default();
    let (tx, rx) = channel::<Tracked>();
    let mut f = emit_tracked(tx, Tracked::new(1, &l), Tracked::new(2, &l));
    assert_eq!(step(&mut f), Poll::Pending);
    let first = rx.try_recv().expect("parked send");
    assert_eq!(first.id, 1);
    // The frame has not observed completion yet; dropping it now must not
    // deliver anything else.
    drop(f);
    assert_eq!(rx.try_recv().map(|t| t.id), Err(TryRecvError::Closed));
    assert_eq!(live(&l), 1);
    drop(first);
    assert_eq!(live(&l), 0);
}

#[test]
fn finished_frame_has_dropped_everything_once() {
    let l = Probes::default();
    let (tx, rx) = buffered::<Tracked>(4);
    tx.try_send(Tracked::new(5, &l)).unwrap();
    tx.try_send(Tracked::new(6, &l)).unwrap();
    drop(tx);
    let mut f = holds_tracked(rx, vec![Tracked::new(1, &l)]);
    assert_eq!(step(&mut f), Poll::Ready(12));
    assert_eq!(live(&l), 0);
    drop(f);
    assert_eq!(live(&l), 0);
}

// ---------------------------------------------------------------------------
// Aborting a spawned process (both runtimes)
// ---------------------------------------------------------------------------

#[process]
async fn absorb(input: Receiver<u32>, seen: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        seen.try_send(x).expect("seen has room");
        n += 1;
    }
    n
}

/// Waits until a process is parked in a receive on `tx`'s rendezvous
/// channel, by offering `v` until one takes it. Returns once delivered.
async fn deliver_when_parked(tx: &Sender<u32>, mut v: u32) {
    loop {
        match tx.try_send(v) {
            Ok(()) => return,
            Err(TrySendError::Full(back)) => {
                v = back;
                yield_now().await;
            }
            Err(TrySendError::Closed(_)) => panic!("closed"),
        }
    }
}

#[test]
fn abort_while_waiting_in_recv_leaves_the_channel_consistent() {
    on_both(|| async {
        for round in 0..50u32 {
            let (tx, rx) = channel::<u32>();
            let keep = rx.clone();
            let (stx, srx) = buffered::<u32>(4);
            let h = spawn(absorb(rx, stx));
            // Make sure it is (or has been) parked: hand it one value and
            // see it arrive, then it goes back to waiting.
            deliver_when_parked(&tx, round).await;
            assert_eq!(srx.recv().await, Ok(round));
            h.abort();
            assert_eq!(h.join().await, Err(JoinError::Cancelled));
            // The aborted frame's receive is gone: no ghost receiver takes a
            // value, and the remaining receiver gets the next one.
            assert!(tx.try_send(1).unwrap_err().is_full());
            let (sent, got) = par!(tx.send(2), keep.recv());
            assert_eq!((sent, got), (Ok(()), Ok(2)));
            // Its other end was dropped too.
            assert_eq!(srx.recv().await, Err(RecvError));
        }
    });
}

#[test]
fn abort_while_waiting_in_recv_on_the_only_receiver_closes_the_channel() {
    on_both(|| async {
        let (tx, rx) = channel::<u32>();
        let (stx, srx) = buffered::<u32>(4);
        let h = spawn(absorb(rx, stx));
        deliver_when_parked(&tx, 1).await;
        assert_eq!(srx.recv().await, Ok(1));
        h.abort();
        assert_eq!(h.join().await, Err(JoinError::Cancelled));
        assert_eq!(tx.send(3).await, Err(SendError(3)));
    });
}

#[test]
fn value_sent_to_a_paused_recv_survives_an_abort() {
    on_both(|| async {
        let mut consumed = 0;
        let mut returned = 0;
        for round in 0..300u32 {
            let (tx, rx) = channel::<u32>();
            let keep = rx.clone();
            let (stx, srx) = buffered::<u32>(4);
            let h = spawn(absorb(rx, stx));
            deliver_when_parked(&tx, round).await;
            h.abort();
            assert_eq!(h.join().await, Err(JoinError::Cancelled));
            // Exactly one of: the process received it (and logged it), or it
            // went back into the channel.
            let by_process = srx.try_recv().ok();
            let in_channel = keep.try_recv().ok();
            match (by_process, in_channel) {
                (Some(v), None) => {
                    assert_eq!(v, round);
                    consumed += 1;
                }
                (None, Some(v)) => {
                    assert_eq!(v, round);
                    returned += 1;
                }
                other => panic!("round {round}: value lost or duplicated: {other:?}"),
            }
            assert_eq!(srx.try_recv(), Err(TryRecvError::Closed));
        }
        assert_eq!(consumed + returned, 300);
    });
}

#[test]
fn abort_while_waiting_in_send_withdraws_the_value() {
    on_both(|| async {
        let l = Probes::default();
        for _ in 0..50 {
            let (tx, rx) = channel::<Tracked>();
            let h = spawn(emit_tracked(tx, Tracked::new(1, &l), Tracked::new(2, &l)));
            // Take the first value, so the process is (or soon will be)
            // parked on the second.
            assert_eq!(rx.recv().await.map(|t| t.id), Ok(1));
            h.abort();
            assert_eq!(h.join().await, Err(JoinError::Cancelled));
            assert_eq!(rx.try_recv().map(|t| t.id), Err(TryRecvError::Closed));
            assert_eq!(live(&l), 0);
        }
    });
}

#[test]
fn abort_drops_carried_locals() {
    on_both(|| async {
        let l = Probes::default();
        let (tx, rx) = channel::<Tracked>();
        let h = spawn(holds_tracked(
            rx,
            vec![Tracked::new(1, &l), Tracked::new(2, &l)],
        ));
        tx.send(Tracked::new(3, &l)).await.unwrap();
        h.abort();
        assert_eq!(h.join().await, Err(JoinError::Cancelled));
        assert_eq!(live(&l), 0);
        let e = tx.try_send(Tracked::new(4, &l)).unwrap_err();
        assert!(e.is_closed());
        drop(e);
        assert_eq!(live(&l), 0);
    });
}
