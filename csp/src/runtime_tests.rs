//! Unit tests of spawning, joining, panics and `par!`.

use crate::prelude::*;
use crate::{Flavor, Runtime};

fn both_flavors(f: impl Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>) {
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = Runtime::builder()
            .flavor(flavor)
            .workers(2)
            .build()
            .unwrap();
        assert_eq!(rt.flavor(), flavor);
        rt.block_on(f());
    }
}

#[test]
fn join_returns_the_result() {
    both_flavors(|| {
        Box::pin(async {
            let h = spawn(async { 6 * 7 });
            assert_eq!(h.join().await, Ok(42));
        })
    });
}

#[test]
fn panic_is_reported_and_closes_the_processes_channels() {
    both_flavors(|| {
        Box::pin(async {
            let (tx, rx) = channel::<u8>();
            let h = spawn(async move {
                let _keep = tx;
                panic!("boom");
            });
            assert_eq!(h.join().await, Err(JoinError::Panicked("boom".into())));
            assert_eq!(rx.recv().await, Err(RecvError));
        })
    });
}

#[test]
fn abort_cancels_and_drops_ends() {
    both_flavors(|| {
        Box::pin(async {
            let (tx, rx) = channel::<u8>();
            let h = spawn(async move {
                let _ = tx.send(1).await;
                std::future::pending::<()>().await
            });
            assert_eq!(rx.recv().await, Ok(1));
            h.abort();
            assert!(h.join().await.unwrap_err().is_cancelled());
            assert_eq!(rx.recv().await, Err(RecvError));
        })
    });
}

#[test]
fn par_returns_every_result_in_order() {
    both_flavors(|| {
        Box::pin(async {
            let (tx, rx) = channel::<u8>();
            let (a, b, c) = par!(tx.send(1), rx.recv(), async { "third" });
            assert_eq!((a, b, c), (Ok(()), Ok(1), "third"));
            assert_eq!(par!(), ());
            assert_eq!(par!(async { 1 }), (1,));
        })
    });
}

#[test]
#[should_panic(expected = "branch failed")]
fn par_propagates_a_branch_panic() {
    crate::run(async {
        let ((), ()) = par!(async { panic!("branch failed") }, async {});
    });
}

#[test]
fn sleep_and_yield_are_pause_points() {
    crate::run(async {
        crate::yield_now().await;
        crate::sleep(std::time::Duration::from_millis(1)).await;
    });
}
