//! Measuring, summarising and printing: the part every benchmark shares.
//!
//! A measurement is a closure `run(n) -> Duration` that does `n` iterations
//! of some work and returns how long the timed part took. [`race`] takes
//! one such [`Contender`] per implementation, picks each one's `n` (so a
//! sample lasts about [`Config::target`], or fixed), then takes
//! [`Config::samples`] samples of all of them in interleaved rounds. Each
//! sample becomes "time per unit" (`elapsed / (n * units)`), and a
//! [`Stats`] keeps their median, min and max.

use std::time::Duration;

/// How big a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Tiny sizes, one sample: checks every benchmark runs (what
    /// `cargo test --benches` gets, as it does not pass `--bench`).
    Smoke,
    /// `--quick`: the whole suite well under a minute.
    Quick,
    /// The default under `cargo bench`: a few minutes.
    Full,
}

/// Sizes of one run of the suite.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// Which sizes these are.
    pub(crate) mode: Mode,
    /// Samples per measurement.
    pub(crate) samples: usize,
    /// Wall time one calibrated sample aims for.
    pub(crate) target: Duration,
    /// `--iters N`: iterations per sample instead of calibrating, so that
    /// a profiler sees a known amount of work (warm-up + samples runs).
    pub(crate) iters: Option<u64>,
    /// Processes in the token ring.
    pub(crate) ring_procs: usize,
    /// Laps of the token ring per sample (async runtimes and Go).
    pub(crate) ring_laps: u64,
    /// Laps per sample for the ring of OS threads, where every hop is a
    /// thread wake-up (tens of times slower).
    pub(crate) ring_laps_threads: u64,
    /// Parked processes in the memory benchmark.
    pub(crate) mem_procs: usize,
    /// Samples (fresh child processes) per memory measurement.
    pub(crate) mem_samples: usize,
}

impl Config {
    /// The sizes for `mode`.
    pub(crate) fn new(mode: Mode) -> Config {
        match mode {
            Mode::Smoke => Config {
                mode,
                samples: 1,
                target: Duration::from_millis(1),
                iters: None,
                ring_procs: 100,
                ring_laps: 1,
                ring_laps_threads: 1,
                mem_procs: 1_000,
                mem_samples: 1,
            },
            Mode::Quick => Config {
                mode,
                samples: 5,
                target: Duration::from_millis(25),
                iters: None,
                ring_procs: 10_000,
                ring_laps: 10,
                ring_laps_threads: 1,
                mem_procs: 100_000,
                mem_samples: 3,
            },
            Mode::Full => Config {
                mode,
                samples: 11,
                target: Duration::from_millis(200),
                iters: None,
                ring_procs: 10_000,
                ring_laps: 100,
                ring_laps_threads: 10,
                mem_procs: 1_000_000,
                mem_samples: 5,
            },
        }
    }
}

/// Whether an (implementation, flavor) pair runs (the `--impl` and
/// `--flavor` filters).
pub(crate) type Keep<'a> = dyn Fn(&str, &str) -> bool + 'a;

/// Median, min and max of a set of samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Stats {
    /// The middle sample (mean of the two middle ones for an even count).
    pub(crate) median: f64,
    /// The smallest sample.
    pub(crate) min: f64,
    /// The largest sample.
    pub(crate) max: f64,
}

impl Stats {
    /// Summarises `samples` (at least one).
    pub(crate) fn of(mut samples: Vec<f64>) -> Stats {
        assert!(!samples.is_empty(), "no samples");
        samples.sort_by(f64::total_cmp);
        let k = samples.len();
        let median = if k % 2 == 1 {
            samples[k / 2]
        } else {
            (samples[k / 2 - 1] + samples[k / 2]) / 2.0
        };
        Stats {
            median,
            min: samples[0],
            max: samples[k - 1],
        }
    }
}

/// One line of the result table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// Benchmark family, e.g. `commstime`.
    pub(crate) bench: String,
    /// Variant within the family, e.g. `par-delta`.
    pub(crate) variant: String,
    /// Implementation: `csp`, `tokio`, `kanal`, `crossbeam` or `go`.
    pub(crate) imp: String,
    /// Scheduler: `current_thread`, `multi_thread`, `threads` or `go`.
    pub(crate) flavor: String,
    /// The measured numbers.
    pub(crate) stats: Stats,
    /// Unit of the numbers, e.g. `ns/loop`; lower is better for every unit.
    pub(crate) unit: String,
}

impl Row {
    /// A row from its parts.
    pub(crate) fn new(
        bench: &str,
        variant: &str,
        imp: &str,
        flavor: &str,
        stats: Stats,
        unit: &str,
    ) -> Row {
        Row {
            bench: bench.into(),
            variant: variant.into(),
            imp: imp.into(),
            flavor: flavor.into(),
            stats,
            unit: unit.into(),
        }
    }

    /// The row as one JSON object on one line.
    pub(crate) fn json(&self) -> String {
        format!(
            "{{\"bench\":\"{}\",\"variant\":\"{}\",\"impl\":\"{}\",\"flavor\":\"{}\",\
             \"median\":{:.1},\"min\":{:.1},\"max\":{:.1},\"unit\":\"{}\"}}",
            self.bench,
            self.variant,
            self.imp,
            self.flavor,
            self.stats.median,
            self.stats.min,
            self.stats.max,
            self.unit
        )
    }

    /// Parses a line printed by [`Row::json`] (or by the Go program, which
    /// prints the same format). `None` for anything else.
    pub(crate) fn parse_json(line: &str) -> Option<Row> {
        let line = line.trim();
        if !line.starts_with('{') || !line.ends_with('}') {
            return None;
        }
        let stats = Stats {
            median: json_field(line, "median")?.parse().ok()?,
            min: json_field(line, "min")?.parse().ok()?,
            max: json_field(line, "max")?.parse().ok()?,
        };
        Some(Row {
            bench: json_field(line, "bench")?.into(),
            variant: json_field(line, "variant")?.into(),
            imp: json_field(line, "impl")?.into(),
            flavor: json_field(line, "flavor")?.into(),
            stats,
            unit: json_field(line, "unit")?.into(),
        })
    }
}

/// The raw value of `"key":value` in a flat JSON object without escapes:
/// a string without its quotes, or a number as written.
fn json_field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let start = line.find(&format!("\"{key}\":"))? + key.len() + 3;
    let rest = &line[start..];
    if let Some(s) = rest.strip_prefix('"') {
        return s.split('"').next();
    }
    rest.split([',', '}']).next().map(str::trim)
}

/// Prints a finished row to stderr so a long run shows progress.
pub(crate) fn progress(row: &Row) {
    eprintln!(
        "  {:<9} {:<11} {:<9} {:<14} {:>12.1} {}",
        row.bench, row.variant, row.imp, row.flavor, row.stats.median, row.unit
    );
}

/// A timed body: runs `n` iterations, returns the time of the timed part.
pub(crate) type Runner<'a> = Box<dyn FnMut(u64) -> Duration + 'a>;

/// How many iterations each sample of a [`Contender`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// Chosen so a sample lasts about [`Config::target`].
    Calibrate,
    /// This many.
    Fixed(u64),
}

/// One implementation's entry in a comparison.
pub(crate) struct Contender<'a> {
    /// Implementation name.
    imp: &'static str,
    /// Scheduler name.
    flavor: &'static str,
    /// Iterations per sample.
    plan: Plan,
    /// Units (loops, hops, messages) per iteration.
    units: f64,
    /// The timed body.
    run: Runner<'a>,
}

impl<'a> Contender<'a> {
    /// A contender whose iterations per sample are calibrated to
    /// [`Config::target`]; each iteration is `units` units.
    pub(crate) fn calibrated(
        (imp, flavor): (&'static str, &'static str),
        units: f64,
        run: impl FnMut(u64) -> Duration + 'a,
    ) -> Contender<'a> {
        let run = Box::new(run);
        let plan = Plan::Calibrate;
        Contender {
            imp,
            flavor,
            plan,
            units,
            run,
        }
    }

    /// Its implementation and scheduler names (for `race_stats` callers:
    /// the net benchmark; peers does not use it).
    #[allow(dead_code)]
    pub(crate) fn who(&self) -> (&'static str, &'static str) {
        (self.imp, self.flavor)
    }

    /// A contender that runs `n` iterations per sample.
    pub(crate) fn fixed(
        who: (&'static str, &'static str),
        n: u64,
        units: f64,
        run: impl FnMut(u64) -> Duration + 'a,
    ) -> Contender<'a> {
        let plan = Plan::Fixed(n);
        Contender {
            plan,
            ..Contender::calibrated(who, units, run)
        }
    }
}

/// Measures every contender: first each one's iteration count (the
/// calibration or a fixed run doubles as warm-up), then the samples in
/// rounds, one sample of each contender per round, so that a change in
/// machine load during the run hits all of them alike. Returns a row per
/// contender, in order.
pub(crate) fn race(
    cfg: &Config,
    (bench, variant, unit): (&str, &str, &str),
    mut field: Vec<Contender<'_>>,
) -> Vec<Row> {
    let stats = race_stats(cfg, &mut field);
    let rows: Vec<Row> = field
        .iter()
        .zip(stats)
        .map(|(c, s)| Row::new(bench, variant, c.imp, c.flavor, s, unit))
        .collect();
    rows.iter().for_each(progress);
    rows
}

/// [`race`] without the labels: each contender's stats, in order, and no
/// progress lines (for callers that label every row differently).
pub(crate) fn race_stats(cfg: &Config, field: &mut [Contender<'_>]) -> Vec<Stats> {
    let sizes: Vec<u64> = field
        .iter_mut()
        .map(|c| match (c.plan, cfg.iters) {
            (Plan::Calibrate, None) => calibrate(cfg.target, &mut c.run),
            (Plan::Fixed(n), _) | (Plan::Calibrate, Some(n)) => {
                (c.run)(n);
                n
            }
        })
        .collect();
    let mut samples = vec![Vec::with_capacity(cfg.samples); field.len()];
    for _ in 0..cfg.samples {
        for ((c, &n), out) in field.iter_mut().zip(&sizes).zip(&mut samples) {
            let took = (c.run)(n);
            out.push(took.as_nanos() as f64 / (n as f64 * c.units));
        }
    }
    samples.into_iter().map(Stats::of).collect()
}

/// Grows `n` until a run takes a measurable share of `target`, then scales
/// it to `target`, and checks the estimate at its own size: one run slowed
/// by a hiccup (page faults, another process, a node's first connection)
/// would otherwise fix far too few iterations for the whole race, and a
/// contender with a fixed cost per run (the net benchmark's sessions: a
/// few round trips) would then measure mostly that cost (seen: a 20x
/// slower remote stream in one run of six).
fn calibrate(target: Duration, run: &mut Runner<'_>) -> u64 {
    let mut n: u64 = 1;
    loop {
        let took = run(n).max(Duration::from_nanos(1));
        if took >= target / 8 || n >= 1 << 40 {
            break;
        }
        n *= if took < target / 100 { 10 } else { 2 };
    }
    let mut n = scaled(n, run(n), target);
    for _ in 0..3 {
        let took = run(n);
        if took >= target / 2 {
            break;
        }
        // Too short: the first estimate was slowed. Grow, at most 100x
        // a step.
        n = scaled(n, took, target).min(n.saturating_mul(100));
    }
    n
}

/// `n` iterations that took `took`, scaled to take `target`.
fn scaled(n: u64, took: Duration, target: Duration) -> u64 {
    let took = took.max(Duration::from_nanos(1));
    let s = n as f64 * target.as_secs_f64() / took.as_secs_f64();
    (s.ceil() as u64).clamp(1, 1 << 40)
}

/// The csp row a peer's row is compared with: same bench, variant and
/// flavour; for peers with their own scheduler (crossbeam threads, Go) the
/// csp multi_thread row (both use both cores), else current_thread.
fn csp_baseline<'a>(rows: &'a [Row], peer: &Row) -> Option<&'a Row> {
    let csp = |flavor: &str| {
        rows.iter().find(|r| {
            r.imp == "csp"
                && r.bench == peer.bench
                && r.variant == peer.variant
                && r.flavor == flavor
        })
    };
    csp(&peer.flavor)
        .or_else(|| csp("multi_thread"))
        .or_else(|| csp("current_thread"))
}

/// `csp median / peer median` for a peer row ("" for csp rows).
fn ratio(rows: &[Row], row: &Row) -> String {
    if row.imp == "csp" {
        return String::new();
    }
    match csp_baseline(rows, row) {
        Some(c) if row.stats.median > 0.0 => {
            let mark = match c.flavor.as_str() {
                f if f == row.flavor => "",
                "multi_thread" => " (mt)",
                _ => " (ct)",
            };
            format!("{:.2}{mark}", c.stats.median / row.stats.median)
        }
        _ => "-".into(),
    }
}

/// The human-readable table of all rows.
pub(crate) fn table(rows: &[Row]) -> String {
    let head = [
        "bench", "variant", "impl", "flavor", "median", "min", "max", "unit", "csp/peer",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = cells(r, |x| format!("{x:.1}"));
            line.push(ratio(rows, r));
            line
        })
        .collect();
    layout(&head, &body)
}

/// The eight cells every table starts a row with, from bench to unit, the
/// numbers written by `num`.
pub(crate) fn cells(r: &Row, num: fn(f64) -> String) -> Vec<String> {
    vec![
        r.bench.clone(),
        r.variant.clone(),
        r.imp.clone(),
        r.flavor.clone(),
        num(r.stats.median),
        num(r.stats.min),
        num(r.stats.max),
        r.unit.clone(),
    ]
}

/// A table number: two decimals below 10 (the µs rows), else one (the
/// process and net tables; peers prints one decimal throughout).
#[allow(dead_code)]
pub(crate) fn number(x: f64) -> String {
    if x < 10.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.1}")
    }
}

/// Lays out a table of `head` and `body` lines (each as many cells as
/// `head`): a header, a rule, then the body, every column as wide as its
/// widest cell. The median, min and max columns (4 to 6) are numbers,
/// right-aligned; the others text, left-aligned. Widths count characters,
/// not bytes, as units like `µs` are wider in bytes.
pub(crate) fn layout(head: &[&str], body: &[Vec<String>]) -> String {
    let mut width: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for line in body {
        for (w, cell) in width.iter_mut().zip(line) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let head: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    let rule: Vec<String> = width.iter().map(|w| "-".repeat(*w)).collect();
    let mut out = String::new();
    for line in [&head, &rule].into_iter().chain(body) {
        out.push_str(&format_line(line, &width));
    }
    out
}

/// One table line: text columns left-aligned, numbers right-aligned.
fn format_line(cells: &[String], width: &[usize]) -> String {
    let mut line = String::from("|");
    for (i, (cell, w)) in cells.iter().zip(width).enumerate() {
        let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
        if (4..=6).contains(&i) {
            line.push_str(&format!(" {pad}{cell} |"));
        } else {
            line.push_str(&format!(" {cell}{pad} |"));
        }
    }
    line.push('\n');
    line
}

/// Resident set size of this process, from `/proc/self/statm`.
pub(crate) fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|f| f.parse().ok())
        .expect("statm resident field");
    pages * page_size()
}

/// The page size, from the `AT_PAGESZ` entry of the auxiliary vector.
fn page_size() -> u64 {
    const AT_PAGESZ: u64 = 6;
    let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
    let words: Vec<u64> = auxv
        .chunks_exact(8)
        .map(|c| u64::from_ne_bytes(c.try_into().expect("8 bytes")))
        .collect();
    words
        .chunks_exact(2)
        .find(|kv| kv[0] == AT_PAGESZ)
        .map_or(4096, |kv| kv[1])
}
