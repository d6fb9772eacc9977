//! A node: a TCP listener, authenticated connections to peers, the
//! remote-channel tables, and the processes it runs.
//!
//! ```text
//!             +-------------------- Node --------------------+
//!  TCP  <---> | conn (handshake, frames) -> on_msg            |
//!             |   channel messages  -> chan::Channels         |
//!             |   process messages  -> procs (moves, results) |
//!             +-----------------------------------------------+
//! ```
//!
//! Several nodes can run in one OS process (each has its own tables), which
//! is how the tests put a cluster on 127.0.0.1.

mod admin;
mod checkpoint;
mod conn;
mod errors;
mod fault;
mod joins;
mod net;
mod procs;
mod tls;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde::de::DeserializeOwned;
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::task::AbortHandle;
use tracing::{info, warn};

pub use errors::{MigrateError, MigrationReport, NodeError, Pid, ProcessError};
#[doc(hidden)]
pub use fault::{FaultAt, FaultDo};
pub use procs::{ProcessInfo, SpawnError, Spawned};
pub use tls::{Tls, TlsError, DEFAULT_SERVER_NAME};

use crate::chan::Channels;
use crate::proto::Msg;
use crate::wire::Role;
use crate::NodeId;
use net::NodeNet;

/// Bounds a node holds itself and its peers to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// The largest frame accepted from an authenticated peer (a migrating
    /// process's bytes must fit in one). Default 128 MiB.
    pub max_frame: usize,
    /// How long a peer may take to authenticate. Default 5 s.
    pub handshake_timeout: Duration,
    /// Silence after which a peer counts as lost: its channel ends report
    /// closed, moves to it roll back. Default 3 s.
    pub peer_timeout: Duration,
    /// How often an idle connection sends a heartbeat (well below
    /// `peer_timeout`). Default 1 s.
    pub heartbeat: Duration,
    /// How long a move waits for each answer of the peer before rolling
    /// back. Default 5 s.
    pub move_timeout: Duration,
    /// Bytes that may wait to be written to one peer. A peer that stops
    /// reading is cut off when its queue passes this, and counts as lost;
    /// without the bound its queue would grow without end. Keep it above
    /// `max_frame`. Default 256 MiB.
    pub send_queue: usize,
    /// Bytes of moved-in processes one peer may have prepared here and not
    /// yet committed (or aborted). A move past it is refused (the source
    /// keeps its process), so a peer cannot fill memory with moves it never
    /// commits. Keep it above `max_frame`. Default 256 MiB.
    pub held_moves: usize,
    /// Incoming connections that may be authenticating at once. Each can
    /// take `handshake_timeout`; past this bound a new connection is
    /// closed at once (and logged), so that strangers opening connections
    /// and sending nothing cannot hold unbounded tasks and sockets. A
    /// refused peer that is real tries again. Default 64.
    pub pending_handshakes: usize,
}

impl Limits {
    /// Why these limits cannot work together, if they cannot: a queue or
    /// move allowance below the largest frame would refuse or cut off
    /// every large move, and a heartbeat no shorter than the peer timeout
    /// would lose idle peers that are well. [`NodeBuilder::start`] refuses
    /// such limits rather than fail later, under load.
    pub fn check(&self) -> Result<(), String> {
        let zero = [
            ("max_frame", self.max_frame == 0),
            ("handshake_timeout", self.handshake_timeout.is_zero()),
            ("peer_timeout", self.peer_timeout.is_zero()),
            ("heartbeat", self.heartbeat.is_zero()),
            ("move_timeout", self.move_timeout.is_zero()),
            ("pending_handshakes", self.pending_handshakes == 0),
        ];
        if let Some((name, _)) = zero.iter().find(|(_, z)| *z) {
            return Err(format!("`{name}` must not be zero"));
        }
        for (name, v) in [
            ("send_queue", self.send_queue),
            ("held_moves", self.held_moves),
        ] {
            if v < self.max_frame {
                return Err(format!(
                    "`{name}` ({v} bytes) is below `max_frame` ({} bytes): a frame that size could never be queued or held",
                    self.max_frame
                ));
            }
        }
        if self.heartbeat >= self.peer_timeout {
            return Err(format!(
                "`heartbeat` ({:?}) must be shorter than `peer_timeout` ({:?}), or idle peers count as lost",
                self.heartbeat, self.peer_timeout
            ));
        }
        Ok(())
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: 128 << 20,
            handshake_timeout: Duration::from_secs(5),
            peer_timeout: Duration::from_secs(3),
            heartbeat: Duration::from_secs(1),
            move_timeout: Duration::from_secs(5),
            send_queue: 256 << 20,
            held_moves: 256 << 20,
            pending_handshakes: 64,
        }
    }
}

/// Configures a [`Node`]; see [`Node::builder`].
#[derive(Debug, Clone)]
pub struct NodeBuilder {
    name: String,
    secret: Vec<u8>,
    listen: String,
    limits: Limits,
    accept: Option<Vec<String>>,
    tls: Option<Tls>,
}

impl NodeBuilder {
    /// A human-readable name, for logs and listings (default "node").
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The cluster secret every node of the cluster shares. Required: a
    /// node refuses to start without one.
    pub fn secret(mut self, secret: impl AsRef<[u8]>) -> Self {
        self.secret = secret.as_ref().to_vec();
        self
    }

    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// Replaces the limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Accepts only these process types (by frame name, e.g.
    /// `"RunningTotal"`) from peers. By default a node accepts every
    /// `#[process]` type linked into its program; never one that is not
    /// (a frame is decoded only through the registry of linked types).
    pub fn accept_only<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.accept = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// Runs every connection over TLS (see [`Tls`]): this node then
    /// connects to and accepts only peers with certificates of the same
    /// cluster CA, and the secret handshake runs inside the TLS session.
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Binds the listener and starts accepting peers. Must be called
    /// inside a tokio (csp) runtime.
    pub async fn start(self) -> Result<Node, NodeError> {
        if self.secret.is_empty() {
            return Err(crate::wire::HandshakeError::EmptySecret.into());
        }
        self.limits.check().map_err(NodeError::Limits)?;
        let listener = TcpListener::bind(&self.listen).await?;
        let addr = listener.local_addr()?;
        let id = NodeId::random();
        let inner = Arc::new_cyclic(|me: &Weak<Inner>| {
            let net = Arc::new(NodeNet::new(id, self.limits.send_queue));
            Inner {
                id,
                name: self.name,
                secret: self.secret,
                addr,
                limits: self.limits,
                accept: self.accept,
                tls: self.tls,
                chans: Channels::new(net.clone()),
                net,
                procs: Mutex::new(procs::Table::default()),
                tasks: Mutex::new(Vec::new()),
                faults: fault::Faults::default(),
                history: Mutex::new(std::collections::VecDeque::new()),
                me: me.clone(),
            }
        });
        let accept = tokio::spawn(accept_loop(Arc::downgrade(&inner), listener));
        inner.track(accept.abort_handle());
        info!(node = %id, name = %inner.name, %addr, "node started");
        Ok(Node(inner))
    }
}

/// A csp node. Cheap to clone; every clone is the same node.
#[derive(Clone)]
pub struct Node(Arc<Inner>);

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("id", &self.0.id)
            .field("name", &self.0.name)
            .field("addr", &self.0.addr)
            .finish()
    }
}

pub(crate) struct Inner {
    id: NodeId,
    name: String,
    secret: Vec<u8>,
    addr: SocketAddr,
    limits: Limits,
    /// Process types peers may send (`None`: every registered type).
    accept: Option<Vec<String>>,
    /// TLS on every connection, in both directions (`None`: plain TCP).
    tls: Option<Tls>,
    net: Arc<NodeNet>,
    chans: Arc<Channels>,
    procs: Mutex<procs::Table>,
    tasks: Mutex<Vec<AbortHandle>>,
    faults: fault::Faults,
    /// The latest moves out of this node, newest last.
    history: Mutex<std::collections::VecDeque<MigrationReport>>,
    me: Weak<Inner>,
}

impl Inner {
    fn track(&self, h: AbortHandle) {
        let mut t = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        t.retain(|h| !h.is_finished());
        t.push(h);
    }

    /// Handles one message from an authenticated peer. `Err` is a
    /// protocol violation: the connection closes.
    fn on_msg(self: &Arc<Self>, peer: NodeId, msg: Msg) -> Result<(), String> {
        if let Some(act) = self.faults.fire(fault::FaultAt::Receive(msg.kind())) {
            if act == fault::FaultDo::Die {
                self.shutdown();
            }
            return Err(format!("fault injected on receiving {}", msg.kind()));
        }
        match msg {
            Msg::Sync { token } => {
                // Token 0 is the heartbeat: its arrival is the point.
                if token != 0 {
                    self.net.send_to(peer, Msg::SyncAck { token });
                }
                Ok(())
            }
            Msg::SyncAck { token } => {
                self.answer(peer, token, procs::Reply::Ack);
                Ok(())
            }
            Msg::Prepare { .. }
            | Msg::Prepared { .. }
            | Msg::Refused { .. }
            | Msg::Commit { .. }
            | Msg::Abort { .. }
            | Msg::Committed { .. }
            | Msg::Moved { .. }
            | Msg::Finished { .. } => self.on_proc_msg(peer, msg),
            Msg::Admin { token, req } => {
                self.on_admin(peer, token, req);
                Ok(())
            }
            Msg::AdminReply { token, resp } => {
                self.answer(peer, token, procs::Reply::Admin(resp));
                Ok(())
            }
            other => self.chans.on_msg(peer.0, other),
        }
    }

    /// Queues a message for `peer`; false if it is not connected (or a
    /// fault was injected here).
    fn send(&self, peer: NodeId, msg: Msg) -> bool {
        if let Some(act) = self.faults.fire(fault::FaultAt::Send(msg.kind())) {
            match act {
                fault::FaultDo::Cut => self.net.cut(peer),
                fault::FaultDo::Die => self.shutdown(),
                fault::FaultDo::Hold => {
                    self.faults.hold(peer, msg);
                    return true;
                }
            }
            return false;
        }
        self.net.send_to(peer, msg)
    }

    fn shutdown(&self) {
        for h in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            h.abort();
        }
        let peers = self.net.peers();
        self.net.clear();
        self.abort_all();
        // Channels homed elsewhere see their homes gone now, not after a
        // timeout.
        for (p, _) in peers {
            self.chans.node_lost(p.0);
        }
        info!(node = %self.id, "node shut down");
    }

    /// Connection `conn` to `peer` ended.
    fn peer_lost(&self, peer: NodeId, conn: u64) {
        if !self.net.remove_peer(peer, conn) {
            return;
        }
        warn!(node = %self.id, %peer, "peer lost");
        self.chans.node_lost(peer.0);
        self.procs_peer_lost(peer);
    }
}

async fn accept_loop(inner: Weak<Inner>, listener: TcpListener) {
    let pending = match inner.upgrade() {
        Some(node) => Arc::new(tokio::sync::Semaphore::new(node.limits.pending_handshakes)),
        None => return,
    };
    loop {
        let (stream, from) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(node) = inner.upgrade() else { return };
        let Ok(permit) = pending.clone().try_acquire_owned() else {
            warn!(
                node = %node.id, %from,
                "refused a connection: {} others are authenticating (`Limits::pending_handshakes`)",
                node.limits.pending_handshakes
            );
            drop(stream);
            continue;
        };
        tokio::spawn(async move {
            let r = conn::establish(&node, stream, Role::Acceptor).await;
            drop(permit);
            if let Err(e) = r {
                warn!(node = %node.id, %from, "refused a connection: {e}");
            }
        });
    }
}

impl Node {
    /// A builder with the defaults: name "node", `127.0.0.1:0`, default
    /// [`Limits`], and no secret (set one).
    pub fn builder() -> NodeBuilder {
        NodeBuilder {
            name: "node".into(),
            secret: Vec::new(),
            listen: "127.0.0.1:0".into(),
            limits: Limits::default(),
            accept: None,
            tls: None,
        }
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.0.id
    }

    /// This node's name.
    pub fn name(&self) -> &str {
        &self.0.name
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.0.addr
    }

    /// Connects to the node listening at `addr` and authenticates it;
    /// returns its id once both sides have proved the secret.
    pub async fn connect(&self, addr: impl ToSocketAddrs) -> Result<NodeId, NodeError> {
        let stream = TcpStream::connect(addr).await?;
        let peer = conn::establish(&self.0, stream, Role::Initiator).await?;
        Ok(peer.node)
    }

    /// The peers connected now, with their names.
    pub fn peers(&self) -> Vec<(NodeId, String)> {
        self.0.net.peers()
    }

    /// Runs process `p` on this node, movable: [`Node::migrate`] and
    /// `migrate_to` can move it, and the handle yields its result wherever
    /// it finishes.
    pub fn spawn<P>(&self, p: P) -> Spawned<P::Output>
    where
        P: csp::migrate::Migratable,
        P::Output: DeserializeOwned,
    {
        self.0.spawn_here(p)
    }

    /// Moves running process `pid` to `peer`: stops it at its pause point,
    /// ships its frame and channel ends, and resumes it there. The process
    /// stays here, running, unless the peer confirms it holds it.
    pub async fn migrate(&self, pid: Pid, peer: NodeId) -> Result<MigrationReport, MigrateError> {
        self.0.migrate(pid, peer).await
    }

    /// Starts process `p`, which has not run, on `peer` (code migration:
    /// its identity and initial arguments travel). If the peer refuses it,
    /// the error gives it back.
    pub async fn spawn_on<P>(&self, peer: NodeId, p: P) -> Result<Spawned<P::Output>, SpawnError<P>>
    where
        P: csp::migrate::Migratable,
        P::Output: DeserializeOwned,
    {
        self.0.spawn_on(peer, p).await
    }

    /// Stops process `pid` and returns it as a checkpoint: bytes that
    /// [`Node::restore`] on this or any node of the cluster turns back into
    /// the running process, once. Until then its channels stay open (see
    /// the checkpoint module docs for what a checkpoint keeps).
    pub async fn checkpoint(&self, pid: Pid) -> Result<Vec<u8>, MigrateError> {
        self.0.checkpoint(pid).await
    }

    /// Starts the process in a checkpoint here, where it stopped.
    pub fn restore(&self, checkpoint: &[u8]) -> Result<Pid, MigrateError> {
        self.0.restore(checkpoint)
    }

    /// The processes running on this node now.
    pub fn processes(&self) -> Vec<ProcessInfo> {
        self.0.processes()
    }

    /// Closes every connection and stops every process on this node
    /// (their channel ends drop, so local peers see closed channels and
    /// remote ones see this node lost).
    pub fn shutdown(&self) {
        self.0.shutdown();
    }

    /// The latest moves out of this node (at most 1024, oldest first),
    /// whoever asked for them: [`Node::migrate`], `migrate_to` or an
    /// operator.
    pub fn history(&self) -> Vec<MigrationReport> {
        self.0
            .history
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    /// Makes the connection to `peer` go silent both ways without closing
    /// it (tests only), as a hung peer or a black-holed network would.
    #[doc(hidden)]
    pub fn stall(&self, peer: NodeId) {
        self.0.net.stall(peer);
    }

    /// The remote-channel tables, as text (for debugging).
    #[doc(hidden)]
    pub fn debug_channels(&self) -> String {
        self.0.chans.dump()
    }

    /// Arms a fault (tests only): see [`FaultAt`].
    #[doc(hidden)]
    pub fn inject_fault(&self, at: FaultAt, act: FaultDo) {
        self.0.faults.arm(at, act);
    }

    /// Returns once `peer` has handled everything this node sent it
    /// before (tests only): `false` if it could not be asked, or did not
    /// answer within the move timeout.
    #[doc(hidden)]
    pub async fn sync_with(&self, peer: NodeId) -> bool {
        self.0.sync(peer).await.is_ok()
    }

    /// Sends the messages a [`FaultDo::Hold`] kept back (tests only), and
    /// returns once each peer has handled its.
    #[doc(hidden)]
    pub async fn release_held(&self) {
        let mut peers = Vec::new();
        for (peer, msg) in self.0.faults.release() {
            self.0.net.send_to(peer, msg);
            peers.push(peer);
        }
        for peer in peers {
            // Best effort: a peer gone since has nothing to handle.
            let _ = self.0.sync(peer).await;
        }
    }
}
