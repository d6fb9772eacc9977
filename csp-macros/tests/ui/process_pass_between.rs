// Between pause points any Rust is left as written: closures, iterators,
// macros, `unsafe` blocks, loops without pauses (with their own
// break/continue), nested items, untyped and shadowed locals that do not
// live across a pause, and deep nesting of control flow around pauses.

use csp::prelude::*;

#[process]
async fn between(rx: Receiver<u32>, tx: Sender<String>) -> u32 {
    let first: u32 = rx.recv().await.unwrap_or(0);
    // Untyped locals used before the next pause need no type; shadowing a
    // name that does not live across a pause is fine.
    let raw_values = vec![first, first + 1, first + 2];
    let raw_values = raw_values.len();
    let scratch: Vec<u32> = (0..raw_values as u32)
        .map(|i| (first + i) * 2)
        .filter(|x| *x > 0)
        .collect();
    let mut odd = 0;
    for x in &scratch {
        if x % 4 == 0 {
            continue;
        }
        odd += 1;
        if odd > 10 {
            break;
        }
    }
    let raw: u32 = unsafe { *std::ptr::addr_of!(first) };
    let text = format!("{first}:{raw}:{odd}");
    assert!(!text.is_empty(), "{}", text);
    tx.send(text).await.unwrap();
    let sum: u32 = scratch.iter().sum();
    // A guard kept to the end of its scope (`_name`).
    let _keep: Sender<String> = tx.clone();
    let mut total: u32 = sum;
    // Deep nesting: if > for > while > match > loop, pausing at the bottom.
    if total > 0 {
        for round in 0..2u32 {
            let mut left: u32 = round + 1;
            while left > 0 {
                match left % 2 {
                    0 => loop {
                        let v: u32 = rx.recv().await.unwrap_or(0);
                        total += v;
                        break;
                    },
                    _ => {
                        yield_now().await;
                        total += 1;
                    }
                }
                left -= 1;
            }
        }
    }
    total
}

fn main() {
    csp::run(async {
        let (itx, irx) = buffered::<u32>(4);
        let (otx, orx) = buffered::<String>(4);
        itx.try_send(3).unwrap();
        itx.try_send(100).unwrap();
        // scratch = [6, 8, 10], odd = 2 (8 skipped); sum = 24
        // rounds: left 1 -> +1; left 2 -> +100, left 1 -> +1
        assert_eq!(between(irx, otx).await, 24 + 1 + 100 + 1);
        assert_eq!(orx.try_recv().as_deref(), Ok("3:3:2"));
    });
}
