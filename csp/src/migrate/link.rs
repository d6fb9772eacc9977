//! What a transport (csp-net) needs to carry channels between nodes.
//!
//! A channel whose ends live on several nodes stays one channel with one
//! *home*: the node where it was made keeps the real channel state, and
//! every other node holding an end has a local *proxy* channel that its
//! processes use exactly like a local one (so `alt!`, `par!`, freezing and
//! every other operation work on it unchanged), plus a bridge that moves
//! values between the proxy and the home. This module gives the transport
//! two things, both type-erased because the transport never knows `T`:
//!
//! * [`Port`]: byte-level access to one channel (home or proxy): watch it
//!   for changes, read how many peers wait on it, move values in and out as
//!   MessagePack, close it, hold counts on it on behalf of remote ends.
//! * [`EndCodec`]: how channel ends inside a frame or a message become
//!   references on the wire ([`RemoteRef`]) and back. While a codec is
//!   installed on a thread ([`with_codec`]), every `Sender`, `Receiver` and
//!   pending operation serialized or deserialized there goes through it.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::channel::{Chan, Lent, Offer, RecvOp, Take};
use crate::sync::Arc;

/// Which end of a channel a reference stands for.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum EndKind {
    /// A counted `Sender`.
    Sender,
    /// A counted `Receiver`.
    Receiver,
    /// A pending receive's uncounted handle.
    RawRecv,
    /// A pending send's uncounted handle.
    RawSend,
}

impl EndKind {
    /// Whether this end puts values in (a sender or a pending send).
    pub fn sends(self) -> bool {
        matches!(self, EndKind::Sender | EndKind::RawSend)
    }

    /// Whether this end keeps a count on the channel.
    pub fn counted(self) -> bool {
        matches!(self, EndKind::Sender | EndKind::Receiver)
    }
}

/// A channel end as it travels between nodes: which node is the channel's
/// home, its id there, and the *pin* the exporting node holds so that the
/// channel cannot close under the end while it is on the way (released by
/// the importer, see csp-net).
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct RemoteRef {
    /// The home node's id.
    pub home: u64,
    /// The channel's id on its home node.
    pub chan: u64,
    /// `(node, pin id)` of the count held for this end in transit.
    pub pin: Option<(u64, u64)>,
}

/// Turns channel ends into [`RemoteRef`]s and back; implemented by a
/// transport and installed with [`with_codec`].
pub trait EndCodec: Send + Sync {
    /// An end of `port`'s channel is being serialized.
    fn export(&self, port: &Port, end: EndKind) -> Result<RemoteRef, String>;

    /// A reference is being deserialized: return the channel this node uses
    /// for it. `proxy` makes a fresh local proxy channel of the right
    /// message type, for a channel this node has no proxy for yet. For a
    /// counted end (`end.counted()`) the returned channel must already hold
    /// the end's count (taken before any pin is released, so the channel
    /// never looks abandoned in between); the caller does not add it.
    fn import(
        &self,
        r: &RemoteRef,
        end: EndKind,
        proxy: &mut dyn FnMut() -> Port,
    ) -> Result<Port, String>;
}

thread_local! {
    static CODEC: RefCell<Option<Arc<dyn EndCodec>>> = const { RefCell::new(None) };
}

/// Runs `f` with `codec` translating every channel end (de)serialized on
/// this thread.
pub fn with_codec<R>(codec: Arc<dyn EndCodec>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<dyn EndCodec>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let old = self.0.take();
            CODEC.with(|c| *c.borrow_mut() = old);
        }
    }
    let _restore = Restore(CODEC.with(|c| c.borrow_mut().replace(codec)));
    f()
}

/// The codec installed on this thread, if any.
pub(crate) fn codec() -> Option<Arc<dyn EndCodec>> {
    CODEC.with(|c| c.borrow().clone())
}

/// What a port's channel looks like right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct PortStatus {
    /// Values in the buffer (a proxy or a rendezvous home can hold values
    /// past capacity that a remote peer had already let go of).
    pub buffered: usize,
    /// Buffer size (0: rendezvous).
    pub capacity: usize,
    /// Whether `close()` was called or every sender is gone.
    pub closed: bool,
    /// Sender handles.
    pub senders: usize,
    /// Receiver handles.
    pub receivers: usize,
    /// Senders parked with a value that a receive could take now.
    pub parked_senders: usize,
    /// Receivers (or open alt arms) waiting for a value.
    pub waiting_receivers: usize,
}

/// Why a port operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortError {
    /// The channel is closed (or has no receiver); the bytes come back.
    Closed(Vec<u8>),
    /// Nobody was waiting to take the value; the bytes come back.
    NoTaker(Vec<u8>),
    /// The bytes are not a message of this channel's type.
    Decode(String),
    /// A value could not be encoded.
    Encode(String),
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PortError::Closed(_) => f.write_str("the channel is closed"),
            PortError::NoTaker(_) => f.write_str("no receiver was waiting"),
            PortError::Decode(m) => write!(f, "message does not decode: {m}"),
            PortError::Encode(m) => write!(f, "message does not encode: {m}"),
        }
    }
}

impl std::error::Error for PortError {}

/// A value taken by [`Port::reserve`].
#[derive(Debug)]
pub struct Reserved {
    /// The value, encoded with the current codec.
    pub bytes: Vec<u8>,
    /// The reservation to settle with [`Port::resolve`]; `None` for a
    /// buffered value, whose send has completed.
    pub token: Option<u64>,
}

/// What [`Port::offer`] did with a copy.
#[derive(Debug, PartialEq, Eq)]
pub enum Offered {
    /// A receiver (or a free buffer slot) took it.
    Taken,
    /// Nobody could; it was dropped.
    Refused,
    /// Nobody could; here it is again, re-encoded.
    Back(Vec<u8>),
}

/// A pending byte-level receive (see [`Port::recv`]).
pub type PortRecv = Pin<Box<dyn Future<Output = Option<Result<Vec<u8>, PortError>>> + Send>>;

trait PortOps: Send + Sync {
    fn id(self: Arc<Self>) -> u64;
    fn watch(&self, w: &Waker);
    fn status(&self) -> PortStatus;
    fn try_recv(&self) -> Result<Option<Vec<u8>>, PortError>;
    fn reserve(&self) -> Result<Option<Reserved>, PortError>;
    fn resolve(&self, token: u64, taken: bool);
    fn offer(&self, bytes: Vec<u8>, back: bool) -> Result<Offered, PortError>;
    fn give(&self, bytes: Vec<u8>) -> Result<bool, PortError>;
    fn recv(self: Arc<Self>) -> PortRecv;
    fn inject(&self, bytes: Vec<u8>) -> Result<(), PortError>;
    fn hand_over(&self, bytes: Vec<u8>) -> Result<(), PortError>;
    fn put_back(&self, bytes: Vec<u8>) -> Result<(), PortError>;
    fn close(&self) -> bool;
    fn count(&self, sender: bool, add: bool);
    fn join(&self, sender: bool) -> bool;
    fn fresh(&self) -> Port;
    fn any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync>;
}

/// Byte-level, type-erased access to one channel, for transports.
///
/// A `Port` holds the channel's memory but no count: it neither keeps the
/// channel open nor lets it accept values on its own. A transport that acts
/// for remote ends takes counts explicitly ([`Port::add_sender`] etc.).
#[derive(Clone)]
pub struct Port(Arc<dyn PortOps>);

impl fmt::Debug for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Port")
            .field("id", &self.id())
            .field("status", &self.status())
            .finish()
    }
}

fn encode<T: Serialize>(v: &T) -> Result<Vec<u8>, PortError> {
    rmp_serde::to_vec_named(v).map_err(|e| PortError::Encode(e.to_string()))
}

fn decode<T: DeserializeOwned>(b: &[u8]) -> Result<T, PortError> {
    rmp_serde::from_slice(b).map_err(|e| PortError::Decode(e.to_string()))
}

impl<T: Serialize + DeserializeOwned + Send + 'static> PortOps for Chan<T> {
    fn id(self: Arc<Self>) -> u64 {
        super::chanref::id_of(&self)
    }

    fn watch(&self, w: &Waker) {
        self.lock().set_watch(w);
    }

    fn status(&self) -> PortStatus {
        let st = self.lock();
        let (parked_senders, waiting_receivers) = st.parked_counts();
        let (buffered, capacity, closed, senders, receivers) = st.shape();
        PortStatus {
            buffered,
            capacity,
            closed: closed || senders == 0,
            senders,
            receivers,
            parked_senders,
            waiting_receivers,
        }
    }

    fn try_recv(&self) -> Result<Option<Vec<u8>>, PortError> {
        match self.with(|st, wake| st.take(wake)) {
            Take::Value(v) => encode(&v).map(Some),
            Take::Empty => Ok(None),
            Take::Closed => Err(PortError::Closed(Vec::new())),
        }
    }

    fn reserve(&self) -> Result<Option<Reserved>, PortError> {
        match self.with(|st, wake| st.reserve(wake)) {
            None => Ok(None),
            Some(Lent::Owned(v)) => encode(&v).map(|bytes| Some(Reserved { bytes, token: None })),
            Some(Lent::Reserved(id, v)) => {
                let bytes = encode(&v);
                drop(self.with(|st, _| st.unlend(id, v)));
                match bytes {
                    Ok(bytes) => Ok(Some(Reserved {
                        bytes,
                        token: Some(id),
                    })),
                    // Never deliverable: the send is over, the value
                    // dropped (the caller logs it), as for `try_recv`.
                    Err(e) => {
                        self.resolve(id, true);
                        Err(e)
                    }
                }
            }
        }
    }

    fn resolve(&self, token: u64, taken: bool) {
        let dropped = self.with(|st, wake| st.resolve(token, taken, wake));
        drop(dropped);
    }

    fn offer(&self, bytes: Vec<u8>, back: bool) -> Result<Offered, PortError> {
        let v: T = decode(&bytes)?;
        match self.with(|st, wake| st.offer(v, wake)) {
            Offer::Done => Ok(Offered::Taken),
            // Re-encoded, as for `hand_over`: decoding consumed the pins.
            Offer::Closed(v) | Offer::Full(v) if back => encode(&v).map(Offered::Back),
            Offer::Closed(v) | Offer::Full(v) => {
                drop(v);
                Ok(Offered::Refused)
            }
        }
    }

    fn give(&self, bytes: Vec<u8>) -> Result<bool, PortError> {
        let v: T = decode(&bytes)?;
        match self.with(|st, wake| st.hand_over(v, wake)) {
            Ok(()) => Ok(true),
            Err(v) => {
                drop(v);
                Ok(false)
            }
        }
    }

    fn recv(self: Arc<Self>) -> PortRecv {
        Box::pin(OwnedRecv {
            chan: self,
            op: RecvOp::Start,
        })
    }

    fn inject(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        let v: T = decode(&bytes)?;
        match self.with(|st, wake| st.inject(v, wake)) {
            Ok(()) => Ok(()),
            Err(v) => Err(PortError::Closed(dropped_outside(v, bytes))),
        }
    }

    fn hand_over(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        let v: T = decode(&bytes)?;
        match self.with(|st, wake| st.hand_over(v, wake)) {
            Ok(()) => Ok(()),
            // Re-encode rather than hand back the old bytes: decoding may
            // have consumed pins of channel ends inside the value, and the
            // fresh encoding takes new ones.
            Err(v) => Err(PortError::NoTaker(encode(&v)?)),
        }
    }

    fn put_back(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        let v: T = decode(&bytes)?;
        self.with(|st, wake| st.put_back(v, wake));
        Ok(())
    }

    fn close(&self) -> bool {
        Chan::close(self)
    }

    fn count(&self, sender: bool, add: bool) {
        match (sender, add) {
            (true, true) => self.add_sender(),
            (true, false) => self.drop_sender(),
            (false, true) => self.add_receiver(),
            (false, false) => self.drop_receiver(),
        }
    }

    fn join(&self, sender: bool) -> bool {
        self.join_live(sender)
    }

    fn fresh(&self) -> Port {
        Port(Arc::new(Chan::<T>::with_state(
            0,
            false,
            Default::default(),
            0,
        )))
    }

    fn any(self: Arc<Self>) -> Arc<dyn Any + Send + Sync> {
        self
    }
}

/// Drops a value the channel refused, returning the bytes it came from.
fn dropped_outside<T>(v: T, bytes: Vec<u8>) -> Vec<u8> {
    drop(v);
    bytes
}

/// A receive that owns its channel handle; dropping it while parked puts
/// a value that had already arrived back at the head of the channel.
struct OwnedRecv<T> {
    chan: Arc<Chan<T>>,
    op: RecvOp,
}

impl<T: Serialize> Future for OwnedRecv<T> {
    type Output = Option<Result<Vec<u8>, PortError>>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.op.poll(&this.chan, cx).map(|r| match r {
            Ok(v) => Some(encode(&v)),
            Err(_) => None,
        })
    }
}

impl<T> Unpin for OwnedRecv<T> {}

impl<T> Drop for OwnedRecv<T> {
    fn drop(&mut self) {
        if let RecvOp::Parked(id) = self.op {
            self.chan.abandon_recv(id);
        }
    }
}

impl Port {
    /// The port of a channel.
    pub(crate) fn of<T: Serialize + DeserializeOwned + Send + 'static>(
        chan: &Arc<Chan<T>>,
    ) -> Port {
        Port(chan.clone())
    }

    /// The typed channel behind this port, if it carries `T`.
    pub(crate) fn typed<T: Send + 'static>(&self) -> Option<Arc<Chan<T>>> {
        self.0.clone().any().downcast::<Chan<T>>().ok()
    }

    /// The channel's process-wide id (assigned on first use).
    pub fn id(&self) -> u64 {
        self.0.clone().id()
    }

    /// Whether two ports are the same channel.
    pub fn same(&self, other: &Port) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }

    /// Wakes `w` once, after the next change to the channel.
    pub fn watch(&self, w: &Waker) {
        self.0.watch(w)
    }

    /// How the channel looks now.
    pub fn status(&self) -> PortStatus {
        self.0.status()
    }

    /// Takes a value if one is there (buffered, or a parked sender's, which
    /// completes that send). `Ok(None)`: nothing now; `Err(Closed)`: closed
    /// and drained.
    pub fn try_recv(&self) -> Result<Option<Vec<u8>>, PortError> {
        self.0.try_recv()
    }

    /// Takes a value for a remote receiver without completing its send: a
    /// buffered value (its send completed when it was buffered; no
    /// token), or a copy of a parked sender's value, which stays parked,
    /// reserved under the token, until [`Port::resolve`]. An `alt!`
    /// sender is committed to that arm meanwhile. This is what lets a
    /// remote rendezvous complete only when the remote receiver has taken
    /// the value.
    pub fn reserve(&self) -> Result<Option<Reserved>, PortError> {
        self.0.reserve()
    }

    /// Settles a reservation: `taken` completes the parked send (its
    /// value is dropped here, the remote receiver has the copy); otherwise
    /// the value is takeable again at its place in the queue, and its
    /// owner wakes (an `alt!` may fire another arm; a freeze that waited
    /// can go on). Unknown or settled tokens are ignored.
    pub fn resolve(&self, token: u64, taken: bool) {
        self.0.resolve(token, taken)
    }

    /// Gives a copy of a value whose sender (remote) still holds the
    /// original to a waiting receiver or a free buffer slot, as a send that
    /// does not wait. If neither was there (or the channel is closed) the
    /// copy is dropped, or, with `back`, comes back re-encoded
    /// ([`Offered::Back`]): those bytes hold fresh pins on the channel ends
    /// inside, so they must be imported somewhere.
    pub fn offer(&self, bytes: Vec<u8>, back: bool) -> Result<Offered, PortError> {
        self.0.offer(bytes, back)
    }

    /// Gives a copy of a value whose sender (remote) still holds the
    /// original to a waiting receiver; false, and the copy is dropped, if
    /// none was waiting.
    pub fn give(&self, bytes: Vec<u8>) -> Result<bool, PortError> {
        self.0.give(bytes)
    }

    /// Receives one value, parking like any receiver (in turn with the
    /// channel's other receivers). Resolves to `None` once the channel is
    /// closed and drained. Dropping the future is safe: a value that had
    /// reached it goes back to the head of the channel.
    pub fn recv(&self) -> PortRecv {
        self.0.clone().recv()
    }

    /// Gives a value to a waiting receiver, or else appends it to the buffer
    /// even past capacity (it comes from a sender that has already
    /// completed).
    pub fn inject(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        self.0.inject(bytes)
    }

    /// Gives a value to a waiting receiver only; `NoTaker` hands it back,
    /// re-encoded (its bytes hold fresh pins: they must be imported).
    pub fn hand_over(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        self.0.hand_over(bytes)
    }

    /// Puts a value back at the head of the channel (a remote receiver that
    /// had asked for it was gone when it arrived).
    pub fn put_back(&self, bytes: Vec<u8>) -> Result<(), PortError> {
        self.0.put_back(bytes)
    }

    /// Closes the channel; false if it was already closed.
    pub fn close(&self) -> bool {
        self.0.close()
    }

    /// Takes a sender count on behalf of remote senders.
    pub fn add_sender(&self) {
        self.0.count(true, true)
    }

    /// Gives back a sender count (the last one closes the channel).
    pub fn drop_sender(&self) {
        self.0.count(true, false)
    }

    /// Takes a receiver count on behalf of remote receivers.
    pub fn add_receiver(&self) {
        self.0.count(false, true)
    }

    /// Gives back a receiver count.
    pub fn drop_receiver(&self) {
        self.0.count(false, false)
    }

    /// Takes a sender count if `sender`, else a receiver count.
    pub fn add_end(&self, sender: bool) {
        self.0.count(sender, true)
    }

    /// Gives back what [`Port::add_end`] took.
    pub fn drop_end(&self, sender: bool) {
        self.0.count(sender, false)
    }

    /// Takes a sender (or receiver) count only if some other is still held,
    /// atomically: a proxy whose last end just went (its channel now
    /// closed for good, if it was the last sender) must not be joined.
    pub fn join(&self, sender: bool) -> bool {
        self.0.join(sender)
    }

    /// A new rendezvous channel of the same message type with no ends: a
    /// proxy for this channel on another node (used by tests of transports;
    /// importing makes proxies through [`EndCodec::import`]).
    pub fn fresh(&self) -> Port {
        self.0.fresh()
    }
}
