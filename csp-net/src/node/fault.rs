//! Fault injection for tests: make a node cut a connection, or die, at a
//! chosen message, so that every step of a protocol can be tested under
//! failure. Not for production use; hidden from the docs.

use std::sync::Mutex;

use crate::proto::Msg;
use crate::NodeId;

/// Where a fault fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultAt {
    /// Just before this node would send a message of this kind (it is
    /// never sent).
    Send(&'static str),
    /// When a message of this kind arrives, before it is handled (it is
    /// never handled).
    Receive(&'static str),
}

/// What happens then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultDo {
    /// The connection to that peer is closed, as if the network cut it.
    Cut,
    /// The node shuts down, as if its OS process was killed.
    Die,
    /// The message (only at [`FaultAt::Send`]) is kept back, as if slow
    /// on the wire, until `Node::release_held` sends it: later messages
    /// to other peers overtake it. At [`FaultAt::Receive`] it cuts.
    Hold,
}

/// One armed fault (it fires once), and the messages held back.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: Mutex<Option<(FaultAt, FaultDo)>>,
    held: Mutex<Vec<(NodeId, Msg)>>,
}

impl Faults {
    pub(crate) fn arm(&self, at: FaultAt, act: FaultDo) {
        *self.armed.lock().unwrap_or_else(|e| e.into_inner()) = Some((at, act));
    }

    /// Keeps `msg` for `peer` back ([`FaultDo::Hold`]).
    pub(crate) fn hold(&self, peer: NodeId, msg: Msg) {
        let mut g = self.held.lock().unwrap_or_else(|e| e.into_inner());
        g.push((peer, msg));
    }

    /// The messages held back, in the order they were sent.
    pub(crate) fn release(&self) -> Vec<(NodeId, Msg)> {
        std::mem::take(&mut *self.held.lock().unwrap_or_else(|e| e.into_inner()))
    }

    /// Whether a fault fires at `at` now (and disarms it if so).
    pub(crate) fn fire(&self, at: FaultAt) -> Option<FaultDo> {
        let mut g = self.armed.lock().unwrap_or_else(|e| e.into_inner());
        match *g {
            Some((a, act)) if a == at => {
                *g = None;
                Some(act)
            }
            _ => None,
        }
    }
}
