//! `par!` inside processes: branches run at once, the process resumes with
//! all their results, and freezing inside `par!` keeps unfinished branches.

use csp::prelude::*;

#[process]
async fn delta(input: Receiver<u64>, a: Sender<u64>, b: Sender<u64>) {
    while let Ok(x) = input.recv().await {
        let (ra, rb): (Result<(), SendError<u64>>, Result<(), SendError<u64>>) =
            par!(a.send(x), b.send(x));
        if ra.is_err() || rb.is_err() {
            return;
        }
    }
}

#[process]
async fn both(x: Receiver<u32>, y: Receiver<u32>, z: Receiver<u32>) -> u32 {
    let (a, b, c) = par!(x.recv(), y.recv(), z.recv());
    a.unwrap_or(0) * 100 + b.unwrap_or(0) * 10 + c.unwrap_or(0)
}

#[test]
fn par_delta_sends_to_both_outputs() {
    csp::run(async {
        let (tx, rx) = channel();
        let (atx, arx) = channel();
        let (btx, brx) = channel();
        let h = spawn(delta(rx, atx, btx));
        for i in 0..100u64 {
            tx.send(i).await.unwrap();
            // Receive in the opposite order to the sends: par! must not care.
            let (b, a) = par!(brx.recv(), arx.recv());
            assert_eq!((a, b), (Ok(i), Ok(i)));
        }
        drop(tx);
        h.join().await.unwrap();
    });
}

#[test]
fn par_results_come_back_in_branch_order() {
    csp::run(async {
        let (xt, xr) = channel();
        let (yt, yr) = channel();
        let (zt, zr) = channel();
        let h = spawn(both(xr, yr, zr));
        zt.send(3).await.unwrap();
        xt.send(1).await.unwrap();
        yt.send(2).await.unwrap();
        assert_eq!(h.join().await.unwrap(), 123);
    });
}

#[cfg(feature = "migration")]
#[test]
fn freezing_inside_par_keeps_finished_and_unfinished_branches() {
    use csp::migrate::spawn_process;
    csp::run(async {
        let (xt, xr) = channel();
        let (yt, yr) = channel();
        let (zt, zr) = channel();
        let h = spawn_process(both(xr, yr, zr));
        xt.send(1).await.unwrap(); // branch 0 done, 1 and 2 waiting
        let frozen = h.freeze().await.unwrap();
        let thawed: Both = frozen.thaw().unwrap();
        let h = spawn_process(thawed);
        yt.send(2).await.unwrap();
        zt.send(3).await.unwrap();
        assert_eq!(h.join().await.unwrap(), 123);
    });
}
