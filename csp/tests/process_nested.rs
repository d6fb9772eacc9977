//! Nested process calls and `effect` inside processes, and freezing a
//! process while its child runs or while it waits in an effect.

use csp::prelude::*;

#[process]
async fn add_two(input: Receiver<u64>) -> u64 {
    let a: u64 = input.recv().await.unwrap_or(0);
    let b: u64 = input.recv().await.unwrap_or(0);
    a + b
}

#[process]
async fn parent(input: Receiver<u64>, out: Sender<u64>) -> u64 {
    let mut sum: u64 = 0;
    for _ in 0..3u32 {
        let pair: u64 = add_two(input.clone()).await;
        sum += pair;
        let _ = out.send(pair).await;
    }
    let extra: u64 = effect(async { 1000u64 }).await;
    sum + extra
}

#[test]
fn child_frames_nest_in_their_parent() {
    csp::run(async {
        let (tx, rx) = channel();
        let (otx, orx) = buffered(8);
        let h = spawn(parent(rx, otx));
        for i in 1..=6u64 {
            tx.send(i).await.unwrap();
        }
        assert_eq!(h.join().await.unwrap(), 1021);
        let pairs: Vec<u64> = (0..3).map(|_| orx.try_recv().unwrap()).collect();
        assert_eq!(pairs, [3, 7, 11]);
    });
}

#[cfg(feature = "migration")]
mod frozen {
    use super::*;
    use csp::migrate::{spawn_process, Frozen};

    #[process]
    async fn waits_in_effect(inside: Sender<()>, gate: Receiver<()>, done: Sender<u32>) -> u32 {
        let got: u32 = effect(async move {
            let _ = inside.send(()).await;
            let _ = gate.recv().await;
            7u32
        })
        .await;
        let _ = done.send(got).await;
        got
    }

    #[test]
    fn parent_freezes_with_its_child_mid_call() {
        csp::run(async {
            let (tx, rx) = channel();
            let (otx, orx) = buffered(8);
            let h = spawn_process(parent(rx, otx));
            tx.send(1).await.unwrap(); // the child holds 1, waits for its second
            let frozen = h.freeze().await.unwrap();
            let p: Parent = frozen.thaw().unwrap();
            let h = spawn_process(p);
            for i in 2..=6u64 {
                tx.send(i).await.unwrap();
            }
            assert_eq!(h.join().await.unwrap(), 1021);
            assert_eq!(orx.try_recv(), Ok(3));
        });
    }

    #[test]
    fn freeze_waits_for_an_effect_to_finish() {
        csp::run(async {
            let (gtx, grx) = channel();
            let (dtx, drx) = channel();
            let (itx, irx) = channel();
            let h = spawn_process(waits_in_effect(itx, grx, dtx));
            irx.recv().await.unwrap(); // the process is inside its effect
            let freeze = h.freeze();
            let release = async {
                gtx.send(()).await.unwrap();
            };
            let (frozen, ()) = par!(freeze, release);
            // Frozen at the send after the effect, with its result kept.
            let frozen: Frozen = frozen.unwrap();
            let p: WaitsInEffect = frozen.thaw().unwrap();
            let h = spawn_process(p);
            assert_eq!(drx.recv().await, Ok(7));
            assert_eq!(h.join().await.unwrap(), 7);
        });
    }
}
