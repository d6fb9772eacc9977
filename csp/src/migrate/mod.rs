//! Freezing and thawing processes (feature `migration`).
//!
//! A `#[process]` frame is plain data plus channel ends, so it can stop at
//! its pause point and become bytes:
//!
//! * [`spawn_process`] runs a frame and returns a [`ProcessHandle`] whose
//!   [`freeze`](ProcessHandle::freeze) stops it at its current pause point
//!   and returns a [`Frozen`]. Freezing is atomic with respect to channel
//!   operations: a pending send either happened or its value is back in the
//!   frame; a pending receive either got its value (kept in the frame) or
//!   did not; nothing is lost or duplicated.
//! * A [`Frozen`] thaws back into its frame type ([`Frozen::thaw`]), or by
//!   name through the [`Registry`] of process types compiled into this
//!   program ([`Registry::thaw`]); it can be written to a checkpoint file
//!   ([`Frozen::write_to`], [`Frozen::read_from`]).
//! * While frozen in memory, its channel ends stay connected (it holds
//!   them), so peers block rather than see a close; thawed in the same OS
//!   process, it talks to the same channels. Restored from a file after
//!   those channels are gone, its channels are rebuilt from the snapshots
//!   saved with it (buffered messages included); processes restored
//!   together with [`Frozen::thaw_all`] share rebuilt channels.
//!
//! Identity: every frame type has a name, a version (`#[process(version =
//! N)]`) and a schema fingerprint (a hash of its fields' names and types and
//! of its pause points). Thawing bytes whose identity does not match is an
//! error that says which part differs, unless the newer code declares how
//! to take them over: `upgrades_from = [..]` for older versions with the
//! same layout, `upgrade = f` for any older version (see [`Upgrade`]).
//!
//! Frames are MessagePack (rmp-serde): an array of the state, the pending
//! operation and one element per field, `nil` for a local that holds no
//! value at that state and `[v]` for one that does (so a local holding
//! `None` or `()` is not taken for absent). A parameter or local written as
//! `Vec<u8>` is stored as one MessagePack bin rather than serde's default
//! array of integers (up to twice the bytes, and decoded one integer at a
//! time), so a process carrying a buffer moves at stream speed; reading
//! also accepts the array form. A `Vec<u8>` nested in another type keeps
//! serde's default: wrap it with [`serde_bytes`] to get the same.

pub(crate) mod chanref;
mod envelope;
mod frame_bytes;
mod frozen;
mod handle;
pub mod link;
mod output;
#[doc(hidden)]
pub mod present;
mod registry;
pub(crate) mod schema;
mod upgrade;

pub use chanref::serde_bytes_compat as serde_bytes;
pub use chanref::ChannelSnapshot;
pub use frozen::{Frozen, HeldEnds, Identity, ThawError};
pub use handle::{spawn_process, FreezeError, HostedHandle, Movable, ProcessHandle, Stopper};
pub use output::{EncodeOutput, EncodeOutputFallback, OutWrap, OutputEncoder};
pub use registry::{ProcessType, Registry, ThawedProcess};
pub use schema::{Schema, SchemaRecord};
pub use upgrade::{Upgrade, UpgradeError, UpgradeFn};

use crate::Process;

/// A process that can be frozen: implemented by `#[process]` frames when the
/// `migration` feature is on.
pub trait Migratable:
    Process<Output: Send + 'static> + serde::Serialize + serde::de::DeserializeOwned + Send + 'static
{
    /// Hash of the frame's layout (fields, their types, its pause points,
    /// and the layouts of frames it nests):
    /// changes whenever a frozen frame of the old layout could not be read.
    const FINGERPRINT: u64;

    /// Older versions of this process's code whose frozen frames this code
    /// accepts as they are (`#[process(version = 2, upgrades_from = [1])]`):
    /// the frame layout (the fingerprint) must be the same, and the author
    /// vouches that every pause point means the same in both versions.
    const UPGRADES_FROM: &'static [u32] = &[];

    /// The frame's locals and pause points by name, carried with every
    /// frozen frame so that newer code can read it.
    const SCHEMA: &'static Schema = &Schema::EMPTY;

    /// Converts frames frozen by any older version whose layout differs
    /// (`#[process(version = 2, upgrade = from_v1)]`; see [`Upgrade`]).
    const UPGRADE: Option<UpgradeFn> = None;

    /// Encodes a result for a join handle on another node; `None` when the
    /// output type is not serializable (generated code decides, see
    /// [`OutWrap`]).
    fn output_encoder() -> OutputEncoder<Self::Output> {
        None
    }

    /// This frame type's identity.
    fn identity() -> Identity {
        Identity {
            name: Self::NAME.to_string(),
            version: Self::VERSION,
            fingerprint: Self::FINGERPRINT,
        }
    }
}
