//! `par!` with zero, one and three branches, a trailing comma, branches
//! that borrow locals, and channel operations that need each other (a
//! rendezvous within one process).

use csp::prelude::*;

fn main() {
    csp::run(async {
        let () = par!();

        let (one,) = par!(async { 1 });
        assert_eq!(one, 1);

        let (tx, rx) = channel::<&str>();
        let label = String::from("c");
        let (sent, got, c) = par!(tx.send("hi"), rx.recv(), async { label.as_str() });
        assert_eq!((sent, got, c), (Ok(()), Ok("hi"), "c"));

        let (a, b) = par!(async { "a" }, async { "b" },);
        assert_eq!((a, b), ("a", "b"));
    });
}
