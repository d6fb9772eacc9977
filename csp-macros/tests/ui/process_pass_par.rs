// `par!` inside a process: every kind of operation as a branch, the tuple
// of results (typed, destructured, used with `?`), as a statement, and
// inside loops and branches.

use csp::prelude::*;
use std::time::Duration;

#[process]
async fn child(n: u32) -> u32 {
    yield_now().await;
    n * 10
}

#[process]
async fn all_kinds(rx: Receiver<u32>, tx: Sender<u32>) -> u32 {
    let r: (
        Result<u32, RecvError>,
        Result<(), SendError<u32>>,
        (),
        (),
        Result<(), MoveError>,
        u32,
        u32,
    ) = par!(
        rx.recv(),
        tx.send(1),
        sleep(Duration::from_millis(1)),
        yield_now(),
        migrate_to(9u64),
        child(2),
        effect::<u32>(async { 3 }),
    );
    let (got, sent, (), (), moved, c, e) = r;
    sent.unwrap();
    assert_eq!(moved, Err(MoveError::NoNode));
    got.unwrap_or(0) + c + e
}

#[process]
async fn pairs(a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> Result<u32, RecvError> {
    let mut total: u32 = 0;
    for _ in 0..2u32 {
        let (x, y) = par!(a.recv(), b.recv());
        let sum: u32 = x? + y?;
        par!(out.send(sum)).0.unwrap();
        par!(yield_now());
        total += sum;
    }
    if total > 0 {
        let (z,): (Result<u32, RecvError>,) = csp::par!(a.recv());
        total += z?;
    }
    Ok(total)
}

fn main() {
    csp::run(async {
        let (itx, irx) = buffered::<u32>(4);
        let (otx, orx) = buffered::<u32>(4);
        itx.try_send(5).unwrap();
        assert_eq!(all_kinds(irx, otx).await, 5 + 20 + 3);
        assert_eq!(orx.try_recv(), Ok(1));

        let (atx, arx) = buffered::<u32>(4);
        let (btx, brx) = buffered::<u32>(4);
        let (otx, orx) = buffered::<u32>(4);
        for v in [1, 2, 100] {
            atx.try_send(v).unwrap();
        }
        for v in [10, 20] {
            btx.try_send(v).unwrap();
        }
        assert_eq!(pairs(arx, brx, otx).await, Ok(11 + 22 + 100));
        assert_eq!(orx.try_recv(), Ok(11));
        assert_eq!(orx.try_recv(), Ok(22));
    });
}
