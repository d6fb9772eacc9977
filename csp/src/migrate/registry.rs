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
use super::Migratable;

/// Rebuilds a frame of one type from its bytes.
type DecodeFn = fn(&[u8]) -> Result<Box<dyn ErasedFrame>, String>;

/// One registered process type.
pub struct ProcessType {
    name: &'static str,
    version: u32,
    fingerprint: u64,
    upgrades_from: &'static [u32],
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

fn decode<P: Migratable>(b: &[u8]) -> Result<Box<dyn ErasedFrame>, String> {
    let p = rmp_serde::from_slice::<P>(b).map_err(|e| e.to_string())?;
    p.validate()?;
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

    /// The type a frozen frame needs, or why this program cannot run it.
    pub fn check(&self, frozen: &Frozen) -> Result<&'static ProcessType, ThawError> {
        let found = frozen.identity();
        let Some(t) = self.get(&found.name) else {
            return Err(ThawError::Mismatch {
                found: found.clone(),
                expected: None,
            });
        };
        // An older version this code declares it upgrades from, with the
        // same frame layout, is accepted as it is.
        let upgrade = found.version != t.version
            && t.upgrades_from.contains(&found.version)
            && found.fingerprint == t.fingerprint;
        if t.identity() != *found && !upgrade {
            return Err(ThawError::Mismatch {
                found: found.clone(),
                expected: Some(t.identity()),
            });
        }
        Ok(t)
    }

    /// Thaws a frame of any registered type.
    pub fn thaw(&self, frozen: Frozen) -> Result<ThawedProcess, ThawError> {
        let snapshots = frozen.channels().to_vec();
        let t = self.check(&frozen)?;
        frozen
            .decode_with(snapshots, |b| (t.decode)(b))
            .map(|frame| ThawedProcess { frame })
            .map_err(ThawError::Decode)
    }

    /// Like [`Registry::thaw`], inside an already open thaw context.
    pub(crate) fn thaw_in_context(&self, frozen: Frozen) -> Result<ThawedProcess, ThawError> {
        let t = self.check(&frozen)?;
        frozen
            .decode_with(Vec::new(), |b| (t.decode)(b))
            .map(|frame| ThawedProcess { frame })
            .map_err(ThawError::Decode)
    }
}
