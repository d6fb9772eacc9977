//! What the net benchmark prints: rows with two more columns than the
//! peers table (`detail`: a rate or a size; `vs tcp`: the row against the
//! raw TCP baseline measured in the same rounds), and one note per target.

use super::harness::{self, progress, race_stats, Config, Contender, Row};

/// Which (implementation, variant) pairs run: `--impl` and `--variant`.
pub(crate) type Filter<'a> = dyn Fn(&str, &str) -> bool + 'a;

/// A contender with the variant and unit of its row.
pub(crate) struct Entry<'a> {
    /// The variant column.
    variant: String,
    /// The unit column.
    unit: &'static str,
    /// What to measure.
    contender: Contender<'a>,
}

impl<'a> Entry<'a> {
    /// An entry from its parts.
    pub(crate) fn new(variant: impl Into<String>, unit: &'static str, c: Contender<'a>) -> Self {
        Entry {
            variant: variant.into(),
            unit,
            contender: c,
        }
    }
}

/// Races `entries` (one sample of each per round, see
/// [`harness::race`]) and returns their rows under `bench`, in order.
pub(crate) fn race(cfg: &Config, bench: &str, entries: Vec<Entry<'_>>) -> Vec<Row> {
    let (labels, mut field): (Vec<_>, Vec<_>) = entries
        .into_iter()
        .map(|e| ((e.variant, e.unit), e.contender))
        .unzip();
    let stats = race_stats(cfg, &mut field);
    let rows: Vec<Row> = field
        .iter()
        .zip(labels)
        .zip(stats)
        .map(|((c, (variant, unit)), s)| {
            let (imp, flavor) = c.who();
            Row::new(bench, &variant, imp, flavor, s, unit)
        })
        .collect();
    rows.iter().for_each(progress);
    rows
}

/// The median of the row of `variant` among `rows`, if it ran.
pub(crate) fn median(rows: &[Row], variant: &str) -> Option<f64> {
    rows.iter()
        .find(|r| r.variant == variant)
        .map(|r| r.stats.median)
}

/// A table line: a row and its two extra cells.
struct Line {
    /// The measured row (also the JSON line).
    row: Row,
    /// A rate or a size.
    detail: String,
    /// Against the TCP baseline.
    vs: String,
}

/// A target and whether this run met it.
struct Note {
    /// The target, e.g. "remote buffered throughput >= 2 M msg/s".
    target: String,
    /// What this run got.
    got: String,
    /// Whether that meets it.
    met: bool,
}

/// Everything a run has to say.
#[derive(Default)]
pub(crate) struct Report {
    /// Table lines, in order.
    lines: Vec<Line>,
    /// Target notes, in order.
    notes: Vec<Note>,
}

impl Report {
    /// Adds a table line.
    pub(crate) fn push(&mut self, row: Row, detail: String, vs: String) {
        self.lines.push(Line { row, detail, vs });
    }

    /// Adds a target note.
    pub(crate) fn note(&mut self, target: &str, got: String, met: bool) {
        let target = target.into();
        self.notes.push(Note { target, got, met });
    }

    /// Adds a target note over several measurements (variant, value):
    /// met if any value `meets` it; each is shown with `show`.
    pub(crate) fn note_any(
        &mut self,
        target: &str,
        got: &[(String, f64)],
        show: impl Fn(f64) -> String,
        meets: impl Fn(f64) -> bool,
    ) {
        if got.is_empty() {
            return;
        }
        let all: Vec<String> = got
            .iter()
            .map(|(v, x)| format!("{v} {}", show(*x)))
            .collect();
        let met = got.iter().any(|g| meets(g.1));
        self.note(target, all.join(", "), met);
    }

    /// The rows, for the JSON lines.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &Row> {
        self.lines.iter().map(|l| &l.row)
    }

    /// The table.
    pub(crate) fn table(&self) -> String {
        let head = [
            "bench", "variant", "impl", "flavor", "median", "min", "max", "unit", "detail",
            "vs tcp",
        ];
        let body: Vec<Vec<String>> = self
            .lines
            .iter()
            .map(|l| {
                let mut line = harness::cells(&l.row, harness::number);
                line.extend([l.detail.clone(), l.vs.clone()]);
                line
            })
            .collect();
        harness::layout(&head, &body)
    }

    /// One line per target: met or not, and what this run got.
    pub(crate) fn notes(&self) -> String {
        self.notes
            .iter()
            .map(|n| {
                let verdict = if n.met { "met" } else { "NOT met" };
                format!("note: target {}: {verdict} ({})\n", n.target, n.got)
            })
            .collect()
    }
}

/// A rate of `what` per second given ns per unit, as `2.31 M msg/s`.
pub(crate) fn per_second(ns: f64, what: &str) -> String {
    let hz = 1e9 / ns.max(f64::MIN_POSITIVE);
    match hz {
        h if h >= 1e6 => format!("{:.2} M {what}/s", h / 1e6),
        h if h >= 1e3 => format!("{:.1} k {what}/s", h / 1e3),
        h => format!("{h:.0} {what}/s"),
    }
}

/// A byte count as `1.50 MiB`.
pub(crate) fn bytes(n: f64) -> String {
    match n {
        n if n >= (1u64 << 20) as f64 => format!("{:.2} MiB", n / (1u64 << 20) as f64),
        n if n >= 1024.0 => format!("{:.1} KiB", n / 1024.0),
        n => format!("{n:.0} B"),
    }
}
