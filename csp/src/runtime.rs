//! The runtime: where processes run.
//!
//! csp runs on tokio. [`run`] is for `main`: it builds a [`Runtime`] with the
//! default settings and runs one root process to completion. Use
//! [`Runtime::builder`] to choose the flavour.
//!
//! **Default: multi-threaded, one worker per available core.** That is what
//! a tokio user gets from `#[tokio::main]` and what a CSP program expects
//! from `PAR`: processes really run in parallel. A network of processes that
//! mostly hands messages back and forth (commstime, token rings) runs
//! faster on [`Flavor::CurrentThread`], where a wake-up is a queue push
//! rather than a cross-core signal; the benchmarks report both.

use std::future::Future;
use std::io;

/// Which scheduler a [`Runtime`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// Every process on the calling thread. Cheapest hand-offs; no
    /// parallelism.
    CurrentThread,
    /// A pool of worker threads with work stealing (the default).
    #[default]
    MultiThread,
}

/// Configures a [`Runtime`].
#[derive(Debug, Clone, Default)]
pub struct Builder {
    flavor: Flavor,
    workers: Option<usize>,
}

impl Builder {
    /// Chooses the scheduler.
    pub fn flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }

    /// Worker threads for [`Flavor::MultiThread`] (default: available cores).
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = Some(n.max(1));
        self
    }

    /// Builds the runtime. Fails only if the OS refuses threads or timers.
    pub fn build(self) -> io::Result<Runtime> {
        let mut b = match self.flavor {
            Flavor::CurrentThread => tokio::runtime::Builder::new_current_thread(),
            Flavor::MultiThread => tokio::runtime::Builder::new_multi_thread(),
        };
        if let (Flavor::MultiThread, Some(n)) = (self.flavor, self.workers) {
            b.worker_threads(n);
        }
        b.enable_time();
        Ok(Runtime {
            inner: b.build()?,
            flavor: self.flavor,
        })
    }
}

/// A set of threads (or one) running processes.
#[derive(Debug)]
pub struct Runtime {
    inner: tokio::runtime::Runtime,
    flavor: Flavor,
}

impl Runtime {
    /// Starts configuring a runtime.
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// A runtime with the defaults (multi-threaded, one worker per core).
    pub fn new() -> io::Result<Runtime> {
        Builder::default().build()
    }

    /// Runs `root` to completion on this runtime, from outside any runtime.
    pub fn block_on<F: Future>(&self, root: F) -> F::Output {
        self.inner.block_on(root)
    }

    /// Starts `p` on this runtime; usable from outside it.
    pub fn spawn<F>(&self, p: F) -> crate::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        crate::task::JoinHandle::new(self.inner.spawn(p))
    }

    /// The scheduler this runtime uses.
    pub fn flavor(&self) -> Flavor {
        self.flavor
    }
}

/// Runs `root` to completion on a fresh default runtime: the `main` of a
/// csp program.
///
/// # Panics
/// If the runtime cannot be built (the OS refused threads), or if called
/// from inside a runtime, or if `root` panics.
pub fn run<F: Future>(root: F) -> F::Output {
    Runtime::new()
        .expect("csp::run: could not start the runtime")
        .block_on(root)
}
