//! The processes a node runs, and moving them.
//!
//! # The move protocol
//!
//! ```text
//!  source                                   destination
//!  stop at pause point, serialize
//!  (ends become pinned references)
//!  Sync with each other home it sent to ..  (values it sent are home)
//!  ------ Prepare{token, pid, origin, bytes} ------>
//!                                           check identity in the registry,
//!                                           decode (proxies attach), hold it
//!  <----- Prepared{token} | Refused{reason} --------
//!  ------ Commit{token} ---------------------------->
//!  drop its copy                            tell the origin (`Moved`),
//!                                           run it
//!  <----- Committed{token} --------------------------
//! ```
//!
//! Until the source sends `Commit`, the process lives only at the source
//! (the destination's copy is held, not run, and is dropped on `Abort` or
//! when the connection is lost); after it, only at the destination. So a
//! refusal, a timeout or a lost connection before the commit resumes it at
//! the source, exactly once. The one window this cannot close is the
//! commit itself: if the connection dies with `Commit` in flight, the
//! source cannot learn whether it arrived; it reports
//! [`MigrateError::Unconfirmed`] rather than resume a second copy.
//!
//! Pins keep every channel the frame refers to open while the bytes
//! travel; the destination's imports release them through the homes, and
//! a rolled-back move releases them at the source.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use csp::migrate::link::with_codec;
use csp::migrate::{Frozen, HostedHandle, Migratable, Movable, Stopper};
use csp::process::moving::{Host, MoveError, MoveSlot};
use serde::de::DeserializeOwned;
use tokio::sync::oneshot;
use tracing::{info, info_span, warn, Instrument};

use super::errors::{MigrateError, MigrationReport, Pid, ProcessError};
use super::joins::{Joins, Lineage, Outcome};
use super::Inner;
use crate::chan::Exported;
use crate::proto::{ByteBuf, Msg, Payload};
use crate::NodeId;

/// Why [`Inner::ask`] got no answer.
#[derive(Debug)]
pub(super) enum Unanswered {
    /// Not connected: the message was never queued.
    NotSent,
    /// No answer within the limit.
    TimedOut,
}

/// An answer a move (or a barrier) waits for.
#[derive(Debug)]
pub(super) enum Reply {
    Prepared,
    Refused(String),
    Committed,
    Ack,
    Admin(crate::proto::AdminResp),
    Lost,
}

struct Entry {
    name: String,
    lineage: Lineage,
    stopper: Stopper,
    abort: tokio::task::AbortHandle,
    moving: bool,
}

struct Held {
    pid: Pid,
    lineage: Lineage,
    movable: Movable,
    /// The size of the frame it came in, counted against
    /// [`Limits::held_moves`](super::Limits).
    bytes: usize,
}

#[derive(Default)]
pub(super) struct Table {
    running: HashMap<Pid, Entry>,
    /// Join handles held on this node.
    joins: Joins,
    /// Processes prepared here, waiting for their source's commit.
    held: HashMap<(NodeId, u64), Held>,
    /// Answers awaited, by token.
    waiting: HashMap<u64, (NodeId, oneshot::Sender<Reply>)>,
    next_token: u64,
}

/// A process running on this node, as listed by [`Node::processes`](super::Node::processes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its id.
    pub pid: Pid,
    /// Its frame type.
    pub name: String,
    /// The node holding its join handle.
    pub origin: NodeId,
    /// Whether a move of it is in progress.
    pub moving: bool,
    /// What it waited in after its last step: `"recv"`, `"send"`,
    /// `"alt"`, `"par"`, `"sleep"`, `"yield"`, `"effect"`, `"migrate_to"`
    /// (a nested call shows its callee's), or `"start"`.
    pub waiting_in: &'static str,
    /// Where in the source it waits, as `(file, line)`: see
    /// `csp::Process::pause_location` (`None` before it ran).
    pub waiting_at: Option<(&'static str, u32)>,
}

/// A handle to a process started through a node: its id (to move it) and
/// its result, which arrives here wherever the process finishes.
#[derive(Debug)]
pub struct Spawned<T> {
    pid: Pid,
    rx: oneshot::Receiver<Outcome>,
    node: Weak<Inner>,
    _t: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Spawned<T> {
    /// The process's id.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Waits for the result.
    pub async fn join(self) -> Result<T, ProcessError> {
        let bytes = self
            .rx
            .await
            .map_err(|_| ProcessError::Lost("the node holding this handle shut down".into()))??;
        let decode = || rmp_serde::from_slice::<T>(&bytes).map_err(|e| e.to_string());
        let r = match self.node.upgrade() {
            Some(n) => n.chans.session(decode),
            None => decode(),
        };
        r.map_err(ProcessError::Decode)
    }
}

/// A `spawn_on` that did not happen: why, and the process, which has not
/// run.
pub struct SpawnError<P> {
    /// Why.
    pub error: MigrateError,
    /// The process, untouched.
    pub process: P,
}

impl<P> std::fmt::Display for SpawnError<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl<P> std::fmt::Debug for SpawnError<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpawnError")
            .field("error", &self.error)
            .field("process", &std::any::type_name::<P>())
            .finish()
    }
}

impl<P> std::error::Error for SpawnError<P> {}

/// The node as a process sees it (`migrate_to`).
struct NodeHost {
    node: Weak<Inner>,
    me: NodeId,
    pid: Pid,
}

impl Host for NodeHost {
    fn node(&self) -> u64 {
        self.me.0
    }

    fn request_move(&self, peer: u64, slot: Arc<MoveSlot>) {
        let Some(node) = self.node.upgrade() else {
            slot.fail(MoveError::Failed("the node is shut down".into()));
            return;
        };
        let pid = self.pid;
        tokio::spawn(async move {
            match node.migrate(pid, NodeId(peer)).await {
                Ok(r) => info!("{r} (asked by the process)"),
                // The process was resumed here; tell it why.
                Err(e) => slot.fail(MoveError::Failed(e.to_string())),
            }
        });
    }
}

impl Inner {
    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.procs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn spawn_here<P>(&self, p: P) -> Spawned<P::Output>
    where
        P: Migratable,
    {
        let pid = Pid::random();
        let rx = self.table().joins.expect(pid, self.id);
        self.start(pid, Lineage::born(self.id), Movable::new(p));
        self.spawned(pid, rx)
    }

    /// Notes that `pid`, of `lineage` (counting the move that took it
    /// there), now runs on `node`: here if this is its origin, else in a
    /// `Moved` to the origin.
    ///
    /// The node the process arrives at tells, at the commit (see the
    /// `Commit` handler), not the source after it: a source lost just
    /// after the commit, or one whose commit was never confirmed
    /// (`Unconfirmed`), could not tell, and the handle would follow the
    /// wrong node. Notes of successive moves can still arrive in any order
    /// (they come from different nodes); the move count orders them.
    pub(super) fn moved(&self, pid: Pid, lineage: Lineage, node: NodeId) {
        if lineage.origin == self.id {
            self.table().joins.moved(pid, node, lineage.moves);
        } else if lineage.origin != node {
            self.send(
                lineage.origin,
                Msg::Moved {
                    pid: pid.0,
                    node: node.0,
                    moves: lineage.moves,
                },
            );
        }
    }

    fn spawned<T>(&self, pid: Pid, rx: oneshot::Receiver<Outcome>) -> Spawned<T> {
        Spawned {
            pid,
            rx,
            node: self.me.clone(),
            _t: PhantomData,
        }
    }

    /// Runs `m` here as process `pid`, and reports its result to its
    /// lineage's origin.
    pub(super) fn start(&self, pid: Pid, lineage: Lineage, m: Movable) {
        let name = m.identity().name;
        let host: Arc<dyn Host> = Arc::new(NodeHost {
            node: self.me.clone(),
            me: self.id,
            pid,
        });
        let h: HostedHandle = m.spawn(Some(host));
        self.table().running.insert(
            pid,
            Entry {
                name,
                lineage,
                stopper: h.stopper(),
                abort: h.abort_handle(),
                moving: false,
            },
        );
        let node = self.me.clone();
        tokio::spawn(async move {
            let r = h.join().await;
            if let Some(n) = node.upgrade() {
                n.finished(pid, r);
            }
        });
    }

    fn finished(&self, pid: Pid, r: Result<Result<Vec<u8>, String>, csp::JoinError>) {
        let result = match r {
            // Stopped for a move: the mover carries on with it.
            Err(csp::JoinError::Frozen) => return,
            Ok(Ok(bytes)) => Ok(bytes),
            Ok(Err(why)) => Err(why),
            Err(e) => Err(e.to_string()),
        };
        let Some(e) = self.table().running.remove(&pid) else {
            return;
        };
        self.deliver(e.lineage.origin, pid, result);
    }

    fn deliver(&self, origin: NodeId, pid: Pid, result: Result<Vec<u8>, String>) {
        if origin == self.id {
            let outcome = result.map_err(ProcessError::Failed);
            self.table().joins.finish(pid, outcome);
            return;
        }
        let msg = Msg::Finished {
            pid: pid.0,
            result: result.map(ByteBuf),
        };
        if !self.send(origin, msg) {
            warn!(%pid, %origin, "process finished but its origin is not connected: result dropped");
        }
    }

    /// Marks `pid` as moving (one move at a time) and returns what stops it.
    pub(super) fn claim(&self, pid: Pid) -> Result<(Stopper, Lineage), MigrateError> {
        let mut t = self.table();
        let e = t
            .running
            .get_mut(&pid)
            .ok_or(MigrateError::NoSuchProcess(pid))?;
        if e.moving {
            return Err(MigrateError::Busy(pid));
        }
        e.moving = true;
        Ok((e.stopper.clone(), e.lineage))
    }

    /// The move of `pid` did not start: it is running again.
    pub(super) fn unclaim(&self, pid: Pid) {
        if let Some(e) = self.table().running.get_mut(&pid) {
            e.moving = false;
        }
    }

    /// `pid` no longer runs here (it moved, or will start afresh).
    pub(super) fn forget(&self, pid: Pid) {
        self.table().running.remove(&pid);
    }

    fn name_of(&self, pid: Pid) -> String {
        self.table()
            .running
            .get(&pid)
            .map(|e| e.name.clone())
            .unwrap_or_default()
    }

    pub(super) fn processes(&self) -> Vec<ProcessInfo> {
        let mut v: Vec<_> = self
            .table()
            .running
            .iter()
            .map(|(pid, e)| {
                let (waiting_in, waiting_at) = e.stopper.paused();
                ProcessInfo {
                    pid: *pid,
                    name: e.name.clone(),
                    origin: e.lineage.origin,
                    moving: e.moving,
                    waiting_in,
                    waiting_at,
                }
            })
            .collect();
        v.sort_by_key(|p| p.pid);
        v
    }

    pub(super) fn abort_all(&self) {
        let mut t = self.table();
        for (_, e) in t.running.drain() {
            e.abort.abort();
        }
        t.held.clear();
        for (_, (_, tx)) in t.waiting.drain() {
            let _ = tx.send(Reply::Lost);
        }
        t.joins.shut_down();
    }

    pub(super) async fn migrate(
        &self,
        pid: Pid,
        peer: NodeId,
    ) -> Result<MigrationReport, MigrateError> {
        let t0 = Instant::now();
        if peer == self.id {
            return Err(MigrateError::SameNode(peer));
        }
        if !self.table().running.contains_key(&pid) {
            return Err(MigrateError::NoSuchProcess(pid));
        }
        if !self.net.connected(peer) {
            return Err(MigrateError::NotConnected(peer));
        }
        let (stopper, lineage) = self.claim(pid)?;
        let name = self.name_of(pid);
        let span = info_span!("migrate", %pid, name = %name, from = %self.id, to = %peer);
        async {
            let mut m = match stopper.stop().await {
                Ok(m) => m,
                Err(e) => {
                    self.unclaim(pid);
                    return Err(MigrateError::Freeze(e.to_string()));
                }
            };
            let stopped = Instant::now();
            let frozen = self.chans.freeze_for_move(|c| m.freeze_with(c));
            let r = match frozen {
                Ok((f, ex)) => {
                    let there = lineage.next();
                    self.ship(pid, there, f, ex, peer, (t0, stopped), false)
                        .await
                }
                Err(e) => Err(MigrateError::Freeze(e.to_string())),
            };
            // Either way the old entry is done: the process runs elsewhere,
            // or starts afresh here.
            self.forget(pid);
            match r {
                Ok(mut report) => {
                    report.name = name;
                    self.record(&report);
                    Ok(report)
                }
                Err(e @ MigrateError::Unconfirmed(_)) => {
                    warn!("{e}");
                    Err(e)
                }
                Err(e) => {
                    warn!("move failed, resuming here: {e}");
                    self.start(pid, lineage, m);
                    Err(e)
                }
            }
        }
        .instrument(span)
        .await
    }

    pub(super) async fn spawn_on<P>(
        &self,
        peer: NodeId,
        mut p: P,
    ) -> Result<Spawned<P::Output>, SpawnError<P>>
    where
        P: Migratable,
    {
        let t0 = Instant::now();
        let fail = |error, process| Err(SpawnError { error, process });
        if peer == self.id {
            return fail(MigrateError::SameNode(peer), p);
        }
        if !self.net.connected(peer) {
            return fail(MigrateError::NotConnected(peer), p);
        }
        let frozen = self
            .chans
            .freeze_for_move(|c| with_codec(c, || Frozen::freeze(&mut p)));
        let (f, ex) = match frozen {
            Ok(x) => x,
            Err(e) => return fail(MigrateError::Freeze(e.to_string()), p),
        };
        let pid = Pid::random();
        let rx = self.table().joins.expect(pid, peer);
        let span = info_span!("spawn_on", %pid, name = P::NAME, from = %self.id, to = %peer);
        match self
            .ship(pid, Lineage::born(self.id), f, ex, peer, (t0, t0), true)
            .instrument(span)
            .await
        {
            Ok(mut report) => {
                report.name = P::NAME.to_string();
                self.record(&report);
                Ok(self.spawned(pid, rx))
            }
            Err(MigrateError::Unconfirmed(_)) => Ok(self.spawned(pid, rx)),
            Err(e) => {
                self.table().joins.forget(pid);
                fail(e, p)
            }
        }
    }

    /// Sends a frozen process to `peer`, where it will have `lineage`, and
    /// runs the protocol in the module docs. On an error other than
    /// `Unconfirmed` the pins are back and the caller still owns the
    /// process.
    #[allow(clippy::too_many_arguments)]
    async fn ship(
        &self,
        pid: Pid,
        lineage: Lineage,
        frozen: Frozen,
        ex: Exported,
        peer: NodeId,
        (t0, stopped): (Instant, Instant),
        fresh: bool,
    ) -> Result<MigrationReport, MigrateError> {
        // The ends the process held stay alive until the move is over.
        let (bytes, _ends) = frozen.into_bytes();
        let freeze = t0.elapsed();
        let ends = ex.pins.len();
        let rollback = |what: String| {
            self.chans.unpin(&ex.pins);
            MigrateError::RolledBack { peer, what }
        };
        // The peer would close the connection on a frame over its limit
        // (dropping every channel between the two nodes): refuse here.
        // Nodes of one cluster share limits; the peer's is not known.
        let room = self.limits.max_frame.saturating_sub(64);
        if bytes.len() > room {
            return Err(rollback(format!(
                "the frozen process is {} bytes, over the {}-byte frame limit",
                bytes.len(),
                self.limits.max_frame
            )));
        }
        // Per-sender FIFO and exactly-once while the ends move: every
        // value this process sent through a proxy must be at its home, and
        // every value a home had already shipped to a receiver of it here
        // must be back at the home, before its ends attach at the peer.
        // Two barriers per other home: the first makes the home see the
        // lowered demand (its `SyncAck` follows every delivery it sent
        // before), the second makes it see the returns of those
        // deliveries. Channels homed here need neither.
        // When the home is the peer itself, its connection's order does
        // the same: the lowered demand goes out before `Prepare`, the
        // deliveries it answers come back before `Prepared`, and their
        // returns go out before `Commit`. So only the pump is needed.
        for home in ex.homes.iter().map(|&h| NodeId(h)) {
            if home == peer {
                self.chans.barrier(home.0);
                continue;
            }
            for round in 0..2 {
                self.chans.barrier(home.0);
                if let Err(what) = self.sync(home).await {
                    return Err(rollback(format!(
                        "barrier {round} with home {home}: {what}"
                    )));
                }
            }
        }
        let n = bytes.len();
        let token = self.next_token();
        let limit = self.limits.move_timeout;
        let prepare = Msg::Prepare {
            token,
            pid: pid.0,
            origin: lineage.origin.0,
            moves: lineage.moves,
            frozen: bytes.into(),
            fresh,
        };
        match self.ask(peer, token, prepare, limit).await {
            Ok(Reply::Prepared) => {}
            Ok(Reply::Refused(reason)) => {
                self.chans.unpin(&ex.pins);
                return Err(MigrateError::Refused { peer, reason });
            }
            Ok(Reply::Lost) => return Err(rollback("connection lost".into())),
            Ok(other) => return Err(rollback(format!("unexpected answer {other:?}"))),
            Err(Unanswered::NotSent) => {
                return Err(rollback(MigrateError::NotConnected(peer).to_string()))
            }
            Err(Unanswered::TimedOut) => {
                self.send(peer, Msg::Abort { token });
                return Err(rollback(format!("no answer within {limit:?}")));
            }
        }
        match self.ask(peer, token, Msg::Commit { token }, limit).await {
            Ok(Reply::Committed) => Ok(MigrationReport {
                pid,
                name: String::new(),
                from: self.id,
                to: peer,
                freeze,
                downtime: stopped.elapsed(),
                total: t0.elapsed(),
                bytes: n,
                ends,
                at: std::time::SystemTime::now(),
            }),
            // Not queued, so never sent: the peer drops its held copy.
            Err(Unanswered::NotSent) => Err(rollback("connection lost before the commit".into())),
            _ => Err(MigrateError::Unconfirmed(peer)),
        }
    }

    /// Sends `Sync` to `node` and waits for its `SyncAck`: everything sent
    /// to it before has been handled there, and everything it sent before
    /// the ack has been handled here.
    pub(super) async fn sync(&self, node: NodeId) -> Result<(), String> {
        let token = self.next_token();
        let limit = self.limits.move_timeout;
        match self.ask(node, token, Msg::Sync { token }, limit).await {
            Ok(Reply::Ack) => Ok(()),
            Ok(_) => Err("connection lost".into()),
            Err(Unanswered::NotSent) => Err("not connected".into()),
            Err(Unanswered::TimedOut) => Err(format!("no answer within {limit:?}")),
        }
    }

    /// Logs a move and keeps it in the node's history.
    fn record(&self, report: &MigrationReport) {
        info!("{report}");
        let mut h = self.history.lock().unwrap_or_else(|e| e.into_inner());
        if h.len() == 1024 {
            h.pop_front();
        }
        h.push_back(report.clone());
    }

    pub(super) fn next_token(&self) -> u64 {
        let mut t = self.table();
        t.next_token += 1;
        t.next_token
    }

    /// Sends `msg` (which carries `token`) to `peer` and waits up to
    /// `limit` for the answer to that token. A lost connection answers
    /// [`Reply::Lost`]; a message that could not be queued, or no answer
    /// in time, is an [`Unanswered`] (and the token is forgotten).
    pub(super) async fn ask(
        &self,
        peer: NodeId,
        token: u64,
        msg: Msg,
        limit: Duration,
    ) -> Result<Reply, Unanswered> {
        let (tx, rx) = oneshot::channel();
        self.table().waiting.insert(token, (peer, tx));
        if !self.send(peer, msg) {
            self.table().waiting.remove(&token);
            return Err(Unanswered::NotSent);
        }
        match tokio::time::timeout(limit, rx).await {
            Ok(r) => Ok(r.unwrap_or(Reply::Lost)),
            Err(_) => {
                self.table().waiting.remove(&token);
                Err(Unanswered::TimedOut)
            }
        }
    }

    /// Delivers an answer from `peer` to whoever waits for `token`; a late
    /// or unknown answer is ignored.
    pub(super) fn answer(&self, peer: NodeId, token: u64, r: Reply) {
        let mut t = self.table();
        if t.waiting.get(&token).is_some_and(|(p, _)| *p == peer) {
            if let Some((_, tx)) = t.waiting.remove(&token) {
                let _ = tx.send(r);
            }
        }
    }

    /// Decodes an arriving process, or says why this node cannot run it.
    /// Whether `peer` may have `bytes` more of prepared, uncommitted moves
    /// held here ([`Limits::held_moves`](super::Limits)).
    fn room_to_hold(&self, peer: NodeId, bytes: usize) -> Result<(), String> {
        let held: usize = self
            .table()
            .held
            .iter()
            .filter(|((from, _), _)| *from == peer)
            .map(|(_, h)| h.bytes)
            .sum();
        let limit = self.limits.held_moves;
        if held.saturating_add(bytes) > limit {
            return Err(format!(
                "node {} holds {held} bytes of uncommitted moves from this peer; \
                 {bytes} more would pass its limit of {limit}",
                self.name
            ));
        }
        Ok(())
    }

    pub(super) fn accept(&self, pid: Pid, bytes: Payload) -> Result<Movable, String> {
        if self.table().running.contains_key(&pid) {
            return Err(format!("process {pid} already runs on this node"));
        }
        // The frame stays in the buffer it came in (no copy).
        let (buf, at) = bytes.into_parts();
        let frozen = Frozen::from_vec_in(buf, at).map_err(|e| e.to_string())?;
        let name = &frozen.identity().name;
        if let Some(ok) = &self.accept {
            if !ok.iter().any(|n| n == name) {
                return Err(format!(
                    "node {} does not accept processes of type `{name}` (it accepts: {})",
                    self.name,
                    ok.join(", ")
                ));
            }
        }
        csp::migrate::Registry::global()
            .check(&frozen)
            .map_err(|e| e.to_string())?;
        self.chans.thaw_movable(frozen).map_err(|e| e.to_string())
    }

    pub(super) fn on_proc_msg(&self, peer: NodeId, msg: Msg) -> Result<(), String> {
        match msg {
            Msg::Prepare {
                token,
                pid,
                origin,
                moves,
                frozen,
                fresh,
            } => {
                let pid = Pid(pid);
                let bytes = frozen.len();
                let reply = match self
                    .room_to_hold(peer, bytes)
                    .and_then(|()| self.accept(pid, frozen))
                {
                    Ok(movable) => {
                        info!(%pid, %peer, fresh, "process prepared");
                        self.table().held.insert(
                            (peer, token),
                            Held {
                                pid,
                                lineage: Lineage {
                                    origin: NodeId(origin),
                                    moves,
                                },
                                movable,
                                bytes,
                            },
                        );
                        Msg::Prepared { token }
                    }
                    Err(reason) => {
                        warn!(%pid, %peer, "refused a process: {reason}");
                        Msg::Refused { token, reason }
                    }
                };
                self.send(peer, reply);
            }
            Msg::Commit { token } => {
                let held = self.table().held.remove(&(peer, token));
                let Some(h) = held else {
                    return Err(format!("commit of unknown move {token}"));
                };
                self.moved(h.pid, h.lineage, self.id);
                self.start(h.pid, h.lineage, h.movable);
                self.send(peer, Msg::Committed { token });
            }
            Msg::Abort { token } => {
                self.table().held.remove(&(peer, token));
            }
            Msg::Prepared { token } => self.answer(peer, token, Reply::Prepared),
            Msg::Refused { token, reason } => {
                let reason = crate::wire::sanitize_text(&reason);
                self.answer(peer, token, Reply::Refused(reason))
            }
            Msg::Committed { token } => self.answer(peer, token, Reply::Committed),
            Msg::Moved { pid, node, moves } => {
                self.table().joins.moved(Pid(pid), NodeId(node), moves);
            }
            Msg::Finished { pid, result } => {
                let outcome = result
                    .map(|b| b.0)
                    .map_err(|e| ProcessError::Failed(crate::wire::sanitize_text(&e)));
                self.table().joins.finish(Pid(pid), outcome);
            }
            other => return Err(format!("not a process message: {other:?}")),
        }
        Ok(())
    }

    /// `peer` is gone: moves it was part of fail, processes it sent and
    /// never committed are dropped.
    pub(super) fn procs_peer_lost(&self, peer: NodeId) {
        let mut t = self.table();
        t.held.retain(|(n, _), _| *n != peer);
        t.joins.peer_lost(peer);
        let lost: Vec<u64> = t
            .waiting
            .iter()
            .filter(|(_, (p, _))| *p == peer)
            .map(|(k, _)| *k)
            .collect();
        for k in lost {
            if let Some((_, tx)) = t.waiting.remove(&k) {
                let _ = tx.send(Reply::Lost);
            }
        }
    }
}
