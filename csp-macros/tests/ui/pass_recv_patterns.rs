//! Receive arms: the implicit `Ok(_)` pattern, bindings, nested and
//! refutable patterns (a mismatch disables the arm and the alt keeps
//! waiting), and a binding of the whole `Result`.

use csp::prelude::*;

fn main() {
    csp::run(async {
        let (tx, rx) = buffered::<(u32, &str)>(4);

        // No pattern: `Ok(_)`.
        tx.try_send((1, "one")).unwrap();
        let fired = alt! { rx.recv() => "fired" };
        assert_eq!(fired, "fired");

        // A nested binding.
        tx.try_send((2, "two")).unwrap();
        let (n, s) = alt! { Ok((n, s)) = rx.recv() => (n, s) };
        assert_eq!((n, s), (2, "two"));

        // The whole result.
        tx.try_send((3, "three")).unwrap();
        let r = alt! { r = rx.recv() => r };
        assert_eq!(r, Ok((3, "three")));

        // A literal inside the pattern: the arm fires only on a match.
        tx.try_send((4, "four")).unwrap();
        let which = alt! {
            Ok((4, word)) = rx.recv() => word,
            default => "none",
        };
        assert_eq!(which, "four");

        // `Ok(v)` does not match the close of `closed`: that arm is
        // disabled and the other one fires.
        let (closing, closed) = channel::<u32>();
        drop(closing);
        let (otx, orx) = buffered::<u32>(1);
        otx.try_send(7).unwrap();
        let v = alt! {
            Ok(v) = closed.recv() => v,
            Ok(v) = orx.recv() => v,
        };
        assert_eq!(v, 7);

        // `Err(_)` catches the close.
        let was_closed = alt! { Err(RecvError) = closed.recv() => true };
        assert!(was_closed);
    });
}
