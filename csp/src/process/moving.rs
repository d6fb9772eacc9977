//! `migrate_to(peer).await`: a process asks the node it runs on to move it.
//!
//! The runtime knows nothing of nodes, so the node that runs a process
//! installs a [`Host`] around every step of it ([`with_host`]). The pause
//! operation, [`MigratePause`], asks that host to move the process and
//! waits. The node then freezes the process *at this pause point* and ships
//! it; on the destination the thawed operation finds itself on the node it
//! asked for and completes with `Ok(())`, so the process resumes mid-code
//! there. If the move fails, the node resumes the process where it was and
//! hands the operation the reason, so the `.await` yields an error and the
//! process carries on at the source.
//!
//! A process that is not run by a node (plain `spawn`, or
//! `csp::migrate::spawn_process`) gets [`MoveError::NoNode`] at once.

use std::cell::RefCell;
use std::fmt;
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

use super::PauseOp;
use crate::sync::Arc;

/// Why `migrate_to(peer).await` did not move the process. The process
/// keeps running where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "migration", derive(serde::Serialize, serde::Deserialize))]
pub enum MoveError {
    /// The process is not run by a node (csp-net), so there is nowhere to
    /// move it from.
    NoNode,
    /// The node tried and failed (peer unknown, refused the type, lost the
    /// connection, timed out); the text says which.
    Failed(String),
}

impl fmt::Display for MoveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveError::NoNode => f.write_str(
                "the process is not run by a node, so it cannot move (spawn it with a csp-net Node)",
            ),
            MoveError::Failed(m) => write!(f, "the move failed, the process stays: {m}"),
        }
    }
}

impl std::error::Error for MoveError {}

/// Where the node puts the outcome of a move a process asked for.
#[derive(Default)]
pub struct MoveSlot {
    outcome: Mutex<Option<Result<(), MoveError>>>,
    waker: AtomicWaker,
}

impl fmt::Debug for MoveSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MoveSlot").finish_non_exhaustive()
    }
}

impl MoveSlot {
    /// Reports that the move failed (the process was resumed here) and
    /// wakes the process. A success is never reported here: the process
    /// learns it by waking up on the destination.
    pub fn fail(&self, why: MoveError) {
        *self.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(Err(why));
        self.waker.wake();
    }

    fn take(&self) -> Option<Result<(), MoveError>> {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
    }
}

/// The node running a process, as the process sees it.
pub trait Host: Send + Sync {
    /// The id of the node running the process now.
    fn node(&self) -> u64;

    /// The process asks to be moved to `peer`. The node freezes it at its
    /// current pause point (the `migrate_to`) and moves it; if that fails
    /// it resumes the process and calls [`MoveSlot::fail`].
    fn request_move(&self, peer: u64, slot: Arc<MoveSlot>);
}

thread_local! {
    static HOST: RefCell<Option<Arc<dyn Host>>> = const { RefCell::new(None) };
}

/// Runs `f` (a step of a process) with `host` as the node it runs on.
pub fn with_host<R>(host: &Arc<dyn Host>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<dyn Host>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            HOST.with(|h| *h.borrow_mut() = old);
        }
    }
    let _restore = Restore(HOST.with(|h| h.borrow_mut().replace(host.clone())));
    f()
}

fn host() -> Option<Arc<dyn Host>> {
    HOST.with(|h| h.borrow().clone())
}

/// A process paused in `migrate_to(peer).await`.
///
/// Its serialized state is only the target node: frozen for the move, it
/// completes on arrival. Restored from a checkpoint on some other node, it
/// asks that node to move it on.
pub struct MigratePause {
    peer: u64,
    /// Set once the move was requested on this node (never serialized:
    /// the frame that travels is the one that arrived).
    slot: Option<Arc<MoveSlot>>,
}

impl fmt::Debug for MigratePause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MigratePause")
            .field("peer", &format_args!("{:016x}", self.peer))
            .field("requested", &self.slot.is_some())
            .finish()
    }
}

impl MigratePause {
    /// Asks to move to node `peer` (a csp-net `NodeId` converts into it).
    pub fn new(peer: impl Into<u64>) -> Self {
        MigratePause {
            peer: peer.into(),
            slot: None,
        }
    }

    /// Polls the move.
    pub fn poll_move(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), MoveError>> {
        if let Some(slot) = &self.slot {
            slot.waker.register(cx.waker());
            return match slot.take() {
                Some(r) => {
                    self.slot = None;
                    Poll::Ready(r)
                }
                None => Poll::Pending,
            };
        }
        let Some(host) = host() else {
            return Poll::Ready(Err(MoveError::NoNode));
        };
        if host.node() == self.peer {
            return Poll::Ready(Ok(()));
        }
        let slot = Arc::new(MoveSlot::default());
        slot.waker.register(cx.waker());
        self.slot = Some(slot.clone());
        host.request_move(self.peer, slot);
        Poll::Pending
    }
}

impl PauseOp for MigratePause {
    fn describe_op(&self) -> &'static str {
        "migrate_to"
    }
    type Output = Result<(), MoveError>;
    fn poll_op(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.poll_move(cx)
    }
}

/// `migrate_to(peer).await` outside a process: moves nothing, but reports
/// why (a plain future cannot be frozen).
impl std::future::Future for MigratePause {
    type Output = Result<(), MoveError>;
    fn poll(self: std::pin::Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        Poll::Ready(Err(MoveError::Failed(
            "only a #[process] can move: a plain future cannot be frozen".into(),
        )))
    }
}

/// Moves the calling process to node `peer`: a pause point after which the
/// process runs on the peer. See [`MigratePause`] and csp-net's `Node`.
pub fn migrate_to(peer: impl Into<u64>) -> MigratePause {
    MigratePause::new(peer)
}

#[cfg(feature = "migration")]
mod serial {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::MigratePause;

    impl Serialize for MigratePause {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            self.peer.serialize(s)
        }
    }

    impl<'de> Deserialize<'de> for MigratePause {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            Ok(MigratePause::new(u64::deserialize(d)?))
        }
    }
}
