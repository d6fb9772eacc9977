// Every kind of pause point: recv, send, sleep, yield_now and migrate_to
// (with and without a path prefix), effect (typed `let` and turbofish), and
// calls to other processes (plain and by module path, as a value and as a
// statement).

use csp::prelude::*;
use std::time::Duration;

mod helpers {
    use csp::prelude::*;

    #[process]
    pub async fn double(n: u32) -> u32 {
        yield_now().await;
        n * 2
    }
}

#[process]
async fn add_one(n: u32) -> u32 {
    n + 1
}

#[process]
async fn notify(tx: Sender<u32>, v: u32) {
    let _ = tx.send(v).await;
}

#[process]
async fn every_pause(rx: Receiver<u32>, tx: Sender<u32>, peer: u64) -> u32 {
    let v: u32 = rx.recv().await.unwrap_or(0);
    let _ = tx.send(v).await;
    tx.send(v * 2).await.unwrap();
    sleep(Duration::from_millis(1)).await;
    csp::sleep(Duration::from_millis(1)).await;
    yield_now().await;
    csp::yield_now().await;
    // Not run by a node: each move fails and the process carries on here.
    let moved: Result<(), MoveError> = migrate_to(peer).await;
    csp::migrate_to(7u64).await.unwrap_err();
    assert_eq!(moved, Err(MoveError::NoNode));
    let e: u32 = effect(async move { v + 1 }).await;
    let f: u32 = effect::<u32>(async {
        let inner = async { 10u32 };
        inner.await
    })
    .await;
    let g: u32 = csp::effect(async { 100u32 }).await;
    let c: u32 = add_one(e).await;
    let d: u32 = helpers::double(c).await;
    notify(tx.clone(), d).await;
    // `alt!` runs inside an effect (the fix the alt-in-process error gives).
    let rx2 = rx.clone();
    let picked: u32 = effect(async move {
        alt! {
            Ok(v) = rx2.recv() => v,
            default => 1000,
        }
    })
    .await;
    e + f + g + c + d + picked
}

fn main() {
    csp::run(async {
        let (itx, irx) = buffered::<u32>(4);
        let (otx, orx) = buffered::<u32>(4);
        itx.try_send(5).unwrap();
        let got = every_pause(irx, otx, 3).await;
        // e = 6, f = 10, g = 100, c = 7, d = 14, picked = 1000 (nothing ready)
        assert_eq!(got, 1137);
        assert_eq!(orx.try_recv(), Ok(5));
        assert_eq!(orx.try_recv(), Ok(10));
        assert_eq!(orx.try_recv(), Ok(14));
    });
}
