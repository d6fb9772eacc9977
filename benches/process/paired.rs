//! Per-round process/async ratios, which hold up better under machine load
//! than the ratio of two medians.
//!
//! [`harness::race`](super::harness::race) takes the samples in rounds, one
//! of each contender per round, but reports only each contender's median,
//! min and max. A [`Field`] wraps every contender's body so that it logs
//! each run's time per unit; the last [`Config::samples`] runs of a
//! contender are its samples (calibration and warm-up come first), so the
//! `i`-th sample of the process contender and the `i`-th of the async one
//! on the same scheduler were taken in the same round, a fraction of a
//! second apart. Their quotient is one paired ratio; a [`Paired`] keeps the
//! median, min and max of those.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use super::harness::{race, Config, Contender, Row, Stats};
use super::imps::Sched;
use super::Style;

/// Paired process/async ratios of one bench, variant and scheduler.
#[derive(Debug, Clone)]
pub(crate) struct Paired {
    /// Benchmark family.
    pub(crate) bench: String,
    /// Variant within the family.
    pub(crate) variant: String,
    /// Scheduler.
    pub(crate) flavor: String,
    /// Median, min and max of the per-round ratios.
    pub(crate) stats: Stats,
}

/// Every run's time per unit, in order.
type Log = Rc<RefCell<Vec<f64>>>;

/// The contenders of one race, each with its log.
#[derive(Default)]
pub(crate) struct Field<'a> {
    /// What `race` measures.
    contenders: Vec<Contender<'a>>,
    /// Per contender: its style, scheduler and log.
    logs: Vec<(Style, Sched, Log)>,
}

impl<'a> Field<'a> {
    /// Adds a calibrated contender whose iterations are `units` units each.
    pub(crate) fn push(
        &mut self,
        style: Style,
        sched: Sched,
        units: f64,
        mut run: impl FnMut(u64) -> Duration + 'a,
    ) {
        let log = Log::default();
        let own = log.clone();
        let logged = move |n: u64| {
            let took = run(n);
            own.borrow_mut()
                .push(took.as_nanos() as f64 / (n as f64 * units));
            took
        };
        let who = (style.name(), sched.name());
        self.contenders
            .push(Contender::calibrated(who, units, logged));
        self.logs.push((style, sched, log));
    }

    /// Races the contenders; adds their rows to `rows` and, per scheduler
    /// with both styles, the paired ratios to `paired`.
    pub(crate) fn race(
        self,
        cfg: &Config,
        (bench, variant, unit): (&str, &str, &str),
        rows: &mut Vec<Row>,
        paired: &mut Vec<Paired>,
    ) {
        if self.contenders.is_empty() {
            return;
        }
        rows.extend(race(cfg, (bench, variant, unit), self.contenders));
        let samples = |style: Style, sched: Sched| {
            self.logs
                .iter()
                .find(|(s, f, _)| *s == style && *f == sched)
                .map(|(_, _, log)| {
                    let log = log.borrow();
                    log[log.len().saturating_sub(cfg.samples)..].to_vec()
                })
        };
        for sched in Sched::ALL {
            let (Some(p), Some(a)) = (samples(Style::Process, sched), samples(Style::Async, sched))
            else {
                continue;
            };
            let ratios: Vec<f64> = p.iter().zip(&a).map(|(p, a)| p / a).collect();
            if ratios.is_empty() {
                continue;
            }
            paired.push(Paired {
                bench: bench.into(),
                variant: variant.into(),
                flavor: sched.name().into(),
                stats: Stats::of(ratios),
            });
        }
    }
}
