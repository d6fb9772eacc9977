//! Running a process so that it can be frozen.
//!
//! [`spawn_process`] runs a frame inside a small driver task. A freeze
//! request sets a flag and wakes the task; the driver sees it at its next
//! poll, which is always between steps (at a pause point), settles the
//! pending operation, serializes the frame and hands the [`Frozen`] back.
//! If serialization fails the frame is still there, settled, and simply
//! keeps running: a process is never lost to a failed freeze.

use std::any::Any;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use tokio::sync::oneshot;

use super::{Frozen, Migratable};
use crate::process::moving::{with_host, Host};
use crate::sync::Arc;
use crate::JoinError;

/// Why a freeze did not produce a [`Frozen`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FreezeError {
    /// The process had already finished (or was frozen) before it could be.
    Finished,
    /// Another freeze of the same process is in progress.
    AlreadyFreezing,
    /// A value in the frame could not be serialized; the process keeps
    /// running.
    Serialize(String),
}

impl fmt::Display for FreezeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FreezeError::Finished => f.write_str("the process has already finished"),
            FreezeError::AlreadyFreezing => f.write_str("the process is already being frozen"),
            FreezeError::Serialize(m) => write!(
                f,
                "the frame could not be serialized (it keeps running): {m}"
            ),
        }
    }
}

impl std::error::Error for FreezeError {}

/// A frame the driver can step and freeze, typed or type-erased.
pub(crate) trait Drivable: Send + 'static {
    type Output: Send + 'static;
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output>;
    fn freezable(&self) -> bool;
    fn freeze(&mut self) -> Result<Frozen, FreezeError>;
    /// Withdraws the pending operation (see `Process::settle`).
    fn settle_now(&mut self);
    /// What it waits in and where, if the driver should record it for
    /// operators (only node-run processes pay for that).
    fn pause(&self) -> Option<Paused> {
        None
    }
    /// The frame itself, for a node that moves it (see [`Movable`]).
    fn into_movable(self) -> Movable;
}

struct Typed<P>(P);

impl<P: Migratable> Drivable for Typed<P> {
    type Output = P::Output;
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<P::Output> {
        self.0.step(cx)
    }
    fn freezable(&self) -> bool {
        self.0.freezable()
    }
    fn freeze(&mut self) -> Result<Frozen, FreezeError> {
        Frozen::freeze(&mut self.0)
    }
    fn settle_now(&mut self) {
        self.0.settle()
    }
    fn into_movable(self) -> Movable {
        Movable::new(self.0)
    }
}

/// A frame whose type is known only to itself (thawed by name).
pub(crate) trait ErasedFrame: Send + 'static {
    /// The frame type's name.
    fn name(&self) -> &'static str;
    /// Steps it; the output arrives boxed.
    fn step_erased(&mut self, cx: &mut Context<'_>) -> Poll<Box<dyn Any + Send>>;
    /// Whether it can be frozen now.
    fn freezable_erased(&self) -> bool;
    /// Freezes it.
    fn freeze_erased(&mut self) -> Result<Frozen, FreezeError>;
    /// Steps it; the output arrives encoded for a join handle anywhere.
    fn step_encoded(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<u8>, String>>;
    /// Its identity.
    fn identity_erased(&self) -> super::Identity;
    /// See `Process::settle`.
    fn settle_erased(&mut self);
    /// See `Process::pause_point`.
    fn pause_point_erased(&self) -> &'static str;
    /// See `Process::pause_location`.
    fn pause_location_erased(&self) -> Option<(&'static str, u32)>;
}

impl<P: Migratable> ErasedFrame for P {
    fn name(&self) -> &'static str {
        P::NAME
    }
    fn step_erased(&mut self, cx: &mut Context<'_>) -> Poll<Box<dyn Any + Send>> {
        self.step(cx).map(|o| Box::new(o) as Box<dyn Any + Send>)
    }
    fn freezable_erased(&self) -> bool {
        self.freezable()
    }
    fn freeze_erased(&mut self) -> Result<Frozen, FreezeError> {
        Frozen::freeze(self)
    }
    fn step_encoded(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<u8>, String>> {
        self.step(cx).map(|o| match P::output_encoder() {
            Some(encode) => encode(&o),
            None => Err(format!(
                "the result of `{}` has a type that is not serializable",
                P::NAME
            )),
        })
    }
    fn identity_erased(&self) -> super::Identity {
        P::identity()
    }
    fn settle_erased(&mut self) {
        self.settle()
    }
    fn pause_point_erased(&self) -> &'static str {
        self.pause_point()
    }
    fn pause_location_erased(&self) -> Option<(&'static str, u32)> {
        self.pause_location()
    }
}

struct Erased(Box<dyn ErasedFrame>);

impl Drivable for Erased {
    type Output = Box<dyn Any + Send>;
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.step_erased(cx)
    }
    fn freezable(&self) -> bool {
        self.0.freezable_erased()
    }
    fn freeze(&mut self) -> Result<Frozen, FreezeError> {
        self.0.freeze_erased()
    }
    fn settle_now(&mut self) {
        self.0.settle_erased()
    }
    fn into_movable(self) -> Movable {
        Movable { frame: self.0 }
    }
}

/// A frame run by a node: its result comes encoded, and it knows its host.
struct Hosted {
    frame: Box<dyn ErasedFrame>,
    host: Option<Arc<dyn Host>>,
}

impl Drivable for Hosted {
    type Output = Result<Vec<u8>, String>;
    fn step(&mut self, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &self.host {
            Some(h) => with_host(h, || self.frame.step_encoded(cx)),
            None => self.frame.step_encoded(cx),
        }
    }
    fn freezable(&self) -> bool {
        self.frame.freezable_erased()
    }
    fn freeze(&mut self) -> Result<Frozen, FreezeError> {
        self.frame.freeze_erased()
    }
    fn settle_now(&mut self) {
        self.frame.settle_erased()
    }
    fn pause(&self) -> Option<Paused> {
        Some(Paused {
            point: self.frame.pause_point_erased(),
            location: self.frame.pause_location_erased(),
        })
    }
    fn into_movable(self) -> Movable {
        Movable { frame: self.frame }
    }
}

/// A process held by a node, not running: a frame of any registered type.
/// A node keeps one while a move is in flight, so that it can resume it if
/// the move fails (the frame is settled, so nothing is parked anywhere).
pub struct Movable {
    frame: Box<dyn ErasedFrame>,
}

impl fmt::Debug for Movable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Movable")
            .field("name", &self.frame.name())
            .finish()
    }
}

impl Movable {
    /// Holds frame `p` (which has not started, or was stopped).
    pub fn new<P: Migratable>(p: P) -> Movable {
        Movable { frame: Box::new(p) }
    }

    pub(crate) fn from_erased(frame: Box<dyn ErasedFrame>) -> Movable {
        Movable { frame }
    }

    /// The frame type's identity.
    pub fn identity(&self) -> super::Identity {
        self.frame.identity_erased()
    }

    /// Settles the frame and serializes it with `codec` translating its
    /// channel ends (csp-net: into references to their home nodes, each
    /// pinned until the importer takes it). The frame stays here, intact.
    pub fn freeze_with(
        &mut self,
        codec: Arc<dyn super::link::EndCodec>,
    ) -> Result<Frozen, FreezeError> {
        super::link::with_codec(codec, || self.frame.freeze_erased())
    }

    /// Runs it on the current runtime with `host` as the node it is on
    /// (`migrate_to` asks the host to move it).
    pub fn spawn(self, host: Option<Arc<dyn Host>>) -> HostedHandle {
        HostedHandle(spawn_driver(Hosted {
            frame: self.frame,
            host,
        }))
    }
}

/// Stops a process run by a node (see [`HostedHandle::stopper`]).
#[derive(Clone)]
pub struct Stopper(Arc<Control>);

impl fmt::Debug for Stopper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stopper").finish_non_exhaustive()
    }
}

impl Stopper {
    /// What the process waited in after its last step: `"recv"`,
    /// `"send"`, `"alt"`, ... (see `Process::pause_point`), `"start"`
    /// before it ran.
    pub fn pause_point(&self) -> &'static str {
        self.paused().0
    }

    /// What the process waited in after its last step and where in the
    /// source, as [`pause_point`](Stopper::pause_point) and
    /// `Process::pause_location` say (`("start", None)` before it ran).
    /// Read together, so the line is always the one of that pause point,
    /// never of the step before or after.
    pub fn paused(&self) -> (&'static str, Option<(&'static str, u32)>) {
        let p = *self.0.pause.lock().unwrap_or_else(|e| e.into_inner());
        (p.point, p.location)
    }

    /// See [`HostedHandle::stop`].
    pub async fn stop(&self) -> Result<Movable, FreezeError> {
        let (tx, rx) = oneshot::channel();
        self.0.request(Request::Stop(tx))?;
        rx.await.unwrap_or(Err(FreezeError::Finished))
    }
}

/// A process run by a node: it can be stopped (giving its frame back) or
/// joined (its result arrives encoded).
#[derive(Debug)]
pub struct HostedHandle(ProcessHandle<Result<Vec<u8>, String>>);

impl HostedHandle {
    /// Stops the process at its next pause point (settled) and gives its
    /// frame back, to be moved or resumed. Waits, like
    /// [`ProcessHandle::freeze`], for an `effect` in progress to end.
    pub async fn stop(&self) -> Result<Movable, FreezeError> {
        self.stopper().stop().await
    }

    /// A handle that can stop the process while someone else joins it.
    pub fn stopper(&self) -> Stopper {
        Stopper(self.0.ctl.clone())
    }

    /// Waits for the result: `Ok(Ok(bytes))` with the result as
    /// MessagePack, `Ok(Err(why))` if it cannot be encoded, `Err` if the
    /// process panicked, was aborted or was stopped.
    pub async fn join(self) -> Result<Result<Vec<u8>, String>, JoinError> {
        self.0.join().await
    }

    /// Stops the process (its channel ends are dropped).
    pub fn abort(&self) {
        self.0.abort()
    }

    /// A handle that aborts the process while someone else joins it.
    pub fn abort_handle(&self) -> tokio::task::AbortHandle {
        self.0.join.abort_handle()
    }
}

type FreezeReply = oneshot::Sender<Result<Frozen, FreezeError>>;

/// What a pending request wants at the next pause point.
enum Request {
    /// The frame as bytes (then it is dropped).
    Freeze(FreezeReply),
    /// The frame itself, settled.
    Stop(oneshot::Sender<Result<Movable, FreezeError>>),
}

#[derive(Default)]
struct Control {
    requested: AtomicBool,
    /// The transport codec the pending freeze serializes channel ends with.
    codec: Mutex<Option<Arc<dyn super::link::EndCodec>>>,
    /// The pending freeze's reply, and whether the driver is gone (then no
    /// reply will ever be sent, so none may wait).
    reply: Mutex<(Option<Request>, bool)>,
    waker: AtomicWaker,
    /// What the process waited in after its last step (node-run only).
    pause: Mutex<Paused>,
}

/// What a process waited in after its last step, and where: recorded
/// together, so a reader never pairs one step's point with another's line.
#[derive(Clone, Copy)]
pub(crate) struct Paused {
    point: &'static str,
    location: Option<(&'static str, u32)>,
}

impl Default for Paused {
    /// Not run yet.
    fn default() -> Paused {
        Paused {
            point: "start",
            location: None,
        }
    }
}

impl Control {
    /// Queues a request for the driver's next pause point and wakes it.
    fn request(&self, req: Request) -> Result<(), FreezeError> {
        {
            let mut reply = self.lock();
            if reply.1 {
                return Err(FreezeError::Finished);
            }
            if reply.0.is_some() {
                return Err(FreezeError::AlreadyFreezing);
            }
            reply.0 = Some(req);
        }
        self.requested.store(true, Ordering::Release);
        self.waker.wake();
        Ok(())
    }
    fn lock(&self) -> std::sync::MutexGuard<'_, (Option<Request>, bool)> {
        self.reply.lock().unwrap_or_else(|e| e.into_inner())
    }
}

enum Exit<T> {
    Done(T),
    Frozen,
}

struct Driver<D> {
    frame: Option<D>,
    ctl: Arc<Control>,
}

impl<D: Drivable> Driver<D> {
    /// Freezes if asked to and the frame is at a freezable pause point (not
    /// inside an `effect`; then the request waits for the next pause).
    fn try_freeze(&mut self) -> bool {
        if !self.ctl.requested.load(Ordering::Acquire) {
            return false;
        }
        let Some(frame) = self.frame.as_mut() else {
            return false;
        };
        if !frame.freezable() {
            return false;
        }
        // Settling can find a send held for a remote receiver's answer
        // (see `channel/core.rs`): it stays parked, and the freeze waits
        // for the answer, which wakes the process. The settled rest is a
        // state the process resumes from as well.
        frame.settle_now();
        if !frame.freezable() {
            return false;
        }
        self.ctl.requested.store(false, Ordering::Release);
        let Some(req) = self.ctl.lock().0.take() else {
            return false;
        };
        let reply = match req {
            Request::Freeze(reply) => reply,
            Request::Stop(reply) => {
                let mut d = self.frame.take().expect("checked above");
                d.settle_now();
                let _ = reply.send(Ok(d.into_movable()));
                return true;
            }
        };
        let codec = self
            .ctl
            .codec
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let frozen = match codec {
            Some(c) => super::link::with_codec(c, || frame.freeze()),
            None => frame.freeze(),
        };
        match frozen {
            Ok(frozen) => {
                self.frame = None;
                let _ = reply.send(Ok(frozen));
                true
            }
            Err(e) => {
                let _ = reply.send(Err(e));
                false
            }
        }
    }
}

impl<D: Drivable> Future for Driver<D> {
    type Output = Exit<D::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.ctl.waker.register(cx.waker());
        if this.try_freeze() {
            return Poll::Ready(Exit::Frozen);
        }
        let frame = this
            .frame
            .as_mut()
            .expect("driver polled after it finished");
        let r = frame.step(cx);
        if let Some(p) = frame.pause() {
            *this.ctl.pause.lock().unwrap_or_else(|e| e.into_inner()) = p;
        }
        match r {
            Poll::Ready(v) => {
                this.frame = None;
                Poll::Ready(Exit::Done(v))
            }
            // A freeze that waited for an effect to end can happen now.
            Poll::Pending if this.try_freeze() => Poll::Ready(Exit::Frozen),
            Poll::Pending => Poll::Pending,
        }
    }
}

// Frames are Unpin (generated `impl Unpin`), and so is everything else here.
impl<D> Unpin for Driver<D> {}

/// Finished, frozen, aborted or dropped with its runtime: a freeze waiting
/// for this driver gets `Finished` instead of waiting forever.
impl<D> Drop for Driver<D> {
    fn drop(&mut self) {
        let mut r = self.ctl.lock();
        r.1 = true;
        r.0 = None;
    }
}

/// A running process that can be frozen or joined.
pub struct ProcessHandle<T> {
    join: tokio::task::JoinHandle<Exit<T>>,
    ctl: Arc<Control>,
}

impl<T> fmt::Debug for ProcessHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessHandle").finish_non_exhaustive()
    }
}

fn spawn_driver<D: Drivable>(d: D) -> ProcessHandle<D::Output> {
    let ctl = Arc::new(Control::default());
    let join = tokio::spawn(Driver {
        frame: Some(d),
        ctl: ctl.clone(),
    });
    ProcessHandle { join, ctl }
}

/// Starts frame `p` on the current runtime so that it can be frozen.
///
/// # Panics
/// If called outside a csp (tokio) runtime.
pub fn spawn_process<P: Migratable>(p: P) -> ProcessHandle<P::Output> {
    spawn_driver(Typed(p))
}

pub(crate) fn spawn_erased(f: Box<dyn ErasedFrame>) -> ProcessHandle<Box<dyn Any + Send>> {
    spawn_driver(Erased(f))
}

impl<T> ProcessHandle<T> {
    /// Stops the process at its current pause point and returns it frozen.
    /// Its channel ends stay connected (held by the [`Frozen`]) until it is
    /// thawed or dropped. Waits for the process's next poll, which comes
    /// promptly: the request wakes it.
    pub async fn freeze(&self) -> Result<Frozen, FreezeError> {
        self.freeze_inner(None).await
    }

    /// Freezes like [`freeze`](Self::freeze), serializing channel ends
    /// through a transport's codec (csp-net uses this to move a process to
    /// another node: its ends become references to their home nodes).
    pub async fn freeze_with(
        &self,
        codec: Arc<dyn super::link::EndCodec>,
    ) -> Result<Frozen, FreezeError> {
        self.freeze_inner(Some(codec)).await
    }

    async fn freeze_inner(
        &self,
        codec: Option<Arc<dyn super::link::EndCodec>>,
    ) -> Result<Frozen, FreezeError> {
        let (tx, rx) = oneshot::channel();
        *self.ctl.codec.lock().unwrap_or_else(|e| e.into_inner()) = codec;
        self.request(Request::Freeze(tx))?;
        rx.await.unwrap_or(Err(FreezeError::Finished))
    }

    fn request(&self, req: Request) -> Result<(), FreezeError> {
        self.ctl.request(req)
    }

    /// Waits for the result. A process that was frozen reports
    /// [`JoinError::Frozen`]: its frozen form carries on.
    pub async fn join(self) -> Result<T, JoinError> {
        match crate::task::JoinHandle::new(self.join).join().await? {
            Exit::Done(v) => Ok(v),
            Exit::Frozen => Err(JoinError::Frozen),
        }
    }

    /// Stops the process (its channel ends are dropped).
    pub fn abort(&self) {
        self.join.abort();
    }
}
