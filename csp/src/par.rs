//! Support for `par!`: run branches concurrently, collect every result.
//!
//! `par!(a, b, c)` pins each branch in a [`MaybeDone`] and polls all of
//! them until each is done, within the calling process (like
//! `futures::join!`). Branches may borrow the caller's locals, a panic in a
//! branch propagates to the caller, and a process frozen inside `par!`
//! carries its unfinished branches with it. For parallelism across cores,
//! [`spawn`](crate::spawn) processes instead.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pin_project_lite::pin_project! {
    // pin-project-lite takes no doc comments on enum fields.
    #[allow(missing_docs)]
    /// One branch of a `par!`: running, finished with its output, or
    /// emptied once the output has been collected.
    #[project = MaybeDoneProj]
    #[derive(Debug)]
    pub enum MaybeDone<F: Future> {
        /// Still running.
        Running {
            #[pin]
            fut: F,
        },
        /// Finished; its output waits to be collected.
        Done {
            out: Option<F::Output>,
        },
    }
}

impl<F: Future> MaybeDone<F> {
    /// Wraps a branch.
    pub fn new(fut: F) -> Self {
        MaybeDone::Running { fut }
    }

    /// Polls the branch if it is still running; true once it has finished.
    pub fn poll_done(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let out = match self.as_mut().project() {
            MaybeDoneProj::Running { fut } => match fut.poll(cx) {
                Poll::Ready(out) => out,
                Poll::Pending => return false,
            },
            MaybeDoneProj::Done { .. } => return true,
        };
        // Drops the finished future now, releasing what it held (channel ends).
        self.set(MaybeDone::Done { out: Some(out) });
        true
    }

    /// Takes the output of a finished branch.
    ///
    /// # Panics
    /// If the branch has not finished or its output was already taken.
    pub fn take_output(self: Pin<&mut Self>) -> F::Output {
        match self.project() {
            MaybeDoneProj::Done { out } => out.take().expect("par!: output already taken"),
            MaybeDoneProj::Running { .. } => panic!("par!: branch has not finished"),
        }
    }
}
