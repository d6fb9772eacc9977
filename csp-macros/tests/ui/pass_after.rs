//! Timeout arms: `after(duration)` fires once the duration has passed and
//! nothing else was ready.

use csp::prelude::*;

fn main() {
    csp::run(async {
        let (_tx, rx) = channel::<u32>();
        let timeout = Duration::from_millis(10);
        let got = alt! {
            Ok(v) = rx.recv() => v,
            after(timeout) => 0,
        };
        assert_eq!(got, 0);

        // A ready arm beats a timeout.
        let (btx, brx) = buffered::<u32>(1);
        btx.try_send(3).unwrap();
        let got = alt! {
            Ok(v) = brx.recv() => v,
            after(Duration::from_secs(60)) => 0,
        };
        assert_eq!(got, 3);

        // With a precondition, and a computed duration.
        let patient = false;
        let got = alt! {
            after(Duration::from_secs(60)), if patient => "slow",
            after(timeout * 2) => "fast",
        };
        assert_eq!(got, "fast");
    });
}
