// `#[process(name = .., version = ..)]`, visibility, `mut` parameters,
// attributes on the function, and items declared in the body.

use csp::prelude::*;

mod inner {
    use csp::prelude::*;

    /// Doc comments and attributes are kept on the constructor.
    #[process(name = Renamed, version = 3)]
    #[allow(clippy::let_and_return)]
    pub async fn renamed(mut n: u32, rx: Receiver<u32>) -> u32 {
        const STEP: u32 = 2;
        fn bump(x: u32) -> u32 {
            x + STEP
        }
        n = bump(n);
        let v: u32 = rx.recv().await.unwrap_or(0);
        let sum = n + v;
        sum
    }
}

#[process(version = 2)]
async fn versioned() -> u32 {
    yield_now().await;
    1
}

#[process(name = Trailing,)]
async fn trailing_comma() {}

fn main() {
    use csp::Process;
    assert_eq!(<inner::Renamed as Process>::NAME, "Renamed");
    assert_eq!(<inner::Renamed as Process>::VERSION, 3);
    assert_eq!(<Versioned as Process>::NAME, "Versioned");
    assert_eq!(<Versioned as Process>::VERSION, 2);
    assert_eq!(<Trailing as Process>::VERSION, 1);
    csp::run(async {
        let (tx, rx) = buffered::<u32>(1);
        tx.try_send(10).unwrap();
        let frame: inner::Renamed = inner::renamed(5, rx);
        assert_eq!(spawn(frame).join().await.unwrap(), 17);
        assert_eq!(versioned().await, 1);
        trailing_comma().await;
    });
}
