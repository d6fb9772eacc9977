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
///
/// Several types may share a name (two versions of one process linked into
/// one program, or two modules' `worker`s): a frozen frame goes to the one
/// whose identity it has, else to the newest that takes it over.
pub struct Registry {
    /// Newest version first.
    by_name: HashMap<&'static str, Vec<&'static ProcessType>>,
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
        R.get_or_init(|| Registry::of(inventory::iter::<ProcessType>.into_iter()))
    }

    fn of(types: impl Iterator<Item = &'static ProcessType>) -> Registry {
        let mut by_name: HashMap<&'static str, Vec<&'static ProcessType>> = HashMap::new();
        for t in types {
            by_name.entry(t.name).or_default().push(t);
        }
        for ts in by_name.values_mut() {
            ts.sort_by_key(|t| std::cmp::Reverse(t.version));
        }
        Registry { by_name }
    }

    /// The registered type named `name` (the newest version, if several).
    pub fn get(&self, name: &str) -> Option<&'static ProcessType> {
        self.by_name.get(name).and_then(|ts| ts.first().copied())
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
        let Some(ts) = self.by_name.get(found.name.as_str()) else {
            return Err(ThawError::Mismatch {
                found: found.clone(),
                expected: None,
            });
        };
        if let Some(t) = ts.iter().find(|t| t.identity() == *found) {
            return Ok((t, None));
        }
        // The newest that takes it over; else the newest's refusal.
        let mut refusal = None;
        for t in ts {
            match upgrade::route(found, t.identity(), t.upgrades_from, t.upgrade) {
                Ok(how) => return Ok((t, how)),
                Err(e) => {
                    refusal.get_or_insert(e);
                }
            }
        }
        Err(refusal.unwrap_or_else(|| ThawError::Mismatch {
            found: found.clone(),
            expected: None,
        }))
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
