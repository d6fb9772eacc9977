//! UI tests for `alt!` and `par!`: every diagnostic the macros emit is
//! compiled by trybuild and its message checked against a `.stderr` file
//! (`tests/ui/alt_*.rs`, `tests/ui/par_*.rs`), and every supported form is
//! compiled and run (`tests/ui/pass_*.rs`).
//!
//! After a deliberate change to a message, regenerate the expectations with
//! `TRYBUILD=overwrite cargo test -p csp-macros --test ui` and read the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass_*.rs");
    t.compile_fail("tests/ui/alt_*.rs");
    t.compile_fail("tests/ui/par_*.rs");
}
