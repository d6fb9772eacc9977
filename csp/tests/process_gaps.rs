//! Supported `#[process]` constructs that the macro currently rejects or
//! miscompiles. Each case is a runtime test (a `#[process]` and an
//! identical plain `async fn`, driven with the same inputs) kept as source
//! here and built by a nested `cargo test` in a scratch crate under the
//! target directory, like trybuild: a case that does not compile fails its
//! test here with the compiler's errors, instead of breaking the build of
//! every other test. Each case names the error it hit at commit 04b428a.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The harness every case uses (`twin!`, `on_both`, `drive`, `all_same`).
const COMMON: &str = r####"//! Shared harness for the gap cases (see process_gaps.rs in csp).
#![allow(dead_code, unused_imports, unused_macros)]

use std::future::Future;
use std::time::Duration;

use csp::prelude::*;
use csp::{Flavor, Runtime};

macro_rules! twin {
    (fn $proc:ident / $plain:ident ($($p:ident : $t:ty),* $(,)?) -> $ret:ty { $($body:tt)* }) => {
        #[::csp::process]
        async fn $proc($($p: $t),*) -> $ret { $($body)* }

        async fn $plain($($p: $t),*) -> $ret { $($body)* }
    };
}

pub fn on_both<F, Fut>(f: F)
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
            tokio::time::timeout(Duration::from_secs(60), f())
                .await
                .unwrap_or_else(|_| panic!("test hung on {flavor:?}"));
        });
    }
}

/// Feeds `inputs` to `make(input, output)`, collects its output until it
/// closes, and returns (outputs, return value).
pub async fn drive<R, F>(
    make: impl FnOnce(Receiver<u32>, Sender<u32>) -> F,
    inputs: Vec<u32>,
) -> (Vec<u32>, R)
where
    R: Send + 'static,
    F: Future<Output = R> + Send + 'static,
{
    let (itx, irx) = channel::<u32>();
    let (otx, orx) = channel::<u32>();
    let p = spawn(make(irx, otx));
    let feeder = spawn(async move {
        for v in inputs {
            if itx.send(v).await.is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    while let Ok(v) = orx.recv().await {
        out.push(v);
    }
    feeder.join().await.unwrap();
    (out, p.join().await.unwrap())
}

pub fn cases() -> Vec<Vec<u32>> {
    let mut v: Vec<Vec<u32>> = vec![vec![], vec![0], vec![1, 2, 3], (1..=20).collect()];
    for seed in 1..=10u64 {
        let mut rng = fastrand::Rng::with_seed(seed);
        let len = rng.usize(0..30);
        v.push((0..len).map(|_| rng.u32(0..50)).collect());
    }
    v
}

pub async fn all_same<R, F, G>(
    p: impl Fn(Receiver<u32>, Sender<u32>) -> F,
    q: impl Fn(Receiver<u32>, Sender<u32>) -> G,
) where
    R: std::fmt::Debug + PartialEq + Send + 'static,
    F: Future<Output = R> + Send + 'static,
    G: Future<Output = R> + Send + 'static,
{
    for inputs in cases() {
        let a = drive(&p, inputs.clone()).await;
        let b = drive(&q, inputs.clone()).await;
        assert_eq!(a, b, "inputs {inputs:?}");
    }
}

"####;

/// Writes the scratch crate (once) and returns its directory.
fn scratch_crate() -> PathBuf {
    static SETUP: Mutex<bool> = Mutex::new(false);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("process_gaps");
    let mut done = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    if !*done {
        let csp = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::create_dir_all(dir.join("tests/common")).unwrap();
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let manifest = format!(
            "[package]\nname = \"process-gaps\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\ncsp = {{ path = {:?} }}\nfastrand = \"2\"\n\
             tokio = {{ version = \"1\", default-features = false, features = [\"time\"] }}\n\n[workspace]\n",
            csp.display().to_string()
        );
        write_if_changed(&dir.join("Cargo.toml"), &manifest);
        write_if_changed(&dir.join("src/lib.rs"), "");
        write_if_changed(&dir.join("tests/common/mod.rs"), COMMON);
        // Same dependency versions as the workspace.
        if let Ok(lock) = std::fs::read_to_string(csp.join("../Cargo.lock")) {
            if !dir.join("Cargo.lock").exists() {
                std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
            }
        }
        *done = true;
    }
    dir
}

fn write_if_changed(path: &Path, contents: &str) {
    if std::fs::read_to_string(path).ok().as_deref() != Some(contents) {
        std::fs::write(path, contents).unwrap();
    }
}

/// Builds and runs one case; panics with the compiler's or the test's
/// output if it fails.
fn run_case(name: &str, source: &str) {
    run_case_with(name, source, &[]);
}

/// [`run_case`] with extra `cargo test` arguments (features).
fn run_case_with(name: &str, source: &str, extra: &[&str]) {
    let dir = scratch_crate();
    write_if_changed(&dir.join(format!("tests/{name}.rs")), source);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&dir)
        .args(["test", "--offline", "--quiet", "--test", name])
        .args(extra)
        .arg("--target-dir")
        .arg(dir.join("target"))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .expect("run cargo");
    if !out.status.success() {
        panic!(
            "case `{name}` failed\n--- stderr ---\n{}\n--- stdout ---\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

// A typed tuple `let`: `let (a, b): (A, B) = ...;`
// At 04b428a: "custom attribute panicked: unexpected token" (fixed since in
// the working tree by building the `PatType` directly in lower.rs).
#[test]
fn typed_tuple_let() {
    run_case("typed_tuple_let", TYPED_TUPLE_LET);
}

const TYPED_TUPLE_LET: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use std::future::Future;

use common::*;
use csp::prelude::*;

twin! { fn local_channel_p / local_channel_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let (tx, rx): (Sender<u32>, Receiver<u32>) = buffered(1);
    let (lo, hi): (u32, u32) = (10, 20);
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        if x < lo {
            // Through the local buffered pair and back.
            stash(&tx, x);
            let y: u32 = rx.recv().await.unwrap_or(0);
            let _ = output.send(y).await;
        } else if x > hi {
            let _ = output.send(hi).await;
        }
        n += 1;
    }
    n
}}

/// Puts `x` in the local channel's buffer without pausing.
fn stash(tx: &Sender<u32>, x: u32) {
    tx.try_send(x).expect("buffer has room");
}

#[test]
fn typed_tuple_let_for_a_local_channel() {
    on_both(|| async { all_same(local_channel_p, local_channel_q).await });
}
"####;

// Several pauses in one expression, with `?` or arithmetic between them.
// At 04b428a: "this is evaluated before a pause point later in the same
// expression ..." on the first `.await`.
#[test]
fn several_pauses_in_one_expression() {
    run_case(
        "several_pauses_in_one_expression",
        SEVERAL_PAUSES_IN_ONE_EXPRESSION,
    );
}

const SEVERAL_PAUSES_IN_ONE_EXPRESSION: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use std::future::Future;

use common::*;
use csp::prelude::*;

fn mix(a: u32, b: u32) -> u32 {
    a * 7 + b
}

twin! { fn two_pauses_p / two_pauses_q (a: Receiver<u32>, b: Receiver<u32>, out: Sender<u32>) -> Result<u32, RecvError> {
    loop {
        let s: u32 = a.recv().await? * 1000 + b.recv().await?;
        let _ = out.send(s).await;
        let _ = out.send(mix(b.recv().await?, a.recv().await?)).await;
    }
}}

async fn observe_order<F>(
    make: impl FnOnce(Receiver<u32>, Receiver<u32>, Sender<u32>) -> F,
) -> (Vec<char>, Vec<u32>)
where
    F: Future<Output = Result<u32, RecvError>> + Send + 'static,
{
    let (ta, ra) = channel::<u32>();
    let (tb, rb) = channel::<u32>();
    let (to, ro) = buffered::<u32>(64);
    let p = spawn(make(ra, rb, to));
    let mut log = Vec::new();
    for i in 0..8u32 {
        let which = alt! {
            biased;
            r = ta.send(i) => { r.unwrap(); 'a' },
            r = tb.send(100 + i) => { r.unwrap(); 'b' },
        };
        log.push(which);
    }
    drop((ta, tb));
    assert_eq!(p.join().await.unwrap(), Err(RecvError));
    let mut outs = Vec::new();
    while let Ok(v) = ro.recv().await {
        outs.push(v);
    }
    (log, outs)
}

#[test]
fn several_pauses_with_question_marks_run_left_to_right() {
    on_both(|| async {
        let a = observe_order(two_pauses_p).await;
        assert_eq!(a, observe_order(two_pauses_q).await);
        assert_eq!(a.0, ['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
        assert_eq!(a.1, [101, 102 * 7 + 3, 4 * 1000 + 105, 106 * 7 + 7]);
    });
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Acc {
    a: u32,
    b: [u32; 2],
}

twin! { fn places_p / places_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut acc: Acc = Acc::default();
    let base: u32 = 3;
    while let Ok(x) = input.recv().await {
        acc.b[(x % 2) as usize] = input.recv().await.unwrap_or(0);
        acc.a = base + x + input.recv().await.unwrap_or(0);
        let _ = output.send(acc.a + acc.b[0] + acc.b[1]).await;
    }
    acc.a
}}

#[test]
fn pause_after_non_trivial_but_stable_operands() {
    on_both(|| async { all_same(places_p, places_q).await });
}
"####;

// Assigning a carried local before reading it, after a pause.
// At 04b428a: E0425 "cannot find value `last` in this scope".
#[test]
fn assignment_before_read_after_pause() {
    run_case(
        "assignment_before_read_after_pause",
        ASSIGNMENT_BEFORE_READ_AFTER_PAUSE,
    );
}

const ASSIGNMENT_BEFORE_READ_AFTER_PAUSE: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use std::future::Future;

use common::*;
use csp::prelude::*;

twin! { fn assign_p / assign_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    let mut last: u32 = 0;
    while let Ok(x) = input.recv().await {
        let _ = output.send(last).await;
        last = x;
    }
    last
}}

#[test]
fn assignment_before_read_after_pause() {
    on_both(|| async {
        all_same(assign_p, assign_q).await;
        let o = drive(assign_p, vec![5, 6, 7]).await;
        assert_eq!(o, (vec![0, 5, 6], 7));
    });
}
"####;

// A nested `fn` item used after a pause.
// At 04b428a: E0425 "cannot find function `helper` in this scope".
#[test]
fn nested_item_used_after_pause() {
    run_case("nested_item_used_after_pause", NESTED_ITEM_USED_AFTER_PAUSE);
}

const NESTED_ITEM_USED_AFTER_PAUSE: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use std::future::Future;

use common::*;
use csp::prelude::*;

twin! { fn item_p / item_q (input: Receiver<u32>, output: Sender<u32>) -> u32 {
    fn helper(v: u32) -> u32 {
        if v > 10 {
            return v - 10;
        }
        v
    }
    let mut n: u32 = 0;
    while let Ok(x) = input.recv().await {
        n += helper(x);
        let _ = output.send(helper(n)).await;
    }
    n
}}

#[test]
fn nested_item_used_after_pause() {
    on_both(|| async { all_same(item_p, item_q).await });
}
"####;

// `?` in the condition of a lowered `while`/`if`, and in a match guard.
// At 04b428a: "cannot find macro `__csp_internal_finish` in this scope".
#[test]
fn question_mark_in_lowered_condition() {
    run_case(
        "question_mark_in_lowered_condition",
        QUESTION_MARK_IN_LOWERED_CONDITION,
    );
}

const QUESTION_MARK_IN_LOWERED_CONDITION: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use std::future::Future;

use common::*;
use csp::prelude::*;

fn small(v: u32) -> Result<bool, RecvError> {
    if v > 40 {
        Err(RecvError)
    } else {
        Ok(v < 20)
    }
}

twin! { fn q_cond_p / q_cond_q (input: Receiver<u32>, output: Sender<u32>) -> Result<u32, RecvError> {
    let mut n: u32 = 0;
    while input.recv().await? % 4 != 0 {
        n += 1;
        let _ = output.send(n).await;
    }
    let v: u32 = input.recv().await?;
    if small(v)? {
        let _ = output.send(v).await;
    }
    match input.recv().await? {
        w if small(w)? => {
            let _ = output.send(w + 100).await;
        }
        w => n += w,
    }
    drop(output);
    Ok(n)
}}

#[test]
fn question_mark_in_lowered_condition() {
    on_both(|| async {
        all_same(q_cond_p, q_cond_q).await;
        let o = drive(q_cond_p, vec![1, 2, 4, 5, 30]).await;
        assert_eq!(o, (vec![1, 2, 5], Ok(2 + 30)));
    });
}
"####;

// A pause's result kept across the next pause, in the `migration` build:
// `let p: (Result<u32, RecvError>, ..) = (a.recv().await, b.recv().await);`
// (the form that works around the several-pauses case above) and a typed
// local holding a receive's result. At 04b428a: E0277 "the trait bound
// `csp::RecvError: serde::Serialize` is not satisfied" (also
// `Deserialize`), because the frame stores the result.
#[test]
fn pause_results_in_migration_build() {
    run_case_with(
        "pause_results_in_migration_build",
        PAUSE_RESULTS_IN_MIGRATION_BUILD,
        &["--features", "csp/migration"],
    );
}

const PAUSE_RESULTS_IN_MIGRATION_BUILD: &str = r####"#![allow(dead_code, unused_imports)]

#[macro_use]
mod common;

use common::*;
use csp::prelude::*;

twin! { fn pairs_p / pairs_q (input: Receiver<u32>, output: Sender<u32>) -> Result<u32, RecvError> {
    let mut n: u32 = 0;
    loop {
        let pair: (Result<u32, RecvError>, Result<u32, RecvError>) =
            (input.recv().await, input.recv().await);
        let first: Result<u32, RecvError> = input.recv().await;
        let _ = output.send(pair.0? * 100 + pair.1?).await;
        n += first?;
        let _ = output.send(n).await;
    }
}}

#[test]
fn pause_results_carried_across_pauses() {
    on_both(|| async {
        all_same(pairs_p, pairs_q).await;
        let o = drive(pairs_p, vec![1, 2, 3, 4, 5, 6, 7]).await;
        assert_eq!(o, (vec![102, 3, 405, 9], Err(RecvError)));
    });
}
"####;
