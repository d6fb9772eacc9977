//! Arm bodies are ordinary code of the enclosing function: `break`,
//! `continue` (also labelled, also with a value), `return`, `?` and
//! `.await` act there, not inside the macro's own loop.

use csp::prelude::*;

/// Sums the input, skipping zeros, until the channel closes.
async fn sum(rx: &Receiver<u32>) -> u32 {
    let mut total = 0;
    loop {
        alt! {
            r = rx.recv() => match r {
                Ok(0) => continue,
                Ok(v) => total += v,
                Err(_) => break,
            }
        }
    }
    total
}

/// The first value, doubled, via `break` with a value.
async fn first_doubled(rx: &Receiver<u32>) -> u32 {
    loop {
        alt! {
            Ok(v) = rx.recv() => break v * 2,
        }
    }
}

/// Leaves two loops at once.
async fn labelled(rx: &Receiver<u32>) -> u32 {
    let mut n = 0;
    'outer: loop {
        loop {
            alt! {
                r = rx.recv() => match r {
                    Ok(v) => {
                        n += v;
                        if n > 3 {
                            break 'outer;
                        }
                        continue 'outer;
                    }
                    Err(_) => break 'outer,
                }
            }
        }
    }
    n
}

/// `return` from inside an arm.
async fn ready_now(rx: &Receiver<u32>) -> Option<u32> {
    alt! {
        Ok(v) = rx.recv() => return Some(v),
        default => {}
    }
    None
}

/// `?` inside an arm propagates out of this function.
async fn next_plus_one(rx: &Receiver<u32>) -> Result<u32, RecvError> {
    let v = alt! { r = rx.recv() => r? };
    Ok(v + 1)
}

/// `.await` and a nested alt inside a body.
async fn forward(rx: &Receiver<u32>, tx: &Sender<u32>) -> u32 {
    alt! {
        Ok(v) = rx.recv() => {
            tx.send(v + 1).await.unwrap();
            alt! {
                Ok(w) = rx.recv() => w,
                default => v,
            }
        }
    }
}

fn main() {
    csp::run(async {
        let (tx, rx) = buffered::<u32>(8);
        for v in [1, 0, 2, 0, 3] {
            tx.try_send(v).unwrap();
        }
        drop(tx);
        assert_eq!(sum(&rx).await, 6);

        let (tx, rx) = buffered::<u32>(8);
        tx.try_send(21).unwrap();
        assert_eq!(first_doubled(&rx).await, 42);

        for v in [1, 2, 3] {
            tx.try_send(v).unwrap();
        }
        assert_eq!(labelled(&rx).await, 6);

        assert_eq!(ready_now(&rx).await, None);
        tx.try_send(4).unwrap();
        assert_eq!(ready_now(&rx).await, Some(4));

        tx.try_send(9).unwrap();
        assert_eq!(next_plus_one(&rx).await, Ok(10));
        drop(tx);
        assert_eq!(next_plus_one(&rx).await, Err(RecvError));

        let (itx, irx) = buffered::<u32>(2);
        let (otx, orx) = buffered::<u32>(2);
        itx.try_send(1).unwrap();
        assert_eq!(forward(&irx, &otx).await, 1);
        assert_eq!(orx.try_recv(), Ok(2));
    });
}
