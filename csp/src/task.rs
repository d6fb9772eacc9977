//! Spawning processes and joining them.
//!
//! A spawned process is a tokio task. If it panics, tokio drops its future,
//! and with it every channel end it owned, so its peers see closed channels
//! rather than waiting forever; the panic surfaces at [`JoinHandle::join`]
//! as a [`JoinError`].

use std::fmt;
use std::future::Future;

/// Starts process `p` on the current runtime and returns a handle to its
/// result. The process runs whether or not the handle is kept.
///
/// # Panics
/// If called outside a csp (tokio) runtime.
pub fn spawn<F>(p: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    JoinHandle::new(tokio::spawn(p))
}

/// A handle to a spawned process. Dropping it detaches the process.
pub struct JoinHandle<T> {
    inner: tokio::task::JoinHandle<T>,
}

impl<T> JoinHandle<T> {
    pub(crate) fn new(inner: tokio::task::JoinHandle<T>) -> Self {
        JoinHandle { inner }
    }

    /// Waits for the process to finish: its result, or why it did not
    /// produce one.
    pub async fn join(self) -> Result<T, JoinError> {
        self.inner.await.map_err(JoinError::from_tokio)
    }

    /// Stops the process at its next pause. Its channel ends are dropped,
    /// so peers see closes; `join` then reports [`JoinError::is_cancelled`].
    pub fn abort(&self) {
        self.inner.abort();
    }

    /// Whether the process has finished (in any way).
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle").finish_non_exhaustive()
    }
}

/// Why a process produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinError {
    /// It panicked; the panic message (if it was a string).
    Panicked(String),
    /// It was aborted, or its runtime shut down first.
    Cancelled,
    /// It was frozen (feature `migration`): its frozen form carries on, and
    /// whoever thaws it gets its result.
    Frozen,
}

impl JoinError {
    fn from_tokio(e: tokio::task::JoinError) -> Self {
        if e.is_cancelled() {
            return JoinError::Cancelled;
        }
        let payload = e.into_panic();
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "<non-string panic payload>".to_string());
        JoinError::Panicked(msg)
    }

    /// Whether the process panicked.
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }

    /// Whether the process was aborted.
    pub fn is_cancelled(&self) -> bool {
        matches!(self, JoinError::Cancelled)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(m) => write!(f, "process panicked: {m}"),
            JoinError::Cancelled => f.write_str("process was cancelled"),
            JoinError::Frozen => f.write_str("process was frozen"),
        }
    }
}

impl std::error::Error for JoinError {}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        std::pin::Pin::new(&mut self.inner)
            .poll(cx)
            .map(|r| r.map_err(JoinError::from_tokio))
    }
}
