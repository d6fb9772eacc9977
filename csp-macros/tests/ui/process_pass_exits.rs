// Leaving a process early: `return` (before and after pauses, from inside
// loops), `?` on Result (with `From` conversion) and Option, on a pause and
// on ordinary code, and several pauses in one expression.

use csp::prelude::*;

#[derive(Debug, PartialEq)]
enum Error {
    Closed,
    Odd(u32),
}

impl From<RecvError> for Error {
    fn from(_: RecvError) -> Self {
        Error::Closed
    }
}

fn even(v: u32) -> Result<u32, Error> {
    if v % 2 == 0 {
        Ok(v)
    } else {
        Err(Error::Odd(v))
    }
}

#[process]
async fn results(rx: Receiver<u32>) -> Result<u32, Error> {
    let a: u32 = rx.recv().await?;
    let b: u32 = even(rx.recv().await?)?;
    let c: u32 = even(a + b)?;
    yield_now().await;
    Ok(c)
}

#[process]
async fn options(rx: Receiver<u32>, table: Vec<u32>) -> Option<u32> {
    let i: u32 = rx.recv().await.ok()?;
    let v: u32 = *table.get(i as usize)?;
    yield_now().await;
    Some(v)
}

#[process]
async fn early(rx: Receiver<u32>, limit: u32) -> u32 {
    if limit == 0 {
        return 0;
    }
    let mut sum: u32 = 0;
    loop {
        let v: u32 = rx.recv().await.unwrap_or(0);
        if v == 0 {
            return sum;
        }
        sum += v;
        for _ in 0..2u32 {
            yield_now().await;
            if sum > limit {
                return sum * 100;
            }
        }
    }
}

// What an expression evaluates before a later pause must be stable: a
// pause's own result (`rx.recv().await`, or `rx.recv().await?`), a local,
// a literal, a field.
#[process]
async fn several(a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> Result<u32, RecvError> {
    let s: u32 = a.recv().await? + b.recv().await?;
    let t: (Result<u32, RecvError>, Result<u32, RecvError>) = (a.recv().await, b.recv().await);
    out.send(a.recv().await? * 2).await.unwrap();
    let u: u32 = std::cmp::max(s, b.recv().await?);
    Ok(s * 1000 + t.0? * 100 + t.1? * 10 + u)
}

fn main() {
    csp::run(async {
        let (tx, rx) = buffered::<u32>(8);
        tx.try_send(2).unwrap();
        tx.try_send(4).unwrap();
        assert_eq!(results(rx.clone()).await, Ok(6));
        tx.try_send(2).unwrap();
        tx.try_send(3).unwrap();
        assert_eq!(results(rx.clone()).await, Err(Error::Odd(3)));
        tx.try_send(1).unwrap();
        tx.try_send(2).unwrap();
        assert_eq!(results(rx.clone()).await, Err(Error::Odd(3)));

        tx.try_send(1).unwrap();
        assert_eq!(options(rx.clone(), vec![10, 20]).await, Some(20));
        tx.try_send(5).unwrap();
        assert_eq!(options(rx.clone(), vec![10, 20]).await, None);

        assert_eq!(early(rx.clone(), 0).await, 0);
        tx.try_send(3).unwrap();
        tx.try_send(0).unwrap();
        assert_eq!(early(rx.clone(), 10).await, 3);
        tx.try_send(30).unwrap();
        assert_eq!(early(rx.clone(), 10).await, 3000);

        let (btx, brx) = buffered::<u32>(8);
        let (otx, orx) = buffered::<u32>(8);
        for v in [1, 3, 5] {
            tx.try_send(v).unwrap();
        }
        for v in [2, 4, 6] {
            btx.try_send(v).unwrap();
        }
        // s = 3, t = (3, 4), sent 10, u = max(3, 6) = 6
        assert_eq!(several(rx.clone(), brx, otx).await, Ok(3000 + 300 + 40 + 6));
        assert_eq!(orx.try_recv(), Ok(10));

        drop(tx);
        assert_eq!(results(rx).await, Err(Error::Closed));
    });
}
