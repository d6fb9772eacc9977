//! Differential tests for `#[process]`: each control-flow form the transform
//! supports is written once and compiled twice, as a `#[process]` state
//! machine and as a plain `async fn` with the identical body (the `twin!`
//! macro stamps out both). Both are driven with the same inputs over
//! rendezvous channels, on a current-thread and a multi-thread runtime, and
//! must produce the same outputs, the same return value, and consume the
//! same number of inputs. The driver also closes the output early (after
//! 0, 1, 3 values) so the paths taken when a send fails are compared too.
//! A few cases additionally check hand-computed results, so a harness that
//! compared nothing could not pass. Constructs that do not compile yet are
//! in process_gaps.rs; comments here point to them where a test had to be
//! written around one.

use std::collections::VecDeque;
use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use csp::prelude::*;
use csp::{process, Flavor, Runtime};

/// Writes the same function twice: `$proc` as a `#[process]`, `$plain` as a
/// plain `async fn`. The body is passed through as raw tokens.
macro_rules! twin {
    (fn $proc:ident / $plain:ident ($($p:ident : $t:ty),* $(,)?) -> $ret:ty { $($body:tt)* }) => {
        #[process]
        async fn $proc($($p: $t),*) -> $ret { $($body)* }

        async fn $plain($($p: $t),*) -> $ret { $($body)* }
    };
}

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// Runs `f` on a current-thread runtime and then on a multi-thread one, with
/// a generous watchdog so a hang fails instead of blocking the suite.
fn on_both<F, Fut>(f: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()>,
{
    for flavor in [Flavor::CurrentThread, Flavor::MultiThread] {
        let rt = Runtime::builder()
            .flavor(flavor)
            .workers(4)
            .build()
            .expect("runtime");
        rt.block_on(async {
            let watchdog = tokio::time::timeout(Duration::from_secs(60), f());
            watchdog
                .await
                .unwrap_or_else(|_| panic!("test hung on {flavor:?}"));
        });
    }
}

/// What a run of a one-input, one-output process produced.
#[derive(Debug, PartialEq)]
struct Outcome<O, R> {
    /// Everything it sent, in order.
    out: Vec<O>,
    /// What it returned.
    ret: R,
    /// How many inputs it took before it stopped receiving.
    taken: usize,
}

/// Spawns `make(input, output)`, feeds it `inputs` (then closes the input),
/// and collects its output. With `keep = Some(k)` the output receiver is
/// dropped after `k` values, so later sends fail.
async fn drive<I, O, R, F>(
    make: impl FnOnce(Receiver<I>, Sender<O>) -> F,
    inputs: Vec<I>,
    keep: Option<usize>,
) -> Outcome<O, R>
where
    I: Send + 'static,
    O: Send + 'static,
    R: Send + 'static,
    F: Future<Output = R> + Send + 'static,
{
    let (itx, irx) = channel::<I>();
    let (otx, orx) = channel::<O>();
    let p = spawn(make(irx, otx));
    let feeder = spawn(async move {
        let mut taken = 0;
        for v in inputs {
            if itx.send(v).await.is_err() {
                break;
            }
            taken += 1;
        }
        taken
    });
    let mut out = Vec::new();
    while keep.is_none_or(|k| out.len() < k) {
        match orx.recv().await {
            Ok(v) => out.push(v),
            Err(_) => break,
        }
    }
    drop(orx);
    let ret = p.join().await.expect("process failed");
    let taken = feeder.join().await.expect("feeder failed");
    Outcome { out, ret, taken }
}

/// Runs the process and the plain twin on the same inputs, for every
/// output cut-off, and asserts identical outcomes. Returns the outcome with
/// the output kept open.
async fn same<I, O, R, F, G>(
    proc_: impl Fn(Receiver<I>, Sender<O>) -> F,
    plain: impl Fn(Receiver<I>, Sender<O>) -> G,
    inputs: Vec<I>,
) -> Outcome<O, R>
where
    I: Clone + Debug + Send + 'static,
    O: Debug + PartialEq + Send + 'static,
    R: Debug + PartialEq + Send + 'static,
    F: Future<Output = R> + Send + 'static,
    G: Future<Output = R> + Send + 'static,
{
    for keep in [Some(0), Some(1), Some(3)] {
        let a = drive(&proc_, inputs.clone(), keep).await;
        let b = drive(&plain, inputs.clone(), keep).await;
        assert_eq!(
            a, b,
            "process vs plain differ; inputs {inputs:?}, keep {keep:?}"
        );
    }
    let a = drive(&proc_, inputs.clone(), None).await;
    let b = drive(&plain, inputs.clone(), None).await;
    assert_eq!(a, b, "process vs plain differ; inputs {inputs:?}");
    a
}

/// Input sequences: edge cases plus seeded random ones.
fn cases() -> Vec<Vec<u32>> {
    let mut v: Vec<Vec<u32>> = vec![
        vec![],
        vec![0],
        vec![1],
        vec![2],
        vec![13],
        vec![200],
        (1..=30).collect(),
        (0..30).rev().collect(),
        vec![5, 0, 7, 0, 9],
        vec![4, 8, 12, 16, 20, 24, 0, 1],
        vec![101, 3, 99, 11, 150, 0],
    ];
    for seed in 1..=24u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let len = rng.usize(0..40);
        v.push((0..len).map(|_| rng.u32(0..120)).collect());
    }
    v
}

/// Runs the twins over every case.
async fn all_cases<R, F, G>(
    proc_: impl Fn(Receiver<u32>, Sender<u32>) -> F,
    plain: impl Fn(Receiver<u32>, Sender<u32>) -> G,
) where
    R: Debug + PartialEq + Send + 'static,
    F: Future<Output = R> + Send + 'static,
    G: Future<Output = R> + Send + 'static,
{
    for inputs in cases() {
        same(&proc_, &plain, inputs).await;
    }
}

// ---------------------------------------------------------------------------
// if / else / else if
// ---------------------------------------------------------------------------

twin! { fn if_chain_p / if_chain_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        if x % 4 == 0 {
            if output.send(x / 4).await.is_err() {
                break;
            }
        } else if x % 4 == 1 {
            let _ = output.send(x * 10).await;
            let _ = output.send(x * 100).await;
        } else if x > 50 {
            n += 1;
        } else {
            n += 2;
            let _ = output.send(n).await;
        }
        n += x;
    }
    n
}}

#[test]
fn if_else_chain() {
    on_both(|| async {
        all_cases(if_chain_p, if_chain_q).await;
        let o = same(if_chain_p, if_chain_q, vec![4, 5, 60, 7]).await;
        assert_eq!(o.out, [1, 50, 500, 15, 4 + 5 + 60 + 2]);
        assert_eq!(o.ret, 4 + 5 + 60 + 2 + 7);
    });
}

twin! { fn if_cond_p / if_cond_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut hits: u32 = 0;
    loop {
        if input.recv().await.unwrap_or(0) == 0 {
            break;
        } else if input.recv().await.unwrap_or(0) % 2 == 0 {
            hits += 1;
            let _ = output.send(hits).await;
        } else if output.send(hits + 1000).await.is_ok() && hits > 3 {
            hits += 10;
        }
    }
    hits
}}

#[test]
fn if_pause_in_conditions() {
    on_both(|| async {
        all_cases(if_cond_p, if_cond_q).await;
        let o = same(if_cond_p, if_cond_q, vec![1, 2, 1, 3, 0]).await;
        assert_eq!(o.out, [1, 1001]);
        assert_eq!(o.ret, 1);
        assert_eq!(o.taken, 5);
    });
}

// ---------------------------------------------------------------------------
// if let
// ---------------------------------------------------------------------------

twin! { fn if_let_p / if_let_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut sum: u32 = 0;
    let mut last: Option<u32> = None;
    let mut open: bool = true;
    while open {
        if let Ok(x) = input.recv().await {
            if let Some(prev) = last {
                let p: u32 = prev;
                let _ = output.send(p + x).await;
                sum += p;
            } else {
                let _ = output.send(x).await;
            }
            // `x` comes from `Ok(x)` on the receive: it keeps its type
            // across the sends above.
            sum += x;
            // (`last = Some(x);` here does not compile: see
            // process_gaps.rs, `assignment_before_read_after_pause`.)
            last.replace(x);
        } else {
            open = false;
        }
    }
    sum
}}

#[test]
fn if_let_on_recv_and_option() {
    on_both(|| async {
        all_cases(if_let_p, if_let_q).await;
        let o = same(if_let_p, if_let_q, vec![1, 2, 3]).await;
        assert_eq!(o.out, [1, 3, 5]);
        assert_eq!(o.ret, 1 + 2 + 3 + 1 + 2);
    });
}

// ---------------------------------------------------------------------------
// match with guards and bindings
// ---------------------------------------------------------------------------

twin! { fn match_recv_p / match_recv_q (input: Receiver<u32>, output: Sender<u32>) -> Vec<u32> {
    let mut log: Vec<u32> = Vec::new();
    loop {
        match input.recv().await {
            Ok(0) => break,
            Ok(even) if even % 2 == 0 => {
                let _ = output.send(even / 2).await;
                log.push(even);
            }
            Ok(big) if big > 100 => return log,
            Ok(x) => {
                let y: u32 = x * 3 + 1;
                let _ = output.send(y).await;
                let _ = output.send(y + x).await;
                log.push(y);
            }
            Err(_) => break,
        }
        match log.len() % 3 {
            0 => {}
            1 => {
                let _ = output.send(7).await;
            }
            r => {
                let r2: usize = r;
                let _ = output.send(8).await;
                log.push(r2 as u32);
            }
        }
    }
    log.push(999);
    log
}}

#[test]
fn match_on_recv_with_guards() {
    on_both(|| async {
        all_cases(match_recv_p, match_recv_q).await;
        let o = same(match_recv_p, match_recv_q, vec![4, 3, 101, 5]).await;
        assert_eq!(o.out, [2, 7, 10, 13, 8]);
        assert_eq!(o.ret, [4, 10, 2]);
        assert_eq!(o.taken, 3);
    });
}

#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
enum Shape {
    Dot,
    Line(u32),
    Rect { w: u32, h: u32 },
}

fn shape_cases() -> Vec<Vec<Shape>> {
    let mut v = vec![
        vec![],
        vec![
            Shape::Dot,
            Shape::Line(2),
            Shape::Line(9),
            Shape::Rect { w: 3, h: 3 },
        ],
        vec![Shape::Rect { w: 2, h: 5 }, Shape::Dot, Shape::Line(0)],
    ];
    for seed in 1..=12u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let len = rng.usize(0..25);
        v.push(
            (0..len)
                .map(|_| match rng.u8(0..3) {
                    0 => Shape::Dot,
                    1 => Shape::Line(rng.u32(0..8)),
                    _ => Shape::Rect {
                        w: rng.u32(0..5),
                        h: rng.u32(0..5),
                    },
                })
                .collect(),
        );
    }
    v
}

twin! { fn match_enum_p / match_enum_q (input: Receiver<Shape>, output: Sender<u32>) -> u32 {
    let mut area: u32 = 0;
    while let Ok(s) = input.recv().await {
        match s {
            Shape::Dot => {
                let _ = output.send(0).await;
            }
            Shape::Line(n @ 0..=3) => {
                let len: u32 = n;
                let _ = output.send(len).await;
                area += len;
            }
            Shape::Line(n2) => area += n2,
            Shape::Rect { w, h } if w == h => {
                let side: u32 = w;
                let _ = output.send(side * side).await;
                area += side;
            }
            Shape::Rect { w: w2, h: h2 } => {
                let a: u32 = w2 * h2;
                let _ = output.send(a).await;
                let _ = output.send(a + 1).await;
                area += a;
            }
        }
        // `s` came from `Ok(s)` on the receive, so it may be used here.
        if s == Shape::Dot {
            area += 100;
        }
    }
    area
}}

#[test]
fn match_on_enum_bindings_and_guards() {
    on_both(|| async {
        for inputs in shape_cases() {
            same(match_enum_p, match_enum_q, inputs).await;
        }
        let o = same(
            match_enum_p,
            match_enum_q,
            vec![
                Shape::Dot,
                Shape::Line(2),
                Shape::Line(9),
                Shape::Rect { w: 3, h: 3 },
                Shape::Rect { w: 2, h: 5 },
            ],
        )
        .await;
        assert_eq!(o.out, [0, 2, 9, 10, 11]);
        assert_eq!(o.ret, 100 + 2 + 9 + 3 + 10);
    });
}

// ---------------------------------------------------------------------------
// loop, `break value`
// ---------------------------------------------------------------------------

twin! { fn loop_value_p / loop_value_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut rounds: u32 = 0;
    loop {
        let big: u32 = loop {
            match input.recv().await {
                Ok(v) if v > 10 => break v,
                Ok(small) => {
                    let _ = output.send(small).await;
                }
                Err(_) => break 0,
            }
        };
        if big == 0 {
            break;
        }
        rounds += 1;
        let _ = output.send(big * 2).await;
        let found: u32 = 'search: loop {
            for i in 0..3u32 {
                let got: u32 = input.recv().await.unwrap_or(999);
                if got == 999 {
                    break 'search 0;
                }
                if got % 7 == i {
                    break 'search got + 1;
                }
                let _ = output.send(got + 500).await;
            }
            let _ = output.send(1).await;
        };
        let _ = output.send(found).await;
        rounds += found;
    }
    rounds
}}

#[test]
fn loop_break_with_value() {
    on_both(|| async {
        all_cases(loop_value_p, loop_value_q).await;
        let o = same(loop_value_p, loop_value_q, vec![1, 2, 11, 3, 4, 5, 7]).await;
        assert_eq!(o.out, [1, 2, 22, 503, 504, 505, 1, 8]);
        assert_eq!(o.ret, 1 + 8);
        let o = same(loop_value_p, loop_value_q, vec![11, 5]).await;
        assert_eq!(o.out, [22, 505, 0]);
        assert_eq!(o.ret, 1);
    });
}

// ---------------------------------------------------------------------------
// while, while let
// ---------------------------------------------------------------------------

twin! { fn while_p / while_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut count: u32 = 0;
    while input.recv().await.unwrap_or(0) != 0 {
        count += 1;
        if count % 3 == 0 {
            continue;
        }
        let _ = output.send(count).await;
    }
    let mut budget: u32 = 5;
    while budget > 0 {
        budget -= 1;
        match input.recv().await {
            Ok(v) => {
                if v % 2 == 0 {
                    continue;
                }
                let _ = output.send(v).await;
            }
            Err(_) => break,
        }
    }
    count * 100 + budget
}}

#[test]
fn while_with_pause_in_condition_and_continue() {
    on_both(|| async {
        all_cases(while_p, while_q).await;
        let o = same(while_p, while_q, vec![5, 5, 5, 5, 0, 1, 2, 3]).await;
        assert_eq!(o.out, [1, 2, 4, 1, 3]);
        assert_eq!(o.ret, 401);
    });
}

twin! { fn while_let_p / while_let_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut stack: Vec<u32> = Vec::new();
    while let Ok(x) = input.recv().await {
        if x == 0 {
            break;
        }
        stack.push(x);
    }
    let mut popped: u32 = 0;
    while let Some(top) = stack.pop() {
        let t: u32 = top;
        let _ = output.send(t).await;
        popped += t;
    }
    while let Ok(y) = input.recv().await {
        let _ = output.send(y + 1).await;
        let _ = output.send(y + 2).await;
        popped += y;
    }
    popped
}}

#[test]
fn while_let_forms() {
    on_both(|| async {
        all_cases(while_let_p, while_let_q).await;
        let o = same(while_let_p, while_let_q, vec![1, 2, 3, 0, 10]).await;
        assert_eq!(o.out, [3, 2, 1, 11, 12]);
        assert_eq!(o.ret, 16);
    });
}

// ---------------------------------------------------------------------------
// for over ranges and owned collections
// ---------------------------------------------------------------------------

twin! { fn for_range_p / for_range_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let n: u32 = input.recv().await.unwrap_or(0) % 6;
    let mut s: u32 = 0;
    for i in 0..n {
        let _ = output.send(i).await;
        s += i;
    }
    for j in 0..3u32 {
        let _ = output.send(100 + j).await;
        s += j;
    }
    for k in n..=n + 2 {
        let _ = output.send(200 + k).await;
    }
    for b in 250..=255u8 {
        let _ = output.send(u32::from(b)).await;
    }
    for e in n..n {
        let _ = output.send(e).await;
    }
    let items: Vec<u32> = (0..n).collect();
    for idx in 0..items.len() {
        let _ = output.send(idx as u32 + 1000).await;
    }
    let m: u64 = u64::from(n) + 1;
    for w in (m - 1)..m {
        let _ = output.send(w as u32 + 300).await;
    }
    for z in n * 2..n * 2 + 2 {
        let _ = output.send(z + 400).await;
    }
    while let Ok(more) = input.recv().await {
        for q in 0..more % 4 {
            let _ = output.send(q + more).await;
            s += q;
        }
    }
    s
}}

#[test]
fn for_over_ranges() {
    on_both(|| async {
        all_cases(for_range_p, for_range_q).await;
        let o = same(for_range_p, for_range_q, vec![2, 6]).await;
        let mut want = vec![0, 1, 100, 101, 102, 202, 203, 204];
        want.extend(250..=255);
        want.extend([1000, 1001, 302, 404, 405, 6, 7]);
        assert_eq!(o.out, want);
        assert_eq!(o.ret, 1 + 3 + 1);
    });
}

twin! { fn for_owned_p / for_owned_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut items: Vec<u32> = Vec::new();
    while let Ok(x) = input.recv().await {
        if x == 0 {
            break;
        }
        items.push(x);
    }
    let pairs: Vec<(u32, u32)> = items.iter().map(|&x| (x, x * x)).collect();
    let queue: VecDeque<u32> = items.iter().rev().copied().collect();
    let mut total: u32 = 0;
    for it in items {
        if it % 5 == 0 {
            continue;
        }
        if it > 90 {
            break;
        }
        let _ = output.send(it).await;
        total += it;
    }
    for (a, b) in pairs {
        let a2: u32 = a;
        let b2: u32 = b;
        let _ = output.send(a2).await;
        total += b2 % 7;
    }
    for mut q in queue {
        q += 1;
        let _ = output.send(q).await;
        total += q;
    }
    total
}}

#[test]
fn for_over_owned_collections() {
    on_both(|| async {
        all_cases(for_owned_p, for_owned_q).await;
        let o = same(for_owned_p, for_owned_q, vec![3, 5, 4, 95, 2, 0, 9]).await;
        // 95 is a multiple of 5: `continue` comes before the `break`.
        assert_eq!(o.out, [3, 4, 2, 3, 5, 4, 95, 2, 3, 96, 5, 6, 4]);
        // 3 + 4 + 2; pairs add 9%7 + 25%7 + 16%7 + 9025%7 + 4%7 = 14; queue adds 114.
        assert_eq!(o.ret, 9 + 14 + 114);
        assert_eq!(o.taken, 6);
    });
}

// ---------------------------------------------------------------------------
// labelled break / continue across nested loops
// ---------------------------------------------------------------------------

twin! { fn labelled_p / labelled_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut sent: u32 = 0;
    'outer: while let Ok(n) = input.recv().await {
        let rows: u32 = n % 5;
        'inner: for i in 0..rows {
            for j in 0..rows {
                if j > i {
                    continue 'inner;
                }
                if i * j == 6 {
                    continue 'outer;
                }
                if n > 90 && i == 2 {
                    break 'outer;
                }
                let _ = output.send(n * 100 + i * 10 + j).await;
                sent += 1;
            }
        }
        let _ = output.send(9999).await;
    }
    sent
}}

#[test]
fn labelled_jumps_out_of_loops_with_pauses() {
    on_both(|| async {
        all_cases(labelled_p, labelled_q).await;
        let o = same(labelled_p, labelled_q, vec![3, 4, 93, 7]).await;
        assert_eq!(
            o.out,
            [
                300, 310, 311, 320, 321, 322, 9999, // n = 3
                400, 410, 411, 420, 421, 422, 430, 431, // n = 4: i*j == 6 at (3, 2)
                9300, 9310, 9311, // n = 93: break 'outer at i == 2
            ]
        );
        assert_eq!(o.ret, 6 + 8 + 3);
        assert_eq!(o.taken, 3);
    });
}

twin! { fn plain_inner_p / plain_inner_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut acc: u32 = 0;
    'outer: loop {
        let v: u32 = match input.recv().await {
            Ok(got) => got,
            Err(_) => break,
        };
        // Loops without pauses stay as written; their jumps to the lowered
        // outer loop are rewritten, their own jumps are not.
        for k in 0..v {
            if k == 3 && v % 2 == 0 {
                continue 'outer;
            }
            if k == 7 {
                break 'outer;
            }
            acc += k;
        }
        let mut w = 0;
        while w < v {
            w += 1;
            if w == 2 {
                continue;
            }
            if w == 5 {
                break;
            }
            acc += 1;
        }
        let l: u32 = 'blk: {
            if v > 50 {
                break 'blk 5;
            }
            6
        };
        acc += l;
        let _ = output.send(v).await;
    }
    acc
}}

#[test]
fn jumps_from_plain_inner_loops() {
    on_both(|| async {
        all_cases(plain_inner_p, plain_inner_q).await;
        let o = same(plain_inner_p, plain_inner_q, vec![1, 3, 4, 9, 2]).await;
        assert_eq!(o.out, [1, 3]);
        // v=1: k 0 -> 0, w: +1, l 6 -> 7. v=3: k 0+1+2=3, w: 1,3 -> +2, l 6 -> 11.
        // v=4: k 0..3 = 3, then continue 'outer -> 3. v=9: k 0..7 = 21, break 'outer.
        assert_eq!(o.ret, 7 + 11 + 3 + 21);
        assert_eq!(o.taken, 4);
    });
}

// ---------------------------------------------------------------------------
// `let x: T = if/match/block { .. }` with pauses inside
// ---------------------------------------------------------------------------

twin! { fn let_value_p / let_value_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut acc: u32 = 0;
    while let Ok(x) = input.recv().await {
        let y: u32 = if x % 2 == 0 {
            input.recv().await.unwrap_or(1000) + x
        } else {
            x
        };
        let z: u32 = match y % 3 {
            0 => {
                let _ = output.send(y).await;
                0
            }
            1 => input.recv().await.unwrap_or(7),
            _ => y * 2,
        };
        let w: u32 = if z > 10 {
            let _ = output.send(z).await;
            z - 10
        } else if z > 5 {
            input.recv().await.unwrap_or(3)
        } else {
            1
        };
        let blk: u32 = {
            let t: u32 = input.recv().await.unwrap_or(4);
            t + w
        };
        let lb: u32 = 'b: {
            if w == 1 {
                break 'b 11;
            }
            let _ = output.send(w).await;
            12
        };
        acc += y + z + w + blk + lb;
        let _ = output.send(acc % 1000).await;
    }
    acc
}}

#[test]
fn let_with_value_of_if_match_and_blocks() {
    on_both(|| async {
        all_cases(let_value_p, let_value_q).await;
        // x=3: y=3, z=0 (send 3), w=1, blk=5+1=6, lb=11 -> acc=21.
        let o = same(let_value_p, let_value_q, vec![3, 5]).await;
        assert_eq!(o.out, [3, 21]);
        assert_eq!(o.ret, 21);
    });
}

// ---------------------------------------------------------------------------
// early return from nested loops
// ---------------------------------------------------------------------------

twin! { fn early_return_p / early_return_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut seen: u32 = 0;
    loop {
        for i in 0..4u32 {
            let v: u32 = match input.recv().await {
                Ok(got) => got,
                Err(_) => return seen + 1000,
            };
            while seen % 5 == 4 {
                seen += 1;
                let _ = output.send(seen).await;
                if v == 13 {
                    return seen + 2000;
                }
            }
            if v == i * 7 {
                return seen;
            }
            seen += v;
            let _ = output.send(seen).await;
        }
        let _ = output.send(0).await;
    }
}}

#[test]
fn early_return_from_nested_loops() {
    on_both(|| async {
        all_cases(early_return_p, early_return_q).await;
        let o = same(early_return_p, early_return_q, vec![1, 2, 1, 3, 14, 9]).await;
        // seen: 1, 3, 4 -> inner while: 5 (v=3) then seen=8; i=0 of round 2: v=14 -> 22.
        assert_eq!(o.out, [1, 3, 4, 5, 8, 0, 22, 31]);
        assert_eq!(o.ret, 1031);
        let o = same(early_return_p, early_return_q, vec![4, 13]).await;
        assert_eq!(o.out, [4, 5]);
        assert_eq!(o.ret, 2005);
        let o = same(early_return_p, early_return_q, vec![1, 7, 50]).await;
        assert_eq!(o.out, [1]);
        assert_eq!(o.ret, 1);
        assert_eq!(o.taken, 2);
    });
}

// ---------------------------------------------------------------------------
// let-else, a loop as the tail, break/return values that contain pauses
// ---------------------------------------------------------------------------

twin! { fn let_else_p / let_else_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut s: u32 = 0;
    loop {
        let Ok(v) = input.recv().await else {
            return s + 1000;
        };
        if v == 0 {
            break;
        }
        s += v;
        let _ = output.send(s).await;
    }
    s
}}

#[test]
fn let_else_with_pause_in_initialiser() {
    on_both(|| async {
        all_cases(let_else_p, let_else_q).await;
        let o = same(let_else_p, let_else_q, vec![1, 2]).await;
        assert_eq!(o.out, [1, 3]);
        assert_eq!(o.ret, 1003);
        assert_eq!(same(let_else_p, let_else_q, vec![4, 0, 9]).await.ret, 4);
    });
}

twin! { fn tail_loop_p / tail_loop_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut seen: u32 = 0;
    loop {
        let v: u32 = input.recv().await.unwrap_or(100);
        seen += 1;
        if v > 10 {
            break v * 2 + seen;
        }
        let _ = output.send(v).await;
    }
}}

#[test]
fn loop_as_the_tail_expression() {
    on_both(|| async {
        all_cases(tail_loop_p, tail_loop_q).await;
        let o = same(tail_loop_p, tail_loop_q, vec![1, 2, 30]).await;
        assert_eq!(o.out, [1, 2]);
        assert_eq!(o.ret, 63);
    });
}

twin! { fn break_pause_p / break_pause_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut total: u32 = 0;
    while total < 1000 {
        let v: u32 = loop {
            let x: u32 = input.recv().await.unwrap_or(1000);
            if x % 2 == 0 {
                break input.recv().await.unwrap_or(1000) + x;
            }
            let _ = output.send(x).await;
        };
        total += v;
        let _ = output.send(total).await;
    }
    total
}}

#[test]
fn break_value_containing_a_pause() {
    on_both(|| async {
        all_cases(break_pause_p, break_pause_q).await;
        let o = same(break_pause_p, break_pause_q, vec![1, 2, 5]).await;
        assert_eq!(o.out, [1, 7, 2007]);
        assert_eq!(o.ret, 2007);
    });
}

twin! { fn return_pause_p / return_pause_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += x;
        if x == 7 {
            return output.send(n).await.map(|()| n).unwrap_or(0);
        }
        let _ = output.send(x).await;
    }
    n
}}

#[test]
fn return_value_containing_a_pause() {
    on_both(|| async {
        all_cases(return_pause_p, return_pause_q).await;
        let o = same(return_pause_p, return_pause_q, vec![1, 7, 9]).await;
        assert_eq!(o.out, [1, 8]);
        assert_eq!(o.ret, 8);
    });
}

twin! { fn if_let_chain_p / if_let_chain_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut acc: u32 = 0;
    while let Ok(x) = input.recv().await {
        let o: Option<u32> = if x % 3 == 0 { Some(x) } else { None };
        let r: Result<u32, u32> = if x % 2 == 0 { Ok(x / 2) } else { Err(x) };
        if let Some(a) = o {
            let a2: u32 = a;
            let _ = output.send(a2).await;
            acc += a2;
        } else if let Ok(b) = r {
            let b2: u32 = b;
            let _ = output.send(b2 + 1000).await;
            acc += b2 + input.recv().await.unwrap_or(0);
        } else if let Err(e) = r {
            acc += e;
        }
    }
    acc
}}

#[test]
fn if_let_else_if_let_chain() {
    on_both(|| async {
        all_cases(if_let_chain_p, if_let_chain_q).await;
        let o = same(if_let_chain_p, if_let_chain_q, vec![3, 4, 5, 7]).await;
        assert_eq!(o.out, [3, 1002]);
        assert_eq!(o.ret, 3 + 2 + 5 + 7);
    });
}

#[process]
async fn countdown_p(mut n: u32, output: Sender<u32>, step_: usize) -> u32 {
    let mut i: usize = 0;
    while n > 0 {
        let _ = output.send(n).await;
        n -= 1;
        i += 1;
        for _ in 0..step_ {
            yield_now().await;
        }
    }
    drop(output);
    n + i as u32
}

async fn countdown_q(mut n: u32, output: Sender<u32>, step_: usize) -> u32 {
    let mut i: usize = 0;
    while n > 0 {
        let _ = output.send(n).await;
        n -= 1;
        i += 1;
        for _ in 0..step_ {
            yield_now().await;
        }
    }
    drop(output);
    n + i as u32
}

#[test]
fn mutable_parameter_and_usize_range() {
    on_both(|| async {
        for n in [0, 1, 5] {
            let a = drive(
                move |_: Receiver<u32>, o| countdown_p(n, o, 2),
                vec![],
                None,
            )
            .await;
            let b = drive(
                move |_: Receiver<u32>, o| countdown_q(n, o, 2),
                vec![],
                None,
            )
            .await;
            assert_eq!(a, b);
            assert_eq!(a.out, (1..=n).rev().collect::<Vec<_>>());
            assert_eq!(a.ret, n);
        }
    });
}

// ---------------------------------------------------------------------------
// pauses inside expressions: call arguments, operators, left to right
// ---------------------------------------------------------------------------

// In the `migration` build these frames carry a pause's result,
// `Result<_, RecvError>`, across the next pause, and `RecvError` is not
// serializable: see process_gaps.rs, `pause_results_in_migration_build`.
#[cfg(not(feature = "migration"))]
mod in_expressions {
    use super::*;

    fn mix(a: u32, b: u32) -> u32 {
        a * 7 + b
    }

    twin! { fn in_expr_p / in_expr_q (input: Receiver<u32>, output: Sender<u32>) -> Result<u32, RecvError> {
        let mut k: u32 = 1;
        loop {
            // A pause inside the argument of a pause, with `?` on both.
            output
                .send(input.recv().await? * 2)
                .await
                .map_err(|_| RecvError)?;
            // Several pauses in one expression, evaluated left to right.
            let pair: (Result<u32, RecvError>, Result<u32, RecvError>) =
                (input.recv().await, input.recv().await);
            let s: u32 = pair.0? * 1000 + pair.1?;
            let _ = output.send(s).await;
            // A pause inside a call argument, and after stable arguments.
            let _ = output.send(mix(k, input.recv().await?)).await;
            let arr: [Result<u32, RecvError>; 2] = [input.recv().await, input.recv().await];
            k += arr[0]? + arr[1]?;
            if input.recv().await? > 60 {
                return Ok(k);
            }
            let m: u32 = u32::max(k, input.recv().await?);
            let _ = output.send(m).await;
        }
    }}

    #[test]
    fn pauses_inside_expressions() {
        on_both(|| async {
            all_cases(in_expr_p, in_expr_q).await;
            let o = same(in_expr_p, in_expr_q, vec![5, 1, 2, 3, 4, 5, 6, 9, 70]).await;
            // k = 1 + 4 + 5 = 10; 6 <= 60; m = max(10, 9) = 10; then 70 * 2.
            assert_eq!(o.out, [10, 1002, 7 + 3, 10, 140]);
            assert_eq!(o.ret, Err(RecvError));
        });
    }

    // Left to right across two channels: the observer offers a value on both
    // channels at once (a biased alt over two sends); only the channel the
    // process is receiving on can take it, so the log shows the order in which
    // the process evaluated its pauses.

    twin! { fn order_p / order_q (a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> Result<u32, RecvError> {
        loop {
            let s: (Result<u32, RecvError>, Result<u32, RecvError>) = (a.recv().await, b.recv().await);
            let _ = out.send(s.0? * 1000 + s.1?).await;
            let t: (Result<u32, RecvError>, Result<u32, RecvError>) = (b.recv().await, a.recv().await);
            let _ = out.send(t.0? * 1000 + t.1?).await;
            let x: u32 = mix(a.recv().await?, 0);
            let _ = out.send(x + b.recv().await?).await;
        }
    }}

    async fn observe_order<F>(
        make: impl FnOnce(Receiver<u32>, Receiver<u32>, Sender<u32>) -> F,
    ) -> (Vec<char>, Vec<u32>, Result<u32, RecvError>)
    where
        F: Future<Output = Result<u32, RecvError>> + Send + 'static,
    {
        let (ta, ra) = channel::<u32>();
        let (tb, rb) = channel::<u32>();
        let (to, ro) = buffered::<u32>(64);
        let p = spawn(make(ra, rb, to));
        let mut log = Vec::new();
        for i in 0..12u32 {
            let which = alt! {
                biased;
                r = ta.send(i) => { r.unwrap(); 'a' },
                r = tb.send(100 + i) => { r.unwrap(); 'b' },
            };
            log.push(which);
        }
        drop((ta, tb));
        let ret = p.join().await.unwrap();
        let mut outs = Vec::new();
        while let Ok(v) = ro.recv().await {
            outs.push(v);
        }
        (log, outs, ret)
    }

    #[test]
    fn several_pauses_in_one_expression_run_left_to_right() {
        on_both(|| async {
            let a = observe_order(order_p).await;
            let b = observe_order(order_q).await;
            assert_eq!(a, b);
            assert_eq!(
                a.0,
                ['a', 'b', 'b', 'a', 'a', 'b', 'a', 'b', 'b', 'a', 'a', 'b']
            );
            assert_eq!(
                a.1,
                [
                    101,
                    102 * 1000 + 3,
                    4 * 7 + 105,
                    6 * 1000 + 107,
                    108 * 1000 + 9,
                    10 * 7 + 111
                ]
            );
            assert_eq!(a.2, Err(RecvError));
        });
    }
}

// ---------------------------------------------------------------------------
// owned, non-Copy values moving through pauses
// ---------------------------------------------------------------------------

twin! { fn strings_p / strings_q (input: Receiver<String>, output: Sender<String>) -> String {
    let mut acc: String = String::new();
    while let Ok(s) = input.recv().await {
        acc.push_str(&s);
        if s.len() > 3 {
            if let Err(e) = output.send(s).await {
                return e.into_inner();
            }
        } else {
            let copy: String = acc.clone();
            let _ = output.send(copy).await;
            acc.push_str(&s);
        }
    }
    acc
}}

#[test]
fn owned_values_move_through_pauses() {
    on_both(|| async {
        let words = |ws: &[&str]| ws.iter().map(|w| w.to_string()).collect::<Vec<_>>();
        for ws in [
            &[][..],
            &["a", "bb", "cccc", "dd", "eeeee"][..],
            &["longer", "x", "y", "another"][..],
        ] {
            same(strings_p, strings_q, words(ws)).await;
        }
        let o = same(strings_p, strings_q, words(&["ab", "wxyz", "c"])).await;
        assert_eq!(o.out, ["ab", "wxyz", "ababwxyzc"]);
        assert_eq!(o.ret, "ababwxyzcc");
    });
}

// ---------------------------------------------------------------------------
// deep nesting
// ---------------------------------------------------------------------------

twin! { fn nested_p / nested_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut acc: u32 = 0;
    for round in 0..3u32 {
        while let Ok(x) = input.recv().await {
            if x == 0 {
                break;
            }
            match x % 3 {
                0 => loop {
                    let y: u32 = input.recv().await.unwrap_or(1);
                    if y % 2 == 1 {
                        let _ = output.send(y + round).await;
                        break;
                    }
                    acc += y;
                },
                1 => {
                    if x > 20 {
                        for k in 0..2u32 {
                            let _ = output.send(k + x).await;
                            if round == 2 {
                                match k {
                                    1 => {
                                        let _ = output.send(77).await;
                                    }
                                    _ => acc += 1,
                                }
                            }
                        }
                    } else {
                        acc += 1;
                    }
                }
                _ => acc += x,
            }
        }
        let _ = output.send(acc).await;
    }
    acc
}}

#[test]
fn deep_nesting() {
    on_both(|| async {
        all_cases(nested_p, nested_q).await;
        let o = same(nested_p, nested_q, vec![3, 2, 5, 0, 22, 0, 25]).await;
        assert_eq!(o.out, [5, 2, 22, 23, 2, 25, 26, 77, 3]);
        assert_eq!(o.ret, 3);
    });
}

// ---------------------------------------------------------------------------
// ordinary Rust between pauses: items, closures, macros, shadowing
// ---------------------------------------------------------------------------

fn helper(v: u32) -> u32 {
    if v > 10 {
        return v - 10;
    }
    v
}

// (A nested `fn` item in the body does not compile when used after a pause:
// see process_gaps.rs, `nested_item_used_after_pause`.)
twin! { fn plain_code_p / plain_code_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut total: u32 = 0;
    while let Ok(x) = input.recv().await {
        // A closure with its own `?`, used before the next pause.
        let double = |v: u32| -> Option<u32> {
            let w = v.checked_mul(2)?;
            Some(w)
        };
        let x1 = helper(x);
        let x1 = x1 + 1;
        let d: u32 = double(x1).unwrap_or(0);
        let v: Vec<u32> = vec![d, x1];
        let _ = output.send(v.iter().sum()).await;
        total += v[0];
        assert!(total < 1_000_000, "overflow at {total}");
        let msg: String = format!("{total}:{x}");
        let _ = output.send(msg.len() as u32).await;
    }
    total
}}

#[test]
fn plain_rust_between_pauses() {
    on_both(|| async {
        all_cases(plain_code_p, plain_code_q).await;
        let o = same(plain_code_p, plain_code_q, vec![4, 15]).await;
        assert_eq!(o.out, [15, 4, 18, 5]);
        assert_eq!(o.ret, 10 + 12);
    });
}

// ---------------------------------------------------------------------------
// `?` in many positions, Result with From conversion, and Option
// ---------------------------------------------------------------------------

#[derive(Debug, PartialEq, Eq, Clone)]
enum Fail {
    Closed,
    Refused(u32),
    Odd(u32),
    TooBig(u32),
}

impl From<RecvError> for Fail {
    fn from(_: RecvError) -> Self {
        Fail::Closed
    }
}

impl From<SendError<u32>> for Fail {
    fn from(e: SendError<u32>) -> Self {
        Fail::Refused(e.into_inner())
    }
}

fn check(v: u32) -> Result<u32, Fail> {
    if v > 90 {
        Err(Fail::TooBig(v))
    } else {
        Ok(v)
    }
}

twin! { fn question_p / question_q (input: Receiver<u32>, output: Sender<u32>) -> Result<u32, Fail> {
    let first: u32 = input.recv().await?;
    output.send(check(first)?).await?;
    let mut total: u32 = first;
    // (`while input.recv().await? % 4 != 0 { .. }` does not compile: see
    // process_gaps.rs, `question_mark_in_lowered_condition`.)
    loop {
        let c: u32 = input.recv().await?;
        if c % 4 == 0 {
            break;
        }
        total += input.recv().await?;
        if input.recv().await? % 5 == 1 {
            return Err(Fail::Odd(total));
        }
        output.send(total % 100).await?;
        for i in 0..(total % 3) {
            output.send(check(input.recv().await? + i)?).await?;
        }
    }
    let pick: u32 = match input.recv().await? {
        0 => return Ok(total),
        n => {
            let m: u32 = n;
            output.send(m).await?;
            check(m)?
        }
    };
    let last: u32 = loop {
        let z: u32 = input.recv().await?;
        if z % 2 == 0 {
            break check(z)?;
        }
    };
    let sum: u32 = pick + last;
    let ret: u32 = sum + input.recv().await?;
    // Keeps both ends alive past their last pause, so this test checks `?`
    // on its own (see `send_as_last_use_of_the_channel_end`).
    drop(input);
    drop(output);
    Ok(ret)
}}

#[test]
fn question_mark_on_result_with_from() {
    on_both(|| async {
        all_cases(question_p, question_q).await;
        // first=5; cond 1 -> total 7, 3 -> send 7, 7%3=1 loop: send check(9+0)=9;
        // cond 4 -> exit; pick 8 (send 8); last: 3 odd, 6 even -> 6; + 1.
        let o = same(question_p, question_q, vec![5, 1, 2, 3, 9, 4, 8, 3, 6, 1]).await;
        assert_eq!(o.out, [5, 7, 9, 8]);
        assert_eq!(o.ret, Ok(8 + 6 + 1));
        let o = same(question_p, question_q, vec![95]).await;
        assert_eq!(o.ret, Err(Fail::TooBig(95)));
        let o = same(question_p, question_q, vec![5, 1, 2, 6]).await;
        assert_eq!(o.ret, Err(Fail::Odd(7)));
        let o = same(question_p, question_q, vec![5, 1]).await;
        assert_eq!(o.ret, Err(Fail::Closed));
        // The output closed under the process: its send fails with the value.
        let o = drive(question_p, vec![5, 1, 2, 3], Some(1)).await;
        assert_eq!(o.ret, Err(Fail::Refused(7)));
        let o = drive(question_q, vec![5, 1, 2, 3], Some(1)).await;
        assert_eq!(o.ret, Err(Fail::Refused(7)));
    });
}

// The same shape as the arm in `question_p`, written the natural way: the
// channel end's last use is the send itself.
twin! { fn send_last_p / send_last_q (input: Receiver<u32>, output: Sender<u32>) -> Result<u32, Fail> {
    let n: u32 = input.recv().await?;
    match n % 2 {
        0 => {
            output.send(n).await?;
            Ok(n)
        }
        _ => Ok(0),
    }
}}

#[test]
fn send_as_last_use_of_the_channel_end() {
    on_both(|| async {
        let o = same(send_last_p, send_last_q, vec![4]).await;
        assert_eq!(o.out, [4]);
        assert_eq!(o.ret, Ok(4));
        all_cases(send_last_p, send_last_q).await;
    });
}

twin! { fn option_p / option_q (input: Receiver<u32>, output: Sender<u32>) -> Option<u32> {
    let a: u32 = input.recv().await.ok()?;
    let b: u32 = a.checked_mul(input.recv().await.ok()?)?;
    output.send(b).await.ok()?;
    let mut s: u32 = b;
    loop {
        let c: u32 = match input.recv().await {
            Ok(got) => got,
            Err(_) => break,
        };
        s = s.checked_add(c)?.checked_sub(1)?;
        if s > 150 {
            return None;
        }
        output.send(s).await.ok()?;
    }
    Some(s)
}}

#[test]
fn question_mark_on_option() {
    on_both(|| async {
        all_cases(option_p, option_q).await;
        let o = same(option_p, option_q, vec![3, 4, 2, 5]).await;
        assert_eq!(o.out, [12, 13, 17]);
        assert_eq!(o.ret, Some(17));
        assert_eq!(same(option_p, option_q, vec![3]).await.ret, None);
        assert_eq!(same(option_p, option_q, vec![0, 9, 0]).await.ret, None);
        assert_eq!(same(option_p, option_q, vec![10, 10, 60]).await.ret, None);
    });
}

// ---------------------------------------------------------------------------
// sleep and yield inside otherwise ordinary logic
// ---------------------------------------------------------------------------

twin! { fn timed_p / timed_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        if x % 3 == 0 {
            yield_now().await;
        } else if x % 3 == 1 {
            csp::yield_now().await;
            sleep(Duration::ZERO).await;
        } else {
            csp::sleep(Duration::from_micros(u64::from(x))).await;
        }
        n += x;
        let _ = output.send(n).await;
    }
    n
}}

#[test]
fn sleep_and_yield_do_not_change_logic() {
    on_both(|| async {
        all_cases(timed_p, timed_q).await;
        let o = same(timed_p, timed_q, vec![1, 2, 3]).await;
        assert_eq!(o.out, [1, 3, 6]);
        assert_eq!(o.ret, 6);
    });
}

// ---------------------------------------------------------------------------
// a local that is not used after a pause lives to the end of its scope,
// like in an async fn (it may be an RAII guard, e.g. a sender kept to hold
// a channel open)
// ---------------------------------------------------------------------------

twin! { fn guard_p / guard_q (input: Receiver<u32>, done: Sender<u32>) -> u32 {
    let _keep_open: Sender<u32> = done;
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += x;
    }
    n
}}

twin! { fn guard_param_p / guard_param_q (input: Receiver<u32>, done: Sender<u32>) -> u32 {
    // The parameter's last use is here, before the first pause.
    let _ = done.try_send(0);
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += x;
    }
    n
}}

/// Sends three values to the process and reports, after each, whether the
/// `done` channel (held only by the process) was already closed.
async fn guard_observe<F>(make: impl FnOnce(Receiver<u32>, Sender<u32>) -> F) -> (Vec<bool>, u32)
where
    F: Future<Output = u32> + Send + 'static,
{
    let (tx, rx) = channel::<u32>();
    let (dtx, drx) = channel::<u32>();
    let p = spawn(make(rx, dtx));
    let mut closed = Vec::new();
    for i in 1..=3 {
        tx.send(i).await.unwrap();
        closed.push(drx.is_closed());
    }
    drop(tx);
    let n = p.join().await.unwrap();
    closed.push(drx.is_closed());
    (closed, n)
}

#[test]
fn unused_local_lives_to_end_of_scope() {
    on_both(|| async {
        let plain = guard_observe(guard_q).await;
        assert_eq!(plain, (vec![false, false, false, true], 6));
        let procd = guard_observe(guard_p).await;
        assert_eq!(
            procd, plain,
            "process dropped a local before the end of its scope"
        );
    });
}

#[test]
fn parameter_lives_until_the_process_returns() {
    on_both(|| async {
        let plain = guard_observe(guard_param_q).await;
        assert_eq!(plain, (vec![false, false, false, true], 6));
        let procd = guard_observe(guard_param_p).await;
        assert_eq!(
            procd, plain,
            "process dropped a parameter before it returned"
        );
    });
}
