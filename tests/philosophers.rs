//! Dining philosophers, occam style: forks are processes, picked up and put
//! down over rendezvous channels. Deadlock is avoided two classic ways: a
//! footman who lets at most four sit (an `alt!` with a precondition), and
//! ordered fork acquisition. Everyone must finish with an exact meal count.

mod support;

use csp::prelude::*;
use csp::Flavor;
use support::{run_on, FLAVORS};

const N: usize = 5;
const MEALS: u32 = 500;

/// A fork's two channels; a philosopher sends its id on each.
#[derive(Clone)]
struct ForkEnds {
    up: Sender<usize>,
    down: Sender<usize>,
}

/// Serves one holder at a time until both neighbours have gone; checks
/// that the fork comes back from whoever took it. Returns times used.
async fn fork(up: Receiver<usize>, down: Receiver<usize>) -> u32 {
    let mut uses: u32 = 0;
    while let Ok(holder) = up.recv().await {
        let back = down.recv().await.expect("a holder puts the fork down");
        assert_eq!(back, holder, "fork returned by someone else");
        uses += 1;
    }
    uses
}

/// Admits at most four diners; returns the most that were ever seated.
async fn footman(sit: Receiver<usize>, stand: Receiver<usize>) -> usize {
    let mut seated: usize = 0;
    let mut most: usize = 0;
    loop {
        alt! {
            r = sit.recv(), if seated < N - 1 => match r {
                Ok(_) => {
                    seated += 1;
                    most = most.max(seated);
                }
                // Every philosopher is gone (and so has stood up).
                Err(_) => break,
            },
            Ok(_) = stand.recv() => seated -= 1,
        }
    }
    assert_eq!(seated, 0, "someone left without standing up");
    most
}

/// Seating, when a footman is used.
struct Seat {
    sit: Sender<usize>,
    stand: Sender<usize>,
}

/// Eats `MEALS` times taking `first` then `second`; returns meals eaten.
async fn philosopher(id: usize, first: ForkEnds, second: ForkEnds, seat: Option<Seat>) -> u32 {
    let mut meals: u32 = 0;
    while meals < MEALS {
        // Thinking: let the others move.
        for _ in 0..fastrand::usize(..3) {
            yield_now().await;
        }
        if let Some(s) = &seat {
            s.sit.send(id).await.expect("footman serves");
        }
        first.up.send(id).await.expect("fork serves");
        second.up.send(id).await.expect("fork serves");
        meals += 1;
        if fastrand::bool() {
            yield_now().await;
        }
        second.down.send(id).await.expect("fork serves");
        first.down.send(id).await.expect("fork serves");
        if let Some(s) = &seat {
            s.stand.send(id).await.expect("footman serves");
        }
    }
    meals
}

/// Runs the table; `ordered` takes the lower-numbered fork first (no
/// footman), otherwise left then right with a footman. Returns each
/// philosopher's meals, each fork's uses and the most seated at once.
async fn table(ordered: bool) -> (Vec<u32>, Vec<u32>, usize) {
    let mut ends = Vec::with_capacity(N);
    let mut forks = Vec::with_capacity(N);
    for _ in 0..N {
        let (up, up_rx) = channel::<usize>();
        let (down, down_rx) = channel::<usize>();
        forks.push(spawn(fork(up_rx, down_rx)));
        ends.push(ForkEnds { up, down });
    }
    let (sit, sit_rx) = channel::<usize>();
    let (stand, stand_rx) = channel::<usize>();
    let footman = spawn(footman(sit_rx, stand_rx));
    let mut diners = Vec::with_capacity(N);
    for id in 0..N {
        let (left, right) = (id, (id + 1) % N);
        let (a, b) = if ordered {
            (left.min(right), left.max(right))
        } else {
            (left, right)
        };
        let seat = (!ordered).then(|| Seat {
            sit: sit.clone(),
            stand: stand.clone(),
        });
        diners.push(spawn(philosopher(
            id,
            ends[a].clone(),
            ends[b].clone(),
            seat,
        )));
    }
    // Only the philosophers hold channel ends now: once they finish, the
    // forks and the footman see closed channels and end.
    drop((ends, sit, stand));
    let mut meals = Vec::with_capacity(N);
    for d in diners {
        meals.push(d.join().await.expect("philosopher finished"));
    }
    let mut uses = Vec::with_capacity(N);
    for f in forks {
        uses.push(f.join().await.expect("fork finished"));
    }
    let most = footman.join().await.expect("footman finished");
    (meals, uses, most)
}

fn check(flavor: Flavor, ordered: bool) {
    let (meals, uses, most) = run_on(flavor, move || table(ordered));
    assert_eq!(meals, vec![MEALS; N], "everyone eats exactly {MEALS} times");
    assert_eq!(meals.iter().sum::<u32>(), N as u32 * MEALS);
    // Each meal takes two forks, each fork serves its two neighbours.
    assert_eq!(uses, vec![2 * MEALS; N]);
    if ordered {
        assert_eq!(most, 0, "nobody used the footman");
    } else {
        assert!((1..N).contains(&most), "at most four seated, saw {most}");
    }
}

#[test]
fn footman_limits_seating_current_thread() {
    check(Flavor::CurrentThread, false);
}

#[test]
fn footman_limits_seating_multi_thread() {
    check(Flavor::MultiThread, false);
}

#[test]
fn ordered_forks_on_every_flavor() {
    for flavor in FLAVORS {
        check(flavor, true);
    }
}
