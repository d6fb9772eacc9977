//! The command line both benchmark binaries share (`peers` and `process`
//! include this file with `#[path]`): `--quick`, `--json`, the filters
//! `--only`, `--impl`, `--flavor`, `--variant`, and `--samples`/`--iters`
//! for profiling. Unknown flags (cargo passes some) are ignored.

use crate::harness::Mode;

/// What the command line asked for.
#[derive(Debug, Default)]
pub(crate) struct Args {
    /// `--quick`.
    pub(crate) quick: bool,
    /// `--json`.
    pub(crate) json: bool,
    /// `--bench` (passed by `cargo bench`).
    pub(crate) bench: bool,
    /// `--only a,b`: families to run (all if empty).
    pub(crate) only: Vec<String>,
    /// `--impl a,b`: implementations to run (all if empty).
    pub(crate) imps: Vec<String>,
    /// `--flavor a,b`: schedulers to run (all if empty).
    pub(crate) flavors: Vec<String>,
    /// `--variant a,b`: variants to run (all if empty); only the process
    /// bench has several variants of one family to choose from.
    #[allow(dead_code)]
    pub(crate) variants: Vec<String>,
    /// `--samples N`: samples per measurement instead of the mode's.
    pub(crate) samples: Option<usize>,
    /// `--iters N`: iterations per sample instead of calibrating.
    pub(crate) iters: Option<u64>,
}

impl Args {
    /// Parses the arguments after the program name.
    pub(crate) fn parse(mut it: impl Iterator<Item = String>) -> Args {
        let mut args = Args::default();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--quick" => args.quick = true,
                "--json" => args.json = true,
                "--bench" => args.bench = true,
                "--only" => args.only = list(it.next()),
                "--impl" => args.imps = list(it.next()),
                "--flavor" => args.flavors = list(it.next()),
                "--variant" => args.variants = list(it.next()),
                "--samples" => args.samples = it.next().and_then(|n| n.parse().ok()),
                "--iters" => args.iters = it.next().and_then(|n| n.parse().ok()),
                _ => {}
            }
        }
        args
    }

    /// The sizes to run with.
    pub(crate) fn mode(&self) -> Mode {
        match (self.bench, self.quick) {
            (false, _) => Mode::Smoke,
            (true, true) => Mode::Quick,
            (true, false) => Mode::Full,
        }
    }

    /// Whether family `bench` runs.
    pub(crate) fn keeps_bench(&self, bench: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|b| b == bench)
    }

    /// Whether implementation `imp` runs on scheduler `flavor`.
    pub(crate) fn keeps(&self, imp: &str, flavor: &str) -> bool {
        any_of(&self.imps, imp) && any_of(&self.flavors, flavor)
    }

    /// Whether variant `v` runs (`--variant`).
    #[allow(dead_code)]
    pub(crate) fn keeps_variant(&self, v: &str) -> bool {
        any_of(&self.variants, v)
    }
}

/// Whether `x` is in `set`, an empty set meaning all.
fn any_of(set: &[String], x: &str) -> bool {
    set.is_empty() || set.iter().any(|s| s == x)
}

/// A comma-separated list.
fn list(arg: Option<String>) -> Vec<String> {
    arg.unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}
