//! The process types this program can thaw, collected at link time.
//!
//! Every `#[process]` frame (with feature `migration`) submits a
//! [`ProcessType`] through `inventory`, so a node can rebuild a frame from
//! bytes knowing only its name, and refuse, with the reason, bytes of a type
//! or layout it does not have. Nothing outside this list is ever
//! instantiated from bytes.

use std::any::Any;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::frozen::{Frozen, Identity, ThawError};
use super::handle::{spawn_erased, ErasedFrame, Movable, ProcessHandle};
use super::schema::SchemaSource;
use super::upgrade::{self, UpgradeFn};
use super::Migratable;

/// Rebuilds a frame of one type from its bytes (frozen as the identity
/// given, with the schema given), through the upgrade function if given.
type DecodeFn = fn(
    &[u8],
    &Identity,
    &SchemaSource,
    Option<UpgradeFn>,
) -> Result<Box<dyn ErasedFrame>, ThawError>;

/// One registered process type.
pub struct ProcessType {
    name: &'static str,
    version: u32,
    fingerprint: u64,
    upgrades_from: &'static [u32],
    upgrade: Option<UpgradeFn>,
    decode: DecodeFn,
}

impl ProcessType {
    /// The entry for frame type `P` (used by generated code).
    pub const fn of<P: Migratable>() -> ProcessType {
        ProcessType {
            name: P::NAME,
            version: P::VERSION,
            fingerprint: P::FINGERPRINT,
            upgrades_from: P::UPGRADES_FROM,
            upgrade: P::UPGRADE,
            decode: decode::<P>,
        }
    }

    /// This type's identity.
    pub fn identity(&self) -> Identity {
        Identity {
            name: self.name.to_string(),
            version: self.version,
            fingerprint: self.fingerprint,
        }
    }
}

fn decode<P: Migratable>(
    b: &[u8],
    found: &Identity,
    old: &SchemaSource,
    how: Option<UpgradeFn>,
) -> Result<Box<dyn ErasedFrame>, ThawError> {
    let p = upgrade::decode_as::<P>(b, found, old, how)?;
    Ok(Box::new(p))
}

inventory::collect!(ProcessType);

/// The registered process types, by name.
pub struct Registry {
    by_name: HashMap<&'static str, &'static ProcessType>,
}

/// A thawed process of a type known only by name, ready to spawn.
pub struct ThawedProcess {
    frame: Box<dyn ErasedFrame>,
}

impl std::fmt::Debug for ThawedProcess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ThawedProcess")
            .field("name", &self.frame.name())
            .finish()
    }
}

impl ThawedProcess {
    /// Starts it on the current runtime. Its result arrives type-erased.
    pub fn spawn(self) -> ProcessHandle<Box<dyn Any + Send>> {
        spawn_erased(self.frame)
    }

    /// The frame type's name.
    pub fn name(&self) -> &'static str {
        self.frame.name()
    }

    /// Hands the frame to a node to run or move (see [`Movable`]).
    pub fn into_movable(self) -> Movable {
        Movable::from_erased(self.frame)
    }
}

impl Registry {
    /// Every process type linked into this program.
    pub fn global() -> &'static Registry {
        static R: OnceLock<Registry> = OnceLock::new();
        R.get_or_init(|| Registry {
            by_name: inventory::iter::<ProcessType>
                .into_iter()
                .map(|t| (t.name, t))
                .collect(),
        })
    }

    /// The registered type named `name`.
    pub fn get(&self, name: &str) -> Option<&'static ProcessType> {
        self.by_name.get(name).copied()
    }

    /// Names of all registered types.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_name.keys().copied()
    }

    /// The type a frozen frame needs, or why this program cannot run it:
    /// the same identity, an older version declared in `upgrades_from`
    /// with the same layout, or an older version that the type's declared
    /// upgrade function converts (whether that succeeds is only known
    /// when it runs, at thaw).
    pub fn check(&self, frozen: &Frozen) -> Result<&'static ProcessType, ThawError> {
        self.route(frozen).map(|(t, _)| t)
    }

    fn route(
        &self,
        frozen: &Frozen,
    ) -> Result<(&'static ProcessType, Option<UpgradeFn>), ThawError> {
        let found = frozen.identity();
        let Some(t) = self.get(&found.name) else {
            return Err(ThawError::Mismatch {
                found: found.clone(),
                expected: None,
            });
        };
        let how = upgrade::route(found, t.identity(), t.upgrades_from, t.upgrade)?;
        Ok((t, how))
    }

    /// Thaws a frame of any registered type.
    pub fn thaw(&self, frozen: Frozen) -> Result<ThawedProcess, ThawError> {
        let snapshots = frozen.channels().to_vec();
        self.thaw_with(frozen, snapshots)
    }

    /// Like [`Registry::thaw`], inside an already open thaw context.
    pub(crate) fn thaw_in_context(&self, frozen: Frozen) -> Result<ThawedProcess, ThawError> {
        self.thaw_with(frozen, Vec::new())
    }

    fn thaw_with(
        &self,
        frozen: Frozen,
        snapshots: Vec<super::ChannelSnapshot>,
    ) -> Result<ThawedProcess, ThawError> {
        let (t, how) = self.route(&frozen)?;
        frozen
            .decode_with(snapshots, |b, found, old| (t.decode)(b, found, old, how))
            .map(|frame| ThawedProcess { frame })
    }
}
