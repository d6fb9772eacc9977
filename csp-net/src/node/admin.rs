//! The admin endpoint: operators' requests (`cspctl`) over the same
//! authenticated protocol as everything else. Any node of the cluster (an
//! authenticated peer) may ask; `cspctl` is such a node, started for the
//! one request.

use std::sync::Arc;

use super::errors::{NodeError, Pid};
use super::procs::{Reply, Unanswered};
use super::{Inner, Node};
use crate::proto::{AdminReq, AdminResp, ByteBuf, Msg, PsRow};
use crate::NodeId;

impl Inner {
    /// Handles a request from `peer` in its own task (a move can take a
    /// while) and sends the answer back.
    pub(super) fn on_admin(self: &Arc<Self>, peer: NodeId, token: u64, req: AdminReq) {
        let me = self.clone();
        tokio::spawn(async move {
            let resp = me.answer_admin(req).await;
            me.send(peer, Msg::AdminReply { token, resp });
        });
    }

    async fn answer_admin(&self, req: AdminReq) -> AdminResp {
        match req {
            AdminReq::Nodes => {
                let mut v = vec![(self.id.0, self.name.clone())];
                v.extend(self.net.peers().into_iter().map(|(n, s)| (n.0, s)));
                AdminResp::Nodes(v)
            }
            AdminReq::Ps => AdminResp::Ps(
                self.processes()
                    .into_iter()
                    .map(|p| PsRow {
                        pid: p.pid.0,
                        name: p.name,
                        origin: p.origin.0,
                        state: if p.moving {
                            "moving".to_string()
                        } else {
                            format!("in {}", p.waiting_in)
                        },
                        at: p.waiting_at.map(|(file, line)| (file.to_string(), line)),
                    })
                    .collect(),
            ),
            AdminReq::Migrate { pid, to } => match self.migrate(Pid(pid), NodeId(to)).await {
                Ok(r) => AdminResp::Moved(r.to_string()),
                Err(e) => AdminResp::Error(e.to_string()),
            },
            AdminReq::Checkpoint { pid } => match self.checkpoint(Pid(pid)).await {
                Ok(b) => AdminResp::Checkpoint(ByteBuf(b)),
                Err(e) => AdminResp::Error(e.to_string()),
            },
            AdminReq::Restore { bytes } => match self.restore(&bytes.0) {
                Ok(pid) => AdminResp::Restored(pid.0),
                Err(e) => AdminResp::Error(e.to_string()),
            },
        }
    }
}

impl Node {
    /// Sends an operator's request to `peer` and waits for its answer (up
    /// to the move timeout, plus the move itself for `Migrate`).
    pub async fn admin(&self, peer: NodeId, req: AdminReq) -> Result<AdminResp, NodeError> {
        let inner = &self.0;
        let token = inner.next_token();
        let limit = inner.limits.move_timeout * 4;
        match inner
            .ask(peer, token, Msg::Admin { token, req }, limit)
            .await
        {
            Ok(Reply::Admin(resp)) => Ok(resp),
            Ok(_) => Err(NodeError::Closed),
            Err(Unanswered::NotSent) => Err(NodeError::NotConnected(peer)),
            Err(Unanswered::TimedOut) => Err(NodeError::NoAnswer(limit)),
        }
    }
}
