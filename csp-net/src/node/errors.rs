//! What node operations return when they fail, and what a move reports.

use std::fmt;
use std::io;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::wire::{HandshakeError, WireError};
use crate::NodeId;

/// A process id: drawn at random when the process is first spawned, and
/// kept across every move, so a handle or an operator can name a process
/// wherever it runs.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Pid(pub u64);

impl Pid {
    pub(crate) fn random() -> Pid {
        Pid(NodeId::random().0)
    }
}

impl fmt::Debug for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pid({:016x})", self.0)
    }
}

impl fmt::Display for Pid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// Why a node could not start, connect or talk to a peer.
#[derive(Debug, Error)]
pub enum NodeError {
    /// A socket operation failed.
    #[error("i/o: {0}")]
    Io(#[from] io::Error),
    /// The peer broke the wire protocol.
    #[error("{0}")]
    Wire(#[from] WireError),
    /// The handshake did not authenticate the peer (wrong secret, other
    /// protocol version, ...): the reason is in the error.
    #[error("handshake: {0}")]
    Handshake(#[from] HandshakeError),
    /// The peer did not finish the handshake in time.
    #[error("the peer did not complete the handshake within {0:?}")]
    HandshakeTimeout(Duration),
    /// The connection closed during the handshake.
    #[error("the peer closed the connection during the handshake")]
    Closed,
    /// The node was shut down.
    #[error("the node is shut down")]
    Shutdown,
    /// The TLS handshake failed (no TLS on the other side, a certificate
    /// from another CA or with another name, ...).
    #[error("tls: {0}")]
    Tls(String),
    /// The builder's limits contradict each other (see `Limits::check`).
    #[error("limits: {0}")]
    Limits(String),
    /// Not connected to that node.
    #[error("not connected to node {0}")]
    NotConnected(NodeId),
    /// The peer did not answer in time.
    #[error("no answer within {0:?}")]
    NoAnswer(Duration),
}

/// Why a move (`migrate`, `spawn_on`, `migrate_to`) did not happen. In
/// every case but [`MigrateError::Unconfirmed`] the process is still here,
/// running (or, for `spawn_on`, not started and dropped by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MigrateError {
    /// No process with that id runs on this node.
    #[error("no process {0} runs on this node")]
    NoSuchProcess(Pid),
    /// The process is already being moved.
    #[error("process {0} is already moving")]
    Busy(Pid),
    /// This node has no connection to that peer.
    #[error("not connected to node {0}")]
    NotConnected(NodeId),
    /// The destination is this node.
    #[error("the process is already on node {0}")]
    SameNode(NodeId),
    /// The process could not be frozen (it finished, or a value in its
    /// frame does not serialize); it keeps running.
    #[error("cannot freeze: {0}")]
    Freeze(String),
    /// The peer cannot run this process (it lacks the type, or has another
    /// version or layout of it) and said why.
    #[error("refused by {peer}: {reason}")]
    Refused {
        /// The peer.
        peer: NodeId,
        /// Its reason, naming what differs.
        reason: String,
    },
    /// The peer did not answer in time, or the connection was lost before
    /// the commit: the move was rolled back.
    #[error("no answer from {peer} ({what}); the process stays here")]
    RolledBack {
        /// The peer.
        peer: NodeId,
        /// What went wrong.
        what: String,
    },
    /// The commit was sent but its confirmation never came (the peer died
    /// or the connection broke in that instant): the process runs on the
    /// peer if the peer got the commit, and is lost with the peer if not.
    #[error("commit sent to {0} but not confirmed: the process is on that node or lost with it")]
    Unconfirmed(NodeId),
}

/// What one move cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// The process.
    pub pid: Pid,
    /// Its type name.
    pub name: String,
    /// Where it was.
    pub from: NodeId,
    /// Where it runs now.
    pub to: NodeId,
    /// From asking it to stop until its frame was bytes (waiting for its
    /// pause point included; at once for a process parked on a channel):
    /// the cost on its own node, the part that grows with frame size.
    pub freeze: Duration,
    /// From the moment it stopped until the peer confirmed it runs there:
    /// the time it ran nowhere (for `spawn_on`, from the call).
    pub downtime: Duration,
    /// The whole operation, from the call to the confirmation.
    pub total: Duration,
    /// Bytes of the frozen process sent (frame, identity, header).
    pub bytes: usize,
    /// Channel ends it carried.
    pub ends: usize,
    /// When the move completed (wall clock).
    pub at: std::time::SystemTime,
}

impl fmt::Display for MigrationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} -> {}: freeze {:.1} us, downtime {:.1} us, {} bytes, {} ends",
            self.name,
            self.pid,
            self.from,
            self.to,
            self.freeze.as_secs_f64() * 1e6,
            self.downtime.as_secs_f64() * 1e6,
            self.bytes,
            self.ends
        )
    }
}

/// Why a join on a node's process handle failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProcessError {
    /// The process panicked or was aborted; the text says which.
    #[error("the process failed: {0}")]
    Failed(String),
    /// The node it ran on, or the node holding this handle, is gone, so
    /// the result will never come.
    #[error("the process was lost: {0}")]
    Lost(String),
    /// The result arrived but does not decode as the expected type.
    #[error("the result does not decode: {0}")]
    Decode(String),
}
