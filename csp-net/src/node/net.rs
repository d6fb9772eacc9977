//! The node's connections as the protocol layers see them: a queue per
//! authenticated peer.

use std::collections::HashMap;
use std::sync::Mutex;

use std::sync::Arc;

use tokio::sync::{mpsc, Notify};

use crate::chan::Net;
use crate::proto::Msg;
use crate::NodeId;

struct Peer {
    name: String,
    tx: mpsc::UnboundedSender<Msg>,
    /// Which connection (a node reconnecting gets a new one).
    conn: u64,
    /// Wakes the connection's reader to close it.
    kill: Arc<Notify>,
    /// Set by fault injection: the connection goes silent both ways.
    stall: Arc<std::sync::atomic::AtomicBool>,
}

/// The peers this node is connected to.
pub(crate) struct NodeNet {
    me: NodeId,
    peers: Mutex<(HashMap<NodeId, Peer>, u64)>,
}

impl NodeNet {
    pub(crate) fn new(me: NodeId) -> NodeNet {
        NodeNet {
            me,
            peers: Mutex::new((HashMap::new(), 0)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<NodeId, Peer>, u64)> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection to `node`; returns its connection number.
    /// A second connection to the same node replaces the first (whose
    /// reader then finds itself stale and leaves quietly).
    pub(crate) fn add_peer(
        &self,
        node: NodeId,
        name: String,
        tx: mpsc::UnboundedSender<Msg>,
        kill: Arc<Notify>,
        stall: Arc<std::sync::atomic::AtomicBool>,
    ) -> u64 {
        let mut g = self.lock();
        g.1 += 1;
        let conn = g.1;
        g.0.insert(
            node,
            Peer {
                name,
                tx,
                conn,
                kill,
                stall,
            },
        );
        conn
    }

    /// Closes the connection to `node` (its reader ends it and reports
    /// the peer lost, as for any broken connection).
    pub(crate) fn cut(&self, node: NodeId) {
        if let Some(p) = self.lock().0.get(&node) {
            p.kill.notify_one();
        }
    }

    /// Makes the connection to `node` go silent without closing, like a
    /// peer that hangs or a network that drops everything (tests).
    pub(crate) fn stall(&self, node: NodeId) {
        if let Some(p) = self.lock().0.get(&node) {
            p.stall.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Forgets connection `conn` to `node`; false if it had been replaced.
    pub(crate) fn remove_peer(&self, node: NodeId, conn: u64) -> bool {
        let mut g = self.lock();
        match g.0.get(&node) {
            Some(p) if p.conn == conn => {
                g.0.remove(&node);
                true
            }
            _ => false,
        }
    }

    /// Whether `node` is connected.
    pub(crate) fn connected(&self, node: NodeId) -> bool {
        self.lock().0.contains_key(&node)
    }

    /// The connected peers, with their names.
    pub(crate) fn peers(&self) -> Vec<(NodeId, String)> {
        let mut v: Vec<_> = self
            .lock()
            .0
            .iter()
            .map(|(n, p)| (*n, p.name.clone()))
            .collect();
        v.sort();
        v
    }

    /// Drops every connection (shutdown).
    pub(crate) fn clear(&self) {
        self.lock().0.clear();
    }

    /// Queues `msg` for `node`; false if it is not connected.
    pub(crate) fn send_to(&self, node: NodeId, msg: Msg) -> bool {
        match self.lock().0.get(&node) {
            Some(p) => p.tx.send(msg).is_ok(),
            None => false,
        }
    }
}

impl Net for NodeNet {
    fn me(&self) -> u64 {
        self.me.0
    }

    fn connected(&self, node: u64) -> bool {
        NodeNet::connected(self, NodeId(node))
    }

    fn send(&self, node: u64, msg: Msg) {
        if !self.send_to(NodeId(node), msg) {
            tracing::debug!(peer = %NodeId(node), "not connected: channel message dropped");
        }
    }
}
