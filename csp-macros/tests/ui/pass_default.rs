//! The `default` arm fires when no guard is ready as the alt starts; an
//! alt may consist of `default` alone.

use csp::prelude::*;

fn main() {
    csp::run(async {
        let only = alt! { default => 3 };
        assert_eq!(only, 3);

        let (tx, rx) = buffered::<u32>(1);
        let got = alt! {
            Ok(v) = rx.recv() => v,
            default => 0,
        };
        assert_eq!(got, 0);

        tx.try_send(8).unwrap();
        let got = alt! {
            default => 0,
            Ok(v) = rx.recv() => v,
        };
        assert_eq!(
            got, 8,
            "a ready guard beats default, wherever it is written"
        );

        let got = alt! {
            biased;
            Ok(v) = rx.recv() => v,
            default => {
                0
            }
        };
        assert_eq!(got, 0);
    });
}
