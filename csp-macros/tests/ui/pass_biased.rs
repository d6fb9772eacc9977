//! `biased;` tries the arms in order (occam's `PRI ALT`); without it the
//! first arm tried is random, so no ready arm starves.

use csp::prelude::*;

fn main() {
    csp::run(async {
        let (atx, arx) = buffered::<u32>(1);
        let (btx, brx) = buffered::<u32>(1);

        for _ in 0..100 {
            atx.try_send(1).unwrap();
            btx.try_send(2).unwrap();
            let v = alt! {
                biased;
                Ok(v) = arx.recv() => v,
                Ok(v) = brx.recv() => v,
            };
            assert_eq!(v, 1, "biased: the first ready arm wins");
            assert_eq!(brx.try_recv(), Ok(2));
        }

        let mut seen = [0; 2];
        for _ in 0..100 {
            atx.try_send(1).unwrap();
            btx.try_send(2).unwrap();
            let i = alt! {
                Ok(_) = arx.recv() => 0,
                Ok(_) = brx.recv() => 1,
            };
            seen[i] += 1;
            // Drain whichever was not chosen.
            let _ = arx.try_recv();
            let _ = brx.try_recv();
        }
        assert!(
            seen[0] > 0 && seen[1] > 0,
            "fair alt starved an arm: {seen:?}"
        );
    });
}
