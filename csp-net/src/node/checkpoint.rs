//! Checkpoints of node processes: a running process written to bytes (or
//! a file) on one node and restored on any node of the cluster.
//!
//! A checkpoint *is* the process while it exists: checkpointing stops it,
//! and restoring starts it again, once. Its channel ends are references to
//! their homes, each pinned by the node that wrote the checkpoint, so the
//! channels stay open (peers wait rather than see a close) until the
//! checkpoint is restored and the pins are released through the homes. A
//! checkpoint that is never restored keeps its channels open; one restored
//! after the writing node is gone finds the channels homed there gone, and
//! is refused with that reason.
//!
//! Restore a checkpoint once. The node restoring it refuses a pid that
//! already runs there, but nothing in the cluster remembers that a
//! checkpoint was used, so restoring the same bytes on a second node makes
//! a second copy (the pins it travelled under are spent by then, so it is
//! not guaranteed to find its channels open).
//!
//! Format: the magic `CSPNCK01`, then one MessagePack map (pid, the node
//! holding its join handle, the frozen process in `Frozen::to_bytes` form,
//! itself checksummed).

use serde::{Deserialize, Serialize};

use super::errors::{MigrateError, Pid};
use super::joins::Lineage;
use super::Inner;
use crate::proto::ByteBuf;
use crate::NodeId;

const MAGIC: &[u8; 8] = b"CSPNCK01";

#[derive(Serialize, Deserialize)]
struct File {
    pid: u64,
    origin: u64,
    /// Absent in checkpoints from before move counts (read as 0).
    #[serde(default)]
    moves: u64,
    frozen: ByteBuf,
}

impl Inner {
    pub(super) async fn checkpoint(&self, pid: Pid) -> Result<Vec<u8>, MigrateError> {
        let (stopper, lineage) = self.claim(pid)?;
        let mut m = match stopper.stop().await {
            Ok(m) => m,
            Err(e) => {
                self.unclaim(pid);
                return Err(MigrateError::Freeze(e.to_string()));
            }
        };
        match self.chans.freeze_for_move(|c| m.freeze_with(c)) {
            Ok((frozen, _pins)) => {
                self.forget(pid);
                let (bytes, _ends) = frozen.into_bytes();
                let file = File {
                    pid: pid.0,
                    origin: lineage.origin.0,
                    moves: lineage.moves,
                    frozen: ByteBuf(bytes),
                };
                let mut out = MAGIC.to_vec();
                // Plain data into a Vec: cannot fail.
                out.extend(rmp_serde::to_vec_named(&file).expect("encoding a checkpoint"));
                Ok(out)
            }
            Err(e) => {
                // Still settled and intact: it carries on here.
                self.forget(pid);
                self.start(pid, lineage, m);
                Err(MigrateError::Freeze(e.to_string()))
            }
        }
    }

    pub(super) fn restore(&self, bytes: &[u8]) -> Result<Pid, MigrateError> {
        let refuse = |reason: String| MigrateError::Refused {
            peer: self.id,
            reason,
        };
        let body = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| refuse("not a csp-net checkpoint (no CSPNCK01 header)".into()))?;
        let file: File =
            rmp_serde::from_slice(body).map_err(|e| refuse(format!("damaged checkpoint: {e}")))?;
        let pid = Pid(file.pid);
        // Restoring is a move: its news outranks any from before.
        let lineage = Lineage {
            origin: NodeId(file.origin),
            moves: file.moves,
        }
        .next();
        let m = self.accept(pid, file.frozen.0.into()).map_err(refuse)?;
        self.start(pid, lineage, m);
        self.moved(pid, lineage, self.id);
        Ok(pid)
    }
}
