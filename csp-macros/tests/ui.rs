//! UI tests for `alt!`, `par!` and `#[process]`: every diagnostic the macros
//! emit is compiled by trybuild and its message checked against a `.stderr`
//! file (`tests/ui/alt_*.rs`, `tests/ui/par_*.rs`, `tests/ui/process_*.rs`),
//! and every supported form is compiled and run (`tests/ui/pass_*.rs`,
//! `tests/ui/process_pass_*.rs`).
//!
//! After a deliberate change to a message, regenerate the expectations with
//! `TRYBUILD=overwrite cargo test -p csp-macros --test ui` and read the diff.

use std::path::{Path, PathBuf};

/// The `tests/ui/process_*.rs` cases, split into (pass, compile-fail) by
/// whether the name starts with `process_pass_` (a glob cannot say "every
/// `process_*` except `process_pass_*`").
fn process_cases() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let dir = Path::new("tests/ui");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("tests/ui exists")
        .map(|e| e.expect("readable tests/ui entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("process_") && name.ends_with(".rs")
        })
        .collect();
    files.sort();
    files.into_iter().partition(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with("process_pass_"))
    })
}

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/alt_*.rs");
    t.compile_fail("tests/ui/par_*.rs");
    let (pass, fail) = process_cases();
    for p in &pass {
        t.pass(p);
    }
    for p in &fail {
        t.compile_fail(p);
    }
}
