//! Send arms: the implicit `Ok(())` pattern, a rendezvous with another
//! process, an unchosen send whose value is never delivered, and an
//! `Err(SendError(v))` pattern that gets the value back from a closed
//! channel.

use csp::prelude::*;

fn main() {
    csp::run(async {
        // Into a buffer with room.
        let (tx, rx) = buffered::<String>(1);
        let fired = alt! { tx.send("a".to_string()) => true };
        assert!(fired);
        assert_eq!(rx.try_recv().as_deref(), Ok("a"));

        // A full buffer: the send arm is not ready, `default` fires and the
        // offered value is dropped, never delivered.
        tx.try_send("full".to_string()).unwrap();
        let what = alt! {
            tx.send(String::from("b")) => "sent",
            default => "full",
        };
        assert_eq!(what, "full");
        assert_eq!(rx.try_recv().as_deref(), Ok("full"));
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));

        // A rendezvous: the arm fires once the receiver has the value.
        let (rtx, rrx) = channel::<u32>();
        let receiver = spawn(async move { rrx.recv().await });
        alt! { rtx.send(5) => {} }
        assert_eq!(receiver.join().await.unwrap(), Ok(5));

        // On a closed channel the value comes back in the error.
        drop(rx);
        let back = alt! { Err(SendError(v)) = tx.send("c".to_string()) => v };
        assert_eq!(back, "c");
    });
}
