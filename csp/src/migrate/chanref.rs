//! Channel ends inside frozen frames.
//!
//! A channel end serializes as a reference: the channel's process-wide id
//! and which end it is. While a frame is being frozen, a thread-local
//! *freeze context* collects, for every channel the frame refers to, a
//! snapshot of its state (capacity, closed flag, buffered values) and a live
//! handle that keeps the channel connected while the process is frozen.
//! While a frame is being thawed, a *thaw context* resolves each reference:
//! to the live channel if it still exists in this OS process (so the thawed
//! process talks to the same peers), otherwise to a channel rebuilt from the
//! latest snapshot of it (so a checkpoint restored after every process and
//! channel is gone still has its buffered messages).
//!
//! Ends only serialize inside csp's freeze: serializing a `Sender` with some
//! other serde format is an error, never a dangling reference.

use std::any::Any;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, Weak};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::link::{self, EndKind, Port, RemoteRef};
use crate::channel::Chan;
use crate::sync::Arc;
use crate::{Receiver, Sender};

/// The saved state of one channel.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct ChannelSnapshot {
    /// Process-wide channel id.
    pub id: u64,
    /// Lock-section count when taken: of two snapshots, the larger is later.
    pub seq: u64,
    /// Buffer size.
    pub cap: usize,
    /// Whether it was closed.
    pub closed: bool,
    /// The buffered values, MessagePack-encoded as a sequence.
    #[serde(with = "serde_bytes_compat")]
    pub buf: Vec<u8>,
}

/// `Vec<u8>` as a MessagePack bin rather than an array of integers (use
/// with `#[serde(with = "csp::migrate::serde_bytes")]`); reading also
/// accepts an array of integers.
pub mod serde_bytes_compat {
    use serde::{Deserializer, Serializer};

    /// Writes `v` as bin.
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    /// Reads bin (or an array of bytes).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Vec<u8>, E> {
                Ok(v.to_vec())
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(v)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, a: A) -> Result<Vec<u8>, A::Error> {
                seq_to_vec(a)
            }
        }
        d.deserialize_byte_buf(V)
    }

    /// Bytes written as an array of integers (how serde writes a plain
    /// `Vec<u8>`, and old checkpoints did), for a bytes visitor's
    /// `visit_seq`.
    pub fn seq_to_vec<'de, A: serde::de::SeqAccess<'de>>(mut a: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::new();
        while let Some(b) = a.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }

    /// `Option<Vec<u8>>` as nil or bin: a `#[process]` frame's `Vec<u8>`
    /// field (frame fields are options).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serialize, Serializer};

        /// Borrows the bytes to write them (no copy of a large buffer).
        pub(crate) struct Ref<'a>(pub(crate) &'a [u8]);

        impl Serialize for Ref<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }

        /// Bytes read from bin (or an array of integers).
        #[derive(Deserialize)]
        #[serde(transparent)]
        pub(crate) struct Bytes(#[serde(with = "super")] pub(crate) Vec<u8>);

        /// Writes nil, or `v` as bin.
        pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                None => s.serialize_none(),
                Some(b) => s.serialize_some(&Ref(b)),
            }
        }

        /// Reads nil, or bin (or an array of bytes).
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
            Ok(Option::<Bytes>::deserialize(d)?.map(|b| b.0))
        }
    }
}

/// A channel end as serialized: a local reference (`chan` is the id in
/// this OS process, resolved through the freeze/thaw contexts), or, while a
/// transport's codec is installed, a reference to the channel's home node.
#[derive(Serialize, Deserialize)]
struct EndRef {
    chan: u64,
    end: EndKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    remote: Option<RemoteRef>,
}

type AnyChan = dyn Any + Send + Sync;

fn registry() -> &'static Mutex<HashMap<u64, Weak<AnyChan>>> {
    static R: OnceLock<Mutex<HashMap<u64, Weak<AnyChan>>>> = OnceLock::new();
    R.get_or_init(Default::default)
}

fn lock_registry() -> std::sync::MutexGuard<'static, HashMap<u64, Weak<AnyChan>>> {
    registry()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The channel's id, registering it process-wide on first use.
pub(crate) fn id_of<T: Send + 'static>(chan: &Arc<Chan<T>>) -> u64 {
    *chan.id.get_or_init(|| {
        // Ids travel in checkpoints to other OS processes, so they must not
        // collide with the ids those processes issue themselves: each
        // process counts up from its own random 64-bit starting point.
        static NEXT: OnceLock<AtomicU64> = OnceLock::new();
        let next = NEXT.get_or_init(|| AtomicU64::new(fastrand::u64(1..u64::MAX / 2)));
        let id = next.fetch_add(1, Ordering::Relaxed);
        let weak: Weak<AnyChan> = Arc::downgrade(chan) as Weak<AnyChan>;
        let mut reg = lock_registry();
        if reg.len() >= 64 && reg.len().is_power_of_two() {
            reg.retain(|_, w| w.strong_count() > 0);
        }
        reg.insert(id, weak);
        id
    })
}

/// Forgets a dropped channel's id, unless the id already names a channel
/// rebuilt after this one died.
pub(crate) fn unregister(id: u64) {
    let mut reg = lock_registry();
    if reg.get(&id).is_some_and(|w| w.strong_count() == 0) {
        reg.remove(&id);
    }
}

/// What freezing one frame collected besides the frame's bytes.
#[derive(Default)]
pub(crate) struct Collected {
    pub(crate) snapshots: BTreeMap<u64, Option<ChannelSnapshot>>,
    pub(crate) keep: Vec<Box<dyn Any + Send>>,
}

thread_local! {
    static FREEZING: RefCell<Option<Collected>> = const { RefCell::new(None) };
    static THAWING: RefCell<Option<ThawCtx>> = const { RefCell::new(None) };
}

/// Runs `f` (which serializes frames) with a freeze context; returns what
/// the channel ends in it collected.
pub(crate) fn freezing<R>(f: impl FnOnce() -> R) -> (R, Collected) {
    let outer = FREEZING.with(|c| c.replace(Some(Collected::default())));
    let r = f();
    let got = FREEZING.with(|c| c.replace(outer)).unwrap_or_default();
    (r, got)
}

fn note<T: Serialize + Send + 'static, E: serde::ser::Error>(
    chan: &Arc<Chan<T>>,
    keep: Option<Box<dyn Any + Send>>,
) -> Result<u64, E> {
    let id = id_of(chan);
    let fresh = FREEZING.with(|c| {
        let mut c = c.borrow_mut();
        let ctx = c.as_mut().ok_or_else(|| {
            E::custom(
                "csp channel ends can only be serialized by freezing a process (csp::migrate)",
            )
        })?;
        if let Some(k) = keep {
            ctx.keep.push(k);
        }
        // Reserve the slot first: a buffered value may refer to this channel.
        Ok::<bool, E>(match ctx.snapshots.entry(id) {
            std::collections::btree_map::Entry::Occupied(_) => false,
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(None);
                true
            }
        })
    })?;
    if fresh {
        let st = chan.lock();
        let (seq, cap, closed, buf) = st.snapshot_parts();
        let bytes =
            rmp_serde::to_vec(buf).map_err(|e| E::custom(format!("buffered message: {e}")))?;
        drop(st);
        let snap = ChannelSnapshot {
            id,
            seq,
            cap,
            closed,
            buf: bytes,
        };
        FREEZING.with(|c| {
            if let Some(ctx) = c.borrow_mut().as_mut() {
                ctx.snapshots.insert(id, Some(snap));
            }
        });
    }
    Ok(id)
}

/// Resolves channel ids while thawing.
pub(crate) struct ThawCtx {
    snapshots: BTreeMap<u64, ChannelSnapshot>,
    live: BTreeMap<u64, std::sync::Arc<AnyChan>>,
}

/// Runs `f` (which deserializes frames) with a thaw context that knows
/// `snapshots`. Re-entrant: inside an open context (several frames restored
/// together) the snapshots join it, so shared channels are rebuilt once.
pub(crate) fn thawing<R>(
    snapshots: impl IntoIterator<Item = ChannelSnapshot>,
    f: impl FnOnce() -> R,
) -> R {
    let nested = THAWING.with(|c| c.borrow().is_some());
    if !nested {
        THAWING.with(|c| {
            *c.borrow_mut() = Some(ThawCtx {
                snapshots: BTreeMap::new(),
                live: BTreeMap::new(),
            })
        });
    }
    THAWING.with(|c| {
        let mut c = c.borrow_mut();
        let ctx = c.as_mut().expect("opened above");
        for s in snapshots {
            match ctx.snapshots.get(&s.id) {
                Some(old) if old.seq >= s.seq => {}
                _ => {
                    ctx.snapshots.insert(s.id, s);
                }
            }
        }
    });
    struct Close(bool);
    impl Drop for Close {
        fn drop(&mut self) {
            if self.0 {
                THAWING.with(|c| c.borrow_mut().take());
            }
        }
    }
    let _close = Close(!nested);
    f()
}

fn resolve<T: DeserializeOwned + Send + 'static, E: serde::de::Error>(
    id: u64,
) -> Result<Arc<Chan<T>>, E> {
    let mismatch = || {
        E::custom(format!(
            "channel {id} carries a different message type than this frame expects"
        ))
    };
    let cached = THAWING.with(|c| {
        let c = c.borrow();
        let ctx = c.as_ref().ok_or_else(|| {
            E::custom("csp channel ends can only be deserialized by thawing a process")
        })?;
        Ok::<_, E>(ctx.live.get(&id).cloned())
    })?;
    let any = match cached {
        Some(a) => a,
        None => {
            // Not in one expression: the registry lock must be released
            // before `rebuild` takes it again.
            let live = lock_registry().get(&id).and_then(Weak::upgrade);
            let any = match live {
                Some(a) => a,
                None => rebuild::<T, E>(id)?,
            };
            THAWING.with(|c| {
                if let Some(ctx) = c.borrow_mut().as_mut() {
                    ctx.live.insert(id, any.clone());
                }
            });
            any
        }
    };
    any.downcast::<Chan<T>>().map_err(|_| mismatch())
}

fn rebuild<T: DeserializeOwned + Send + 'static, E: serde::de::Error>(
    id: u64,
) -> Result<std::sync::Arc<AnyChan>, E> {
    let snap = THAWING.with(|c| {
        c.borrow()
            .as_ref()
            .and_then(|ctx| ctx.snapshots.get(&id).cloned())
    });
    let snap = snap.ok_or_else(|| {
        E::custom(format!(
            "the frame refers to channel {id}, which no longer exists and was not saved with it"
        ))
    })?;
    let buf: VecDeque<T> = rmp_serde::from_slice(&snap.buf)
        .map_err(|e| E::custom(format!("channel {id}'s buffer: {e}")))?;
    let chan = Arc::new(Chan::with_state(snap.cap, snap.closed, buf, 0));
    chan.id.set(id).ok();
    let any: std::sync::Arc<AnyChan> = chan;
    lock_registry().insert(id, std::sync::Arc::downgrade(&any));
    Ok(any)
}

/// Serializes an end of `chan`: through the installed transport codec if
/// there is one, else as a local reference noted in the freeze context.
fn write_end<T, S>(
    chan: &Arc<Chan<T>>,
    end: EndKind,
    keep: Option<Box<dyn Any + Send>>,
    s: S,
) -> Result<S::Ok, S::Error>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    S: Serializer,
{
    if let Some(codec) = link::codec() {
        let r = codec
            .export(&Port::of(chan), end)
            .map_err(serde::ser::Error::custom)?;
        return EndRef {
            chan: r.chan,
            end,
            remote: Some(r),
        }
        .serialize(s);
    }
    let chan = note::<T, S::Error>(chan, keep)?;
    EndRef {
        chan,
        end,
        remote: None,
    }
    .serialize(s)
}

/// Deserializes an end of the expected kind into its channel, and whether
/// the end's count is already taken (a transport's import takes it, under
/// its own lock, so the channel cannot look abandoned in between).
fn read_end<'de, T, D>(d: D, want: EndKind) -> Result<(Arc<Chan<T>>, bool), D::Error>
where
    T: Serialize + DeserializeOwned + Send + 'static,
    D: Deserializer<'de>,
{
    let r = EndRef::deserialize(d)?;
    if r.end != want {
        return Err(D::Error::custom(format!(
            "expected a {want:?} end, found a {:?} end",
            r.end
        )));
    }
    let Some(remote) = r.remote else {
        return resolve::<T, D::Error>(r.chan).map(|c| (c, false));
    };
    let codec = link::codec().ok_or_else(|| {
        D::Error::custom(format!(
            "the frame holds an end of channel {:x} homed on node {:016x}: only a csp-net node can thaw it",
            remote.chan, remote.home
        ))
    })?;
    let mut proxy = || {
        Port::of(&Arc::new(Chan::<T>::with_state(
            0,
            false,
            VecDeque::new(),
            0,
        )))
    };
    let port = codec
        .import(&remote, want, &mut proxy)
        .map_err(D::Error::custom)?;
    let chan = port.typed::<T>().ok_or_else(|| {
        D::Error::custom(format!(
            "channel {:x} carries a different message type than this frame expects",
            remote.chan
        ))
    })?;
    Ok((chan, want.counted()))
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for Sender<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_end(&self.chan, EndKind::Sender, Some(Box::new(self.clone())), s)
    }
}

impl<T: Serialize + DeserializeOwned + Send + 'static> Serialize for Receiver<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_end(
            &self.chan,
            EndKind::Receiver,
            Some(Box::new(self.clone())),
            s,
        )
    }
}

impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for Sender<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (chan, counted) = read_end::<T, D>(d, EndKind::Sender)?;
        if !counted {
            chan.add_sender();
        }
        Ok(Sender { chan })
    }
}

impl<'de, T: Serialize + DeserializeOwned + Send + 'static> Deserialize<'de> for Receiver<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (chan, counted) = read_end::<T, D>(d, EndKind::Receiver)?;
        if !counted {
            chan.add_receiver();
        }
        Ok(Receiver { chan })
    }
}

/// An uncounted handle to a channel, as held by a pending operation;
/// `SEND` tells which side of the channel the operation is on, which a
/// transport needs to pick the right proxy.
pub(crate) struct RawChan<T, const SEND: bool>(pub(crate) Arc<Chan<T>>);

impl<T, const SEND: bool> RawChan<T, SEND> {
    const KIND: EndKind = if SEND {
        EndKind::RawSend
    } else {
        EndKind::RawRecv
    };
}

impl<T: Serialize + DeserializeOwned + Send + 'static, const SEND: bool> Serialize
    for RawChan<T, SEND>
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        write_end(&self.0, Self::KIND, None, s)
    }
}

impl<'de, T: Serialize + DeserializeOwned + Send + 'static, const SEND: bool> Deserialize<'de>
    for RawChan<T, SEND>
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RawChan(read_end::<T, D>(d, Self::KIND)?.0))
    }
}
