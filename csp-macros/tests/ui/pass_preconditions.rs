//! Preconditions: `guard, if cond => body`. A false precondition disables
//! the arm before its guard's expressions are evaluated (a send arm's value
//! is not even computed).

use csp::prelude::*;

fn main() {
    csp::run(async {
        let (tx, rx) = buffered::<u32>(2);
        tx.try_send(1).unwrap();

        let mut evaluated = 0;
        let open = false;
        let got = alt! {
            Ok(v) = rx.recv(), if open => v,
            tx.send({ evaluated += 1; 9 }), if open => 0,
            default => 100,
        };
        assert_eq!(got, 100);
        assert_eq!(evaluated, 0, "a disabled send arm's value is not evaluated");

        let limit = 5;
        let got = alt! {
            Ok(v) = rx.recv(), if v_allowed(limit) => v,
            default => 100,
        };
        assert_eq!(got, 1);

        // With a pattern and a precondition together, and a block body.
        tx.try_send(2).unwrap();
        let got = alt! {
            Ok(v) = rx.recv(), if limit > 0 => {
                v * 10
            }
        };
        assert_eq!(got, 20);
    });
}

fn v_allowed(limit: u32) -> bool {
    limit > 0
}
