//! Commas: optional after a block-like body (`{}`, `if`, `match`, `loop`,
//! `while`, `for`, `unsafe {}`), required otherwise; a trailing comma is
//! optional.

use csp::prelude::*;

fn main() {
    csp::run(async {
        let (tx, rx) = buffered::<u32>(1);
        tx.try_send(2).unwrap();
        let mut hits = 0;
        alt! {
            Ok(v) = rx.recv() => {
                hits += v;
            }
            default => {}
        }
        alt! {
            Ok(v) = rx.recv() => if v > 0 { hits += 1 } else { hits += 2 }
            default => match hits {
                2 => hits += 10,
                _ => {}
            }
        }
        alt! {
            Ok(_) = rx.recv() => for i in 0..1 { hits += i }
            default => while hits < 13 { hits += 1 }
        }
        alt! {
            Ok(_) = rx.recv() => loop { break }
            default => unsafe { bump(&mut hits, 0) }
        }
        let last = alt! {
            Ok(v) = rx.recv() => v,
            default => hits
        };
        assert_eq!(last, 13);
    });
}

/// Adds `by` to `n`.
///
/// # Safety
/// None needed; `unsafe` only so that an arm body can be an `unsafe` block.
unsafe fn bump(n: &mut u32, by: u32) {
    *n += by;
}
