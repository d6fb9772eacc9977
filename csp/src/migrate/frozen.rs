//! The frozen form of a process, in memory and in checkpoint files.
//!
//! A checkpoint file is the 8-byte magic `CSPFRZ01`, one MessagePack array
//! (format version, identity: name, version and fingerprint, the frame's
//! bytes, a snapshot of every channel it refers to, and the frame's
//! [`Schema`](super::Schema), which lets newer code upgrade it), then the
//! CRC-32 of that array, little-endian. Format 2 (before schemas) is still
//! read. Reading one checks the magic and the checksum
//! before decoding anything, then the format version; decoding goes through
//! serde's bounded sequence handling; and a decoded frame is checked for a
//! consistent state (`Migratable::validate`) before it is handed out. A
//! corrupt or hostile file is an error, never a panic, a hang or an
//! unbounded allocation.

use std::any::Any;
use std::fmt;
use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use super::chanref::serde_bytes_compat::option::Ref;
use super::chanref::{self, ChannelSnapshot};
use super::envelope;
use super::frame_bytes::{Field, FrameBytes};
use super::schema::{SchemaRecord, SchemaSource};
use super::upgrade;
use super::Migratable;

pub(crate) const MAGIC: &[u8; 8] = b"CSPFRZ01";
const FORMAT: u32 = 3;
/// The oldest format this build reads.
const OLDEST_FORMAT: u32 = 2;

/// The live channel ends a frozen process held, apart from its bytes
/// ([`Frozen::into_bytes`]). Dropping them is dropping the ends: a channel
/// whose last receiver (or sender) they were closes. Keep them until the
/// bytes are thawed, or will never be.
#[must_use = "dropping the ends may close channels the frozen process needs"]
pub struct HeldEnds(Vec<Box<dyn Any + Send>>);

impl fmt::Debug for HeldEnds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HeldEnds({})", self.0.len())
    }
}

/// Which process type a frozen frame belongs to.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Identity {
    /// Frame type name.
    pub name: String,
    /// Code version.
    pub version: u32,
    /// Layout fingerprint.
    pub fingerprint: u64,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} v{} (fingerprint {:016x})",
            self.name, self.version, self.fingerprint
        )
    }
}

/// A process stopped at a pause point, as bytes.
pub struct Frozen {
    identity: Identity,
    frame: FrameBytes,
    channels: Vec<ChannelSnapshot>,
    /// The layout the frame's bytes follow.
    schema: SchemaSource,
    /// Live channel ends held while frozen in memory, so the process's
    /// channels stay open and connected until it is thawed (or dropped).
    keep: Vec<Box<dyn Any + Send>>,
}

#[derive(Deserialize)]
struct FileForm<'a> {
    format: u32,
    identity: Identity,
    #[serde(borrow)]
    frame: Field<'a>,
    channels: Vec<ChannelSnapshot>,
    #[serde(default)]
    schema: SchemaSource,
}

/// [`FileForm`] borrowed from a [`Frozen`], for writing without copying
/// the frame first: the same fields in the same order, so it encodes the
/// same MessagePack.
#[derive(Serialize)]
struct FileFormRef<'a> {
    format: u32,
    identity: &'a Identity,
    frame: Ref<'a>,
    channels: &'a [ChannelSnapshot],
    schema: &'a SchemaSource,
}

/// Why bytes could not become a running process again.
#[derive(Debug)]
pub enum ThawError {
    /// Not a csp checkpoint (wrong magic) or a format this build cannot read.
    Format(String),
    /// The frame belongs to another process type or layout.
    Mismatch {
        /// What the bytes say.
        found: Identity,
        /// What this program has (if it has that name at all).
        expected: Option<Identity>,
    },
    /// The bytes decode to no valid frame (corrupt, or a channel it needs
    /// is gone and was not saved).
    Decode(String),
    /// Newer code declares an upgrade from the frame's version, and the
    /// upgrade failed (see [`Upgrade`](super::Upgrade)).
    Upgrade {
        /// The process type.
        name: String,
        /// The version that froze the frame.
        from: u32,
        /// This program's version.
        to: u32,
        /// What went wrong.
        reason: String,
    },
    /// Reading the file failed.
    Io(io::Error),
}

impl fmt::Display for ThawError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ThawError::Format(m) => write!(f, "not a readable csp checkpoint: {m}"),
            ThawError::Mismatch { found, expected: None } => {
                write!(f, "no process type named `{}` is registered in this program (frozen: {found})", found.name)
            }
            ThawError::Mismatch { found, expected: Some(e) } if found.name != e.name => write!(
                f,
                "type mismatch: the bytes are a frozen `{}`, not a `{}`",
                found.name, e.name
            ),
            ThawError::Mismatch { found, expected: Some(e) } if found.version > e.version => write!(
                f,
                "version mismatch for `{}`: frozen by version {}, newer than this program's version {} (older code cannot read newer frames)",
                found.name, found.version, e.version
            ),
            ThawError::Mismatch { found, expected: Some(e) } if found.version != e.version => write!(
                f,
                "version mismatch for `{}`: frozen by version {}, this program has version {} and no upgrade from it (declare `upgrade = function` to convert it, or `upgrades_from = [{}]` if the frame layout is unchanged)",
                found.name, found.version, e.version, found.version
            ),
            ThawError::Mismatch { found, expected: Some(e) } => write!(
                f,
                "layout mismatch for `{}` v{}: frozen fingerprint {:016x}, this program's is {:016x} (same version, different frame)",
                found.name, found.version, found.fingerprint, e.fingerprint
            ),
            ThawError::Decode(m) => write!(f, "frozen frame does not decode: {m}"),
            ThawError::Upgrade { name, from, to, reason } => {
                write!(f, "upgrading `{name}` from version {from} to {to} failed: {reason}")
            }
            ThawError::Io(e) => write!(f, "reading checkpoint: {e}"),
        }
    }
}

impl std::error::Error for ThawError {}

impl From<io::Error> for ThawError {
    fn from(e: io::Error) -> Self {
        ThawError::Io(e)
    }
}

/// Checks a checkpoint's magic, checksum and format, and decodes its map.
fn parse(b: &[u8]) -> Result<FileForm<'_>, ThawError> {
    let rest = b
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| ThawError::Format("missing the CSPFRZ01 header".into()))?;
    let split = rest
        .len()
        .checked_sub(4)
        .ok_or_else(|| ThawError::Format("truncated: no checksum".into()))?;
    let (body, crc) = rest.split_at(split);
    let crc = u32::from_le_bytes(crc.try_into().expect("split at len - 4"));
    if crc32fast::hash(body) != crc {
        return Err(ThawError::Format(
            "checksum mismatch: the checkpoint is damaged or truncated".into(),
        ));
    }
    let form: FileForm<'_> =
        rmp_serde::from_slice(body).map_err(|e| ThawError::Format(e.to_string()))?;
    if !(OLDEST_FORMAT..=FORMAT).contains(&form.format) {
        return Err(ThawError::Format(format!(
            "format version {} (this build reads {OLDEST_FORMAT} to {FORMAT})",
            form.format
        )));
    }
    Ok(form)
}

impl fmt::Debug for Frozen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frozen")
            .field("identity", &self.identity)
            .field("frame_bytes", &self.frame.len())
            .field("channels", &self.channels.len())
            .finish_non_exhaustive()
    }
}

impl Frozen {
    /// Freezes a frame that is not running: settles its pending operation,
    /// then serializes it. On success the caller should drop the frame (its
    /// channel ends are now held by the `Frozen`); on failure the settled
    /// frame is intact and can keep running.
    ///
    /// The frame is serialized straight into the start of its checkpoint
    /// encoding, so [`into_bytes`](Self::into_bytes) need not copy it (a
    /// process holding 16 MiB would otherwise be copied twice).
    pub fn freeze<P: Migratable>(frame: &mut P) -> Result<Frozen, super::FreezeError> {
        frame.settle();
        let identity = P::identity();
        let mut buf = envelope::head(FORMAT, &identity);
        let mark = envelope::open_bin(&mut buf);
        let (r, got) =
            chanref::freezing(|| rmp_serde::encode::write(&mut envelope::Body(&mut buf), &*frame));
        r.map_err(|e| super::FreezeError::Serialize(e.to_string()))?;
        let at = envelope::close_bin(&mut buf, mark).map_err(super::FreezeError::Serialize)?;
        Ok(Frozen {
            identity,
            frame: FrameBytes::enveloped(buf, at),
            channels: got.snapshots.into_values().flatten().collect(),
            schema: SchemaSource::Static(P::SCHEMA),
            keep: got.keep,
        })
    }

    /// Which process type this is.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// Size of the frame's bytes (without channel snapshots).
    pub fn frame_len(&self) -> usize {
        self.frame.len()
    }

    /// Snapshots of the channels the frame refers to.
    pub fn channels(&self) -> &[ChannelSnapshot] {
        &self.channels
    }

    /// The layout of the frame's bytes, if they carry one (frames frozen
    /// by this build always do; format 2 checkpoints do not); an error if
    /// the one they carry does not decode.
    pub fn schema(&self) -> Result<Option<SchemaRecord>, ThawError> {
        self.schema.record().map_err(ThawError::Format)
    }

    /// Checks that these bytes can become a `P`: they are one, or an older
    /// version that `P` takes over as it is or through its upgrade.
    pub fn check<P: Migratable>(&self) -> Result<(), ThawError> {
        self.route::<P>().map(drop)
    }

    fn route<P: Migratable>(&self) -> Result<Option<super::UpgradeFn>, ThawError> {
        upgrade::route(&self.identity, P::identity(), P::UPGRADES_FROM, P::UPGRADE)
    }

    /// Thaws into a frame of type `P`, ready to spawn (nothing runs yet).
    pub fn thaw<P: Migratable>(self) -> Result<P, ThawError> {
        let how = self.route::<P>()?;
        let channels = self.channels.clone();
        let frame = self.decode_with(channels, |b, found, old| {
            upgrade::decode_as::<P>(b, found, old, how)
        })?;
        Ok(frame)
    }

    /// Decodes the frame with `f` inside a thaw context sharing `snapshots`
    /// (used by the registry and by `thaw_all`).
    pub(crate) fn decode_with<R>(
        self,
        snapshots: Vec<ChannelSnapshot>,
        f: impl FnOnce(&[u8], &Identity, &SchemaSource) -> R,
    ) -> R {
        let r = chanref::thawing(snapshots, || f(&self.frame, &self.identity, &self.schema));
        drop(self.keep);
        r
    }

    /// Thaws several processes frozen together (a pipeline's checkpoint) of
    /// any registered types: channels they share are rebuilt once, from the
    /// latest snapshot, so they stay connected to each other.
    pub fn thaw_all(frozen: Vec<Frozen>) -> Result<Vec<super::ThawedProcess>, ThawError> {
        let snapshots: Vec<ChannelSnapshot> = frozen
            .iter()
            .flat_map(|f| f.channels.iter().cloned())
            .collect();
        chanref::thawing(snapshots, || {
            frozen
                .into_iter()
                .map(|f| super::Registry::global().thaw_in_context(f))
                .collect()
        })
    }

    /// Encodes for a file or the wire (channel ends become references;
    /// snapshots travel along).
    pub fn to_bytes(&self) -> Vec<u8> {
        if let Some(head) = self.frame.envelope() {
            // Written by the freeze: copy it as it is, then finish it.
            let mut out = Vec::with_capacity(head.len() + 256);
            out.extend_from_slice(head);
            return self.finish(out);
        }
        let form = FileFormRef {
            format: FORMAT,
            identity: &self.identity,
            frame: Ref(&self.frame),
            channels: &self.channels,
            schema: &self.schema,
        };
        // The frame is copied once, straight into place.
        let mut out = Vec::with_capacity(MAGIC.len() + self.frame.len() + 256);
        out.extend_from_slice(MAGIC);
        // Encoding plain data into a Vec cannot fail.
        rmp_serde::encode::write(&mut out, &form).expect("encoding a frozen frame");
        let crc = crc32fast::hash(&out[MAGIC.len()..]);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Decodes what [`Frozen::to_bytes`] made.
    pub fn from_bytes(b: &[u8]) -> Result<Frozen, ThawError> {
        let form = parse(b)?;
        Ok(Frozen {
            identity: form.identity,
            frame: FrameBytes::own(form.frame.into_vec()),
            channels: form.channels,
            schema: form.schema,
            keep: Vec::new(),
        })
    }

    /// [`Frozen::from_bytes`] from a buffer it may keep: the frame is not
    /// copied out of it (a large frame arriving from the network or a file
    /// costs no second allocation).
    pub fn from_vec(b: Vec<u8>) -> Result<Frozen, ThawError> {
        let all = 0..b.len();
        Frozen::from_vec_in(b, all)
    }

    /// [`Frozen::from_vec`] of the part `at` of `b` (a checkpoint inside
    /// a received message, say): the frame stays in `b`.
    pub fn from_vec_in(b: Vec<u8>, at: std::ops::Range<usize>) -> Result<Frozen, ThawError> {
        let part = b
            .get(at)
            .ok_or_else(|| ThawError::Format("checkpoint outside its buffer".into()))?;
        let form = parse(part)?;
        let at = form.frame.range_in(&b);
        let (identity, channels, schema) = (form.identity, form.channels, form.schema);
        let frame = match (at, form.frame) {
            (Some(at), _) => FrameBytes::within(b, at),
            (None, field) => FrameBytes::own(field.into_vec()),
        };
        Ok(Frozen {
            identity,
            frame,
            channels,
            schema,
            keep: Vec::new(),
        })
    }

    /// [`to_bytes`](Self::to_bytes) without copying a frame that
    /// [`freeze`](Self::freeze) made: the same bytes. The live channel
    /// ends the frozen process held come back apart: keep them until the
    /// bytes are thawed (dropping them may close channels the process
    /// still needs).
    pub fn into_bytes(mut self) -> (Vec<u8>, HeldEnds) {
        let ends = HeldEnds(std::mem::take(&mut self.keep));
        let bytes = match self.frame.take_envelope() {
            Some(out) => self.finish(out),
            None => self.to_bytes(),
        };
        (bytes, ends)
    }

    /// Appends what follows the frame in the encoding (snapshots, schema,
    /// CRC) to `out`, which holds everything up to the frame's end.
    fn finish(&self, mut out: Vec<u8>) -> Vec<u8> {
        // Plain data into a Vec: cannot fail.
        rmp_serde::encode::write(&mut out, &self.channels).expect("encoding snapshots");
        rmp_serde::encode::write(&mut out, &self.schema).expect("encoding a schema");
        let crc = crc32fast::hash(&out[MAGIC.len()..]);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Writes a checkpoint.
    pub fn write_to(&self, mut w: impl Write) -> io::Result<()> {
        w.write_all(&self.to_bytes())?;
        w.flush()
    }

    /// Reads a checkpoint (at most `limit` bytes are read).
    pub fn read_from(r: impl Read, limit: u64) -> Result<Frozen, ThawError> {
        let mut buf = Vec::new();
        r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
        if buf.len() as u64 > limit {
            return Err(ThawError::Format(format!(
                "checkpoint larger than the {limit}-byte limit"
            )));
        }
        Frozen::from_vec(buf)
    }
}
