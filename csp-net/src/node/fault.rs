//! Fault injection for tests: make a node cut a connection, or die, at a
//! chosen message, so that every step of a protocol can be tested under
//! failure. Not for production use; hidden from the docs.

use std::sync::Mutex;

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
}

/// One armed fault; it fires once.
#[derive(Debug, Default)]
pub(crate) struct Faults(Mutex<Option<(FaultAt, FaultDo)>>);

impl Faults {
    pub(crate) fn arm(&self, at: FaultAt, act: FaultDo) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some((at, act));
    }

    /// Whether a fault fires at `at` now (and disarms it if so).
    pub(crate) fn fire(&self, at: FaultAt) -> Option<FaultDo> {
        let mut g = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match *g {
            Some((a, act)) if a == at => {
                *g = None;
                Some(act)
            }
            _ => None,
        }
    }
}
