//! Identities that travel on the wire.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A node's identity: a random 64-bit number drawn when the node starts.
///
/// Random rather than assigned, so that nodes need no coordinator to agree
/// on names and a restarted node is a different node (its old channels and
/// processes are gone; peers must not mistake the new one for the old).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NodeId(pub u64);

impl NodeId {
    /// A fresh random id, from the operating system's generator.
    pub fn random() -> NodeId {
        let mut b = [0u8; 8];
        // An id only needs to be unique, not secret: fall back to fastrand
        // if the OS generator is unavailable.
        if getrandom::getrandom(&mut b).is_err() {
            return NodeId(fastrand::u64(1..));
        }
        NodeId(u64::from_le_bytes(b).max(1))
    }
}

impl fmt::Debug for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NodeId({:016x})", self.0)
    }
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl From<NodeId> for u64 {
    /// The raw id, as `csp::migrate_to` takes it.
    fn from(n: NodeId) -> u64 {
        n.0
    }
}
