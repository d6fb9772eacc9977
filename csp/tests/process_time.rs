//! The runtime pause points of `#[process]`: `sleep(d).await` (any path:
//! `sleep`, `csp::sleep`, `::csp::sleep`) and `yield_now().await`. Tests
//! assert ordering and progress, never exact timing: sleepers wake in
//! deadline order, a sleep is never shorter than asked, a yield lets other
//! processes run on a single thread, and a process aborted mid-sleep drops
//! what it holds.

use std::time::{Duration, Instant};

use csp::prelude::*;
use csp::{process, Flavor, Runtime};

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

#[process]
async fn sleeper(id: u32, ms: u64, out: Sender<u32>) -> u32 {
    match id % 3 {
        0 => sleep(Duration::from_millis(ms)).await,
        1 => csp::sleep(Duration::from_millis(ms)).await,
        _ => ::csp::sleep(Duration::from_millis(ms)).await,
    }
    if out.send(id).await.is_err() {
        return 0;
    }
    id
}

#[test]
fn sleepers_wake_in_deadline_order() {
    on_both(|| async {
        let (tx, rx) = buffered::<u32>(8);
        // Started longest first; woken shortest first.
        let plan = [(4u32, 400u64), (3, 250), (2, 120), (1, 30), (0, 0)];
        let hs: Vec<_> = plan
            .iter()
            .map(|&(id, ms)| spawn(sleeper(id, ms, tx.clone())))
            .collect();
        let mut order = Vec::new();
        for _ in 0..plan.len() {
            order.push(rx.recv().await.unwrap());
        }
        assert_eq!(order, [0, 1, 2, 3, 4]);
        for (h, (id, _)) in hs.into_iter().zip(plan) {
            assert_eq!(h.join().await, Ok(id));
        }
    });
}

#[process]
async fn sleep_ms(ms: u64, times: u32) -> u32 {
    for _ in 0..times {
        sleep(Duration::from_millis(ms)).await;
    }
    times
}

#[test]
fn sleep_is_never_shorter_than_asked() {
    on_both(|| async {
        for ms in [1, 5, 20] {
            let t0 = Instant::now();
            assert_eq!(sleep_ms(ms, 1).await, 1);
            assert!(t0.elapsed() >= Duration::from_millis(ms));
            let t0 = Instant::now();
            assert_eq!(spawn(sleep_ms(ms, 3)).join().await, Ok(3));
            assert!(t0.elapsed() >= Duration::from_millis(3 * ms));
        }
    });
    let t0 = Instant::now();
    assert_eq!(csp::run(sleep_ms(2, 2)), 2);
    assert!(t0.elapsed() >= Duration::from_millis(4));
}

#[process]
async fn sleep_forever(out: Sender<u32>, started: Sender<()>) -> u32 {
    started.try_send(()).expect("room for the signal");
    sleep(Duration::from_secs(3600)).await;
    let _ = out.send(1).await;
    drop(started);
    drop(out);
    0
}

#[test]
fn abort_during_sleep_drops_the_frame() {
    on_both(|| async {
        let (tx, rx) = channel::<u32>();
        let (stx, srx) = buffered::<()>(1);
        let h = spawn(sleep_forever(tx, stx));
        assert_eq!(srx.recv().await, Ok(()));
        h.abort();
        assert_eq!(h.join().await, Err(JoinError::Cancelled));
        // Both ends it held are gone.
        assert_eq!(rx.recv().await, Err(RecvError));
        assert_eq!(srx.recv().await, Err(RecvError));
    });
}

#[process]
async fn spin_until(flag: Receiver<()>, limit: u32) -> Option<u32> {
    let mut spins: u32 = 0;
    while flag.try_recv().is_err() {
        if spins == limit {
            return None;
        }
        spins += 1;
        yield_now().await;
    }
    Some(spins)
}

#[process]
async fn set_flag(flag: Sender<()>) {
    flag.try_send(()).expect("room for the flag");
}

#[test]
fn yield_lets_other_processes_run() {
    // On one thread, a spinning process only sees the flag if its yields
    // really let the setter run.
    let rt = Runtime::builder()
        .flavor(Flavor::CurrentThread)
        .build()
        .unwrap();
    rt.block_on(async {
        let (ftx, frx) = buffered::<()>(1);
        let spinner = spawn(spin_until(frx, 1_000_000));
        let setter = spawn(set_flag(ftx));
        let spins = spinner.join().await.unwrap();
        assert!(spins.is_some(), "the setter never ran");
        setter.join().await.unwrap();
    });
}

#[process]
async fn take_turns(me: char, rounds: u32, log: Sender<char>) -> u32 {
    for _ in 0..rounds {
        log.try_send(me).expect("log has room");
        csp::yield_now().await;
    }
    rounds
}

fn drain(rx: &Receiver<char>) -> Vec<char> {
    std::iter::from_fn(|| rx.try_recv().ok()).collect()
}

#[test]
fn yielding_processes_interleave_on_one_thread() {
    let rt = Runtime::builder()
        .flavor(Flavor::CurrentThread)
        .build()
        .unwrap();
    rt.block_on(async {
        let (ltx, lrx) = buffered::<char>(100);
        let a = spawn(take_turns('a', 5, ltx.clone()));
        let b = spawn(take_turns('b', 5, ltx));
        assert_eq!(a.join().await, Ok(5));
        assert_eq!(b.join().await, Ok(5));
        let log = drain(&lrx);
        assert_eq!(log.iter().filter(|&&c| c == 'a').count(), 5);
        let last_a = log.iter().rposition(|&c| c == 'a').unwrap();
        let first_b = log.iter().position(|&c| c == 'b').unwrap();
        assert!(first_b < last_a, "no interleaving: {log:?}");
    });
}

#[test]
fn yield_completes_on_both_runtimes() {
    on_both(|| async {
        let (ltx, lrx) = buffered::<char>(200);
        let hs: Vec<_> = ['x', 'y', 'z']
            .into_iter()
            .map(|c| spawn(take_turns(c, 50, ltx.clone())))
            .collect();
        for h in hs {
            assert_eq!(h.join().await, Ok(50));
        }
        assert_eq!(drain(&lrx).len(), 150);
    });
}
