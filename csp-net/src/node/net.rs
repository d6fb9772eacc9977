//! The node's connections as the protocol layers see them: a queue per
//! authenticated peer.
//!
//! Messages are encoded as they are queued, so the queue's size in bytes
//! is known exactly. A peer that stops reading would make its queue grow
//! without end (our writer blocks, senders keep queueing); past
//! [`Limits::send_queue`](super::Limits) bytes the connection is closed
//! instead, and the peer is lost like any other: its channel ends report
//! closed and moves to it roll back. Memory per peer stays bounded, and
//! nothing is lost silently.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use std::sync::Arc;

use tokio::sync::{mpsc, Notify};
use tracing::warn;

use crate::chan::Net;
use crate::proto::Msg;
use crate::wire::{encode_msg, encode_msg_split, SplitFrame};
use crate::NodeId;

/// The writer batches frames up to this many bytes; a frame this large or
/// larger is written from its own buffers. So a payload this large is not
/// copied into its message's frame either: the frame is queued in three
/// parts around it (see [`Frame`]); a smaller one would be copied into the
/// writer's batch anyway.
pub(crate) const WRITE_BATCH: usize = 256 * 1024;

/// One encoded frame as queued: its bytes are `head`, `body`, `tail` in
/// that order. A frame carrying a large value or frozen process has that
/// payload as `body`, moved out of its message rather than copied (a copy
/// into a fresh allocation costs as much as the send, in page faults);
/// every other frame is all `head`.
pub(crate) struct Frame {
    pub(crate) head: Vec<u8>,
    pub(crate) body: Vec<u8>,
    pub(crate) tail: Vec<u8>,
}

impl Frame {
    /// A frame in one buffer.
    pub(crate) fn whole(bytes: Vec<u8>) -> Frame {
        Frame {
            head: bytes,
            body: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Its size in bytes.
    pub(crate) fn len(&self) -> usize {
        self.head.len() + self.body.len() + self.tail.len()
    }

    /// `msg` encoded, its payload split out if it is large.
    fn of(mut msg: Msg) -> Result<Frame, crate::wire::WireError> {
        let split = match msg.payload() {
            Some(p) if p.len() >= WRITE_BATCH => encode_msg_split(&msg, p)?,
            _ => None,
        };
        if let Some(SplitFrame { head, tail }) = split {
            let body = msg.take_payload();
            return Ok(Frame { head, body, tail });
        }
        // Allocated once, at about the message's size.
        let mut bytes = Vec::with_capacity(msg.payload_len() + 128);
        encode_msg(&msg, &mut bytes)?;
        Ok(Frame::whole(bytes))
    }
}

/// What the writer of one connection drains: encoded frames, and the count
/// of their bytes still queued (the writer subtracts what it takes).
pub(crate) struct Outbox {
    pub(crate) rx: mpsc::UnboundedReceiver<Frame>,
    pub(crate) queued: Arc<AtomicUsize>,
}

impl Outbox {
    /// The next frame, waiting for one; `None` once the peer is forgotten.
    pub(crate) async fn recv(&mut self) -> Option<Frame> {
        let f = self.rx.recv().await?;
        self.queued.fetch_sub(f.len(), Ordering::AcqRel);
        Some(f)
    }

    /// The next frame if one is queued.
    pub(crate) fn try_recv(&mut self) -> Option<Frame> {
        let f = self.rx.try_recv().ok()?;
        self.queued.fetch_sub(f.len(), Ordering::AcqRel);
        Some(f)
    }
}

struct Peer {
    name: String,
    tx: mpsc::UnboundedSender<Frame>,
    queued: Arc<AtomicUsize>,
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
    /// Bytes that may wait in one peer's queue.
    send_queue: usize,
}

impl NodeNet {
    pub(crate) fn new(me: NodeId, send_queue: usize) -> NodeNet {
        NodeNet {
            me,
            peers: Mutex::new((HashMap::new(), 0)),
            send_queue,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (HashMap<NodeId, Peer>, u64)> {
        self.peers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a connection to `node`; returns its connection number
    /// and the queue its writer drains. A second connection to the same
    /// node replaces the first (whose reader then finds itself stale and
    /// leaves quietly).
    pub(crate) fn add_peer(
        &self,
        node: NodeId,
        name: String,
        kill: Arc<Notify>,
        stall: Arc<std::sync::atomic::AtomicBool>,
    ) -> (u64, Outbox) {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let mut g = self.lock();
        g.1 += 1;
        let conn = g.1;
        g.0.insert(
            node,
            Peer {
                name,
                tx,
                queued: queued.clone(),
                conn,
                kill,
                stall,
            },
        );
        (conn, Outbox { rx, queued })
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

    /// Queues `msg` for `node`; false if it is not connected, or if its
    /// queue is over the limit (the connection is then being closed).
    pub(crate) fn send_to(&self, node: NodeId, msg: Msg) -> bool {
        let kind = msg.kind();
        let frame = match Frame::of(msg) {
            Ok(f) => f,
            Err(e) => {
                // Ours to fix, not the peer's: the message cannot be sent.
                warn!(peer = %node, kind, "cannot encode a message, dropped: {e}");
                return true;
            }
        };
        let g = self.lock();
        let Some(p) = g.0.get(&node) else {
            return false;
        };
        let queued = p.queued.fetch_add(frame.len(), Ordering::AcqRel) + frame.len();
        if queued > self.send_queue {
            p.queued.fetch_sub(frame.len(), Ordering::AcqRel);
            warn!(
                peer = %node,
                queued,
                limit = self.send_queue,
                "the peer is not reading: its send queue is over the limit, closing the connection"
            );
            p.kill.notify_one();
            return false;
        }
        p.tx.send(frame).is_ok()
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
