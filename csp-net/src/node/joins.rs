//! The join handles a node holds, and where each one's process runs.
//!
//! A join handle stays at the process's origin while the process moves.
//! The origin tracks where it runs so that losing that node fails the
//! handle (within the failure bound) instead of leaving it to wait for a
//! result that will never come.
//!
//! The news arrives as `Moved` notes, each from the node one move
//! brought the process to (sent when it commits), so two moves in a row
//! reach the origin over two different connections and can arrive in
//! either order. Each note therefore carries the
//! process's move count ([`Lineage::moves`]), and the origin keeps the
//! note with the highest: a stale note can never point a handle back at a
//! node the process has left.

use std::collections::HashMap;

use tokio::sync::oneshot;

use super::errors::{Pid, ProcessError};
use crate::NodeId;

/// Where a process's result goes, and how many times it has moved. It
/// travels with the process in every `Prepare`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Lineage {
    /// The node holding the join handle.
    pub(super) origin: NodeId,
    /// Moves so far: 0 where it was spawned, one more at each commit.
    pub(super) moves: u64,
}

impl Lineage {
    /// A process that has not moved yet.
    pub(super) fn born(origin: NodeId) -> Self {
        Lineage { origin, moves: 0 }
    }

    /// The lineage it has after one more move.
    pub(super) fn next(self) -> Self {
        Lineage {
            moves: self.moves + 1,
            ..self
        }
    }
}

/// What a finished (or lost) process yields to its handle.
pub(super) type Outcome = Result<Vec<u8>, ProcessError>;

struct Join {
    tx: oneshot::Sender<Outcome>,
    /// Where the process last ran, as far as the newest note says.
    at: NodeId,
    /// The move count of that note.
    moves: u64,
}

/// The handles held here, by pid.
#[derive(Default)]
pub(super) struct Joins(HashMap<Pid, Join>);

impl Joins {
    /// A handle for `pid`, which will run first on `at`.
    pub(super) fn expect(&mut self, pid: Pid, at: NodeId) -> oneshot::Receiver<Outcome> {
        let (tx, rx) = oneshot::channel();
        self.0.insert(pid, Join { tx, at, moves: 0 });
        rx
    }

    /// `pid` runs on `at` after `moves` moves; older news is ignored.
    pub(super) fn moved(&mut self, pid: Pid, at: NodeId, moves: u64) {
        if let Some(j) = self.0.get_mut(&pid) {
            if moves >= j.moves {
                j.at = at;
                j.moves = moves;
            }
        }
    }

    /// Gives `pid`'s handle its outcome (if it is held here).
    pub(super) fn finish(&mut self, pid: Pid, outcome: Outcome) {
        if let Some(j) = self.0.remove(&pid) {
            let _ = j.tx.send(outcome);
        }
    }

    /// Drops `pid`'s handle (its process never started).
    pub(super) fn forget(&mut self, pid: Pid) {
        self.0.remove(&pid);
    }

    /// Fails every handle whose process ran on `peer`, which is gone.
    pub(super) fn peer_lost(&mut self, peer: NodeId) {
        let gone: Vec<Pid> = self
            .0
            .iter()
            .filter(|(_, j)| j.at == peer)
            .map(|(p, _)| *p)
            .collect();
        for pid in gone {
            let why = format!("node {peer}, where process {pid} ran, is gone");
            self.finish(pid, Err(ProcessError::Lost(why)));
        }
    }

    /// Fails every handle: this node shuts down.
    pub(super) fn shut_down(&mut self) {
        for (_, j) in self.0.drain() {
            let _ =
                j.tx.send(Err(ProcessError::Lost("the node shut down".into())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lost(rx: &mut oneshot::Receiver<Outcome>) -> bool {
        matches!(rx.try_recv(), Ok(Err(ProcessError::Lost(_))))
    }

    /// Notes of two moves in a row, arriving newest first: the stale one
    /// must not send the handle back to the node the process left.
    #[test]
    fn a_stale_note_is_ignored() {
        let (o, b, c) = (NodeId(1), NodeId(2), NodeId(3));
        let pid = Pid(7);
        let mut j = Joins::default();
        let mut rx = j.expect(pid, o);
        j.moved(pid, c, 3);
        j.moved(pid, b, 2);
        j.peer_lost(b);
        assert!(rx.try_recv().is_err(), "b's loss failed the handle");
        j.peer_lost(c);
        assert!(lost(&mut rx));
    }

    #[test]
    fn notes_in_order_follow_the_process() {
        let (o, b, c) = (NodeId(1), NodeId(2), NodeId(3));
        let pid = Pid(7);
        let mut j = Joins::default();
        let mut rx = j.expect(pid, o);
        j.moved(pid, b, 1);
        j.moved(pid, c, 2);
        j.peer_lost(b);
        assert!(rx.try_recv().is_err());
        j.moved(pid, o, 3);
        j.peer_lost(c);
        assert!(rx.try_recv().is_err());
        j.finish(pid, Ok(vec![1]));
        assert_eq!(rx.try_recv().ok(), Some(Ok(vec![1])));
    }

    #[test]
    fn a_lost_node_fails_only_its_own_handles() {
        let (o, b) = (NodeId(1), NodeId(2));
        let mut j = Joins::default();
        let mut at_b = j.expect(Pid(1), b);
        let mut at_o = j.expect(Pid(2), o);
        j.peer_lost(b);
        assert!(lost(&mut at_b));
        assert!(at_o.try_recv().is_err());
        j.shut_down();
        assert!(lost(&mut at_o));
    }

    #[test]
    fn lineage_counts_moves_and_keeps_its_origin() {
        let l = Lineage::born(NodeId(5)).next().next();
        assert_eq!(
            l,
            Lineage {
                origin: NodeId(5),
                moves: 2
            }
        );
    }
}
